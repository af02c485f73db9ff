import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cosineSimilarityMatrix,
  hardestPerAnchor,
  initBackend,
  l2DistanceMatrix,
  minePairs,
  mineTriplets,
  pairMasks,
  safeSqrt,
  tf,
  tripletMask,
} from '../../src/index.js';
import type { Tensor2D } from '../../src/index.js';
import { assertClose, assertGradClose, cosine, int32, l2, numericGrad, randomMatrix } from './helpers.js';
import type { Mat } from './helpers.js';

before(async () => {
  await initBackend('cpu');
});

test('cosine similarity and L2 distance matrices match per-pair loops on several batches', () => {
  for (const [b, d, seed] of [[1, 3, 1], [4, 5, 2], [7, 16, 3]] as const) {
    const x = randomMatrix(b, d, seed, 2);
    const before = tf.memory().numTensors;
    const cos = tf.tidy(() => cosineSimilarityMatrix(tf.tensor2d(x)).arraySync());
    const dist = tf.tidy(() => l2DistanceMatrix(tf.tensor2d(x)).arraySync());
    assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
    for (let i = 0; i < b; i++) {
      for (let j = 0; j < b; j++) {
        assertClose(cos[i]![j]!, cosine(x[i]!, x[j]!), 1e-5, `cos[${i}][${j}]`);
        assertClose(dist[i]![j]!, l2(x[i]!, x[j]!), 1e-5, `l2[${i}][${j}]`);
      }
    }
  }
});

test('a zero embedding has cosine 0 with everything, with a finite gradient', () => {
  const x = [[0, 0, 0], [1, 2, 3], [-1, 0, 2]];
  const { cos, grad } = tf.tidy(() => {
    const t = tf.tensor2d(x);
    const g = tf.grad((v: tf.Tensor) => tf.sum(cosineSimilarityMatrix(v as Tensor2D)))(t);
    return { cos: cosineSimilarityMatrix(t).arraySync(), grad: g.arraySync() as Mat };
  });
  assert.deepEqual(cos[0], [0, 0, 0]);
  assert.ok(grad.flat().every(Number.isFinite), `gradient ${JSON.stringify(grad)}`);
});

test('duplicate embeddings: L2 distance exactly 0 and a finite gradient (0 at the coincident pair)', () => {
  const x = [[0.3, -1, 2], [0.3, -1, 2], [1, 1, 1], [1, 1, 1]];
  const dist = tf.tidy(() => l2DistanceMatrix(tf.tensor2d(x)).arraySync());
  assert.equal(dist[0]![1], 0);
  assert.equal(dist[2]![3], 0);
  assert.equal(dist[1]![1], 0);
  // Weighted sum of distances, differentiated; the reference is the float64
  // central difference, which is 0 in the direction of a kink at d = 0.
  const weights = [[0, 1, 2, 3], [1, 0, 1, 1], [2, 1, 0, 5], [3, 1, 5, 0]];
  const f64 = (m: Mat) => {
    let s = 0;
    for (let i = 0; i < m.length; i++) for (let j = 0; j < m.length; j++) s += weights[i]![j]! * l2(m[i]!, m[j]!);
    return s;
  };
  const grad = tf.tidy(() => {
    const w = tf.tensor2d(weights);
    return tf.grad((v: tf.Tensor) => tf.sum(tf.mul(l2DistanceMatrix(v as Tensor2D), w)))(tf.tensor2d(x)).arraySync() as Mat;
  });
  assertGradClose(grad, numericGrad(f64, x), 1e-3, 'l2 with duplicates');
});

test('safeSqrt: value and gradient 0 at 0, the usual ones elsewhere', () => {
  const { value, grad } = tf.tidy(() => {
    const x = tf.tensor1d([0, 4, 0.25]);
    return { value: safeSqrt(x).arraySync(), grad: tf.grad((v) => tf.sum(safeSqrt(v)))(x).arraySync() };
  });
  assert.deepEqual(value, [0, 2, 0.5]);
  assert.deepEqual(grad, [0, 0.25, 1]);
});

