/**
 * A model folder checked against what its model.json records, as `vidpad
 * info` shows it and as opening it for scoring (`vidpad eval`) does: a
 * missing, truncated, garbage or changed weights file, and a garbage
 * model.onnx, each named in one line with what to do.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { checkModelFolder } from '../../src/index.js';
import { makeCliDataset, stderrLines, tinyTrainArgs, vidpad } from './helpers.js';
import type { CliDataset } from './helpers.js';

let dir = '';
let data: CliDataset;
let model = '';
let weights: Buffer;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-folder-'));
  data = await makeCliDataset(dir);
  model = path.join(dir, 'model');
  assert.equal((await vidpad('train', ...tinyTrainArgs(data, model, 1))).code, 0);
  assert.equal((await vidpad('export', '--model', model)).code, 0);
  weights = await readFile(path.join(model, 'weights.safetensors'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A copy of the trained folder with `damage` applied. */
async function damaged(name: string, damage: (folder: string) => Promise<void>): Promise<string> {
  const folder = path.join(dir, name);
  await mkdir(folder);
  for (const f of ['model.json', 'weights.safetensors', 'model.onnx']) await cp(path.join(model, f), path.join(folder, f));
  await damage(folder);
  return folder;
}

const weightsOf = (folder: string) => path.join(folder, 'weights.safetensors');

test('vidpad info on a sound folder: weights and export check out, exit 0', async () => {
  const r = await vidpad('info', '--model', model);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\nweights\s+ok \(size and SHA-256 as model\.json records\)\n/);
  assert.match(r.stdout, /\nonnx\s+present, exported from the weights model\.json records\n/);
  assert.equal(r.stderr, '');
});

test('vidpad info names what is wrong with the weights (missing, truncated, garbage header, changed) and never calls the export a match for them', async () => {
  const cases: Array<[string, (f: string) => Promise<void>, RegExp, string]> = [
    ['missing', async (f) => rm(weightsOf(f)), /weights\.safetensors: missing \(model\.json records \d+-byte weights file\)/, 'missing'],
    ['truncated', async (f) => writeFile(weightsOf(f), weights.subarray(0, 1000)), /weights\.safetensors: 1000 bytes but model\.json records \d+: truncated/, 'truncated-or-resized'],
    [
      'garbage-header',
      async (f) => {
        const b = Buffer.from(weights);
        b.fill(0x7a, 0, 64);
        await writeFile(weightsOf(f), b);
      },
      /weights\.safetensors: not a valid safetensors file \(truncated or not safetensors: the header claims \d+ bytes/,
      'not-safetensors',
    ],
    [
      'changed',
      async (f) => {
        const b = Buffer.from(weights);
        b[b.length - 3] = b[b.length - 3]! ^ 0xff;
        await writeFile(weightsOf(f), b);
      },
      /weights\.safetensors: its SHA-256 differs from the one model\.json records: the file was changed, or the folder mixes files of two saves/,
      'changed',
    ],
  ];
  for (const [name, damage, re, state] of cases) {
    const folder = await damaged(`weights-${name}`, damage);
    const r = await vidpad('info', '--model', folder);
    assert.equal(r.code, 1, `${name}: a damaged folder exits 1`);
    assert.match(r.stdout, new RegExp(`\\nweights\\s+\\S*${re.source}`), name);
    assert.match(r.stdout, new RegExp(`\\nonnx\\s+present, exported from the weights model\\.json records \\(but .*weights\\.safetensors is ${state}\\)\\n`), name);
    assert.doesNotMatch(r.stdout, /matches the weights/);
    const lines = stderrLines(r);
    assert.equal(lines.length, 1, name);
    assert.match(lines[0]!, new RegExp(`^vidpad: problem: .*${re.source}`), name);
    const json = JSON.parse((await vidpad('info', '--model', folder, '--json')).stdout) as { problems: string[]; weightsCheck: { state: string } };
    assert.equal(json.weightsCheck.state, state);
    assert.equal(json.problems.length, 1);
    assert.deepEqual((await checkModelFolder(folder)).problems, json.problems, 'the library gives the same report');
  }
});

test('a garbage model.onnx: info and eval say it is not a valid ONNX file and to run vidpad export, one line, exit 1', async () => {
  const folder = await damaged('onnx-garbage', async (f) => writeFile(path.join(f, 'model.onnx'), Buffer.from('\x08\x08\x12\xff\xff\xff\xff\x0f garbage, not a protobuf')));
  const want = new RegExp(`model\\.onnx: not a valid ONNX file \\(.*\\); run 'vidpad export --model ${folder.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}'`);
  const info = await vidpad('info', '--model', folder);
  assert.equal(info.code, 1);
  assert.match(info.stdout, new RegExp(`\\nonnx\\s+.*${want.source}`));
  const r = await vidpad('eval', '--model', folder, '--dataset', 'folder', '--root', data.root, '--cache', data.cache);
  assert.equal(r.code, 1);
  const lines = stderrLines(r);
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, new RegExp(`^vidpad: error \\[E_INPUT\\]: .*${want.source}$`));
  // What the message says to do works.
  assert.equal((await vidpad('export', '--model', folder)).code, 0);
  assert.equal((await vidpad('info', '--model', folder)).code, 0);
});

test('eval with a missing or damaged weights file beside a current model.onnx scores, and says so', async () => {
  for (const [name, damage] of [
    ['missing', async (f: string) => rm(weightsOf(f))],
    ['truncated', async (f: string) => writeFile(weightsOf(f), weights.subarray(0, 500))],
  ] as const) {
    const folder = await damaged(`eval-weights-${name}`, damage);
    const out = path.join(dir, `eval-${name}`);
    const r = await vidpad('eval', '--model', folder, '--dataset', 'folder', '--root', data.root, '--cache', data.cache, '--out', out);
    assert.equal(r.code, 0, r.stderr);
    const warning = stderrLines(r).filter((l) => l.startsWith('warning: '));
    assert.equal(warning.length, 1, r.stderr);
    assert.match(warning[0]!, /weights\.safetensors: .*; scoring uses .*model\.onnx, exported from the weights model\.json records$/);
    const metrics = JSON.parse(await readFile(path.join(out, 'metrics.json'), 'utf8')) as { warnings: string[] };
    assert.deepEqual(metrics.warnings, [warning[0]!.slice('warning: '.length)]);
  }
  // Without an export to fall back on, the damaged weights stop eval with their own line.
  const folder = await damaged('eval-no-onnx', async (f) => {
    await rm(path.join(f, 'model.onnx'));
    await writeFile(weightsOf(f), weights.subarray(0, 500));
  });
  const r = await vidpad('eval', '--model', folder, '--dataset', 'folder', '--root', data.root, '--cache', data.cache, '--out', path.join(dir, 'eval-no-onnx-out'));
  assert.equal(r.code, 1);
  assert.match(stderrLines(r).at(-1)!, /^vidpad: error \[E_INPUT\]: .*weights\.safetensors: 500 bytes but model\.json records \d+: truncated, or from another save$/);
});
