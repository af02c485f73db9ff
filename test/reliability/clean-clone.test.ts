/**
 * A clean clone works as a user first tries it: `npm ci` / `npm install`
 * run no dependency install script npm has not been told about (so none
 * downloads anything from outside the registry, and npm prints no warning),
 * and the face tests find their photographs in the repository, a missing
 * one failing the suite instead of skipping.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SAMPLE_FACES, SAMPLES_DIR, samplePath } from '../face/helpers.js';
import { withTempDir } from '../helpers/temp-dir.js';
import { REPO } from './helpers.js';

const npm = (args: string[], cwd: string) => spawnSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
const npmHasInstallScripts = npm(['help', 'install-scripts'], REPO).status === 0 && npm(['install-scripts', 'ls', '--json'], REPO).status === 0;
// protobufjs (onnxruntime-web's) only prints a version-scheme warning from its postinstall; denied like the rest.
const DENIED = ['core-js', 'esbuild', 'onnxruntime-node', 'protobufjs'];

/** Whether a package has a script npm runs when it installs the package from the registry (a binding.gyp implies `node-gyp rebuild`). */
function runsAtInstall(packageJson: string): boolean {
  if (existsSync(path.join(path.dirname(packageJson), 'binding.gyp'))) return true;
  const scripts = (JSON.parse(readFileSync(packageJson, 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
  return ['preinstall', 'install', 'postinstall'].some((k) => k in scripts);
}

test("package.json's allowScripts denies the dependencies' install scripts, onnxruntime-node's (CUDA downloads) among them", async () => {
  const pkg = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
  assert.deepEqual(pkg.allowScripts, Object.fromEntries(DENIED.map((n) => [n, false])));
  // The script exists and would download: the denial is what keeps `npm ci` inside the registry.
  const ort = JSON.parse(await readFile(path.join(REPO, 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  assert.match(ort.scripts?.postinstall ?? '', /install/);
  // An npm without allowScripts (before 11) is kept from it by the set-up script.
  assert.match(readFileSync(path.join(REPO, 'scripts', 'setup-debian.sh'), 'utf8'), /export ONNXRUNTIME_NODE_INSTALL=skip\nnpm ci /);
});

test('npm install-scripts ls reports no unreviewed install script; without the denials it lists exactly those', async (t) => {
  if (!npmHasInstallScripts) {
    t.diagnostic(`npm ${npm(['--version'], REPO).stdout.trim()} has no 'install-scripts' command (npm >= 11): allowScripts is then ignored and scripts/setup-debian.sh's ONNXRUNTIME_NODE_INSTALL=skip applies (checked above)`);
    return;
  }
  const ls = npm(['install-scripts', 'ls', '--json'], REPO);
  assert.equal(ls.status, 0, ls.stderr);
  assert.deepEqual(JSON.parse(ls.stdout), { allowScripts: [] });
  assert.equal(npm(['install-scripts', 'ls'], REPO).stdout.trim(), 'No packages with unreviewed install scripts.');
  // The same installed tree with a package.json that has no allowScripts: npm would stop at each of them.
  await withTempDir('vidpad-npm-', async (dir) => {
    const pkg = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as Record<string, unknown>;
    delete pkg.allowScripts;
    await writeFile(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
    await cp(path.join(REPO, 'package-lock.json'), path.join(dir, 'package-lock.json'));
    await symlink(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
    const bare = npm(['install-scripts', 'ls', '--json'], dir);
    assert.equal(bare.status, 0, bare.stderr);
    // When node_modules changed after npm's hidden lockfile (Vite's cache dirs do that), npm also lists
    // `prepare` scripts, which it never runs for registry packages: only the install-time ones count.
    const pending = (JSON.parse(bare.stdout) as { allowScripts: Array<{ name: string }> }).allowScripts
      .map((p) => p.name)
      .filter((name) => runsAtInstall(path.join(REPO, 'node_modules', name, 'package.json')))
      .sort();
    assert.deepEqual(pending, DENIED);
  });
});

test('the face photographs and their license are committed with the tests', () => {
  for (const s of SAMPLE_FACES) assert.ok(existsSync(samplePath(s.file)), s.file);
  assert.ok(existsSync(path.join(SAMPLES_DIR, 'LICENSE-Silent-Face-Anti-Spoofing.txt')));
  assert.match(readFileSync(path.join(SAMPLES_DIR, 'LICENSE-Silent-Face-Anti-Spoofing.txt'), 'utf8'), /Apache License/);
  assert.equal(path.relative(REPO, SAMPLES_DIR), path.join('test', 'fixtures', 'faces'), 'inside the project, not beside it');
  const git = spawnSync('git', ['ls-files', '--error-unmatch', ...SAMPLE_FACES.map((s) => path.join('test', 'fixtures', 'faces', s.file))], { cwd: REPO, encoding: 'utf8' });
  if (git.status !== null && !/not a git repository/.test(git.stderr)) assert.equal(git.status, 0, `tracked by git: ${git.stderr}`);
});

test('a missing fixture fails the test that needs it (node --test counts a failure, no skip)', async () => {
  assert.throws(() => samplePath('no-such-photo.jpg'), /test fixture missing: .*test\/fixtures\/faces\/no-such-photo\.jpg \(it is committed with the repository\)/);
  await withTempDir('vidpad-fixture-', async (dir) => {
    const file = path.join(dir, 'needs-a-photo.test.ts');
    const helpers = path.join(REPO, 'test', 'face', 'helpers.ts');
    await writeFile(file, `import { test } from 'node:test';\nimport { samplePath } from ${JSON.stringify(helpers)};\ntest('uses a photograph', () => { samplePath('image_T9.jpg'); });\n`);
    // A run of its own: without NODE_TEST_CONTEXT, which would make it report into this test run instead.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter', 'tap', file], { cwd: REPO, encoding: 'utf8', env });
    assert.notEqual(r.status, 0, 'the run fails');
    assert.match(r.stdout, /^# fail 1$/m);
    assert.match(r.stdout, /^# skipped 0$/m);
    assert.match(r.stdout, /test fixture missing/);
  });
});
