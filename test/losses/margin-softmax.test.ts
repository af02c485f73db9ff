import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MARGIN_SOFTMAX_PRESETS,
  createLoss,
  initBackend,
  linearLogits,
  marginSoftmaxLoss,
  marginTargetCosine,
  softmaxCrossEntropy,
  tf,
} from '../../src/index.js';
import type { MarginSoftmaxParams, Tensor2D } from '../../src/index.js';
import {
  assertClose,
  assertGradClose,
  column,
  int32,
  numericGrad,
  randomMatrix,
  refCrossEntropy,
  refMarginSoftmax,
  refPsi,
  refTriplet,
  refContrastive,
} from './helpers.js';
import type { Mat } from './helpers.js';

before(async () => {
  await initBackend('cpu');
});

const PARAMS: Array<[string, MarginSoftmaxParams]> = [
  ['arcface', MARGIN_SOFTMAX_PRESETS.arcface],
  ['cosface', MARGIN_SOFTMAX_PRESETS.cosface],
  ['sphereface', MARGIN_SOFTMAX_PRESETS.sphereface],
  ['sphereface m1=2', { scale: 16, angleMultiplier: 2, marginRad: 0, cosineMargin: 0 }],
  ['combined m1=1.5 m2=0.1 m3=0.1', { scale: 10, angleMultiplier: 1.5, marginRad: 0.1, cosineMargin: 0.1 }],
  ['arcface s=8 m2=0.3 m3=0.2', { scale: 8, angleMultiplier: 1, marginRad: 0.3, cosineMargin: 0.2 }],
];

const BATCHES: Array<{ x: Mat; w: Mat; labels: number[]; what: string }> = [
  { x: randomMatrix(5, 4, 501), w: randomMatrix(4, 2, 502), labels: [1, 0, 0, 1, 1], what: '2 classes' },
  { x: randomMatrix(6, 3, 503, 4), w: randomMatrix(3, 3, 504), labels: [2, 0, 1, 1, 2, 0], what: '3 classes' },
  { x: randomMatrix(3, 5, 505), w: randomMatrix(5, 2, 506), labels: [1, 1, 1], what: 'all live' },
];

function gradsOf(f: (x: Tensor2D, w: Tensor2D) => tf.Scalar, x: Mat, w: Mat): { value: number; gx: Mat; gw: Mat } {
  return tf.tidy(() => {
    const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => f(a as Tensor2D, b as Tensor2D))([tf.tensor2d(x), tf.tensor2d(w)]);
    return { value: value.dataSync()[0]!, gx: grads[0]!.arraySync() as Mat, gw: grads[1]!.arraySync() as Mat };
  });
}

test('the margin softmax (ArcFace, CosFace, SphereFace, combined margins) matches a per-sample loop, with gradients w.r.t. embeddings and W', () => {
  for (const [name, p] of PARAMS) {
    for (const { x, w, labels, what } of BATCHES) {
      const msg = `${name} on ${what}`;
      const before = tf.memory().numTensors;
      const { value, gx, gw } = gradsOf((a, b) => marginSoftmaxLoss(a, b, int32(labels), p), x, w);
      assert.equal(tf.memory().numTensors, before, `${msg}: no leaks`);
      assertClose(value, refMarginSoftmax(x, w, labels, p), 1e-4, msg);
      assertGradClose(gx, numericGrad((m) => refMarginSoftmax(m, w, labels, p), x), 1e-2, `${msg}, d/dx`);
      assertGradClose(gw, numericGrad((m) => refMarginSoftmax(x, m, labels, p), w), 1e-2, `${msg}, d/dW`);
    }
  }
});

