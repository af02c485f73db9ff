/**
 * The overfit check: a tiny AlexNet-(2+1)D, trained full-batch with the
 * training recipe's optimizer (Nesterov SGD at the paper's learning rate),
 * drives every loss close to zero on 32 fixed clips with arbitrary labels
 * within a fixed number of steps. A bug that cuts the gradient path (a
 * detached layer, a loss that ignores its labels, a variable left out of the
 * update, a collapse to a constant output) stops this, so it cannot pass
 * silently.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, createAlexNet2Plus1D, createLoss, createMomentumSgd, DEFAULT_TRAIN_CONFIG, LOSS_NAMES, tf } from '../../src/index.js';

const CLIPS = 32;
const STEPS = 100;
/** "Close to zero": below this, and below 5% of where the loss started (the losses start at 0.05 to 90). */
const CLOSE_TO_ZERO = 0.1;

for (const name of LOSS_NAMES) {
  test(`overfit: ${name} falls close to zero on ${CLIPS} fixed clips within ${STEPS} steps`, async () => {
    await initBackend('native');
    const before = tf.memory().numTensors;
    const model = createAlexNet2Plus1D({ frames: 2, inputSize: 64, widthMultiplier: 0.0625, fcWidth: 1024, embeddingSize: 16, dropoutRate: 0, seed: 3 });
    const loss = createLoss(name, { embeddingSize: 16, seed: 3 });
    const optimizer = createMomentumSgd({ learningRate: DEFAULT_TRAIN_CONFIG.learningRate, momentum: DEFAULT_TRAIN_CONFIG.momentum, nesterov: DEFAULT_TRAIN_CONFIG.nesterov });
    const x = tf.randomNormal([CLIPS, 2, 64, 64, 3], 0, 1, 'float32', 11) as tf.Tensor5D;
    // a third live, two thirds attack, in no pattern a network could read from the clips
    const y = tf.tensor1d(Array.from({ length: CLIPS }, (_, i) => ((i * 7) % 3 === 0 ? 1 : 0)), 'int32');
    const variables = [...model.variables.values(), ...loss.variables.values()];
    const curve: number[] = [];
    try {
      for (let s = 0; s < STEPS; s++) curve.push(optimizer.minimize(() => loss.compute(model.forward(x, { training: true, seed: s }), y), variables));
    } finally {
      optimizer.dispose();
      loss.dispose();
      model.dispose();
      tf.dispose([x, y]);
    }
    assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
    const first = curve[0]!;
    const last = curve.at(-1)!;
    const shown = curve.filter((_, i) => i % 20 === 0 || i === STEPS - 1).map((v) => v.toPrecision(3)).join(' → ');
    assert.ok(last < CLOSE_TO_ZERO && last < 0.05 * first, `${name}: ${shown}`);
  });
}
