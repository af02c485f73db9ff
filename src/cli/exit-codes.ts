/**
 * vidpad's one exit-status convention, for every command, stated at the end
 * of every `--help`:
 *   0    done;
 *   1    the job failed, or some of its items did (each listed with its reason);
 *   2    the command line, a configuration value or an output location is
 *        wrong: found before any work was done;
 *   130  interrupted (Ctrl-C, SIGINT; 143 for SIGTERM): what was finished is
 *        kept, and the message says how to continue.
 */
import { ConfigError, OutputError, UsageError, VidpadError } from '../index.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;
export const EXIT_TERMINATED = 143;

/** The status a command's error ends the program with. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError || err instanceof ConfigError || err instanceof OutputError) return EXIT_USAGE;
  if (err instanceof VidpadError) return EXIT_FAILED;
  return EXIT_FAILED;
}

/** The lines every help text ends with. */
export const EXIT_CODES_HELP = [
  'Exit status:',
  '  0    done',
  '  1    the job failed, or some of its items did (each listed with its reason)',
  '  2    bad command line, configuration value or output location (found before any work)',
  '  130  interrupted (Ctrl-C); finished work is kept and the message says how to continue',
];
