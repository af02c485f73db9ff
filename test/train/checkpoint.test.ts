// The checkpoint helpers both trainers share: the field a resume differs in,
// named by its path; tensors written and read back by name with their state;
// restoring refuses a missing or mis-shaped tensor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tf } from '../../src/engine/tf.js';
import { initBackend } from '../../src/engine/backends.js';
import { ConfigError, InputError } from '../../src/errors.js';
import { assignVariables, checkResumeSettings, firstDifference, putVariables, readCheckpointFile, writeCheckpointFile } from '../../src/train/checkpoint.js';

test('firstDifference names the first differing field by its path, nested and in arrays', () => {
  const saved = { loss: 'arcface', model: { inputSize: 112, frames: 5 }, lossConfig: { marginSoftmax: { scale: 16 } }, scaleWeights: [1, 2, 3], steps: 4 };
  assert.equal(firstDifference(saved, structuredClone(saved)), null);
  assert.deepEqual(firstDifference(saved, { ...saved, model: { inputSize: 224, frames: 5 } }), { path: 'model.inputSize', saved: 112, current: 224 });
  assert.deepEqual(firstDifference(saved, { ...saved, lossConfig: { marginSoftmax: { scale: 32 } } }), { path: 'lossConfig.marginSoftmax.scale', saved: 16, current: 32 });
  assert.deepEqual(firstDifference(saved, { ...saved, scaleWeights: [1, 2, 4] }), { path: 'scaleWeights[2]', saved: 3, current: 4 });
  assert.deepEqual(firstDifference(saved, { ...saved, scaleWeights: [1, 2] }), { path: 'scaleWeights', saved: [1, 2, 3], current: [1, 2] });
  assert.deepEqual(firstDifference({ a: 1 }, { a: 1, b: null }), { path: 'b', saved: undefined, current: null });
  assert.equal(firstDifference(saved, { ...saved, steps: 9 }, new Set(['steps'])), null, 'skipped fields may differ');
  assert.throws(
    () => checkResumeSettings('/x/checkpoint.safetensors', 'train', saved, { ...saved, model: { inputSize: 224, frames: 5 } }),
    (e: unknown) => e instanceof ConfigError && e.path === 'train.model.inputSize' && /\/x\/checkpoint\.safetensors was made with different settings: model\.inputSize = 112 but this run asks for 224/.test(e.message),
  );
});

test('a checkpoint file keeps named tensors and its state; restoring checks presence and shape', async () => {
  await initBackend('cpu');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-ckpt-'));
  const file = path.join(dir, 'c.safetensors');
  const a = tf.variable(tf.tensor2d([[1, 2], [3, 4]]));
  const b = tf.variable(tf.tensor1d([5, 6, 7]));
  const vars = new Map<string, tf.Variable>([['a', a], ['b', b]]);
  try {
    await writeCheckpointFile(file, putVariables(new Map(), vars, 'model/'), { step: 3 }, 'k');
    const { tensors, state } = await readCheckpointFile<{ step: number }>(file, 'k', 'test');
    assert.deepEqual(state, { step: 3 });
    assert.deepEqual([...tensors.keys()].sort(), ['model/a', 'model/b']);
    tf.tidy(() => {
      a.assign(tf.zerosLike(a));
      b.assign(tf.zerosLike(b));
    });
    assignVariables(tensors, vars, 'model/', file);
    assert.deepEqual([...a.dataSync()], [1, 2, 3, 4]);
    assert.deepEqual([...b.dataSync()], [5, 6, 7]);
    await assert.rejects(readCheckpointFile(file, 'other', 'test'), (e: unknown) => e instanceof InputError && /not a vidpad test checkpoint \(no 'other'/.test(e.message));
    assert.throws(() => assignVariables(tensors, vars, 'net/', file), (e: unknown) => e instanceof InputError && /tensor 'net\/a' is missing/.test(e.message));
    const wide = new Map<string, tf.Variable>([['a', b]]);
    assert.throws(() => assignVariables(tensors, wide, 'model/', file), (e: unknown) => e instanceof InputError && /'model\/a' has shape \[2, 2\], expected \[3\]/.test(e.message));
  } finally {
    tf.dispose([a, b]);
    await rm(dir, { recursive: true, force: true });
  }
});
