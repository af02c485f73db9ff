/**
 * The model's input normalisation in plain arrays: each frame to mean 0 and
 * variance 1 over its H·W·C values, the divisor at least 1/√(H·W·C), exactly
 * as `standardizeFrames` does on tensors (the parity is tested). Used for
 * every batch (one pass in JS is far cheaper than tfjs's elementwise kernels
 * on the cpu-based backends), by ONNX Runtime, which holds no tensors, and by
 * the flow branch's pretraining, so FlowNetS learns on the inputs it will see.
 */
import { ShapeError } from '../errors.js';

/** One clip: T frames of `height × width × 3` bytes (RGB, row-major), already cropped and resized. */
export interface ClipPixels {
  width: number;
  height: number;
  frames: readonly Uint8Array[];
}

/**
 * Standardises the `n` values of one frame, `src[from .. from+n)`, into
 * `out[to .. to+n)`: mean 0, variance 1, the divisor at least 1/√n, so a
 * flat frame becomes zeros. The one statement of the input normalisation:
 * every batch of the PAD model and the flow branch's pretraining pairs go
 * through it.
 */
function standardizeFrameInto(src: ArrayLike<number>, from: number, n: number, out: Float32Array, to: number): void {
  let sum = 0;
  for (let k = 0; k < n; k++) sum += src[from + k]!;
  const mean = sum / n;
  let sq = 0;
  for (let k = 0; k < n; k++) sq += (src[from + k]! - mean) ** 2;
  const std = Math.max(Math.sqrt(sq / n), 1 / Math.sqrt(n));
  for (let k = 0; k < n; k++) out[to + k] = (src[from + k]! - mean) / std;
}

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
      standardizeFrameInto(frame, 0, n, out, offset);
      offset += n;
    }
  }
  return out;
}

/**
 * Frames of any value range stored back to back, `frameSize` values each
 * (e.g. `[N, H, W, C]` with frameSize H·W·C) → the same layout, each frame
 * standardised exactly as `standardizeClips` does.
 */
export function standardizeFrameValues(values: ArrayLike<number>, frameSize: number): Float32Array {
  if (!Number.isInteger(frameSize) || frameSize < 1 || values.length % frameSize !== 0) {
    throw new ShapeError(`standardizeFrameValues: ${values.length} values are not whole frames of ${frameSize}`);
  }
  const out = new Float32Array(values.length);
  for (let at = 0; at < values.length; at += frameSize) standardizeFrameInto(values, at, frameSize, out, at);
  return out;
}
