/**
 * From frames and face boxes to the model's input, exactly as training saw
 * it: the contract's square crop (the same `cropFace` preprocessing ran, on
 * frames decoded at the same width) and per-frame standardisation to mean 0,
 * variance 1 (the same `standardizeClips`). Pure: no Node imports (the
 * browser check shares it).
 */
import { cropFace } from '../face/crop.js';
import type { BoxPx } from '../face/box.js';
import type { RgbFrame } from '../face/types.js';
import { standardizeClips } from '../data/standardize.js';
import type { ClipPixels } from '../data/standardize.js';
import type { ModelInputContract } from '../models/input-contract.js';
import { ShapeError } from '../errors.js';

/** The crop of one frame: `sizePx² × 3` RGB bytes. `box` is in the frame's own pixels. */
export function cropForModel(frame: RgbFrame, box: BoxPx, crop: ModelInputContract['crop']): Uint8Array {
  return cropFace(frame, box, { sizePx: crop.sizePx, marginFrac: crop.marginFrac, edge: crop.edge, antialias: crop.antialias }).frame.data;
}

/** A clip of T crops of one size (`sizePx`). */
export function clipPixels(crops: readonly Uint8Array[], sizePx: number): ClipPixels {
  const bytes = sizePx * sizePx * 3;
  crops.forEach((c, i) => {
    if (c.length !== bytes) throw new ShapeError(`clip frame ${i}: ${c.length} bytes, expected ${sizePx}×${sizePx}×3 = ${bytes}`);
  });
  return { width: sizePx, height: sizePx, frames: crops };
}

/** A still image as a clip: its one crop repeated T times (no motion: the model sees a perfectly still face). */
export function stillClip(crop: Uint8Array, frames: number, sizePx: number): ClipPixels {
  return clipPixels(Array.from({ length: frames }, () => crop), sizePx);
}

/** Clips → the model's input, float32 `[B, T, S, S, 3]`, each frame standardised (mean 0, variance 1). */
export function modelInput(clips: readonly ClipPixels[]): Float32Array {
  return standardizeClips(clips);
}
