import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { main } from '../../src/cli/main.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { captureIo } from '../helpers/capture-io.js';

const capture = captureIo;

test('--help lists every registered command and nothing else', async () => {
  const { out, io } = capture();
  assert.equal(await main(['--help'], io), 0);
  const listed = out.stdout
    .split('Commands:\n')[1]!
    .split('\n\n')[0]!
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0]);
  assert.deepEqual(listed, COMMANDS.map((c) => c.name));
});

test('every command has --help that documents each of its options', async () => {
  for (const c of COMMANDS) {
    const { out, io } = capture();
    assert.equal(await main([c.name, '--help'], io), 0);
    assert.match(out.stdout, new RegExp(`Usage: vidpad ${c.name}`));
    for (const o of c.options) assert.ok(out.stdout.includes(`--${o.name}`), `${c.name} --help mentions --${o.name}`);
  }
});

test('an unknown command or option is a usage error (exit 2) that names it', async () => {
  let r = capture();
  assert.equal(await main(['frobnicate'], r.io), 2);
  assert.ok(r.out.stderr.includes(`unknown command 'frobnicate'; commands: ${COMMANDS.map((c) => c.name).join(', ')}`));
  r = capture();
  assert.equal(await main(['backends', '--no-such-flag'], r.io), 2);
  assert.match(r.out.stderr, /--no-such-flag/);
});

test('no arguments prints the help and exits 2', async () => {
  const { out, io } = capture();
  assert.equal(await main([], io), 2);
  assert.match(out.stdout, /Usage: vidpad <command>/);
});

test('vidpad backends --json reports cpu and wasm available; --check cpu passes', async () => {
  const { out, io } = capture();
  assert.equal(await main(['backends', '--json', '--check', 'cpu'], io), 0);
  const report = JSON.parse(out.stdout) as { backends: Array<{ name: string; available: boolean }>; check: { ok: boolean; maxRelativeError: number } };
  assert.equal(report.backends.find((b) => b.name === 'cpu')?.available, true);
  assert.equal(report.check.ok, true);
  assert.ok(report.check.maxRelativeError < 1e-6);
});

test('vidpad backends --check with an unknown backend fails with exit 1 and lists the names', async () => {
  const { out, io } = capture();
  assert.equal(await main(['backends', '--check', 'tpu'], io), 1);
  assert.match(out.stderr, /\[E_BACKEND\]: unknown backend 'tpu'/);
});

