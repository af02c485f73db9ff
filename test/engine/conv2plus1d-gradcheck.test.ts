// Numerical gradient check of the (2+1)D convolution: tf.grads of
// conv2plus1d on the cpu backend against central differences of an
// independent float64 implementation written here with plain loops, and
// against central differences of conv2plus1d itself (float32, coarse).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import type { Tensor1D, Tensor4D, Tensor5D } from '../../src/engine/tf.js';
import { initBackend } from '../../src/engine/backends.js';
import { conv2plus1d } from '../../src/engine/conv2plus1d.js';
import type { SpatialPadding } from '../../src/engine/conv2plus1d.js';
import { rng } from './random-arrays.js';


interface Geometry {
  b: number;
  t: number;
  h: number;
  w: number;
  cin: number;
  mid: number;
  cout: number;
  k: number;
  kt: number;
  stride: number;
  padding: SpatialPadding;
}

/** Every trainable input of the block, as float64 arrays in tfjs's layouts. */
interface Values {
  x: Float64Array; // [b, t, h, w, cin]
  ws: Float64Array; // [k, k, cin, mid]
  bs: Float64Array; // [mid]
  wt: Float64Array; // [kt, 1, mid, cout]
  bt: Float64Array; // [cout]
}
type Key = keyof Values;
const KEYS: Key[] = ['x', 'ws', 'bs', 'wt', 'bt'];

/** tfjs's `same` rule: out = ⌈n/s⌉, the odd pad pixel goes after. */
function samePads(n: number, k: number, s: number): [number, number] {
  const out = Math.ceil(n / s);
  const total = Math.max(0, (out - 1) * s + k - n);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function spatialPads(g: Geometry): { top: number; left: number; ho: number; wo: number } {
  const [pt, pb] = g.padding === 'same' ? samePads(g.h, g.k, g.stride) : g.padding === 'valid' ? [0, 0] : g.padding[0];
  const [pl, pr] = g.padding === 'same' ? samePads(g.w, g.k, g.stride) : g.padding === 'valid' ? [0, 0] : g.padding[1];
  return { top: pt, left: pl, ho: Math.floor((g.h + pt + pb - g.k) / g.stride) + 1, wo: Math.floor((g.w + pl + pr - g.k) / g.stride) + 1 };
}

/** Loss Σ y·up of the (2+1)D block, in float64, from the definitions. */
function lossF64(g: Geometry, v: Values, up: Float64Array): number {
  const { top, left, ho, wo } = spatialPads(g);
  const mid = new Float64Array(g.b * g.t * ho * wo * g.mid);
  for (let b = 0; b < g.b; b++)
    for (let t = 0; t < g.t; t++)
      for (let i = 0; i < ho; i++)
        for (let j = 0; j < wo; j++)
          for (let m = 0; m < g.mid; m++) {
            let acc = v.bs[m]!;
            for (let a = 0; a < g.k; a++) {
              const yi = i * g.stride + a - top;
              if (yi < 0 || yi >= g.h) continue;
              for (let c2 = 0; c2 < g.k; c2++) {
                const xj = j * g.stride + c2 - left;
                if (xj < 0 || xj >= g.w) continue;
                for (let c = 0; c < g.cin; c++) {
                  acc += v.x[(((b * g.t + t) * g.h + yi) * g.w + xj) * g.cin + c]! * v.ws[((a * g.k + c2) * g.cin + c) * g.mid + m]!;
                }
              }
            }
            mid[(((b * g.t + t) * ho + i) * wo + j) * g.mid + m] = Math.max(0, acc);
          }
  const front = Math.floor((g.kt - 1) / 2);
  let loss = 0;
  for (let b = 0; b < g.b; b++)
    for (let t = 0; t < g.t; t++)
      for (let p = 0; p < ho * wo; p++)
        for (let o = 0; o < g.cout; o++) {
          let acc = v.bt[o]!;
          for (let a = 0; a < g.kt; a++) {
            const ts = t + a - front;
            if (ts < 0 || ts >= g.t) continue;
            for (let m = 0; m < g.mid; m++) acc += mid[((b * g.t + ts) * ho * wo + p) * g.mid + m]! * v.wt[(a * g.mid + m) * g.cout + o]!;
          }
          loss += acc * up[((b * g.t + t) * ho * wo + p) * g.cout + o]!;
        }
  return loss;
}

function sizes(g: Geometry): Record<Key, number[]> {
  return { x: [g.b, g.t, g.h, g.w, g.cin], ws: [g.k, g.k, g.cin, g.mid], bs: [g.mid], wt: [g.kt, 1, g.mid, g.cout], bt: [g.cout] };
}

function randomValues(g: Geometry, seed: number): { v: Values; up: Float64Array } {
  const r = rng(seed);
  const fill = (shape: number[], scale: number) => Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * scale);
  const s = sizes(g);
  const { ho, wo } = spatialPads(g);
  return {
    v: { x: fill(s.x, 2), ws: fill(s.ws, 1), bs: fill(s.bs, 0.4), wt: fill(s.wt, 1), bt: fill(s.bt, 0.4) },
    up: fill([g.b, g.t, ho, wo, g.cout], 2),
  };
}