test('the cosine matrix gradient matches central differences', () => {
  const x = randomMatrix(4, 3, 11);
  const coef = randomMatrix(4, 4, 12);
  const f64 = (m: Mat) => m.reduce((s, a, i) => s + m.reduce((t, b, j) => t + coef[i]![j]! * cosine(a, b), 0), 0);
  const grad = tf.tidy(() => {
    const c = tf.tensor2d(coef);
    return tf.grad((v: tf.Tensor) => tf.sum(tf.mul(cosineSimilarityMatrix(v as Tensor2D), c)))(tf.tensor2d(x)).arraySync() as Mat;
  });
  assertGradClose(grad, numericGrad(f64, x), 1e-2, 'cosine matrix');
});

test('minePairs and mineTriplets enumerate exactly the valid pairs and triplets', () => {
  const labels = [1, 0, 1, 1, 0, 2];
  const { positive, negative } = minePairs(labels);
  // Σ n_c(n_c − 1) ordered positive pairs, B(B − 1) pairs in all.
  assert.equal(positive.length, 3 * 2 + 2 * 1);
  assert.equal(positive.length + negative.length, 6 * 5);
  for (const [i, j] of positive) assert.ok(i !== j && labels[i] === labels[j]);
  for (const [i, j] of negative) assert.ok(labels[i] !== labels[j]);
  const triplets = mineTriplets(labels);
  // Per anchor: (n_c − 1) positives × (B − n_c) negatives.
  assert.equal(triplets.length, 3 * 2 * 3 + 2 * 1 * 4);
  for (const [a, p, n] of triplets) assert.ok(a !== p && labels[a] === labels[p] && labels[n] !== labels[a]);
  assert.equal(new Set(triplets.map((t) => t.join())).size, triplets.length, 'no duplicates');
  assert.deepEqual(minePairs([1, 1, 1]).negative, []);
  assert.deepEqual(mineTriplets([1, 1, 1]), []);
  assert.deepEqual(mineTriplets([0, 1]), []);
});

test('the tensor masks hold exactly the enumerated pairs and triplets', () => {
  const labels = [1, 0, 1, 1, 0, 2];
  const b = labels.length;
  const { pos, neg, trip } = tf.tidy(() => {
    const l = int32(labels);
    const m = pairMasks(l);
    return { pos: m.positive.arraySync(), neg: m.negative.arraySync(), trip: tripletMask(l).arraySync() };
  });
  const { positive, negative } = minePairs(labels);
  const key = (...k: number[]) => k.join();
  const posSet = new Set(positive.map((p) => key(...p)));
  const negSet = new Set(negative.map((p) => key(...p)));
  const tripSet = new Set(mineTriplets(labels).map((t) => key(...t)));
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < b; j++) {
      assert.equal(pos[i]![j], posSet.has(key(i, j)) ? 1 : 0);
      assert.equal(neg[i]![j], negSet.has(key(i, j)) ? 1 : 0);
      for (let k = 0; k < b; k++) assert.equal(trip[i]![j]![k], tripSet.has(key(i, j, k)) ? 1 : 0);
    }
  }
});

test('hardestPerAnchor picks the hardest positive and negative per anchor and flags anchors without either', () => {
  const x = randomMatrix(6, 4, 21);
  const labels = [1, 0, 1, 1, 0, 2];
  for (const isSimilarity of [true, false]) {
    const metric = (i: number, j: number) => (isSimilarity ? cosine(x[i]!, x[j]!) : l2(x[i]!, x[j]!));
    const out = tf.tidy(() => {
      const t = tf.tensor2d(x);
      const m = isSimilarity ? cosineSimilarityMatrix(t) : l2DistanceMatrix(t);
      const h = hardestPerAnchor(m, int32(labels), isSimilarity);
      return { hp: h.hardestPositive.arraySync(), hn: h.hardestNegative.arraySync(), valid: h.valid.arraySync() };
    });
    for (let a = 0; a < labels.length; a++) {
      const ps = labels.flatMap((l, k) => (k !== a && l === labels[a] ? [metric(a, k)] : []));
      const ns = labels.flatMap((l, k) => (l !== labels[a] ? [metric(a, k)] : []));
      const ok = ps.length > 0 && ns.length > 0;
      assert.equal(out.valid[a], ok ? 1 : 0, `anchor ${a} validity`);
      if (!ok) continue;
      const wantP = isSimilarity ? Math.min(...ps) : Math.max(...ps);
      const wantN = isSimilarity ? Math.max(...ns) : Math.min(...ns);
      assertClose(out.hp[a]!, wantP, 1e-5, `hardest positive of ${a}`);
      assertClose(out.hn[a]!, wantN, 1e-5, `hardest negative of ${a}`);
    }
  }
});
