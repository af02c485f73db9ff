import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tf } from '../../src/engine/tf.js';
import type { Tensor5D } from '../../src/engine/tf.js';
import { initBackend } from '../../src/engine/backends.js';
import { ConfigError, InputError } from '../../src/errors.js';
import { createAlexNet2Plus1D } from '../../src/models/alexnet-2plus1d.js';
import type { AlexNet2Plus1DConfig } from '../../src/models/alexnet-2plus1d.js';
import { encodeSafetensors } from '../../src/models/safetensors.js';
import {
  MODEL_FORMAT_VERSION,
  loadModelFolder,
  modelFolderFiles,
  modelWeights,
  readModelMeta,
  saveModelFolder,
} from '../../src/models/model-files.js';
import type { ModelMetaInput } from '../../src/models/model-files.js';

const CONFIG: Partial<AlexNet2Plus1DConfig> = { frames: 2, inputSize: 112, widthMultiplier: 0.0625, fcWidth: 64, embeddingSize: 16, seed: 5 };
const META: ModelMetaInput = {
  liveScore: { prototype: Float32Array.from({ length: 16 }, (_, i) => Math.cos(i) / 3), source: 'mean-live-embedding' },
  loss: 'arcface+triplet',
  threshold: { value: 0.125, chosenOn: 'val', rule: 'eer' },
  training: { dataset: 'siw', protocol: '1', fold: null, seed: 11, epochs: 3 },
  extra: { note: 'test' },
};

let root = '';
/**
 * Tensors a create + dispose of the network leaves behind by itself (0 once
 * its bias initialisers are tidied), so these tests charge loading only with
 * what it adds.
 */
