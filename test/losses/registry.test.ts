import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, InputError, LOSS_NAMES, ShapeError, createLoss, initBackend, tf } from '../../src/index.js';
import type { Loss, LossName, Tensor2D } from '../../src/index.js';
import { int32, randomMatrix } from './helpers.js';

before(async () => {
  await initBackend('cpu');
});
after(async () => {
  await initBackend('cpu');
});

const D = 8;
const X = randomMatrix(6, D, 901);
const LABELS = [1, 0, 1, 1, 0, 0];

/** The loss and every gradient (embeddings and the loss's own variables), as plain numbers. */
function forwardBackward(loss: Loss, x = X, labels = LABELS): { value: number; grads: Map<string, number[]> } {
  let result: { value: number; grads: Map<string, number[]> } | undefined;
  tf.tidy(() => {
    const xVar = tf.variable(tf.tensor2d(x), true);
    const vars = [xVar, ...loss.variables.values()];
    const { value, grads } = tf.variableGrads(() => loss.compute(xVar as tf.Tensor as Tensor2D, int32(labels)), vars);
    const out = new Map<string, number[]>([['embeddings', [...grads[xVar.name]!.dataSync()]]]);
    for (const [name, v] of loss.variables) out.set(name, [...grads[v.name]!.dataSync()]);
    result = { value: value.dataSync()[0]!, grads: out };
    xVar.dispose();
  });
  return result!;
}

const EXPECTED_VARIABLES: Record<LossName, Record<string, number[]>> = {
  ce: { 'loss.head.weight': [D, 2], 'loss.head.bias': [2] },
  contrastive: {},
  triplet: {},
  arcface: { 'loss.classWeights': [D, 2] },
  cosface: { 'loss.classWeights': [D, 2] },
  sphereface: { 'loss.classWeights': [D, 2] },
  'arcface+triplet': { 'loss.classWeights': [D, 2] },
  'arcface+contrastive': { 'loss.classWeights': [D, 2] },
};

test('createLoss builds every registered loss; forward and backward run without NaN and leak no tensors', () => {
  assert.deepEqual([...LOSS_NAMES].sort(), Object.keys(EXPECTED_VARIABLES).sort());
  for (const name of LOSS_NAMES) {
    const before = tf.memory().numTensors;
    const loss = createLoss(name, { embeddingSize: D, seed: 1 });
    assert.equal(loss.name, name);
    const shapes = Object.fromEntries([...loss.variables].map(([k, v]) => [k, v.shape]));
    assert.deepEqual(shapes, EXPECTED_VARIABLES[name], `${name}: variables`);
    assert.equal(loss.prototypeRule, name === 'ce' ? 'head-direction' : name === 'contrastive' || name === 'triplet' ? 'live-mean' : 'class-weight');
    assert.equal(typeof loss.classWeights === 'function', loss.prototypeRule !== 'live-mean', `${name}: classWeights`);
    const inside = tf.memory().numTensors;
    const { value, grads } = forwardBackward(loss);
    assert.equal(tf.memory().numTensors, inside, `${name}: compute + gradients leak nothing`);
    assert.ok(Number.isFinite(value) && value > 0, `${name}: loss ${value}`);
    for (const [k, g] of grads) {
      assert.ok(g.every(Number.isFinite), `${name}: gradient of ${k} has NaN/Inf`);
      assert.ok(g.some((v) => v !== 0), `${name}: gradient of ${k} is all zero`);
    }
    loss.dispose();
    assert.equal(tf.memory().numTensors, before, `${name}: dispose frees its variables`);
    loss.dispose(); // idempotent
  }
});

test('a few optimizer steps on free embeddings lower every loss', () => {
  for (const name of LOSS_NAMES) {
    const loss = createLoss(name, { embeddingSize: D, seed: 2 });
    const x = tf.variable(tf.tensor2d(X), true);
    const labels = int32(LABELS);
    const optimizer = tf.train.adam(0.05);
    const lossAt = () => tf.tidy(() => loss.compute(x as tf.Tensor as Tensor2D, labels).dataSync()[0]!);
    try {
      const first = lossAt();
      for (let i = 0; i < 30; i++) optimizer.minimize(() => loss.compute(x as tf.Tensor as Tensor2D, labels));
      const last = lossAt();
      assert.ok(last < first, `${name}: ${first} → ${last}`);
    } finally {
      optimizer.dispose();
      x.dispose();
      labels.dispose();
      loss.dispose();
    }
  }
});

