// `vidpad export` and `vidpad info` end to end on a tiny model saved in the
// test, and the exported file scoring clips like the tfjs model it came from.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { tf } from '../../src/engine/tf.js';
import type { Tensor5D } from '../../src/engine/tf.js';
import { initBackend } from '../../src/engine/backends.js';
import { maxRelativeError } from '../../src/engine/check.js';
import { createAlexNet2Plus1D, estimateCost, resolveAlexNetConfig } from '../../src/models/alexnet-2plus1d.js';
import { loadModelFolder, saveModelFolder } from '../../src/models/model-files.js';
import type { ModelMetaInput } from '../../src/models/model-files.js';
import { openModelSession } from '../../src/models/model-onnx.js';
import { InputError } from '../../src/errors.js';
import { captureIo } from '../helpers/capture-io.js';

const CONFIG = { frames: 3, inputSize: 112, widthMultiplier: 0.0625, fcWidth: 64, embeddingSize: 16, seed: 2 };
const META: ModelMetaInput = {
  liveScore: { prototype: Array.from({ length: 16 }, (_, i) => (i % 3) - 0.7), source: 'class-weight' },
  loss: 'arcface',
  threshold: { value: 0.3, chosenOn: 'val', rule: 'eer' },
  training: { dataset: 'synthetic', protocol: '2', fold: 1, seed: 4, epochs: 2 },
};

const capture = captureIo;

async function vidpad(...argv: string[]) {
  const { out, io } = capture();
  const code = await main(argv, io);
  return { code, ...out };
}

let root = '';
let dir = '';
before(async () => {
  await initBackend('cpu');
  root = await mkdtemp(path.join(os.tmpdir(), 'vidpad-cli-model-'));
  dir = path.join(root, 'model');
  const model = createAlexNet2Plus1D(CONFIG);
  for (const [name, v] of model.variables) if (name.endsWith('.bias')) v.assign(tf.randomUniform(v.shape, -0.2, 0.2, 'float32', name.length));
  try {
    await saveModelFolder(dir, { model, meta: META });
  } finally {
    model.dispose();
  }
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('vidpad info --json reports config, parameters, FLOPs, sizes, threshold and provenance; no ONNX yet', async () => {
  const r = await vidpad('info', '--model', dir, '--json');
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  const model = createAlexNet2Plus1D(CONFIG);
  const params = [...model.variables.values()].reduce((n, v) => n + v.size, 0);
  const cost = estimateCost(model.plan);
  model.dispose();
  assert.equal(info.parameters, params);
  assert.equal(info.forwardFlopsPerClip, cost.forwardFlops);
  assert.deepEqual(info.config, { ...resolveAlexNetConfig(CONFIG) });
  assert.deepEqual(info.threshold, META.threshold);
  assert.equal(info.training.dataset, 'synthetic');
  assert.equal(info.training.fold, 1);
  assert.equal(info.liveScore.source, 'class-weight');
  assert.equal(info.files['weights.safetensors'], (await stat(path.join(dir, 'weights.safetensors'))).size);
  assert.ok(info.files['weights.safetensors'] >= params * 4);
  assert.equal(info.files['model.onnx'], null);
  assert.deepEqual(info.onnx, { present: false, matchesModel: null, state: 'absent' });
  assert.deepEqual(info.problems, []);
});

test('vidpad export writes DIR/model.onnx atomically; info then reports it current; it scores like the tfjs model', async () => {
  // Whatever building a network leaves behind by itself (nothing, once its initialisers are tidied), export and load add nothing more.
  const n0 = tf.memory().numTensors;
  createAlexNet2Plus1D(CONFIG).dispose();
  const residue = tf.memory().numTensors - n0;
  const start = tf.memory().numTensors;
  const r = await vidpad('export', '--model', dir, '--format', 'onnx');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^wrote .*model\.onnx \(\d+\.\d+ MB, ONNX opset 17, 2d graph\)\n$/);
  assert.deepEqual((await readdir(dir)).sort(), ['model.json', 'model.onnx', 'weights.safetensors']);
  const info = await vidpad('info', '--model', dir);
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /onnx\s+present, exported from the weights model\.json records\n/);
  assert.match(info.stdout, /weights\s+ok \(size and SHA-256 as model\.json records\)/);
  assert.match(info.stdout, /threshold\s+0\.3 \(eer on val\)/);
  assert.match(info.stdout, /training\s+dataset synthetic, protocol 2, fold 1, seed 4, epochs 2/);
  assert.match(info.stdout, /input\s+\[batch, 3, 112, 112, 3\] BTHWC/);

  // The exported graph against the tfjs model loaded from the same folder.
  assert.equal(tf.memory().numTensors - start, residue, 'export disposes the network it loaded');
  const { session, meta } = await openModelSession(dir, { threads: 1 });
  try {
    const loaded = await loadModelFolder(dir);
    const x = tf.randomNormal([2, 3, 112, 112, 3], 0, 1, 'float32', 9) as Tensor5D;
    const clip = x.dataSync() as Float32Array;
    const e = loaded.model.forward(x);
    const embedding = e.dataSync() as Float32Array;
    tf.dispose([x, e]);
    loaded.model.dispose();
    const onnx = await session.run(clip, 2);
    assert.ok(maxRelativeError(onnx.embedding, embedding) < 1e-4);
    const p = meta.liveScore.prototype;
    const pn = Math.hypot(...p);
    const want = [0, 1].map((b) => {
      const row = embedding.subarray(b * 16, b * 16 + 16);
      return row.reduce((s, v, i) => s + v * p[i]!, 0) / (Math.hypot(...row) * pn);
    });
    assert.ok(maxRelativeError(onnx.liveScore, Float32Array.from(want)) < 1e-4);
  } finally {
    await session.dispose();
  }
  assert.equal(tf.memory().numTensors - start, 2 * residue, 'scoring leaks no tensors');
});

