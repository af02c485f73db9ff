// Runs every test/**/*.test.ts with node's built-in test runner (through tsx),
// so CI reads node's own summary. Extra arguments pass through to node --test,
// e.g. `npm test -- --test-name-pattern=wasm`; file paths narrow the run.
import { readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

function findTests(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...findTests(full));
    else if (entry.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const args = process.argv.slice(2);
const fileArgs = args.filter((a) => a.endsWith('.ts'));
const flagArgs = args.filter((a) => !a.endsWith('.ts'));
const files = fileArgs.length > 0 ? fileArgs : findTests('test').sort();
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...flagArgs, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
