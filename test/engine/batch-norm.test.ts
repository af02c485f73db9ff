// Batch normalisation (engine/batch-norm.ts) on cpu, wasm and native against
// an independent float64 implementation written here with plain loops: the
// training form's output and statistics, its gradients against central
// differences of the float64 loss, with and without the fused ReLU; the
// inference form and its gradient; PyTorch's running-statistics update; a
// large tensor (native's two-thread path) on wasm and native against cpu;
// no tensor leaks; typed errors for bad input. Native parts skip, saying
// why, when the addon is not built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import type { Tensor1D } from '../../src/engine/tf.js';
import { initBackend } from '../../src/engine/backends.js';
import { maxRelativeError } from '../../src/engine/check.js';
import { batchNormInference, batchNormTrain, updateRunningStats } from '../../src/engine/batch-norm.js';
import type { NormActivation } from '../../src/engine/batch-norm.js';
import { loadNativeAddon } from '../../src/engine/native/addon.js';
import { ConfigError, ShapeError } from '../../src/errors.js';
import { rng } from './random-arrays.js';

const load = loadNativeAddon();
const BACKENDS = ['cpu', 'wasm', ...(load.ok ? ['native'] : [])] as const;
const nativeSkip = load.ok ? false : `native addon unavailable: ${load.reason}`;
const EPS = 1e-5;

/** A batch-norm problem: x `[rows, c]` flattened from `shape`, per-channel gamma/beta, the loss weights `up`. */
interface Problem {
  shape: number[];
  x: Float64Array;
  gamma: Float64Array;
  beta: Float64Array;
  up: Float64Array;
}

const channelsOf = (p: Problem) => p.shape[p.shape.length - 1]!;
const rowsOf = (p: Problem) => p.x.length / channelsOf(p);

/** float32-representable values, so that float32 tensors and the float64 reference start from the same numbers. */
const f32 = (a: Float64Array) => Float64Array.from(Float32Array.from(a));

function makeProblem(shape: number[], seed: number, offsets: number[] = []): Problem {
  const r = rng(seed);
  const c = shape[shape.length - 1]!;
  const n = shape.reduce((a, b) => a * b, 1);
  // Channel j spreads by (1 + j/4) around offsets[j] (default 0): unequal statistics per channel.
  const x = Float64Array.from({ length: n }, (_, i) => (offsets[i % c] ?? 0) + 4 * r() * (1 + (i % c) / 4));
  return {
    shape,
    x: f32(x),
    gamma: f32(Float64Array.from({ length: c }, () => 1 + r())),
    beta: f32(Float64Array.from({ length: c }, () => 0.6 * r())),
    up: f32(Float64Array.from({ length: n }, () => 2 * r())),
  };
}

/** The definition, in float64: per-channel mean and biased variance over rows, then the affine map and activation. */
function reference(p: Problem, activation: NormActivation): { y: Float64Array; pre: Float64Array; mean: Float64Array; variance: Float64Array } {
  const c = channelsOf(p);
  const rows = rowsOf(p);
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  for (let r = 0; r < rows; r++) for (let j = 0; j < c; j++) mean[j]! += p.x[r * c + j]! / rows;
  for (let r = 0; r < rows; r++) for (let j = 0; j < c; j++) variance[j]! += (p.x[r * c + j]! - mean[j]!) ** 2 / rows;
  const pre = new Float64Array(p.x.length);
  const y = new Float64Array(p.x.length);
  for (let i = 0; i < p.x.length; i++) {
    const j = i % c;
    pre[i] = (p.gamma[j]! * (p.x[i]! - mean[j]!)) / Math.sqrt(variance[j]! + EPS) + p.beta[j]!;
    y[i] = activation === 'relu' ? Math.max(0, pre[i]!) : pre[i]!;
  }
  return { y, pre, mean, variance };
}

const referenceLoss = (p: Problem, activation: NormActivation): number => reference(p, activation).y.reduce((acc, v, i) => acc + v * p.up[i]!, 0);