test('vidpad export --out and --graph 3d; an export of older weights is reported stale and refused for scoring', async () => {
  const out = path.join(root, 'elsewhere.onnx');
  const r = await vidpad('export', '--model', dir, '--out', out, '--graph', '3d', '--json');
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.file, out);
  assert.equal(result.form, '3d');
  assert.equal(result.bytes, (await stat(out)).size);

  // Re-save other weights into a copy of the folder, then put the old export back.
  const copy = path.join(root, 'copy');
  const model = createAlexNet2Plus1D({ ...CONFIG, seed: 3 });
  try {
    await saveModelFolder(copy, { model, meta: META });
  } finally {
    model.dispose();
  }
  await copyFile(path.join(dir, 'model.onnx'), path.join(copy, 'model.onnx'));
  const info = await vidpad('info', '--model', copy, '--json');
  assert.equal(info.code, 1, 'a stale export is a problem of the folder');
  assert.deepEqual(JSON.parse(info.stdout).onnx, { present: true, matchesModel: false, state: 'stale' });
  assert.match((await vidpad('info', '--model', copy)).stdout, /onnx\s+.*model\.onnx: exported from other weights or another prototype than model\.json records; run 'vidpad export --model .*' again/);
  await assert.rejects(openModelSession(copy), (e: unknown) => e instanceof InputError && /vidpad export --model/.test(e.message));
  await rm(path.join(copy, 'model.onnx'));
  await assert.rejects(openModelSession(copy), (e: unknown) => e instanceof InputError && /no ONNX export/.test(e.message));
});

test('usage errors exit 2 and name the problem; a missing folder exits 1 with E_INPUT', async () => {
  let r = await vidpad('export');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--model DIR is required/);
  r = await vidpad('export', '--model', dir, '--format', 'tflite');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown format 'tflite'; expected onnx/);
  r = await vidpad('export', '--model', dir, '--graph', '4d');
  assert.equal(r.code, 2);
  r = await vidpad('info', 'stray');
  assert.equal(r.code, 2);
  r = await vidpad('info', '--model', path.join(root, 'missing'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\[E_INPUT\]: .*missing: no such model folder/);
  r = await vidpad('export', '--model', path.join(root, 'missing'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no such model folder/);
});
