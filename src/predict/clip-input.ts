/**
 * From frames and face boxes to the model's input, exactly as training saw
 * it: the contract's square crop (the same `cropFace` preprocessing ran, on
 * frames decoded at the same width) and per-frame standardisation to mean 0,
 * variance 1 (the same `standardizeClips`). Also the detector-box
 * calibration that maps a detector's box to the box convention a model was
 * trained on. Pure: no Node imports (the browser check shares it).
 */
import { cropFace } from '../face/crop.js';
import { boxCenter, boxFromCenter, boxHeight, boxWidth, iou } from '../face/box.js';
import type { BoxPx } from '../face/box.js';
import type { RgbFrame } from '../face/types.js';
import { standardizeClips } from '../data/standardize.js';
import type { ClipPixels } from '../data/clip-tensors.js';
import type { BoxCalibration, ModelInputContract } from '../models/input-contract.js';
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

/** Applies a calibration (or none) to a detector's box: the crop square of the box convention the model was trained on. */
export function calibrateBox(box: BoxPx, calibration: Pick<BoxCalibration, 'sideScale' | 'shiftXFrac' | 'shiftYFrac'> | null): BoxPx {
  if (!calibration) return box;
  const side = Math.max(boxWidth(box), boxHeight(box));
  const c = boxCenter(box);
  const out = side * calibration.sideScale;
  return boxFromCenter(c.x + calibration.shiftXFrac * side, c.y + calibration.shiftYFrac * side, out, out);
}

/** The square a crop takes around a box (side max(w, h)), for comparing box conventions. */
function cropSquareOf(box: BoxPx): BoxPx {
  const c = boxCenter(box);
  const side = Math.max(boxWidth(box), boxHeight(box));
  return boxFromCenter(c.x, c.y, side, side);
}

/**
 * Fits the calibration from pairs of (detector box, training box) on the
 * same frames: the mean side ratio and the mean centre offsets in units of
 * the detector's side (least squares for each), with the mean IoU of the two
 * crop squares before and after.
 */
export function fitBoxCalibration(pairs: readonly { detected: BoxPx; target: BoxPx }[], detector: BoxCalibration['detector']): BoxCalibration {
  if (pairs.length === 0) throw new ShapeError('fitBoxCalibration: no (detector, training) box pairs to fit');
  let scale = 0;
  let sx = 0;
  let sy = 0;
  for (const { detected, target } of pairs) {
    const ds = Math.max(boxWidth(detected), boxHeight(detected));
    const ts = Math.max(boxWidth(target), boxHeight(target));
    const dc = boxCenter(detected);
    const tc = boxCenter(target);
    scale += ts / ds;
    sx += (tc.x - dc.x) / ds;
    sy += (tc.y - dc.y) / ds;
  }
  const n = pairs.length;
  const fit = { sideScale: scale / n, shiftXFrac: sx / n, shiftYFrac: sy / n };
  let before = 0;
  let after = 0;
  for (const { detected, target } of pairs) {
    const t = cropSquareOf(target);
    before += iou(cropSquareOf(detected), t);
    after += iou(calibrateBox(detected, fit), t);
  }
  return { detector, ...fit, samples: n, meanIouBefore: before / n, meanIouAfter: after / n };
}
