import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { contrastiveLoss, initBackend, tf, tripletLoss } from '../../src/index.js';
import type { ContrastiveConfig, Tensor2D, TripletConfig } from '../../src/index.js';
import { assertClose, assertGradClose, int32, numericGrad, randomMatrix, refContrastive, refTriplet } from './helpers.js';
import type { Mat } from './helpers.js';

before(async () => {
  await initBackend('cpu');
});

const BATCHES: Array<{ x: Mat; labels: number[]; what: string }> = [
  { x: randomMatrix(6, 4, 101), labels: [1, 0, 1, 1, 0, 0], what: 'balanced' },
  { x: randomMatrix(5, 3, 102, 3), labels: [1, 1, 1, 0, 1], what: 'one attack' },
  { x: randomMatrix(8, 5, 103, 0.5), labels: [0, 1, 2, 0, 1, 2, 2, 0], what: 'three classes' },
  { x: randomMatrix(4, 3, 104), labels: [1, 1, 1, 1], what: 'all live' },
];

const CONTRASTIVE_CONFIGS: ContrastiveConfig[] = [
  { distance: 'cosine', posMargin: 1, negMargin: 0, reducer: 'meanNonZero' },
  { distance: 'cosine', posMargin: 0.8, negMargin: 0.2, reducer: 'mean' },
  { distance: 'l2', posMargin: 0, negMargin: 1, reducer: 'meanNonZero' },
  { distance: 'l2', posMargin: 0.5, negMargin: 3, reducer: 'mean' },
];

const TRIPLET_CONFIGS: TripletConfig[] = [
  { distance: 'cosine', margin: 0.05, mining: 'all', reducer: 'meanNonZero' },
  { distance: 'cosine', margin: 0.3, mining: 'hard', reducer: 'meanNonZero' },
  { distance: 'cosine', margin: 0.2, mining: 'all', reducer: 'mean' },
  { distance: 'l2', margin: 0.2, mining: 'all', reducer: 'meanNonZero' },
  { distance: 'l2', margin: 1, mining: 'hard', reducer: 'mean' },
];

test('contrastive loss matches a per-pair loop, and its gradient matches central differences', () => {
  for (const config of CONTRASTIVE_CONFIGS) {
    for (const { x, labels, what } of BATCHES) {
      const msg = `contrastive ${JSON.stringify(config)} on ${what}`;
      const before = tf.memory().numTensors;
      const { value, grad } = tfGradOf((e) => contrastiveLoss(e, int32Scoped(labels), config), x);
      assert.equal(tf.memory().numTensors, before, `${msg}: no leaks`);
      const f64 = (m: Mat) => refContrastive(m, labels, config);
      assertClose(value, f64(x), 1e-5, msg);
      assertGradClose(grad, numericGrad(f64, x), 1e-2, msg);
    }
  }
});

test('triplet loss (batch-all and batch-hard) matches a per-triplet loop, and its gradient matches central differences', () => {
  for (const config of TRIPLET_CONFIGS) {
    for (const { x, labels, what } of BATCHES) {
      const msg = `triplet ${JSON.stringify(config)} on ${what}`;
      const before = tf.memory().numTensors;
      const { value, grad } = tfGradOf((e) => tripletLoss(e, int32Scoped(labels), config), x);
      assert.equal(tf.memory().numTensors, before, `${msg}: no leaks`);
      const f64 = (m: Mat) => refTriplet(m, labels, config);
      assertClose(value, f64(x), 1e-5, msg);
      assertGradClose(grad, numericGrad(f64, x), 1e-2, msg);
    }
  }
});

test('a batch of one class: contrastive keeps only its positive term, triplet is 0 with a zero gradient', () => {
  const x = randomMatrix(5, 4, 201);
  const labels = [0, 0, 0, 0, 0];
  for (const config of TRIPLET_CONFIGS) {
    const { value, grad } = tfGradOf((e) => tripletLoss(e, int32Scoped(labels), config), x);
    assert.equal(value, 0, `triplet ${JSON.stringify(config)}`);
    assert.ok(grad.flat().every((g) => g === 0));
  }
  for (const config of CONTRASTIVE_CONFIGS) {
    const { value, grad } = tfGradOf((e) => contrastiveLoss(e, int32Scoped(labels), config), x);
    assertClose(value, refContrastive(x, labels, config), 1e-5, 'contrastive, one class');
    assert.ok(grad.flat().every(Number.isFinite));
  }
  // A single clip has no pair at all.
  const single = tfGradOf((e) => contrastiveLoss(e, int32Scoped([1]), CONTRASTIVE_CONFIGS[0]!), [[1, 2, 3]]);
  assert.equal(single.value, 0);
  assert.ok(single.grad.flat().every((g) => g === 0));
});

/** Two tight clusters in opposite directions: every margin is satisfied. */
function separatedBatch(): { x: Mat; labels: number[] } {
  const noise = randomMatrix(6, 4, 301, 1e-3);
  const labels = [1, 0, 1, 0, 1, 0];
  const x = labels.map((l, i) => [l === 1 ? 1 : -1, 0.5 * (l === 1 ? 1 : -1), 0, 0].map((v, j) => v + noise[i]![j]!));
  return { x, labels };
}