/** Central differences of the float64 loss in every element of x, gamma and beta. */
function numericalGradients(p: Problem, activation: NormActivation): { x: Float64Array; gamma: Float64Array; beta: Float64Array } {
  const h = 1e-6;
  const diff = (key: 'x' | 'gamma' | 'beta') =>
    Float64Array.from(p[key], (_, i) => {
      const plus = { ...p, [key]: Float64Array.from(p[key]) };
      const minus = { ...p, [key]: Float64Array.from(p[key]) };
      plus[key][i]! += h;
      minus[key][i]! -= h;
      return (referenceLoss(plus, activation) - referenceLoss(minus, activation)) / (2 * h);
    });
  return { x: diff('x'), gamma: diff('gamma'), beta: diff('beta') };
}

/** Largest |a − b| over max |b|, both as float64. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 1e-12;
  let worst = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return a.length === b.length ? worst / scale : Infinity;
}

interface TrainOutputs {
  y: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  count: number;
  dx: Float32Array;
  dgamma: Float32Array;
  dbeta: Float32Array;
}

/** Forward and the gradients of Σ y·up on `backend`, leaking no tensors. */
async function trainOn(backend: string, p: Problem, activation: NormActivation): Promise<TrainOutputs> {
  await initBackend(backend);
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => {
    const x = tf.tensor(Float32Array.from(p.x), p.shape);
    const gamma = tf.tensor1d(Float32Array.from(p.gamma));
    const beta = tf.tensor1d(Float32Array.from(p.beta));
    const up = tf.tensor(Float32Array.from(p.up), p.shape);
    const r = batchNormTrain(x, gamma, beta, { activation });
    const loss = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(batchNormTrain(a, g as Tensor1D, b as Tensor1D, { activation }).y, up));
    const [dx, dgamma, dbeta] = tf.grads(loss)([x, gamma, beta]);
    const read = (t: tf.Tensor) => Float32Array.from(t.dataSync());
    return { y: read(r.y), mean: read(r.mean), variance: read(r.variance), count: r.count, dx: read(dx!), dgamma: read(dgamma!), dbeta: read(dbeta!) };
  });
  assert.equal(tf.memory().numTensors, before, `${backend}: batchNormTrain and its gradient leaked tensors`);
  return out;
}

for (const activation of ['linear', 'relu'] as const) {
  test(`batchNormTrain (${activation}): output, statistics and gradients match float64 loops on ${BACKENDS.join(', ')}`, async () => {
    // A clip-shaped [B, T, H, W, C] input: 3 channels, 2·3·2·2 = 24 rows; channel 1 sits far
    // from zero (a conv output without bias may).
    const p = makeProblem([2, 3, 2, 2, 3], 11, [0, 40, -3]);
    const ref = reference(p, activation);
    // A ReLU kink within reach of the finite differences would make them meaningless: this data keeps clear of it.
    const nearest = ref.pre.reduce((m, v) => Math.min(m, Math.abs(v)), Infinity);
    assert.ok(nearest > 1e-3, `test data: a pre-activation lies ${nearest} from the ReLU's kink`);
    const num = numericalGradients(p, activation);
    for (const backend of BACKENDS) {
      const got = await trainOn(backend, p, activation);
      assert.equal(got.count, 24, `${backend}: count`);
      const errs = {
        y: relErr(got.y, ref.y),
        mean: relErr(got.mean, ref.mean),
        variance: relErr(got.variance, ref.variance),
        dx: relErr(got.dx, num.x),
        dgamma: relErr(got.dgamma, num.gamma),
        dbeta: relErr(got.dbeta, num.beta),
      };
      for (const [what, err] of Object.entries(errs)) assert.ok(err < 2e-5, `${backend} ${activation}: ${what} relative error ${err}`);
    }
  });
}

