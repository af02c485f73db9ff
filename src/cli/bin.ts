/**
 * The program behind `bin/vidpad.js`: runs the CLI on the process's own
 * arguments and streams, with Ctrl-C reported as an interruption (exit 130)
 * that says how to continue.
 */
import { main, errorLine } from './main.js';
import { handleInterrupts } from './interrupt.js';

const argv = process.argv.slice(2);
const interrupts = handleInterrupts(argv, process.stderr);
main(argv, { stdout: process.stdout, stderr: process.stderr, interrupt: interrupts.notice }).then(
  (code) => {
    interrupts.dispose();
    process.exitCode = code;
  },
  (err: unknown) => {
    interrupts.dispose();
    process.stderr.write(errorLine(err) + '\n');
    process.exitCode = 1;
  },
);
