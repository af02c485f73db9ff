/**
 * How one face detector's boxes relate to another box convention (a
 * dataset's own boxes): a calibration of the crop square (a side ratio and a
 * centre shift in units of the detector's side), fitted from pairs of boxes
 * on the same frames, and applied to new detections. Pure: boxes in, boxes
 * out.
 */
import { boxCenter, boxFromCenter, boxHeight, boxWidth, iou } from './box.js';
import type { BoxPx } from './box.js';
import type { FaceDetectorName } from './types.js';
import { ShapeError } from '../errors.js';

/**
 * The training box's longer side is `sideScale` × the detector's, its centre
 * the detector's moved by (`shiftXFrac`, `shiftYFrac`) × the detector's side
 * (a crop uses only a box's centre and longer side).
 */
export interface BoxCalibration {
  detector: FaceDetectorName;
  sideScale: number;
  shiftXFrac: number;
  shiftYFrac: number;
  /** Frames the fit was measured on. */
  samples: number;
  /** Mean IoU of the detector's crop square with the target box's, before and after the calibration. */
  meanIouBefore: number;
  meanIouAfter: number;
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
export function fitBoxCalibration(pairs: readonly { detected: BoxPx; target: BoxPx }[], detector: FaceDetectorName): BoxCalibration {
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
