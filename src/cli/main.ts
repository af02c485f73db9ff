/**
 * The `vidpad` command-line program: parses the sub-command, prints help,
 * and turns every error into one clear line and an exit code (exit-codes.ts:
 * 0 done, 1 failed, 2 usage/config/output location, 130 interrupted).
 */
import { parseArgs } from 'node:util';
import type { CliCommand, CommandIo, OptionSpec } from './command.js';
import { COMMANDS } from './commands/index.js';
import { UsageError, VidpadError, vidpadVersion } from '../index.js';
import { EXIT_CODES_HELP, EXIT_OK, EXIT_USAGE, exitCodeOf } from './exit-codes.js';

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
    ...EXIT_CODES_HELP,
    '',
  ].join('\n');
}

export function commandHelp(c: CliCommand): string {
  return [`Usage: vidpad ${c.name} ${c.usage}`, '', c.description, '', 'Options:', ...c.options.map(optionLine), optionLine({ name: 'help', short: 'h', type: 'boolean', description: 'show this help' }), '', ...EXIT_CODES_HELP, ''].join('\n');
}

/** Runs the CLI with `argv` (without node and the script); returns the exit code. */
export async function main(argv: string[], io: CommandIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.stdout.write(generalHelp(COMMANDS));
    return name === undefined ? EXIT_USAGE : EXIT_OK;
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
      return EXIT_OK;
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
    io.stderr.write(errorLine(err) + '\n');
    return exitCodeOf(err);
  }
}

const SYSTEM_ERRNOS = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENOENT', 'ENOTDIR', 'EISDIR', 'EEXIST', 'EMFILE', 'EIO', 'EBUSY']);

/**
 * One line for any error: a typed error's code and message; a file-system
 * error vidpad did not foresee as E_IO with its path; anything else as an
 * internal error (a bug), whose stack VIDPAD_DEBUG=1 prints.
 */
export function errorLine(err: unknown): string {
  if (err instanceof VidpadError) return `vidpad: error [${err.code}]: ${err.message}`;
  const errno = (err as NodeJS.ErrnoException | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof errno === 'string' && SYSTEM_ERRNOS.has(errno)) return `vidpad: error [E_IO]: ${message}`;
  const stack = process.env.VIDPAD_DEBUG && err instanceof Error && err.stack ? `\n${err.stack}` : '';
  return `vidpad: internal error: ${message} (a bug in vidpad: please report it with the command line; VIDPAD_DEBUG=1 prints the stack)${stack}`;
}
