// Float64 reference maths for the loss tests, written per pair / per triplet /
// per sample with plain numbers, independently of src/losses, plus gradient
// checking by central differences.
import assert from 'node:assert/strict';
import { tf } from '../../src/index.js';
import type { Tensor2D } from '../../src/index.js';

export type Mat = number[][];

import { mulberry32 as seededRandom } from '../helpers/seeded-random.js';
export { seededRandom };

/** Rows of standard-normal-ish values (Box–Muller). */
export function randomMatrix(rows: number, cols: number, seed: number, scale = 1): Mat {
  const r = seededRandom(seed);
  const out: Mat = [];
  for (let i = 0; i < rows; i++) {
    const row: number[] = [];
    for (let j = 0; j < cols; j++) {
      const u = Math.max(r(), 1e-12);
      row.push(scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r()));
    }
    out.push(row);
  }
  return out;
}

export const dot = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * b[i]!, 0);
export const norm = (a: number[]): number => Math.sqrt(dot(a, a));
export function cosine(a: number[], b: number[]): number {
  return dot(a, b) / (Math.max(norm(a), 1e-12) * Math.max(norm(b), 1e-12));
}
export function l2(a: number[], b: number[]): number {
  return Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0));
}
export const column = (w: Mat, j: number): number[] => w.map((row) => row[j]!);

/** pytorch-metric-learning's AvgNonZeroReducer, or the plain mean; 0 for an empty list. */
export function reduce(values: number[], reducer: 'meanNonZero' | 'mean'): number {
  const counted = reducer === 'mean' ? values : values.filter((v) => v > 0);
  return counted.length === 0 ? 0 : values.reduce((s, v) => s + v, 0) / counted.length;
}

const relu = (v: number): number => Math.max(0, v);

export interface RefMetricConfig {
  distance: 'cosine' | 'l2';
  reducer: 'meanNonZero' | 'mean';
}

export function refContrastive(x: Mat, labels: number[], c: RefMetricConfig & { posMargin: number; negMargin: number }): number {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < x.length; j++) {
      if (i === j) continue;
      if (c.distance === 'cosine') {
        const s = cosine(x[i]!, x[j]!);
        if (labels[i] === labels[j]) pos.push(relu(c.posMargin - s));
        else neg.push(relu(s - c.negMargin));
      } else {
        const d = l2(x[i]!, x[j]!);
        if (labels[i] === labels[j]) pos.push(relu(d - c.posMargin));
        else neg.push(relu(c.negMargin - d));
      }
    }
  }
  return reduce(pos, c.reducer) + reduce(neg, c.reducer);
}

export function refTriplet(x: Mat, labels: number[], c: RefMetricConfig & { margin: number; mining: 'all' | 'hard' }): number {
  // Distance-like d (smaller = closer) for both: 1 − cos for cosine.
  const d = (i: number, j: number) => (c.distance === 'cosine' ? 1 - cosine(x[i]!, x[j]!) : l2(x[i]!, x[j]!));
  const values: number[] = [];
  for (let a = 0; a < x.length; a++) {
    const ps: number[] = [];
    const ns: number[] = [];
    for (let k = 0; k < x.length; k++) {
      if (k !== a && labels[k] === labels[a]) ps.push(k);
      if (labels[k] !== labels[a]) ns.push(k);
    }
    if (c.mining === 'all') {
      for (const p of ps) for (const n of ns) values.push(relu(d(a, p) - d(a, n) + c.margin));
    } else if (ps.length > 0 && ns.length > 0) {
      const hardP = Math.max(...ps.map((p) => d(a, p)));
      const hardN = Math.min(...ns.map((n) => d(a, n)));
      values.push(relu(hardP - hardN + c.margin));
    }
  }
  return reduce(values, c.reducer);
}

export interface RefMarginParams {
  scale: number;
  angleMultiplier: number;
  marginRad: number;
  cosineMargin: number;
}

export const CLAMP = 1e-6;

