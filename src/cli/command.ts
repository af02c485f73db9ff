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
  /** Returns the process exit code. */
  run(args: ParsedArgs, io: CommandIo): Promise<number>;
}