test('batchNormTrain on wasm and native at a large size (native splits rows across threads) agrees with the cpu path', async () => {
  // 300k elements, above native's threshold for splitting rows across threads.
  // Values of either sign at least 1 from zero with β = 0 keep every pre-activation
  // away from the ReLU's kink, where the two paths' last-bit roundings could disagree.
  const shape = [10, 50, 60, 10];
  const p = makeProblem(shape, 5);
  p.x = f32(p.x.map((v) => Math.sign(v || 1) * (1 + Math.abs(v))));
  p.beta.fill(0);
  for (const activation of ['linear', 'relu'] as const) {
    const want = await trainOn('cpu', p, activation);
    for (const backend of BACKENDS.filter((b) => b !== 'cpu')) {
      const got = await trainOn(backend, p, activation);
      for (const key of ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'] as const) {
        const err = maxRelativeError(got[key], want[key]);
        assert.ok(err < 1e-5, `${backend} ${activation}: ${key} relative error ${err}`);
      }
    }
  }
});

test('batchNormInference and its gradient match float64 loops on every backend', async () => {
  const p = makeProblem([4, 5, 6], 21, [2, -1, 0, 7, 0, 0]);
  const c = channelsOf(p);
  const r = rng(99);
  const mean = f32(Float64Array.from({ length: c }, () => r()));
  const variance = f32(Float64Array.from({ length: c }, () => 0.5 + r() + 0.5));
  for (const activation of ['linear', 'relu'] as const) {
    const pre = Float64Array.from(p.x, (v, i) => (p.gamma[i % c]! * (v - mean[i % c]!)) / Math.sqrt(variance[i % c]! + EPS) + p.beta[i % c]!);
    const y = pre.map((v) => (activation === 'relu' ? Math.max(0, v) : v));
    // d(Σ y·up)/dx = up·[pre > 0]·γ/√(v+ε); d/dγ = Σ up·[pre > 0]·(x−μ)/√(v+ε); d/dβ = Σ up·[pre > 0].
    const g = Float64Array.from(p.up, (u, i) => (activation === 'linear' || pre[i]! > 0 ? u : 0));
    const dx = Float64Array.from(g, (v, i) => (v * p.gamma[i % c]!) / Math.sqrt(variance[i % c]! + EPS));
    const dgamma = new Float64Array(c);
    const dbeta = new Float64Array(c);
    g.forEach((v, i) => {
      dgamma[i % c]! += (v * (p.x[i]! - mean[i % c]!)) / Math.sqrt(variance[i % c]! + EPS);
      dbeta[i % c]! += v;
    });
    for (const backend of BACKENDS) {
      await initBackend(backend);
      const before = tf.memory().numTensors;
      const got = tf.tidy(() => {
        const t = (a: Float64Array, shape: number[]) => tf.tensor(Float32Array.from(a), shape);
        const [xs, gs, bs, ms, vs, ups] = [t(p.x, p.shape), t(p.gamma, [c]), t(p.beta, [c]), t(mean, [c]), t(variance, [c]), t(p.up, p.shape)];
        const f = (a: tf.Tensor, gm: tf.Tensor, bt: tf.Tensor) =>
          batchNormInference(a, gm as Tensor1D, bt as Tensor1D, ms as Tensor1D, vs as Tensor1D, { activation });
        const grads = tf.grads((a: tf.Tensor, gm: tf.Tensor, bt: tf.Tensor) => tf.sum(tf.mul(f(a, gm, bt), ups)))([xs, gs, bs]);
        return [f(xs, gs, bs), ...grads].map((o) => Float32Array.from(o.dataSync()));
      });
      assert.equal(tf.memory().numTensors, before, `${backend}: leaked tensors`);
      const errs = [relErr(got[0]!, y), relErr(got[1]!, dx), relErr(got[2]!, dgamma), relErr(got[3]!, dbeta)];
      errs.forEach((e, i) => assert.ok(e < 2e-6, `${backend} ${activation}: output ${['y', 'dx', 'dgamma', 'dbeta'][i]} relative error ${e}`));
    }
  }
});