test('the seed decides the initial parameters', () => {
  const w = (seed: number) => {
    const loss = createLoss('arcface', { embeddingSize: D, seed });
    const values = [...loss.variables.get('loss.classWeights')!.dataSync()];
    loss.dispose();
    return values;
  };
  assert.deepEqual(w(5), w(5));
  assert.notDeepEqual(w(5), w(6));
});

test('classWeights returns a copy of W that the caller owns', () => {
  const loss = createLoss('cosface', { embeddingSize: D });
  try {
    const copy = loss.classWeights!();
    assert.deepEqual(copy.shape, [D, 2]);
    assert.deepEqual([...copy.dataSync()], [...loss.variables.get('loss.classWeights')!.dataSync()]);
    copy.dispose();
    assert.ok(Number.isFinite(forwardBackward(loss).value), 'the loss still works after the copy is disposed');
  } finally {
    loss.dispose();
  }
});

test('config: defaults per loss, distance-dependent margins, presets with overrides, frozen', () => {
  const arc = createLoss('arcface', { embeddingSize: 4 });
  const cos = createLoss('cosface', { embeddingSize: 4, marginSoftmax: { scale: 30 } });
  const sphere = createLoss('sphereface', { embeddingSize: 4 });
  const l2 = createLoss('contrastive', { embeddingSize: 4, contrastive: { distance: 'l2' }, triplet: { distance: 'l2' } });
  try {
    assert.deepEqual(arc.config.marginSoftmax, { scale: 64, angleMultiplier: 1, marginRad: 0.5, cosineMargin: 0 });
    assert.deepEqual(cos.config.marginSoftmax, { scale: 30, angleMultiplier: 1, marginRad: 0, cosineMargin: 0.35 });
    assert.equal(sphere.config.marginSoftmax.angleMultiplier, 4);
    assert.deepEqual(arc.config.contrastive, { distance: 'cosine', posMargin: 1, negMargin: 0, reducer: 'meanNonZero' });
    assert.deepEqual(l2.config.contrastive, { distance: 'l2', posMargin: 0, negMargin: 1, reducer: 'meanNonZero' });
    assert.equal(l2.config.triplet.margin, 0.2);
    assert.equal(arc.config.triplet.margin, 0.05);
    assert.ok(Object.isFrozen(arc.config) && Object.isFrozen(arc.config.marginSoftmax) && Object.isFrozen(arc.config.triplet));
  } finally {
    for (const l of [arc, cos, sphere, l2]) l.dispose();
  }
});

test('bad names and bad config fields are ConfigErrors naming the field', () => {
  assert.throws(
    () => createLoss('arcfase'),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.path === 'loss.name' &&
      err.message.includes('"arcfase"') &&
      err.message.includes('ce, contrastive, triplet, arcface, cosface, sphereface, arcface+triplet, arcface+contrastive'),
  );
  const cases: Array<[object, string]> = [
    [{ embeddingSize: 0 }, 'loss.embeddingSize'],
    [{ embeddingSize: 2.5 }, 'loss.embeddingSize'],
    [{ numClasses: 1 }, 'loss.numClasses'],
    [{ seed: -1 }, 'loss.seed'],
    [{ margin: 0.5 }, 'loss.margin'],
    [{ marginSoftmax: { marginDeg: 30 } }, 'loss.marginSoftmax.marginDeg'],
    [{ marginSoftmax: { marginRad: 2 } }, 'loss.marginSoftmax.marginRad'],
    [{ marginSoftmax: { scale: 0 } }, 'loss.marginSoftmax.scale'],
    [{ marginSoftmax: { angleMultiplier: 0.5 } }, 'loss.marginSoftmax.angleMultiplier'],
    [{ marginSoftmax: { cosineMargin: Number.NaN } }, 'loss.marginSoftmax.cosineMargin'],
    [{ contrastive: { distance: 'l1' } }, 'loss.contrastive.distance'],
    [{ contrastive: { posMargin: 1.5 } }, 'loss.contrastive.posMargin'],
    [{ contrastive: { distance: 'l2', negMargin: -1 } }, 'loss.contrastive.negMargin'],
    [{ triplet: { mining: 'semihard' } }, 'loss.triplet.mining'],
    [{ triplet: { reducer: 'sum' } }, 'loss.triplet.reducer'],
    [{ triplet: { margin: -0.1 } }, 'loss.triplet.margin'],
    [{ weights: { marginSoftmax: 0, metric: 0 } }, 'loss.weights'],
    [{ weights: { metric: -1 } }, 'loss.weights.metric'],
    [{ triplet: 3 }, 'loss.triplet'],
  ];
  for (const [config, path] of cases) {
    assert.throws(
      () => createLoss('arcface+triplet', config as never),
      (err: unknown) => err instanceof ConfigError && err.code === 'E_CONFIG' && err.path === path,
      `${JSON.stringify(config)} → ${path}`,
    );
  }
});

