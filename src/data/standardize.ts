/**
 * The model's input normalisation in plain arrays: each frame to mean 0 and
 * variance 1 over its H·W·C values, the divisor at least 1/√(H·W·C), exactly
 * as `standardizeFrames` does on tensors (the parity is tested). Used for
 * every batch (one pass in JS is far cheaper than tfjs's elementwise kernels
 * on the cpu-based backends) and by ONNX Runtime, which holds no tensors.
 */
import { ShapeError } from '../errors.js';
import type { ClipPixels } from './clip-tensors.js';

/** Clips (same T, H, W) → float32 `[B, T, H, W, 3]`, row-major, standardised per frame. */
export function standardizeClips(clips: readonly ClipPixels[]): Float32Array {
  if (clips.length === 0) throw new ShapeError('standardizeClips: no clips');
  const { width, height } = clips[0]!;
  const t = clips[0]!.frames.length;
  const n = width * height * 3;
  const out = new Float32Array(clips.length * t * n);
  let offset = 0;
  for (const [i, clip] of clips.entries()) {
    if (clip.width !== width || clip.height !== height || clip.frames.length !== t) {
      throw new ShapeError(`standardizeClips: clips[${i}] is ${clip.frames.length}×${clip.height}×${clip.width}, clips[0] is ${t}×${height}×${width}`);
    }
    for (const frame of clip.frames) {
      if (frame.length !== n) throw new ShapeError(`standardizeClips: clips[${i}] has a frame of ${frame.length} bytes, expected ${n}`);
      let sum = 0;
      for (let k = 0; k < n; k++) sum += frame[k]!;
      const mean = sum / n;
      let sq = 0;
      for (let k = 0; k < n; k++) sq += (frame[k]! - mean) ** 2;
      const std = Math.max(Math.sqrt(sq / n), 1 / Math.sqrt(n));
      for (let k = 0; k < n; k++) out[offset + k] = (frame[k]! - mean) / std;
      offset += n;
    }
  }
  return out;
}
