/**
 * The shape of a vidpad sub-command: its options are declared once, and the
 * same declaration drives parsing, validation and `--help`.
 */
export interface OptionSpec {
  /** Long name without dashes, e.g. `backend`. */
  name: string;
  type: 'string' | 'boolean';
  /** Value placeholder shown in help, e.g. `NAME`. */
  valueName?: string;
  description: string;
  default?: string | boolean;
  short?: string;
}

export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Where a long command says how to continue if it is interrupted now (see interrupt.ts); absent in tests that run main() in-process. */
  interrupt?: InterruptNotice;
}

/**
 * What to print if the program is interrupted (Ctrl-C) at this point: a
 * function of the program's own command line (quoted for a shell), e.g. the
 * same line with `--resume`. A command updates it as its work progresses.
 */
export interface InterruptNotice {
  set(notice: ((commandLine: string) => string) | null): void;
}

export interface ParsedArgs {
  options: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export interface CliCommand {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Usage line after `vidpad <name>`, e.g. `[--json]`. */
  usage: string;
  /** Longer help text: what it does, what it writes. */
  description: string;
  options: OptionSpec[];
  /**
   * The command stops gracefully on SIGTERM and SIGINT itself (vidpad serve
   * finishes its requests in flight), so the program does not exit at once on them.
   */
  handlesSignals?: boolean;
  /** Returns the process exit code. */
  run(args: ParsedArgs, io: CommandIo): Promise<number>;
}