function tfLoss(g: Geometry, t: Record<Key, tf.Tensor>, up: tf.Tensor, midActivation: 'relu' | 'linear' = 'relu'): tf.Scalar {
  const y = conv2plus1d(t['x'] as Tensor5D, {
    spatial: { filter: t['ws'] as Tensor4D, bias: t['bs'] as Tensor1D, strides: g.stride, padding: g.padding },
    temporal: { filter: t['wt'] as Tensor4D, bias: t['bt'] as Tensor1D, padding: 'same' },
    midActivation,
  });
  return tf.sum(tf.mul(y, up));
}

function tfGradients(g: Geometry, v: Values, up: Float64Array, midActivation: 'relu' | 'linear' = 'relu'): { loss: number; grads: Record<Key, Float32Array> } {
  const s = sizes(g);
  const { ho, wo } = spatialPads(g);
  return tf.tidy(() => {
    const ts = Object.fromEntries(KEYS.map((k) => [k, tf.tensor(Float32Array.from(v[k]), s[k])])) as Record<Key, tf.Tensor>;
    const upT = tf.tensor(Float32Array.from(up), [g.b, g.t, ho, wo, g.cout]);
    const { value, grads } = tf.valueAndGrads((...args: tf.Tensor[]) =>
      tfLoss(g, Object.fromEntries(KEYS.map((k, i) => [k, args[i]!])) as Record<Key, tf.Tensor>, upT, midActivation),
    )(KEYS.map((k) => ts[k]));
    return {
      loss: value.dataSync()[0]!,
      grads: Object.fromEntries(KEYS.map((k, i) => [k, grads[i]!.dataSync() as Float32Array])) as Record<Key, Float32Array>,
    };
  });
}

const GEOMETRIES: Array<[string, Geometry]> = [
  ['stride 2, same (asymmetric pad), 6×7', { b: 1, t: 3, h: 6, w: 7, cin: 2, mid: 3, cout: 2, k: 3, kt: 3, stride: 2, padding: 'same' }],
  ['stride 1, explicit pad [[1,2],[2,0]], batch 2', { b: 2, t: 4, h: 5, w: 4, cin: 2, mid: 3, cout: 2, k: 2, kt: 3, stride: 1, padding: [[1, 2], [2, 0]] }],
];

