import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ATTACK_LABEL,
  InputError,
  LIVE_LABEL,
  ShapeError,
  computeLivePrototype,
  cosineToPrototype,
  createLoss,
  initBackend,
  liveProbability,
  livePrototypeFor,
  liveScores,
  prototypeFromClassWeights,
  prototypeFromHeadDirection,
  scoreEmbeddings,
  tf,
} from '../../src/index.js';
import type { Tensor2D } from '../../src/index.js';
import { assertClose, assertGradClose, column, cosine, int32, norm, numericGrad, randomMatrix } from './helpers.js';
import type { Mat } from './helpers.js';

before(async () => {
  await initBackend('cpu');
});

test('labels: 1 = live, 0 = attack', () => {
  assert.equal(LIVE_LABEL, 1);
  assert.equal(ATTACK_LABEL, 0);
});

test('computeLivePrototype is the mean of the L2-normalised live embeddings', () => {
  // Live rows of very different norms: the normalised mean weighs them equally.
  const x = [[10, 0, 0], [0, 0.1, 0], [5, 5, 5], [0, 0, -3], [1, 2, 3]];
  const labels = [1, 1, 0, 0, 1];
  const before = tf.memory().numTensors;
  const proto = tf.tidy(() => computeLivePrototype(tf.tensor2d(x), int32(labels)));
  assert.equal(tf.memory().numTensors, before);
  assert.ok(proto instanceof Float32Array);
  const live = x.filter((_, i) => labels[i] === LIVE_LABEL).map((r) => r.map((v) => v / norm(r)));
  const want = [0, 1, 2].map((j) => live.reduce((s, r) => s + r[j]!, 0) / live.length);
  want.forEach((v, j) => assertClose(proto[j]!, v, 1e-6, `prototype[${j}]`));
  // A raw mean would point elsewhere: the rule is really the normalised one.
  const rawLive = x.filter((_, i) => labels[i] === LIVE_LABEL);
  const raw = [0, 1, 2].map((j) => rawLive.reduce((s, r) => s + r[j]!, 0) / rawLive.length);
  assert.ok(cosine([...proto], raw) < 0.99);
});

test('computeLivePrototype without live clips, or with bad shapes, is a typed error', () => {
  tf.tidy(() => {
    assert.throws(() => computeLivePrototype(tf.tensor2d([[1, 2]]), int32([0])), (e: unknown) => e instanceof InputError && /none of the 1 labels is live/.test(e.message));
    assert.throws(() => computeLivePrototype(tf.tensor2d([[1, 2]]), int32([1, 1])), ShapeError);
    assert.throws(() => computeLivePrototype(tf.tensor1d([1, 2]) as unknown as Tensor2D, int32([1])), ShapeError);
  });
});

test('the margin losses score against W’s live column, contrastive and triplet against the live mean', () => {
  const x = randomMatrix(6, 4, 1001);
  const labels = [1, 0, 1, 1, 0, 0];
  const arc = createLoss('arcface', { embeddingSize: 4, seed: 9 });
  const trip = createLoss('triplet', { embeddingSize: 4 });
  try {
    const w = arc.variables.get('loss.classWeights')!.arraySync() as Mat;
    const fromLoss = livePrototypeFor(arc);
    assert.deepEqual([...fromLoss], column(w, LIVE_LABEL).map(Math.fround));
    const cw = arc.classWeights!();
    assert.deepEqual([...prototypeFromClassWeights(cw, ATTACK_LABEL)], column(w, ATTACK_LABEL).map(Math.fround));
    assert.throws(() => prototypeFromClassWeights(cw, 2), InputError);
    cw.dispose();
    assert.throws(() => livePrototypeFor(trip), (e: unknown) => e instanceof InputError && /training embeddings/.test(e.message));
    const before = tf.memory().numTensors;
    const viaRule = tf.tidy(() => livePrototypeFor(trip, { embeddings: tf.tensor2d(x), labels: int32(labels) }));
    const direct = tf.tidy(() => computeLivePrototype(tf.tensor2d(x), int32(labels)));
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(viaRule, direct);
  } finally {
    arc.dispose();
    trip.dispose();
  }
});

