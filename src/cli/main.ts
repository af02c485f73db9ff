/**
 * The `vidpad` command-line program: parses the sub-command, prints help,
 * and turns typed errors into one clear line and an exit code.
 */
import { parseArgs } from 'node:util';
import type { CliCommand, CommandIo, OptionSpec } from './command.js';
import { COMMANDS } from './commands/index.js';
import { UsageError, VidpadError, vidpadVersion } from '../index.js';

function optionLine(o: OptionSpec): string {
  const flag = `--${o.name}${o.type === 'string' ? ` ${o.valueName ?? 'VALUE'}` : ''}`;
  const short = o.short ? `-${o.short}, ` : '    ';
  const def = o.default !== undefined && o.default !== false ? ` (default: ${String(o.default)})` : '';
  return `  ${short}${flag.padEnd(26)} ${o.description}${def}`;
}

export function generalHelp(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'vidpad: face presentation-attack detection from a few frames of video',
    '',
    'Usage: vidpad <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    '  -h, --help      show help (also: vidpad <command> --help)',
    '  -v, --version   print the version',
    '',
  ].join('\n');
}

export function commandHelp(c: CliCommand): string {
  return [`Usage: vidpad ${c.name} ${c.usage}`, '', c.description, '', 'Options:', ...c.options.map(optionLine), optionLine({ name: 'help', short: 'h', type: 'boolean', description: 'show this help' }), ''].join('\n');
}

/** Runs the CLI with `argv` (without node and the script); returns the exit code. */
export async function main(argv: string[], io: CommandIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.stdout.write(generalHelp(COMMANDS));
    return name === undefined ? 2 : 0;
  }
  if (name === '-v' || name === '--version') {
    io.stdout.write(`vidpad ${vidpadVersion()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  try {
    if (!command) throw new UsageError(`unknown command '${name}'; commands: ${COMMANDS.map((c) => c.name).join(', ')}`);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(commandHelp(command));
      return 0;
    }
    let parsed;
    try {
      parsed = parseArgs({
        args: rest,
        allowPositionals: true,
        strict: true,
        options: Object.fromEntries(
          command.options.map((o) => [o.name, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.default !== undefined ? { default: o.default } : {}) }]),
        ),
      });
    } catch (err) {
      throw new UsageError(`${(err as Error).message.replace(/\. To specify.*$/s, '')}; see 'vidpad ${command.name} --help'`);
    }
    return await command.run({ options: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals }, io);
  } catch (err) {
    if (err instanceof VidpadError) {
      io.stderr.write(`vidpad: error [${err.code}]: ${err.message}\n`);
      return err instanceof UsageError ? 2 : 1;
    }
    throw err;
  }
}