for (const [label, g] of GEOMETRIES) {
  test(`conv2plus1d gradients = central differences of a float64 reference (${label})`, async () => {
    await initBackend('cpu');
    const { v, up } = randomValues(g, label.length * 31);
    const before = tf.memory().numTensors;
    const got = tfGradients(g, v, up);
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    const ref = lossF64(g, v, up);
    assert.ok(Math.abs(got.loss - ref) <= 1e-5 * Math.max(1, Math.abs(ref)), `forward: tf ${got.loss} vs float64 ${ref}`);
    const h = 1e-6;
    for (const key of KEYS) {
      const arr = v[key];
      let scale = 0;
      let worst = 0;
      for (let i = 0; i < arr.length; i++) {
        const keep = arr[i]!;
        arr[i] = keep + h;
        const plus = lossF64(g, v, up);
        arr[i] = keep - h;
        const minus = lossF64(g, v, up);
        arr[i] = keep;
        const numeric = (plus - minus) / (2 * h);
        scale = Math.max(scale, Math.abs(numeric));
        worst = Math.max(worst, Math.abs(numeric - got.grads[key][i]!));
      }
      assert.ok(scale > 0, `${key}: gradient is identically zero, the check would be empty`);
      assert.ok(worst / scale <= 1e-4, `${key}: max |analytic − numeric| / max |numeric| = ${(worst / scale).toExponential(2)}`);
    }
  });
}

test('conv2plus1d gradients = central differences of conv2plus1d itself (float32 on cpu, sampled)', async () => {
  await initBackend('cpu');
  const g = GEOMETRIES[0]![1];
  const { v, up } = randomValues(g, 77);
  const got = tfGradients(g, v, up);
  const s = sizes(g);
  // Small enough that a step rarely crosses a ReLU kink, large enough for float32's rounding.
  const h = 2e-3;
  const upT = tf.tensor(Float32Array.from(up), [g.b, g.t, spatialPads(g).ho, spatialPads(g).wo, g.cout]);
  const evalAt = (vals: Values) =>
    tf.tidy(() => tfLoss(g, Object.fromEntries(KEYS.map((k) => [k, tf.tensor(Float32Array.from(vals[k]), s[k])])) as Record<Key, tf.Tensor>, upT).dataSync()[0]!);
  const r = rng(5);
  for (const key of KEYS) {
    const arr = v[key];
    for (let n = 0; n < 6; n++) {
      const i = Math.floor((r() + 0.5) * arr.length) % arr.length;
      const keep = arr[i]!;
      arr[i] = keep + h;
      const plus = evalAt(v);
      arr[i] = keep - h;
      const minus = evalAt(v);
      arr[i] = keep;
      const numeric = (plus - minus) / (2 * h);
      const analytic = got.grads[key][i]!;
      assert.ok(Math.abs(numeric - analytic) <= 2e-2 * Math.max(1, Math.abs(analytic)), `${key}[${i}]: numeric ${numeric} vs tf.grads ${analytic}`);
    }
  }
  upT.dispose();
});

test('the check can fail: gradients of a different block (no middle ReLU) disagree with the numeric ones', async () => {
  await initBackend('cpu');
  const g = GEOMETRIES[0]![1];
  const { v, up } = randomValues(g, 9);
  const wrong = tfGradients(g, v, up, 'linear');
  const h = 1e-6;
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < v.ws.length; i++) {
    const keep = v.ws[i]!;
    v.ws[i] = keep + h;
    const plus = lossF64(g, v, up);
    v.ws[i] = keep - h;
    const minus = lossF64(g, v, up);
    v.ws[i] = keep;
    const numeric = (plus - minus) / (2 * h);
    scale = Math.max(scale, Math.abs(numeric));
    worst = Math.max(worst, Math.abs(numeric - wrong.grads.ws[i]!));
  }
  assert.ok(worst / scale > 1e-2, `a wrong gradient passed: ${worst / scale}`);
});

test('conv2plus1d rejects a clip that is not rank 5 with ShapeError', async () => {
  await initBackend('cpu');
  const x = tf.zeros([2, 5, 5, 1]) as unknown as Tensor5D;
  const ws = tf.zeros([3, 3, 1, 2]) as Tensor4D;
  const wt = tf.zeros([3, 1, 2, 2]) as Tensor4D;
  assert.throws(() => conv2plus1d(x, { spatial: { filter: ws }, temporal: { filter: wt } }), { name: 'ShapeError', message: /\[B, T, H, W, C\]/ });
  tf.dispose([x, ws, wt]);
});