test('zero-loss batches: well-separated embeddings give exactly 0 and a zero gradient', () => {
  const { x, labels } = separatedBatch();
  const configs: Array<[string, (e: Tensor2D) => tf.Scalar]> = [
    ['contrastive cosine', (e) => contrastiveLoss(e, int32Scoped(labels), { distance: 'cosine', posMargin: 0.9, negMargin: 0, reducer: 'meanNonZero' })],
    ['contrastive l2', (e) => contrastiveLoss(e, int32Scoped(labels), { distance: 'l2', posMargin: 0.1, negMargin: 1, reducer: 'mean' })],
    ...TRIPLET_CONFIGS.map((c): [string, (e: Tensor2D) => tf.Scalar] => [`triplet ${JSON.stringify(c)}`, (e) => tripletLoss(e, int32Scoped(labels), c)]),
  ];
  for (const [what, f] of configs) {
    const { value, grad } = tfGradOf(f, x);
    assert.equal(value, 0, what);
    assert.ok(grad.flat().every((g) => g === 0), `${what}: zero gradient`);
  }
});

test('duplicate embeddings with L2 distance: the loss is right and the gradient finite', () => {
  // Rows 0/1 are identical positives, rows 2/3 identical across classes.
  const x = [[0.5, -1, 2], [0.5, -1, 2], [1, 1, 0], [1, 1, 0], [-2, 0.3, 1]];
  const labels = [1, 1, 1, 0, 0];
  // posMargin > 0 keeps the duplicate positives strictly inside their margin:
  // at exactly 0 a non-zero-mean count would jump under any perturbation.
  const c: ContrastiveConfig = { distance: 'l2', posMargin: 0.1, negMargin: 1, reducer: 'meanNonZero' };
  const t: TripletConfig = { distance: 'l2', margin: 0.2, mining: 'all', reducer: 'mean' };
  for (const [what, f, ref] of [
    ['contrastive', (e: Tensor2D) => contrastiveLoss(e, int32Scoped(labels), c), (m: Mat) => refContrastive(m, labels, c)],
    ['triplet', (e: Tensor2D) => tripletLoss(e, int32Scoped(labels), t), (m: Mat) => refTriplet(m, labels, t)],
  ] as const) {
    const { value, grad } = tfGradOf(f, x);
    assertClose(value, ref(x), 1e-5, what);
    assert.ok(grad.flat().every(Number.isFinite), `${what}: finite gradient`);
    assertGradClose(grad, numericGrad(ref, x), 1e-2, what);
  }
});

test('batch-hard with duplicate embeddings: a tie for the hardest positive sends the gradient to one of them, not both', () => {
  // Anchor 2's two positives (rows 0 and 1) are identical, so they tie. The
  // central difference at a tie averages the two one-sided slopes; the
  // gradient must be one of the one-sided slopes instead, given to one row.
  // Rows 3 and 4 sit next to row 2, so the duplicates are never anyone's hardest negative.
  const x = [[0.5, -1, 2], [0.5, -1, 2], [1, 1, 0], [1.2, 0.9, 0.1], [1.1, 1, 0]];
  const labels = [1, 1, 1, 0, 0];
  const t: TripletConfig = { distance: 'l2', margin: 5, mining: 'hard', reducer: 'mean' };
  const { value, grad } = tfGradOf((e) => tripletLoss(e, int32Scoped(labels), t), x);
  assertClose(value, refTriplet(x, labels, t), 1e-5, 'value');
  assert.ok(grad.flat().every(Number.isFinite));
  // Untie by moving row 1 a hair towards the anchor: row 0 is then the only
  // hardest positive, and the numerical gradient of the untied batch is what
  // the tied gradient must match (row 0 carries it all, row 1 none of it).
  const untied = x.map((r) => [...r]);
  untied[1] = untied[1]!.map((v, j) => v + 1e-4 * (x[2]![j]! - v));
  const numeric = numericGrad((m) => refTriplet(m, labels, t), untied);
  assertGradClose(grad, numeric, 1e-2, 'tied batch-hard');
  assert.ok(grad[0]!.some((g) => Math.abs(g) > 1e-3), 'row 0 receives the tied gradient');
});

test('the loss functions do not modify their inputs', () => {
  const x = randomMatrix(4, 3, 401);
  tf.tidy(() => {
    const e = tf.tensor2d(x);
    const l = int32([1, 0, 1, 0]);
    contrastiveLoss(e, l, CONTRASTIVE_CONFIGS[0]!);
    tripletLoss(e, l, TRIPLET_CONFIGS[1]!);
    const back = e.arraySync();
    for (let i = 0; i < x.length; i++) for (let j = 0; j < 3; j++) assert.equal(back[i]![j], Math.fround(x[i]![j]!));
    assert.deepEqual(l.arraySync(), [1, 0, 1, 0]);
  });
});

// Labels created inside the gradient's tidy are disposed with it.
function int32Scoped(labels: number[]) {
  return int32(labels);
}

function tfGradOf(f: (e: Tensor2D) => tf.Scalar, x: Mat): { value: number; grad: Mat } {
  return tf.tidy(() => {
    const { value, grad } = tf.valueAndGrad(f)(tf.tensor2d(x));
    return { value: value.dataSync()[0]!, grad: grad.arraySync() as Mat };
  });
}