/** ψ(θ) of the margin softmax, written from the papers; `branch` reports which piece applied. */
export function refPsi(cosTheta: number, p: RefMarginParams): { psi: number; branch: 'plain' | 'arc' | 'arc-fallback' | 'sphere' } {
  const c = Math.min(1 - CLAMP, Math.max(-1 + CLAMP, cosTheta));
  const theta = Math.acos(c);
  if (p.angleMultiplier !== 1) {
    const phi = p.angleMultiplier * theta + p.marginRad;
    const k = Math.floor(phi / Math.PI);
    return { psi: (k % 2 === 0 ? 1 : -1) * Math.cos(phi) - 2 * k - p.cosineMargin, branch: 'sphere' };
  }
  if (p.marginRad === 0) return { psi: c - p.cosineMargin, branch: 'plain' };
  if (theta + p.marginRad <= Math.PI) return { psi: Math.cos(theta + p.marginRad) - p.cosineMargin, branch: 'arc' };
  return { psi: c - p.marginRad * Math.sin(p.marginRad) - p.cosineMargin, branch: 'arc-fallback' };
}

function logSumExp(v: number[]): number {
  const m = Math.max(...v);
  return m + Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0));
}

/** Per-sample loop: cosines to each class column, margin on the target, cross-entropy, batch mean. */
export function refMarginSoftmax(x: Mat, w: Mat, labels: number[], p: RefMarginParams): number {
  const classes = w[0]!.length;
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    const logits: number[] = [];
    for (let j = 0; j < classes; j++) {
      const c = Math.min(1 - CLAMP, Math.max(-1 + CLAMP, cosine(x[i]!, column(w, j))));
      logits.push(p.scale * (j === labels[i] ? refPsi(c, p).psi : c));
    }
    total += logSumExp(logits) - logits[labels[i]!]!;
  }
  return total / x.length;
}

export function refCrossEntropy(x: Mat, w: Mat, bias: number[], labels: number[]): number {
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    const logits = bias.map((b, j) => b + dot(x[i]!, column(w, j)));
    total += logSumExp(logits) - logits[labels[i]!]!;
  }
  return total / x.length;
}

/** Central differences of a float64 function of a matrix. */
export function numericGrad(f: (m: Mat) => number, m: Mat, h = 1e-6): Mat {
  return m.map((row, i) =>
    row.map((_, j) => {
      const plus = m.map((r) => [...r]);
      const minus = m.map((r) => [...r]);
      plus[i]![j]! += h;
      minus[i]![j]! -= h;
      return (f(plus) - f(minus)) / (2 * h);
    }),
  );
}

/** Every entry finite and within `rtol` of the reference, relative to the reference's largest entry. */
export function assertGradClose(actual: Mat, expected: Mat, rtol = 1e-2, msg = ''): void {
  const flatA = actual.flat();
  const flatE = expected.flat();
  assert.equal(flatA.length, flatE.length, `${msg}: gradient size`);
  const scale = Math.max(1e-3, ...flatE.map(Math.abs));
  for (let k = 0; k < flatA.length; k++) {
    assert.ok(Number.isFinite(flatA[k]), `${msg}: gradient entry ${k} is ${flatA[k]}`);
    assert.ok(Math.abs(flatA[k]! - flatE[k]!) <= rtol * scale, `${msg}: gradient entry ${k}: got ${flatA[k]}, numeric ${flatE[k]} (scale ${scale})`);
  }
}

export function assertClose(actual: number, expected: number, tol: number, msg = ''): void {
  assert.ok(Number.isFinite(actual), `${msg}: got ${actual}`);
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${msg}: expected ${expected}, got ${actual} (tolerance ${tol})`);
}

/** Gradient of `f` w.r.t. a `[B, D]` input, as nested numbers; the tensors it makes are disposed. */
export function tfGrad(f: (x: Tensor2D) => tf.Scalar, x: Mat): { value: number; grad: Mat } {
  return tf.tidy(() => {
    const { value, grad } = tf.valueAndGrad(f)(tf.tensor2d(x));
    return { value: value.dataSync()[0]!, grad: grad.arraySync() as Mat };
  });
}

export const int32 = (labels: number[]) => tf.tensor1d(labels, 'int32');
