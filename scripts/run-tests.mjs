// Runs every test/**/*.test.ts with node's built-in test runner (through tsx),
// so CI reads node's own summary. Extra arguments pass through to node --test,
// e.g. `npm test -- --test-name-pattern=wasm`; file paths narrow the run.
// Without file paths the typecheck of src, tests and benches runs first.
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
// The whole suite starts with the typecheck: tsx runs tests without checking types.
if (fileArgs.length === 0) {
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit'], { stdio: 'inherit' });
  if (tsc.status !== 0) {
    console.error('typecheck failed (npx tsc -p tsconfig.json --noEmit)');
    process.exit(tsc.status ?? 1);
  }
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...flagArgs, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