test('cross-entropy scores against its head’s live-minus-attack direction, which orders clips as the logit margin does when the bias is zero', () => {
  const ce = createLoss('ce', { embeddingSize: 4, seed: 5 });
  try {
    const w = ce.variables.get('loss.head.weight')!.arraySync() as Mat;
    const before = tf.memory().numTensors;
    const proto = livePrototypeFor(ce);
    assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
    // worked by hand from the two columns
    assert.deepEqual([...proto], column(w, LIVE_LABEL).map((v, i) => Math.fround(Math.fround(v) - Math.fround(column(w, ATTACK_LABEL)[i]!))));
    // the head starts with zero bias: cosine with the direction and the logit margin rank the same clips the same way
    const x = randomMatrix(8, 4, 77);
    const cos = x.map((row) => cosineToPrototype(row, proto));
    const margin = tf.tidy(() => (ce.logits!(tf.tensor2d(x)).arraySync() as Mat).map((r) => r[LIVE_LABEL]! - r[ATTACK_LABEL]!));
    const rank = (v: number[]): number[] => v.map((a) => v.filter((b) => b < a).length);
    assert.deepEqual(rank(cos.map((c, i) => c * Math.hypot(...x[i]!))), rank(margin), 'cos·|x| is the margin over |direction|');
    assert.ok(cos.every((c, i) => Math.sign(c) === Math.sign(margin[i]!)), 'same sign as the margin');
    const head = ce.classWeights!();
    const fourClasses = tf.concat([head, head], 1) as Tensor2D;
    assert.throws(() => prototypeFromHeadDirection(fourClasses), (e: unknown) => e instanceof ShapeError && /\[D, 2\]/.test(e.message));
    tf.dispose([head, fourClasses]);
  } finally {
    ce.dispose();
  }
});

test('scoreEmbeddings is the cosine to the prototype, in [−1, 1], agreeing with the plain-number version', () => {
  const x = [...randomMatrix(5, 4, 1101, 3), [0, 0, 0, 0]];
  const proto = new Float32Array(randomMatrix(1, 4, 1102)[0]!);
  const before = tf.memory().numTensors;
  const scores = tf.tidy(() => scoreEmbeddings(tf.tensor2d(x), proto));
  assert.equal(tf.memory().numTensors, before);
  assert.equal(scores.length, x.length);
  x.forEach((row, i) => {
    const want = norm(row) === 0 ? 0 : cosine(row, [...proto]);
    assertClose(scores[i]!, want, 1e-6, `score ${i}`);
    assertClose(cosineToPrototype(row, proto), want, 1e-9, `plain score ${i}`);
    assert.ok(scores[i]! >= -1 && scores[i]! <= 1);
  });
  // A clip along the prototype scores 1 (not 1.0000001), opposite −1.
  const edge = tf.tidy(() => scoreEmbeddings(tf.tensor2d([[...proto].map((v) => v * 7), [...proto].map((v) => -v)]), tf.tensor1d(proto)));
  assertClose(edge[0]!, 1, 1e-6, 'along');
  assertClose(edge[1]!, -1, 1e-6, 'opposite');
  assert.ok(edge[0]! <= 1 && edge[1]! >= -1);
  tf.tidy(() => {
    assert.throws(() => scoreEmbeddings(tf.tensor2d([[1, 2, 3]]), new Float32Array(4)), (e: unknown) => e instanceof ShapeError && /expected \[3\]/.test(e.message));
    assert.throws(() => scoreEmbeddings(tf.tensor3d([[[1]]]) as unknown as Tensor2D, new Float32Array(1)), ShapeError);
  });
  assert.throws(() => cosineToPrototype([1, 2], [1, 2, 3]), ShapeError);
});

test('liveScores is differentiable (the Grad-CAM target): gradient matches central differences', () => {
  const x = randomMatrix(3, 4, 1201);
  const proto = randomMatrix(1, 4, 1202)[0]!;
  const grad = tf.tidy(() => tf.grad((e: tf.Tensor) => tf.sum(liveScores(e as Tensor2D, new Float32Array(proto))))(tf.tensor2d(x)).arraySync() as Mat);
  const f64 = (m: Mat) => m.reduce((s, r) => s + cosine(r, proto), 0);
  assertGradClose(grad, numericGrad(f64, x), 1e-2, 'liveScores');
});

test('liveProbability is the softmax probability of the live class, also through the ce loss head', () => {
  const logits = [[2, -1], [0, 0], [-30, 40], [1000, -1000]];
  const p = tf.tidy(() => liveProbability(tf.tensor2d(logits)));
  logits.forEach((l, i) => {
    const m = Math.max(...l);
    const e = l.map((v) => Math.exp(v - m));
    assertClose(p[i]!, e[LIVE_LABEL]! / (e[0]! + e[1]!), 1e-6, `row ${i}`);
  });
  assert.throws(() => tf.tidy(() => liveProbability(tf.tensor2d([[1], [2]]))), ShapeError);
  const ce = createLoss('ce', { embeddingSize: 3 });
  try {
    const x = randomMatrix(4, 3, 1301);
    const before = tf.memory().numTensors;
    const probs = tf.tidy(() => liveProbability(ce.logits!(tf.tensor2d(x))));
    assert.equal(tf.memory().numTensors, before);
    assert.ok(probs.every((v) => v > 0 && v < 1));
    assert.throws(() => tf.tidy(() => ce.logits!(tf.tensor2d([[1, 2]]))), ShapeError);
  } finally {
    ce.dispose();
  }
});
