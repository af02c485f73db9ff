// Builds vidpad's optional dlib addon (native-dlib/ -> native-dlib/build/Release/vidpad_dlib.node)
// with node-gyp, against the system's dlib (Debian: apt install libdlib-dev).
// Where dlib's headers are absent it prints one line and exits 0, so that
// `npm install` succeeds and vidpad falls back to its blazeface detector.
// A failed build also exits 0 (with the compiler's output shown) unless
// --strict (npm run build:dlib) or VIDPAD_REQUIRE_DLIB=1 (CI) asks for a
// missing or broken build to fail.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const addonDir = path.join(root, 'native-dlib');
const required = process.argv.includes('--strict') || process.env.VIDPAD_REQUIRE_DLIB === '1';
const dlibInclude = process.env.VIDPAD_DLIB_INCLUDE ?? '/usr/include/dlib';

if (!existsSync(dlibInclude)) {
  const msg = `vidpad: dlib headers not found at ${dlibInclude}; skipping the optional dlib-hog face detector (Debian/Ubuntu: apt install libdlib-dev)`;
  console.log(msg);
  process.exit(required ? 1 : 0);
}

/** node-gyp's CLI: the one npm runs install scripts with, else a local or npm-bundled copy. */
function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not a local dependency; try npm's bundled copy below
  }
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  candidates.push(path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((c) => existsSync(c));
}

const nodeGyp = findNodeGyp();
if (!nodeGyp) {
  console.log('vidpad: node-gyp not found; skipping the optional dlib-hog face detector (install node-gyp, then run npm run build:dlib)');
  process.exit(required ? 1 : 0);
}

const args = [nodeGyp, 'rebuild', `--directory=${addonDir}`];
// Distribution packages of node ship their headers in /usr/include/node;
// pointing node-gyp there avoids a header download (no network needed).
const nodedirFromEnv = process.env.npm_config_nodedir;
if (!nodedirFromEnv) {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  for (const dir of [prefix, '/usr']) {
    if (existsSync(path.join(dir, 'include', 'node', 'node_api.h'))) {
      args.push(`--nodedir=${dir}`);
      break;
    }
  }
}

/**
 * Link flags from pkg-config, less absolute library paths that are missing:
 * libdlib.so already records its own dependencies, so dropping them is safe.
 */
function dlibLinkFlags() {
  const pc = spawnSync('pkg-config', ['--libs', 'dlib-1'], { encoding: 'utf8' });
  if (pc.status !== 0 || !pc.stdout) return '-ldlib -lpthread';
  return pc.stdout
    .trim()
    .split(/\s+/)
    .filter((flag) => !flag.startsWith('/') || existsSync(flag))
    .join(' ');
}
args.push('--', `-Ddlib_libs=${dlibLinkFlags()}`);

const started = Date.now();
const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
const seconds = ((Date.now() - started) / 1000).toFixed(0);
if (result.status === 0) {
  console.log(`vidpad: built the dlib-hog face detector addon in ${seconds} s (native-dlib/build/Release/vidpad_dlib.node)`);
  process.exit(0);
}
process.stderr.write(result.stdout ?? '');
process.stderr.write(result.stderr ?? '');
console.log(`vidpad: building the optional dlib addon failed (exit ${String(result.status)}); dlib-hog stays unavailable, blazeface is used instead`);
process.exit(required ? 1 : 0);
