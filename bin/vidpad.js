#!/usr/bin/env node
// Entry of the `vidpad` program; the code lives in src/cli (compiled to dist/).
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
