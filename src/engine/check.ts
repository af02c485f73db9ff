/**
 * A self-check of a backend: the (2+1)D convolution followed by batch
 * normalisation (training form), its output and its gradients in the input,
 * the filters and BatchNorm's scale, on the backend against the same
 * computation on `cpu`.
 */
import { tf } from './tf.js';
import type { Tensor1D, Tensor4D, Tensor5D } from './tf.js';
import { conv2plus1d } from './conv2plus1d.js';
import { batchNormTrain } from './batch-norm.js';
import type { ActiveBackend } from './backends.js';
import { initBackend } from './backends.js';

export interface BackendCheck {
  backend: string;
  maxRelativeError: number;
  tolerance: number;
  ok: boolean;
}

interface Outputs {
  y: Float32Array;
  dx: Float32Array;
  dSpatial: Float32Array;
  dTemporal: Float32Array;
  dGamma: Float32Array;
}

function runOnCurrentBackend(): Outputs {
  return tf.tidy(() => {
    const x = tf.randomNormal([2, 3, 17, 17, 3], 0, 1, 'float32', 1) as Tensor5D;
    const ws = tf.randomNormal([5, 5, 3, 6], 0, 0.2, 'float32', 2) as Tensor4D;
    const wt = tf.randomNormal([3, 1, 6, 4], 0, 0.2, 'float32', 3) as Tensor4D;
    const gamma = tf.randomUniform([4], 0.5, 1.5, 'float32', 4) as Tensor1D;
    const beta = tf.randomUniform([4], -0.2, 0.2, 'float32', 5) as Tensor1D;
    const up = tf.randomNormal([2, 3, 9, 9, 4], 0, 1, 'float32', 6);
    // No ReLU after the BatchNorm: a kink rounded differently on two backends would flip a gradient.
    const block = (a: Tensor5D, s: Tensor4D, t: Tensor4D, g: Tensor1D) =>
      batchNormTrain(conv2plus1d(a, { spatial: { filter: s, strides: 2, padding: 'same' }, temporal: { filter: t, padding: 'same' } }), g, beta).y;
    const y = block(x, ws, wt, gamma);
    const [dx, dSpatial, dTemporal, dGamma] = tf.grads((a, s, t, g) => tf.sum(tf.mul(block(a as Tensor5D, s as Tensor4D, t as Tensor4D, g as Tensor1D), up)))([x, ws, wt, gamma]);
    return {
      y: y.dataSync() as Float32Array,
      dx: dx!.dataSync() as Float32Array,
      dSpatial: dSpatial!.dataSync() as Float32Array,
      dTemporal: dTemporal!.dataSync() as Float32Array,
      dGamma: dGamma!.dataSync() as Float32Array,
    };
  });
}

/** Largest |a−b| / max(|b|∞, tiny) over the arrays' elements. */
export function maxRelativeError(a: Float32Array, b: Float32Array): number {
  let scale = 1e-12;
  let worst = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return a.length === b.length ? worst / scale : Infinity;
}

/** Runs the check on `active`, then restores it as the current backend. */
export async function checkBackend(active: ActiveBackend, tolerance = 1e-4): Promise<BackendCheck> {
  const got = runOnCurrentBackend();
  await initBackend('cpu');
  const want = runOnCurrentBackend();
  await initBackend(active.name, { threads: active.threads });
  const err = Math.max(
    maxRelativeError(got.y, want.y),
    maxRelativeError(got.dx, want.dx),
    maxRelativeError(got.dSpatial, want.dSpatial),
    maxRelativeError(got.dTemporal, want.dTemporal),
    maxRelativeError(got.dGamma, want.dGamma),
  );
  return { backend: active.name, maxRelativeError: err, tolerance, ok: err <= tolerance };
}