test("updateRunningStats follows PyTorch: momentum 0.1, unbiased batch variance for the running estimate", async () => {
  for (const backend of BACKENDS) {
    await initBackend(backend);
    const before = tf.memory().numTensors;
    // Channel 0: 1, 2, 3, 6 → mean 3, biased variance 3.5, unbiased 14/3. Channel 1: constant 5.
    const x = tf.tensor2d([1, 5, 2, 5, 3, 5, 6, 5], [4, 2]);
    const running = tf.tidy(() => ({ mean: tf.variable(tf.tensor1d([1, -1]), false), variance: tf.variable(tf.tensor1d([2, 0.5]), false) }));
    const stats = tf.tidy(() => {
      const r = batchNormTrain(x, tf.ones([2]) as Tensor1D, tf.zeros([2]) as Tensor1D);
      updateRunningStats(running, r);
      return [r.mean.dataSync(), r.variance.dataSync(), r.count] as const;
    });
    assert.deepEqual(Array.from(stats[0]), [3, 5]);
    assert.ok(Math.abs(stats[1][0]! - 3.5) < 1e-6 && Math.abs(stats[1][1]!) < 1e-6, `${backend}: biased variance ${Array.from(stats[1])}`);
    assert.equal(stats[2], 4);
    const m = running.mean.dataSync();
    const v = running.variance.dataSync();
    const want = { m: [0.9 * 1 + 0.1 * 3, 0.9 * -1 + 0.1 * 5], v: [0.9 * 2 + (0.1 * 14) / 3, 0.9 * 0.5 + 0] };
    m.forEach((val, i) => assert.ok(Math.abs(val - want.m[i]!) < 1e-6, `${backend}: running mean ${Array.from(m)}`));
    v.forEach((val, i) => assert.ok(Math.abs(val - want.v[i]!) < 1e-6, `${backend}: running variance ${Array.from(v)}`));
    tf.dispose([x, running.mean, running.variance]);
    assert.equal(tf.memory().numTensors, before, `${backend}: leaked tensors`);
  }
});

test('batch norm rejects bad input with typed errors naming the problem', async () => {
  await initBackend('cpu');
  const x = tf.zeros([4, 3]);
  const g3 = tf.ones([3]) as Tensor1D;
  const g2 = tf.ones([2]) as Tensor1D;
  try {
    assert.throws(() => batchNormTrain(tf.zeros([3]), g3, g3), (e: unknown) => e instanceof ShapeError && /rank >= 2/.test(e.message));
    assert.throws(() => batchNormTrain(x, g2, g3), (e: unknown) => e instanceof ShapeError && /gamma must be a float32 \[3\]/.test(e.message));
    assert.throws(() => batchNormInference(x, g3, g3, g3, g2), (e: unknown) => e instanceof ShapeError && /variance/.test(e.message));
    assert.throws(() => batchNormTrain(x, g3, g3, { epsilon: 0 }), (e: unknown) => e instanceof ConfigError && e.path === 'batchNormTrain.epsilon');
    assert.throws(() => batchNormTrain(x, g3, g3, { activation: 'tanh' as NormActivation }), (e: unknown) => e instanceof ConfigError && /'linear' or 'relu'/.test(e.message));
    assert.throws(() => batchNormTrain(tf.zeros([1, 1, 3]), g3, g3), (e: unknown) => e instanceof ShapeError && /more than one value per channel/.test(e.message));
    const running = tf.tidy(() => ({ mean: tf.variable(tf.zeros([3]), false), variance: tf.variable(tf.ones([3]), false) }));
    assert.throws(() => updateRunningStats(running, { mean: g3, variance: g3, count: 4 }, 1.5), (e: unknown) => e instanceof ConfigError && e.path === 'batchNorm.momentum');
    tf.dispose([running.mean, running.variance]);
  } finally {
    tf.dispose([x, g3, g2]);
  }
});

test('the native batch-norm kernels check their array sizes', { skip: nativeSkip }, () => {
  assert.ok(load.ok);
  const ctx = new load.addon.Context();
  const a = (n: number) => new Float32Array(n);
  assert.throws(() => ctx.batchNormTrain(a(12), a(3), a(3), a(11), a(3), a(3), 4, 3, 1e-5, false), /batchNormTrain y: expected 12 elements, got 11/);
  assert.throws(() => ctx.batchNormGrad(a(12), a(12), a(3), a(3), a(3), a(2), a(12), a(3), a(3), 4, 3, 1e-5, true), /batchNormGrad variance/);
  assert.throws(() => ctx.batchNormInfer(a(12), a(3), a(3), a(3), a(3), a(12), 4, 3, 0, false), /epsilon must be > 0/);
});
