#!/usr/bin/env node
// Entry of the `vidpad` program; the code lives in src/cli (compiled to dist/).
import '../dist/src/cli/bin.js';
