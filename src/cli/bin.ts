/**
 * The program behind `bin/vidpad.js`: runs the CLI on the process's own
 * arguments and streams, with Ctrl-C reported as an interruption (exit 130)
 * that says how to continue.
 */
import { main, errorLine } from './main.js';
import { handleInterrupts } from './interrupt.js';
import { COMMANDS } from './commands/index.js';

const argv = process.argv.slice(2);
// A command that stops gracefully on a signal (vidpad serve) takes the signals itself.
const interrupts = COMMANDS.find((c) => c.name === argv[0])?.handlesSignals ? null : handleInterrupts(argv, process.stderr);
main(argv, { stdout: process.stdout, stderr: process.stderr, ...(interrupts ? { interrupt: interrupts.notice } : {}) }).then(
  (code) => {
    interrupts?.dispose();
    process.exitCode = code;
  },
  (err: unknown) => {
    interrupts?.dispose();
    process.stderr.write(errorLine(err) + '\n');
    process.exitCode = 1;
  },
);