test('bad embeddings and labels are ShapeErrors, out-of-range labels InputErrors, and nothing leaks', () => {
  const before = tf.memory().numTensors;
  const losses = LOSS_NAMES.map((name) => createLoss(name, { embeddingSize: 4 }));
  const x = tf.tensor2d(randomMatrix(3, 4, 5));
  const cases: Array<[string, tf.Tensor, tf.Tensor, RegExp]> = [
    ['too few labels', x, tf.tensor1d([1, 0], 'int32'), /2 labels for 3 embeddings/],
    ['3-D embeddings', tf.zeros([3, 2, 2]), tf.tensor1d([1, 0, 1], 'int32'), /must be 2-D \[B, D\], got shape \[3, 2, 2\]/],
    ['1-D embeddings', tf.zeros([4]), tf.tensor1d([1, 0, 1, 1], 'int32'), /must be 2-D/],
    ['wrong embedding size', tf.zeros([3, 5]), tf.tensor1d([1, 0, 1], 'int32'), /size 5, expected embeddingSize 4/],
    ['float labels', x, tf.tensor1d([1, 0, 1]), /labels must be int32, got float32/],
    ['2-D labels', x, tf.tensor2d([[1], [0], [1]], [3, 1], 'int32'), /labels must be 1-D/],
    ['empty batch', tf.zeros([0, 4]), tf.tensor1d([], 'int32'), /no rows/],
  ];
  const mid = tf.memory().numTensors;
  for (const loss of losses) {
    for (const [what, e, l, pattern] of cases) {
      assert.throws(
        () => loss.compute(e as Tensor2D, l as tf.Tensor1D),
        (err: unknown) => err instanceof ShapeError && err.code === 'E_SHAPE' && pattern.test(err.message) && err.message.includes(`'${loss.name}'`),
        `${loss.name}: ${what}`,
      );
    }
    const outOfRange = tf.tensor1d([1, 2, 0], 'int32');
    if (loss.prototypeRule === 'class-weight' || loss.name === 'ce') {
      assert.throws(() => loss.compute(x, outOfRange), (err: unknown) => err instanceof InputError && /label 2 at row 1/.test(err.message), loss.name);
    }
    outOfRange.dispose();
  }
  assert.equal(tf.memory().numTensors, mid, 'failed calls leak nothing');
  const labels = tf.tensor1d([1, 0, 1], 'int32');
  for (const loss of losses) {
    loss.dispose();
    assert.throws(() => loss.compute(x, labels), InputError, `${loss.name} after dispose`);
  }
  for (const [, e, l] of cases) {
    e.dispose();
    l.dispose();
  }
  x.dispose();
  labels.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('every loss gives the same value and gradients on the wasm backend as on cpu', async () => {
  const run = () =>
    Object.fromEntries(
      LOSS_NAMES.map((name) => {
        const loss = createLoss(name, { embeddingSize: D, seed: 4, marginSoftmax: { scale: 16 } });
        try {
          return [name, forwardBackward(loss)];
        } finally {
          loss.dispose();
        }
      }),
    );
  await initBackend('cpu');
  const cpu = run();
  await initBackend('wasm');
  const wasm = run();
  await initBackend('cpu');
  for (const name of LOSS_NAMES) {
    const a = cpu[name]!;
    const b = wasm[name]!;
    assert.ok(Math.abs(a.value - b.value) <= 1e-4 * Math.max(1, Math.abs(a.value)), `${name}: cpu ${a.value} vs wasm ${b.value}`);
    for (const [k, g] of a.grads) {
      const h = b.grads.get(k)!;
      const scale = Math.max(1e-3, ...g.map(Math.abs));
      g.forEach((v, i) => assert.ok(Math.abs(v - h[i]!) <= 1e-3 * scale, `${name}: gradient of ${k}[${i}] cpu ${v} vs wasm ${h[i]}`));
    }
  }
});
