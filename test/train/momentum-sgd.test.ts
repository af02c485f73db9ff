// vidpad's momentum SGD against tfjs's MomentumOptimizer: the same weights to
// the bit after several steps (Nesterov and plain), a restored state that
// continues exactly, and every tensor freed by dispose (tfjs's optimizer
// leaves its learning-rate scalar behind).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initBackend } from '../../src/engine/backends.js';
import { createMomentumSgd } from '../../src/train/momentum-sgd.js';
import { tensorData } from '../../src/train/checkpoint.js';

function problem(seed: number) {
  const w = tf.tidy(() => tf.variable(tf.randomNormal([4, 3], 0, 1, 'float32', seed)));
  const b = tf.tidy(() => tf.variable(tf.randomNormal([3], 0, 1, 'float32', seed + 1)));
  const x = tf.randomNormal([5, 4], 0, 1, 'float32', seed + 2);
  const f = () => tf.mean(tf.square(tf.relu(tf.add(tf.matMul(x, w), b)))) as tf.Scalar;
  return { vars: [w, b], f, dispose: () => tf.dispose([w, b, x]) };
}

for (const nesterov of [true, false]) {
  test(`the same updates as tfjs's MomentumOptimizer, bit for bit (nesterov ${nesterov}), with a learning-rate change`, async () => {
    await initBackend('cpu');
    const start = tf.memory().numTensors;
    const ours = problem(3);
    const theirs = problem(3);
    const sgd = createMomentumSgd({ learningRate: 0.05, momentum: 0.9, nesterov });
    const reference = tf.train.momentum(0.05, 0.9, nesterov);
    for (let step = 0; step < 4; step++) {
      if (step === 2) {
        sgd.setLearningRate(0.02);
        reference.setLearningRate(0.02);
      }
      const a = sgd.minimize(ours.f, ours.vars);
      const cost = reference.minimize(theirs.f, true, theirs.vars)!;
      assert.equal(a, cost.dataSync()[0]);
      cost.dispose();
      ours.vars.forEach((v, i) => assert.deepEqual(v.dataSync(), theirs.vars[i]!.dataSync(), `step ${step} variable ${i}`));
    }
    const slots = sgd.slots();
    const theirSlots = (await reference.getWeights()).map((w) => w.tensor);
    assert.deepEqual(slots.map((t) => [...t.dataSync()]), theirSlots.map((t) => [...t.dataSync()]));
    slots[0]!.dispose();
    theirSlots[0]!.dispose();
    reference.dispose();
    sgd.dispose();
    ours.dispose();
    theirs.dispose();
    // tfjs's optimizer leaves its learning-rate scalar; ours leaves nothing.
    assert.equal(tf.memory().numTensors, start + 1);
  });
}

test('restored slots continue exactly where the saved run was', async () => {
  await initBackend('cpu');
  const start = tf.memory().numTensors;
  const straight = problem(7);
  const resumed = problem(7);
  const a = createMomentumSgd({ learningRate: 0.1, momentum: 0.9, nesterov: true });
  for (let i = 0; i < 2; i++) a.minimize(straight.f, straight.vars);
  const saved = a.slots();
  const savedData = saved.map(tensorData);
  saved[0]!.dispose();
  // The resumed run: weights as saved, a fresh optimizer given the slots.
  resumed.vars.forEach((v, i) => v.assign(straight.vars[i]!));
  const b = createMomentumSgd({ learningRate: 0.1, momentum: 0.9, nesterov: true });
  b.restoreSlots(savedData, 'test');
  for (let i = 0; i < 2; i++) {
    a.minimize(straight.f, straight.vars);
    b.minimize(resumed.f, resumed.vars);
  }
  straight.vars.forEach((v, i) => assert.deepEqual(v.dataSync(), resumed.vars[i]!.dataSync()));
  const count = b.slots()[0]!;
  assert.equal(count.dataSync()[0], 4);
  count.dispose();
  [a, b].forEach((o) => o.dispose());
  straight.dispose();
  resumed.dispose();
  assert.equal(tf.memory().numTensors, start, 'no tensor left');
});

test("weight decay is PyTorch SGD's: λ·w joins the gradient before the momentum, worked in doubles on a linear loss", async () => {
  await initBackend('cpu');
  const start = tf.memory().numTensors;
  const c = [0.5, -1.5, 2];
  const w = tf.tidy(() => tf.variable(tf.tensor1d([1, 2, -3])));
  const coef = tf.tensor1d(c);
  const f = () => tf.sum(tf.mul(w, coef)) as tf.Scalar; // gradient c, whatever w is
  const [lr, m, lambda] = [0.1, 0.9, 0.05];
  const sgd = createMomentumSgd({ learningRate: lr, momentum: m, nesterov: true, weightDecay: lambda });
  const ws = [1, 2, -3];
  const vs = [0, 0, 0];
  for (let step = 0; step < 5; step++) {
    sgd.minimize(f, [w]);
    for (let j = 0; j < 3; j++) {
      const g = c[j]! + lambda * ws[j]!;
      vs[j] = m * vs[j]! + g;
      ws[j] = ws[j]! - lr * (g + m * vs[j]!);
    }
    Array.from(w.dataSync()).forEach((x, j) => assert.ok(Math.abs(x - ws[j]!) < 1e-5, `step ${step} w[${j}]: ${x} vs ${ws[j]}`));
  }
  sgd.dispose();
  tf.dispose([w, coef]);
  assert.equal(tf.memory().numTensors, start, 'no tensor left, the decay scalar included');
});