let createResidue = 0;
before(async () => {
  await initBackend('cpu');
  root = await mkdtemp(path.join(os.tmpdir(), 'vidpad-mf-'));
  const n = tf.memory().numTensors;
  createAlexNet2Plus1D(CONFIG).dispose();
  createResidue = tf.memory().numTensors - n;
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Saves a fresh tiny model into a new folder; returns the folder. */
async function savedFolder(name: string, config = CONFIG): Promise<string> {
  const dir = path.join(root, name);
  const model = createAlexNet2Plus1D(config);
  try {
    await saveModelFolder(dir, { model, meta: META });
  } finally {
    model.dispose();
  }
  return dir;
}

async function editJson(dir: string, edit: (json: Record<string, any>) => void): Promise<void> {
  const file = path.join(dir, 'model.json');
  const json = JSON.parse(await readFile(file, 'utf8')) as Record<string, any>;
  edit(json);
  await writeFile(file, JSON.stringify(json));
}

/** Replaces the weights with `tensors` and drops the recorded size and hash, as a hand-made folder would. */
async function replaceWeights(dir: string, tensors: Map<string, { shape: number[]; data: Float32Array }>): Promise<void> {
  await writeFile(path.join(dir, 'weights.safetensors'), encodeSafetensors(tensors));
  await editJson(dir, (j) => {
    delete j.weights.sha256;
    delete j.weights.bytes;
  });
}

/** `builtNetwork`: the error comes after the network was built (a tensor check), so only the creation residue may remain. */
async function expectLoadError(dir: string, kind: typeof InputError | typeof ConfigError, parts: string[], builtNetwork = false): Promise<void> {
  const before = tf.memory().numTensors;
  await assert.rejects(loadModelFolder(dir), (err: unknown) => {
    assert.ok(err instanceof kind, `expected ${kind.name}, got ${String(err)}`);
    for (const p of parts) assert.ok(err.message.includes(p), `message '${err.message}' should mention '${p}'`);
    return true;
  });
  assert.equal(tf.memory().numTensors - before, builtNetwork ? createResidue : 0, 'a failed load disposes the network it built');
}

test('save then load is bit-exact for every variable and BatchNorm statistic, keeps the metadata and computes the same embedding', async () => {
  const dir = path.join(root, 'roundtrip');
  const model = createAlexNet2Plus1D(CONFIG);
  // Biases, BatchNorm scales and running statistics away from their initial
  // values (variances stay positive), so the round trip of every tensor is meaningful.
  for (const [name, v] of model.state) {
    if (name.endsWith('.bias') || name.endsWith('.running_mean')) v.assign(tf.randomUniform(v.shape, -0.1, 0.1, 'float32', name.length));
    if (name.endsWith('.bn.weight') || name.endsWith('.running_var')) v.assign(tf.randomUniform(v.shape, 0.5, 1.5, 'float32', name.length));
  }
  // The stable names of docs/model-folder.md.
  for (const part of ['weight', 'bias', 'running_mean', 'running_var']) assert.ok(model.state.has(`conv1.spatial.bn.${part}`) && model.state.has(`conv5.temporal.bn.${part}`), `bn.${part}`);
  assert.ok(!model.state.has('conv1.spatial.bias'), 'a conv followed by BatchNorm has no bias');
  const start = tf.memory().numTensors;
  const saved = await saveModelFolder(dir, { model, meta: META });
  assert.deepEqual((await readdir(dir)).sort(), ['model.json', 'weights.safetensors'], 'no temp files left');
  const { model: loaded, meta } = await loadModelFolder(dir);
  try {
    assert.deepEqual([...loaded.state.keys()], [...model.state.keys()]);
    assert.deepEqual([...loaded.buffers.keys()], [...model.buffers.keys()]);
    assert.equal(loaded.buffers.size, 4 * 5, 'two running statistics per BatchNorm, two BatchNorms per block');
    for (const [name, v] of model.state) {
      const a = new Uint8Array((v.dataSync() as Float32Array).buffer);
      const b = new Uint8Array((loaded.state.get(name)!.dataSync() as Float32Array).buffer);
      assert.deepEqual(Buffer.from(b), Buffer.from(a), `${name} bytes`);
    }
    assert.deepEqual(meta, saved);
    assert.equal(meta.formatVersion, MODEL_FORMAT_VERSION);
    assert.deepEqual(meta.config, { ...model.plan.config });
    assert.deepEqual(meta.input, { frames: 2, size: 112, channels: 3, layout: 'BTHWC', normalization: 'per-frame mean 0 var 1' });
    assert.deepEqual(meta.liveScore.prototype, Array.from(META.liveScore.prototype as Float32Array));
    assert.deepEqual(meta.threshold, { value: 0.125, chosenOn: 'val', rule: 'eer' });
    assert.equal(meta.training.dataset, 'siw');
    assert.equal(meta.training.fold, null);
    assert.equal(meta.training.versions.node, process.version);
    assert.match(meta.training.versions.vidpad, /^\d+\.\d+\.\d+/);
    assert.match(meta.weights.sha256 ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual(meta.extra, { note: 'test' });
    const x = tf.randomNormal([2, 2, 112, 112, 3], 0, 1, 'float32', 3) as Tensor5D;
    const y0 = model.forward(x);
    const y1 = loaded.forward(x);
    assert.deepEqual(y1.dataSync(), y0.dataSync());
    tf.dispose([x, y0, y1]);
    assert.deepEqual(await readModelMeta(dir), meta);
  } finally {
    loaded.dispose();
  }
  assert.equal(tf.memory().numTensors - start, createResidue, 'load + dispose leaks nothing of its own');
  model.dispose();
});

test('saving over a folder replaces the model atomically and removes the stale model.onnx', async () => {
  const dir = await savedFolder('resave');
  await writeFile(path.join(dir, 'model.onnx'), 'old export');
  await writeFile(path.join(dir, 'notes.txt'), 'user file');
  const model = createAlexNet2Plus1D({ ...CONFIG, seed: 6 });
  try {
    await saveModelFolder(dir, { model, meta: { ...META, threshold: null } });
    assert.deepEqual((await readdir(dir)).sort(), ['model.json', 'notes.txt', 'weights.safetensors']);
    const files = await modelFolderFiles(dir);
    assert.equal(files.onnx, null);
    assert.ok(files.weights! > 0);
    const { model: loaded, meta } = await loadModelFolder(dir);
    assert.equal(meta.threshold, null);
    assert.equal(meta.config.seed, 6);
    assert.deepEqual(loaded.variables.get('fc6.weight')!.dataSync(), model.variables.get('fc6.weight')!.dataSync());
    loaded.dispose();
  } finally {
    model.dispose();
  }
});

test('a bad prototype is refused before anything is written', async () => {
  const dir = path.join(root, 'badproto');
  const model = createAlexNet2Plus1D(CONFIG);
  try {
    await assert.rejects(
      saveModelFolder(dir, { model, meta: { ...META, liveScore: { prototype: [1, 2, 3], source: 'class-weight' } } }),
      (err: unknown) => err instanceof ConfigError && err.message.includes('liveScore.prototype') && err.message.includes('expected 16 numbers'),
    );
    await assert.rejects(
      saveModelFolder(dir, { model, meta: { ...META, liveScore: { prototype: new Float32Array(16), source: 'class-weight' } } }),
      /all zeros/,
    );
    await assert.rejects(readdir(dir), /ENOENT/);
  } finally {
    model.dispose();
  }
});

test('missing folder, folder that is a file, missing or broken model.json: clear errors naming the path', async () => {
  await expectLoadError(path.join(root, 'nowhere'), InputError, ['nowhere', 'no such model folder']);
  const file = path.join(root, 'plain-file');
  await writeFile(file, 'x');
  await expectLoadError(file, InputError, ['expected a model folder']);
  const empty = path.join(root, 'empty');
  await mkdir(empty);
  await expectLoadError(empty, InputError, [path.join(empty, 'model.json'), 'no such file']);
  await writeFile(path.join(empty, 'model.json'), '{ not json');
  await expectLoadError(empty, InputError, ['model.json', 'not valid JSON']);
  await writeFile(path.join(empty, 'model.json'), JSON.stringify({ format: 'keras' }));
  await expectLoadError(empty, ConfigError, ['format', 'not a vidpad model']);
});

test('missing or truncated weights file, and weights from another save, are named', async () => {
  const dir = await savedFolder('weights-errors');
  const weights = path.join(dir, 'weights.safetensors');
  const bytes = await readFile(weights);
  await writeFile(weights, bytes.subarray(0, bytes.length - 100));
  await expectLoadError(dir, InputError, [weights, 'truncated']);
  // Without the recorded size and hash, the safetensors reader itself catches the truncation.
  await editJson(dir, (j) => {
    delete j.weights.sha256;
    delete j.weights.bytes;
  });
  await expectLoadError(dir, InputError, [weights, 'truncated', "tensor '", 'beyond']);
  const other = await savedFolder('weights-other', { ...CONFIG, seed: 9 });
  await writeFile(weights, await readFile(path.join(other, 'weights.safetensors')));
  await editJson(dir, (j) => {
    j.weights.sha256 = 'a'.repeat(64);
    j.weights.bytes = bytes.length;
  });
  await expectLoadError(dir, InputError, ['SHA-256', 'two saves']);
  await rm(weights);
  await expectLoadError(dir, InputError, [weights, 'no such file']);
});

test('missing, unexpected and mis-shaped tensors name the tensor (and both shapes)', async () => {
  const dir = await savedFolder('tensor-errors');
  const model = createAlexNet2Plus1D(CONFIG);
  const weights = modelWeights(model) as Map<string, { shape: number[]; data: Float32Array }>;
  model.dispose();

  const missing = new Map(weights);
  missing.delete('conv3.temporal.bn.running_var');
  await replaceWeights(dir, missing);
  await expectLoadError(dir, InputError, ["missing tensor 'conv3.temporal.bn.running_var'"], true);

  const extra = new Map(weights).set('fc8.weight', { shape: [2], data: Float32Array.of(1, 2) });
  await replaceWeights(dir, extra);
  await expectLoadError(dir, InputError, ["unexpected tensor 'fc8.weight'"], true);

  const bias = weights.get('fc7.bias')!;
  const reshaped = new Map(weights).set('fc7.bias', { shape: [2, bias.shape[0]! / 2], data: bias.data });
  await replaceWeights(dir, reshaped);
  await expectLoadError(dir, InputError, ["tensor 'fc7.bias' has shape [2, 2]", 'needs [4]'], true);
});

test('a format-1 folder (written before normalisation layers) loads as the plain network; format 2 needs config.norm', async () => {
  const dir = await savedFolder('format-1', { ...CONFIG, norm: 'none' });
  const model = createAlexNet2Plus1D({ ...CONFIG, norm: 'none' });
  try {
    await editJson(dir, (j) => {
      j.formatVersion = 1;
      delete j.config.norm;
    });
    const { model: loaded, meta } = await loadModelFolder(dir);
    assert.equal(meta.config.norm, 'none');
    assert.equal(meta.formatVersion, 1);
    assert.equal(loaded.buffers.size, 0);
    assert.deepEqual(loaded.variables.get('conv2.spatial.bias')!.dataSync(), model.variables.get('conv2.spatial.bias')!.dataSync());
    loaded.dispose();
    await editJson(dir, (j) => (j.formatVersion = 2));
    await expectLoadError(dir, ConfigError, ['config.norm', 'missing']);
  } finally {
    model.dispose();
  }
});

test('a config that does not validate, a newer format, a mismatched input spec and bad fields are ConfigErrors naming the field', async () => {
  const dir = await savedFolder('config-errors');
  const cases: Array<[(j: Record<string, any>) => void, string[]]> = [
    [(j) => (j.config.frames = 4), ['config.frames', 'expected 2, 3 or 5', 'model.json']],
    [(j) => delete j.config.temporalKernel, ['config.temporalKernel', 'missing']],
    [(j) => (j.config.depth = 3), ['config.depth', 'unknown field']],
    [(j) => (j.config.norm = 'layer'), ['config.norm', 'expected one of batch, none']],
    [(j) => (j.formatVersion = MODEL_FORMAT_VERSION + 1), ['formatVersion', 'newer vidpad']],
    [(j) => (j.input.size = 224), ['input.size', 'expected 112']],
    [(j) => (j.liveScore.prototype = j.liveScore.prototype.slice(1)), ['liveScore.prototype', 'expected 16 numbers', 'got 15']],
    [(j) => (j.liveScore.source = 'magic'), ['liveScore.source', 'class-weight, head-direction, mean-live-embedding']],
    [(j) => (j.threshold.chosenOn = 'train'), ['threshold.chosenOn', 'val, test, manual']],
    [(j) => (j.threshold.value = 'high'), ['threshold.value']],
    [(j) => (j.training.fold = 1.5), ['training.fold', 'whole number']],
    [(j) => (j.weights.file = '../elsewhere.safetensors'), ['weights.file', 'inside the model folder']],
  ];
  const original = await readFile(path.join(dir, 'model.json'), 'utf8');
  for (const [edit, parts] of cases) {
    await writeFile(path.join(dir, 'model.json'), original);
    await editJson(dir, edit);
    await expectLoadError(dir, ConfigError, parts);
  }
});
