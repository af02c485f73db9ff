/**
 * Interrupting vidpad (Ctrl-C, SIGINT; or SIGTERM from a scheduler): every
 * file is written atomically, so stopping at any moment loses only the work
 * in flight; the program then says, in one line, what was kept and how to
 * continue (the notice the running command set), and exits 130 (143 for
 * SIGTERM).
 */
import type { CommandIo, InterruptNotice } from './command.js';
import { EXIT_INTERRUPTED, EXIT_TERMINATED } from './exit-codes.js';

/** `arg` quoted for a POSIX shell when it needs it. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_\-.,/:=+@%^]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** `vidpad <argv…>` as a user can paste it back. */
export function commandLineOf(argv: readonly string[]): string {
  return ['vidpad', ...argv.map(shellQuote)].join(' ');
}

/** The command line with `flag` added, unless it is there already. */
export function withFlag(commandLine: string, flag: string): string {
  return commandLine.split(' ').includes(flag) ? commandLine : `${commandLine} ${flag}`;
}

export interface InterruptHandling {
  notice: InterruptNotice;
  /** The line printed for `signal` with the current notice. */
  message(signal: NodeJS.Signals): string;
  /** Removes the signal handlers. */
  dispose(): void;
}

/**
 * Installs SIGINT and SIGTERM handlers for one program run: on the signal it
 * writes the message to `stderr` and exits with 130 (SIGINT) or 143.
 */
export function handleInterrupts(argv: readonly string[], stderr: CommandIo['stderr'], exit: (code: number) => void = (code) => process.exit(code)): InterruptHandling {
  let current: ((commandLine: string) => string) | null = null;
  const notice: InterruptNotice = { set: (n) => (current = n) };
  const message = (signal: NodeJS.Signals) => {
    const what = signal === 'SIGINT' ? 'interrupted' : `stopped by ${signal}`;
    return `vidpad: ${what}${current ? `: ${current(commandLineOf(argv))}` : ''}`;
  };
  const on = (signal: NodeJS.Signals) => () => {
    // The line must be complete before the process goes; a progress bar may have left the cursor mid-line.
    stderr.write(`\n${message(signal)}\n`, () => exit(signal === 'SIGINT' ? EXIT_INTERRUPTED : EXIT_TERMINATED));
  };
  const onInt = on('SIGINT');
  const onTerm = on('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    notice,
    message,
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