test('the installed bin runs (compiled output) and prints its version', () => {
  const r = spawnSync(process.execPath, ['bin/vidpad.js', '--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^vidpad \d+\.\d+\.\d+/);
});

test("the CLI's defaults are the library's: vidpad train and trainModel({}) build the same network, preprocess crops at its input size", async () => {
  const { trainOptions, trainConfigFromArgs } = await import('../../src/cli/train-args.js');
  const { resolveTrainConfig, DEFAULT_PREPROCESS_CONFIG, DEFAULT_INPUT_SIZE_PX } = await import('../../src/index.js');
  const defaults = Object.fromEntries(trainOptions().filter((o) => o.default !== undefined).map((o) => [o.name, o.default]));
  const fromCli = resolveTrainConfig(trainConfigFromArgs({ options: defaults, positionals: [] }));
  assert.deepEqual(fromCli, resolveTrainConfig({}));
  assert.equal(fromCli.model.inputSize, DEFAULT_INPUT_SIZE_PX);
  assert.equal(DEFAULT_PREPROCESS_CONFIG.cropSizePx, DEFAULT_INPUT_SIZE_PX);
  for (const name of ['train', 'preprocess']) {
    const { out, io } = capture();
    assert.equal(await main([name, '--help'], io), 0);
    assert.match(out.stdout, new RegExp(`--size PX\\s.*\\(default: ${DEFAULT_INPUT_SIZE_PX}\\)`), `${name} --help shows the shared input size`);
  }
});

test('--version prints the version in package.json, found from the module (no hard-coded relative path)', async () => {
  const { readFile } = await import('node:fs/promises');
  const { packageRoot } = await import('../../src/index.js');
  const root = packageRoot();
  assert.ok(root !== null);
  const pkg = JSON.parse(await readFile(`${root}/package.json`, 'utf8')) as { name: string; version: string };
  assert.equal(pkg.name, 'vidpad');
  const { out, io } = capture();
  assert.equal(await main(['--version'], io), 0);
  assert.equal(out.stdout, `vidpad ${pkg.version}\n`);
});

test('train, experiment and demo take --norm batch|none, declared once; a bad value is a usage error listing the valid ones', async () => {
  const { trainOptions, trainConfigFromArgs } = await import('../../src/cli/train-args.js');
  const { resolveTrainConfig, DEFAULT_ALEXNET_2PLUS1D_CONFIG, UsageError } = await import('../../src/index.js');
  const specs = ['train', 'experiment', 'demo'].map((name) => COMMANDS.find((c) => c.name === name)!.options.find((o) => o.name === 'norm'));
  for (const spec of specs) {
    assert.ok(spec, 'each command has --norm');
    assert.equal(spec.description, specs[0]!.description);
  }
  assert.equal(specs[0]!.default, DEFAULT_ALEXNET_2PLUS1D_CONFIG.norm);
  const defaults = Object.fromEntries(trainOptions().filter((o) => o.default !== undefined).map((o) => [o.name, o.default]));
  assert.equal(resolveTrainConfig(trainConfigFromArgs({ options: { ...defaults, norm: 'none' }, positionals: [] })).model.norm, 'none');
  assert.equal(resolveTrainConfig(trainConfigFromArgs({ options: { ...defaults, norm: 'batch' }, positionals: [] })).model.norm, 'batch');
  assert.throws(() => trainConfigFromArgs({ options: { ...defaults, norm: 'layer' }, positionals: [] }), (e: unknown) => e instanceof UsageError && /--norm must be one of batch, none, got 'layer'/.test(e.message));
  const { out, io } = capture();
  assert.equal(await main(['demo', '--norm', 'group', '--out', '/nonexistent/vidpad-demo-norm'], io), 2);
  assert.match(out.stderr, /--norm must be one of batch, none, got 'group'/);
});

test('every command that trains takes --precision, checked before any work; export --quantize and eval --precision check theirs', async () => {
  const { detectCpuFeatures } = await import('../../src/index.js');
  for (const name of ['train', 'experiment', 'demo', 'pretrain-flow']) {
    const spec = COMMANDS.find((c) => c.name === name)!.options.find((o) => o.name === 'precision');
    assert.ok(spec, `${name} has --precision`);
    assert.equal(spec.default, 'fp32');
  }
  const run = async (...argv: string[]) => {
    const { out, io } = capture();
    const code = await main(argv, io);
    return { code, stderr: out.stderr };
  };
  let r = await run('demo', '--precision', 'fp16', '--out', '/nonexistent/vidpad-demo-precision');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--precision must be one of fp32, bf16, auto, bf16-emulated, got 'fp16'/);
  const cpu = detectCpuFeatures();
  if (!(cpu.known && cpu.features.bf16Hardware)) {
    // Refused in one line naming what the CPU lacks, before the dataset is even looked at.
    r = await run('train', '--root', '/nonexistent/root', '--cache', '/nonexistent/cache', '--out', '/nonexistent/out', '--precision', 'bf16');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--precision bf16: this CPU \(.*\) lacks (AVX512-BF16 and AMX-BF16|AVX512-BF16|AMX-BF16)/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
  r = await run('export', '--model', '/nonexistent/m', '--quantize', 'int4');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--quantize: unknown quantisation 'int4'; expected int8/);
  r = await run('export', '--model', '/nonexistent/m', '--quantize', 'int8', '--out', '/tmp/x.onnx');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /drop --out/);
  r = await run('eval', '--model', '/nonexistent/m', '--cache', '/nonexistent/c', '--precision', 'fp16');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--precision must be one of fp32, int8, got 'fp16'/);
});
