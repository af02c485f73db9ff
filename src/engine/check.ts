/**
 * A self-check of a backend: the (2+1)D convolution's output and both of its
 * gradients on the backend against the same computation on `cpu`.
 */
import { tf } from './tf.js';
import type { Tensor4D, Tensor5D } from './tf.js';
import { conv2plus1d } from './conv2plus1d.js';
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
}

function runOnCurrentBackend(): Outputs {
  return tf.tidy(() => {
    const x = tf.randomNormal([2, 3, 17, 17, 3], 0, 1, 'float32', 1) as Tensor5D;
    const ws = tf.randomNormal([5, 5, 3, 6], 0, 0.2, 'float32', 2) as Tensor4D;
    const wt = tf.randomNormal([3, 1, 6, 4], 0, 0.2, 'float32', 3) as Tensor4D;
    const f = (a: Tensor5D, s: Tensor4D, t: Tensor4D) =>
      tf.sum(tf.square(conv2plus1d(a, { spatial: { filter: s, strides: 2, padding: 'same' }, temporal: { filter: t, padding: 'same' } })));
    const y = conv2plus1d(x, { spatial: { filter: ws, strides: 2, padding: 'same' }, temporal: { filter: wt, padding: 'same' } });
    const [dx, dSpatial, dTemporal] = tf.grads((a, s, t) => f(a as Tensor5D, s as Tensor4D, t as Tensor4D))([x, ws, wt]);
    return {
      y: y.dataSync() as Float32Array,
      dx: dx!.dataSync() as Float32Array,
      dSpatial: dSpatial!.dataSync() as Float32Array,
      dTemporal: dTemporal!.dataSync() as Float32Array,
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
  );
  return { backend: active.name, maxRelativeError: err, tolerance, ok: err <= tolerance };
}