test('ArcFace with θ near π takes the threshold fallback cos θ − m·sin m, with finite, correct gradients', () => {
  const p = { ...MARGIN_SOFTMAX_PRESETS.arcface, scale: 8 };
  const w = randomMatrix(4, 2, 601);
  const labels = [1, 0, 1, 0];
  const noise = randomMatrix(4, 4, 602, 0.05);
  // Each embedding points away from its own class column: θ to the target ≈ π.
  const x = labels.map((l, i) => column(w, l).map((v, j) => -v + noise[i]![j]!));
  for (let i = 0; i < x.length; i++) {
    const c = refCos(x[i]!, column(w, labels[i]!));
    assert.ok(Math.acos(c) + p.marginRad > Math.PI, `sample ${i} is past π − m (θ = ${Math.acos(c)})`);
    assert.equal(refPsi(c, p).branch, 'arc-fallback');
  }
  const { value, gx, gw } = gradsOf((a, b) => marginSoftmaxLoss(a, b, int32(labels), p), x, w);
  assertClose(value, refMarginSoftmax(x, w, labels, p), 1e-4, 'fallback value');
  assertGradClose(gx, numericGrad((m) => refMarginSoftmax(m, w, labels, p), x), 1e-2, 'fallback d/dx');
  assertGradClose(gw, numericGrad((m) => refMarginSoftmax(x, m, labels, p), w), 1e-2, 'fallback d/dW');
  // The fallback, not cos(θ + m), is what ψ returns there.
  const psi = tf.tidy(() => marginTargetCosine(tf.tensor1d([-0.99, 0.3]), p).arraySync());
  assertClose(psi[0]!, -0.99 - 0.5 * Math.sin(0.5), 1e-6, 'ψ(−0.99)');
  assertClose(psi[1]!, Math.cos(Math.acos(0.3) + 0.5), 1e-6, 'ψ(0.3)');
});

test('embeddings exactly on or against a class direction (cos = ±1) give finite gradients thanks to the clamp', () => {
  const w = [[1, 0], [0, 1], [0, 0]];
  const x = [[2, 0, 0], [0, -3, 0], [0, 1, 0]];
  const labels = [0, 1, 1];
  for (const [name, p] of PARAMS) {
    const { value, gx, gw } = gradsOf((a, b) => marginSoftmaxLoss(a, b, int32(labels), p), x, w);
    assert.ok(Number.isFinite(value), name);
    assert.ok([...gx.flat(), ...gw.flat()].every(Number.isFinite), `${name}: finite gradients`);
  }
});

test('ψ is monotonically decreasing on [0, π]: SphereFace (m1 = 2, 3, 4) and ArcFace', () => {
  const thetas = Array.from({ length: 2001 }, (_, i) => 0.001 + (i / 2000) * (Math.PI - 0.002));
  const cosines = thetas.map(Math.cos);
  for (const m1 of [2, 3, 4]) {
    const p = { scale: 1, angleMultiplier: m1, marginRad: 0, cosineMargin: 0 };
    const psi = tf.tidy(() => marginTargetCosine(tf.tensor1d(cosines), p).arraySync());
    for (let i = 1; i < psi.length; i++) assert.ok(psi[i]! < psi[i - 1]!, `m1=${m1}: ψ not decreasing at θ=${thetas[i]}`);
    // The ends: ψ(0) = 1 and ψ(π) = −(2·m1 − 1) for whole m1.
    assertClose(psi[0]!, 1, 1e-3, `m1=${m1} ψ(0)`);
    assertClose(psi[psi.length - 1]!, -(2 * m1 - 1), 1e-3, `m1=${m1} ψ(π)`);
  }
  const arc = tf.tidy(() => marginTargetCosine(tf.tensor1d(cosines), MARGIN_SOFTMAX_PRESETS.arcface).arraySync());
  for (let i = 1; i < arc.length; i++) assert.ok(arc[i]! <= arc[i - 1]! + 1e-7, `ArcFace ψ not decreasing at θ=${thetas[i]}`);
  for (let i = 0; i < arc.length; i++) assert.ok(arc[i]! < cosines[i]!, 'the ArcFace target is always below cos θ');
});

