// Builds vidpad's optional oneDNN addon (native/) with node-gyp, at install
// time and on `npm run build:native`. The addon is optional: when oneDNN's
// headers are missing or the compile fails, this prints one line saying what
// to install and exits 0, so `npm install` still succeeds and vidpad runs on
// the wasm backend. `--strict` (or VIDPAD_REQUIRE_NATIVE=1, as CI sets) makes a failure exit 1.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = path.join(root, 'native');
const strict = process.argv.includes('--strict') || process.env.VIDPAD_REQUIRE_NATIVE === '1';
const HOW = 'install libdnnl-dev (Debian/Ubuntu: apt-get install libdnnl-dev g++ make python3), then npm run build:native';

function skip(why) {
  console.log(`vidpad: native backend skipped: ${why}; ${HOW}`);
  process.exit(strict ? 1 : 0);
}

if (process.env.VIDPAD_SKIP_NATIVE === '1') {
  console.log('vidpad: native backend skipped: VIDPAD_SKIP_NATIVE=1');
  process.exit(0);
}

function hasOneDnn() {
  const dirs = ['/usr/include', '/usr/local/include', ...(process.env.CPATH ?? '').split(':').filter(Boolean)];
  if (dirs.some((d) => existsSync(path.join(d, 'dnnl.hpp')) || existsSync(path.join(d, 'oneapi', 'dnnl', 'dnnl.hpp')))) return true;
  const pc = spawnSync('pkg-config', ['--exists', 'dnnl'], { stdio: 'ignore' });
  return pc.status === 0;
}

if (!hasOneDnn()) skip('oneDNN headers (dnnl.hpp) not found');

const require = createRequire(import.meta.url);
try {
  require.resolve('node-addon-api', { paths: [root] });
} catch {
  skip("package 'node-addon-api' is not installed");
}

// npm exports the path of its own node-gyp to lifecycle scripts; outside npm,
// look beside the npm that ships with this node.
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    '/usr/share/nodejs/node-gyp/bin/node-gyp.js',
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  try {
    return require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
  } catch {
    return undefined;
  }
}

const nodeGyp = findNodeGyp();
if (!nodeGyp) skip('node-gyp not found');

const args = [nodeGyp, 'rebuild', '--release'];
// Headers from the distribution's Node package: node-gyp must never download them.
const nodedir = process.env.npm_config_nodedir ?? (existsSync('/usr/include/node/node.h') ? '/usr' : undefined);
if (nodedir) args.push(`--nodedir=${nodedir}`);
const jobs = process.env.JOBS ?? '2';
args.push(`--jobs=${jobs}`);

console.log('vidpad: building the native (oneDNN) backend...');
const result = spawnSync(process.execPath, args, { cwd: nativeDir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
const built = path.join(nativeDir, 'build', 'Release', 'vidpad_native.node');
if (result.status !== 0 || !existsSync(built)) {
  const tail = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
  if (tail) console.log(tail);
  skip(`the addon failed to build (node-gyp exit ${String(result.status)})`);
}
console.log(`vidpad: native backend built: ${path.relative(root, built)}`);
