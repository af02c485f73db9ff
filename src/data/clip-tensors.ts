/**
 * Turning cropped uint8 clips into the model's input: a float32 batch
 * `[B, T, H, W, C]` (C = 3, RGB) with every frame standardised to mean 0 and
 * variance 1 over its H·W·C values (DESIGN §3). Per-frame rather than
 * per-clip statistics so that a replay's brightness flicker between frames is
 * normalised away only as much as any global gain change is, the same in
 * training and at test time.
 */
import { tf, type Tensor5D } from '../engine/tf.js';
import { ShapeError } from '../errors.js';
import { standardizeClips } from './standardize.js';
import type { ClipPixels } from './standardize.js';

/**
 * Standardises each frame of `x` `[B, T, H, W, C]` to mean 0, variance 1 over
 * (H, W, C). Like `tf.image.per_image_standardization`, the divisor is at
 * least 1/√(H·W·C), so a flat frame becomes all zeros instead of NaN.
 * Returns a new tensor; `x` is not disposed.
 */
export function standardizeFrames(x: Tensor5D): Tensor5D {
  if (x.rank !== 5) throw new ShapeError(`standardizeFrames: expected [B, T, H, W, C], got shape [${x.shape.join(', ')}]`);
  return tf.tidy(() => {
    const [, , h, w, c] = x.shape;
    const xf = x.toFloat();
    const { mean, variance } = tf.moments(xf, [2, 3, 4], true);
    const minStd = 1 / Math.sqrt(h * w * c);
    const std = tf.maximum(tf.sqrt(variance), tf.scalar(minStd));
    return tf.div(tf.sub(xf, mean), std) as Tensor5D;
  });
}

/**
 * Stacks clips into a standardised float32 batch `[B, T, H, W, 3]`. Every
 * clip must have the same T, H and W.
 */
export function clipsToBatch(clips: readonly ClipPixels[]): Tensor5D {
  if (clips.length === 0) throw new ShapeError('clipsToBatch: no clips');
  const first = clips[0]!;
  const t = first.frames.length;
  const { width, height } = first;
  if (t === 0) throw new ShapeError('clipsToBatch: clips[0] has no frames');
  const frameBytes = width * height * 3;
  clips.forEach((c, i) => {
    if (c.frames.length !== t || c.width !== width || c.height !== height) {
      throw new ShapeError(`clipsToBatch: clips[${i}] is ${c.frames.length}×${c.height}×${c.width}, clips[0] is ${t}×${height}×${width} (T×H×W)`);
    }
    c.frames.forEach((f, j) => {
      if (f.length !== frameBytes) throw new ShapeError(`clipsToBatch: clips[${i}].frames[${j}] has ${f.length} bytes, expected ${height}×${width}×3 = ${frameBytes}`);
    });
  });
  return tf.tensor5d(standardizeClips(clips), [clips.length, t, height, width, 3], 'float32');
}