test('softmax cross-entropy and the ce loss head match a per-sample loop, with gradients w.r.t. embeddings, weight and bias', () => {
  for (const { x, w, labels, what } of BATCHES) {
    const bias = randomMatrix(1, w[0]!.length, 700)[0]!;
    const value = tf.tidy(() => softmaxCrossEntropy(linearLogits(tf.tensor2d(x), tf.tensor2d(w), tf.tensor1d(bias)), int32(labels)).dataSync()[0]!);
    assertClose(value, refCrossEntropy(x, w, bias, labels), 1e-5, `ce on ${what}`);
  }
  // Through createLoss: its own head variables, checked by variableGrads.
  const x = randomMatrix(6, 4, 701);
  const labels = [1, 0, 0, 1, 1, 0];
  const loss = createLoss('ce', { embeddingSize: 4, seed: 3 });
  try {
    const weight = loss.variables.get('loss.head.weight')!;
    const biasVar = loss.variables.get('loss.head.bias')!;
    tf.tidy(() => biasVar.assign(tf.tensor1d([0.3, -0.2])));
    const w = weight.arraySync() as Mat;
    const b = biasVar.arraySync() as number[];
    const out = tf.tidy(() => {
      const xT = tf.variable(tf.tensor2d(x));
      const { value, grads } = tf.variableGrads(() => loss.compute(xT, int32(labels)), [xT, weight, biasVar]);
      const result = { value: value.dataSync()[0]!, gx: grads[xT.name]!.arraySync() as Mat, gw: grads[weight.name]!.arraySync() as Mat, gb: grads[biasVar.name]!.arraySync() as number[] };
      xT.dispose();
      return result;
    });
    assertClose(out.value, refCrossEntropy(x, w, b, labels), 1e-5, 'ce loss');
    assertGradClose(out.gx, numericGrad((m) => refCrossEntropy(m, w, b, labels), x), 1e-2, 'ce d/dx');
    assertGradClose(out.gw, numericGrad((m) => refCrossEntropy(x, m, b, labels), w), 1e-2, 'ce d/dW');
    assertGradClose([out.gb], numericGrad((m) => refCrossEntropy(x, w, m[0]!, labels), [b]), 1e-2, 'ce d/db');
  } finally {
    loss.dispose();
  }
});

test('the combinations are the weighted sums of ArcFace and the metric loss', () => {
  const x = randomMatrix(6, 4, 801);
  const labels = [1, 0, 1, 1, 0, 0];
  const weights = { marginSoftmax: 0.5, metric: 2 };
  for (const name of ['arcface+triplet', 'arcface+contrastive'] as const) {
    const loss = createLoss(name, { embeddingSize: 4, seed: 7, weights, marginSoftmax: { scale: 16 }, triplet: { mining: 'hard', margin: 0.2 } });
    try {
      const wVar = loss.variables.get('loss.classWeights')!;
      const w = wVar.arraySync() as Mat;
      const { triplet, contrastive, marginSoftmax } = loss.config;
      const ref = (m: Mat, wm: Mat) =>
        weights.marginSoftmax * refMarginSoftmax(m, wm, labels, marginSoftmax) +
        weights.metric * (name === 'arcface+triplet' ? refTriplet(m, labels, triplet) : refContrastive(m, labels, contrastive));
      const out = tf.tidy(() => {
        const xT = tf.variable(tf.tensor2d(x));
        const { value, grads } = tf.variableGrads(() => loss.compute(xT, int32(labels)), [xT, wVar]);
        const result = { value: value.dataSync()[0]!, gx: grads[xT.name]!.arraySync() as Mat, gw: grads[wVar.name]!.arraySync() as Mat };
        xT.dispose();
        return result;
      });
      assertClose(out.value, ref(x, w), 1e-4, name);
      assertGradClose(out.gx, numericGrad((m) => ref(m, w), x), 1e-2, `${name} d/dx`);
      assertGradClose(out.gw, numericGrad((m) => ref(x, m), w), 1e-2, `${name} d/dW`);
    } finally {
      loss.dispose();
    }
  }
});

function refCos(a: number[], b: number[]): number {
  const d = a.reduce((s, v, i) => s + v * b[i]!, 0);
  return d / (Math.hypot(...a) * Math.hypot(...b));
}
