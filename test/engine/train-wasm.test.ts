// End to end on the wasm backend: a tiny AlexNet-(2+1)D trains with
// Nesterov SGD (forward with dropout, loss, backward through vidpad's wasm
// gradient kernels, update) on a fixed two-class batch; the loss falls and
// no tensor or wasm buffer outlives a step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import type { Tensor2D, Tensor5D } from '../../src/engine/tf.js';
import { initBackend } from '../../src/engine/backends.js';
import { createAlexNet2Plus1D } from '../../src/models/alexnet-2plus1d.js';

const SIZE = 112;
const FRAMES = 5;
const PER_CLASS = 2;

/**
 * Two classes that differ in texture: class 0 carries horizontal stripes,
 * class 1 vertical ones, both under seeded noise; one class id per clip.
 */
function syntheticBatch(): { clips: Tensor5D; labels: Tensor2D } {
  return tf.tidy(() => {
    const coord = tf.range(0, SIZE, 1, 'float32');
    const stripes = tf.sin(tf.mul(coord, 0.6));
    const rows = tf.tile(tf.reshape(stripes, [SIZE, 1, 1]), [1, SIZE, 3]);
    const cols = tf.tile(tf.reshape(stripes, [1, SIZE, 1]), [SIZE, 1, 3]);
    const clips: tf.Tensor[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 2 * PER_CLASS; i++) {
      const cls = i % 2;
      const pattern = cls === 0 ? rows : cols;
      const noise = tf.randomNormal([FRAMES, SIZE, SIZE, 3], 0, 0.5, 'float32', 100 + i);
      clips.push(tf.add(noise, pattern));
      labels.push(cls);
    }
    return { clips: tf.stack(clips) as Tensor5D, labels: tf.oneHot(tf.tensor1d(labels, 'int32'), 2).toFloat() as Tensor2D };
  });
}

test('a tiny AlexNet-(2+1)D trains on wasm: the loss falls and nothing leaks', async (t) => {
  await initBackend('wasm');
  const model = createAlexNet2Plus1D({ inputSize: SIZE, frames: FRAMES, widthMultiplier: 0.125, fcWidth: 512, embeddingSize: 2, seed: 3 });
  const { clips, labels } = syntheticBatch();
  const optimizer = tf.train.momentum(0.001, 0.9, true);
  const evalLoss = () => tf.tidy(() => tf.losses.softmaxCrossEntropy(labels, model.forward(clips)).dataSync()[0]!);
  const losses: number[] = [];
  let afterFirst: tf.MemoryInfo | undefined;
  try {
    const evalBefore = evalLoss();
    for (let step = 0; step < 6; step++) {
      const loss = optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(labels, model.forward(clips, { training: true, seed: 10 + step })) as tf.Scalar,
        true,
      );
      assert.ok(loss, 'minimize returned no loss');
      losses.push(loss.dataSync()[0]!);
      loss.dispose();
      // The optimizer creates its momentum slots on the first step; count from there.
      if (step === 0) afterFirst = tf.memory();
    }
    const evalAfter = evalLoss();
    const end = tf.memory();
    assert.equal(end.numTensors, afterFirst!.numTensors, 'tensors leaked across training steps');
    assert.equal(end.numDataBuffers, afterFirst!.numDataBuffers, 'wasm data buffers leaked across training steps');
    t.diagnostic(`training losses (with dropout): ${losses.map((l) => l.toFixed(4)).join(' → ')}; without dropout: ${evalBefore.toFixed(4)} → ${evalAfter.toFixed(4)}`);
    for (const l of losses) assert.ok(Number.isFinite(l), `non-finite loss in ${losses.join(', ')}`);
    assert.ok(losses.at(-1)! < losses[0]!, `training loss did not fall: ${losses.map((l) => l.toFixed(4)).join(' → ')}`);
    // Dropout masks change every step, so the step losses are noisy; the same batch without dropout is the steady measure.
    assert.ok(evalAfter < 0.8 * evalBefore, `loss without dropout did not fall: ${evalBefore} → ${evalAfter}`);
    // Every weight took a step: a missing gradient kernel path would leave one untouched or throw.
    const grads = tf.tidy(() => {
      const { grads: g } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.forward(clips)) as tf.Scalar);
      return Object.fromEntries(Object.entries(g).map(([name, t]) => [name, tf.norm(t).dataSync()[0]!]));
    });
    for (const [name, variable] of model.variables) {
      const norm = grads[variable.name];
      assert.ok(norm !== undefined && norm > 0, `${name}: gradient norm ${String(norm)}`);
    }
  } finally {
    optimizer.dispose();
    model.dispose();
    tf.dispose([clips, labels]);
  }
});

test('training on wasm rejects a clip of the wrong size before any kernel runs', async () => {
  await initBackend('wasm');
  const model = createAlexNet2Plus1D({ inputSize: SIZE, widthMultiplier: 0.125, fcWidth: 512, embeddingSize: 2 });
  const wrong = tf.zeros([1, FRAMES, 96, 96, 3]) as Tensor5D;
  const optimizer = tf.train.momentum(0.01, 0.9, true);
  try {
    const before = tf.memory().numTensors;
    assert.throws(() => optimizer.minimize(() => tf.sum(model.forward(wrong)) as tf.Scalar), { name: 'ShapeError', message: /112, 112, 3/ });
    assert.equal(tf.memory().numTensors, before);
  } finally {
    optimizer.dispose();
    model.dispose();
    wrong.dispose();
  }
});
