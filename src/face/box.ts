/**
 * Box geometry for faces: the two box units, conversions between them, IoU,
 * squaring and scaling. Pure: no tensor library, no I/O, inputs never mutated.
 *
 * Convention: a box is `{left, top, right, bottom}` in continuous coordinates
 * where pixel (x, y) covers [x, x+1) × [y, y+1). So `right - left` is the
 * width in pixels, and a box around the whole W×H frame is {0, 0, W, H}.
 * dlib's rectangles, which include their right and bottom pixel, become
 * `right + 1`, `bottom + 1` here.
 */

/** A box in pixels of the source frame (see the module header for the convention). */
export interface BoxPx {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** A box as fractions (0..1) of the source frame's width and height. */
export interface BoxNorm {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export function boxWidth(b: BoxPx | BoxNorm): number {
  return b.right - b.left;
}

export function boxHeight(b: BoxPx | BoxNorm): number {
  return b.bottom - b.top;
}

export function boxArea(b: BoxPx | BoxNorm): number {
  return Math.max(0, b.right - b.left) * Math.max(0, b.bottom - b.top);
}

export function boxCenter(b: BoxPx | BoxNorm): { x: number; y: number } {
  return { x: (b.left + b.right) / 2, y: (b.top + b.bottom) / 2 };
}

/** Intersection over union; 0 when either box is empty. */
export function iou(a: BoxPx | BoxNorm, b: BoxPx | BoxNorm): number {
  const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
  const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** True when every coordinate is finite and the box has positive width and height. */
export function isValidBox(b: BoxPx | BoxNorm | null | undefined): b is BoxPx {
  return (
    b != null &&
    Number.isFinite(b.left) &&
    Number.isFinite(b.top) &&
    Number.isFinite(b.right) &&
    Number.isFinite(b.bottom) &&
    b.right > b.left &&
    b.bottom > b.top
  );
}

export function toBoxNorm(b: BoxPx, frameWidth: number, frameHeight: number): BoxNorm {
  return { left: b.left / frameWidth, top: b.top / frameHeight, right: b.right / frameWidth, bottom: b.bottom / frameHeight };
}

export function toBoxPx(b: BoxNorm, frameWidth: number, frameHeight: number): BoxPx {
  return { left: b.left * frameWidth, top: b.top * frameHeight, right: b.right * frameWidth, bottom: b.bottom * frameHeight };
}

/** A box from its centre and size. */
export function boxFromCenter(cx: number, cy: number, width: number, height: number): BoxPx {
  return { left: cx - width / 2, top: cy - height / 2, right: cx + width / 2, bottom: cy + height / 2 };
}

/** Multiplies every coordinate by `factor` (e.g. from a downscaled frame back to the source). */
export function scaleBox(b: BoxPx, factor: number): BoxPx {
  return { left: b.left * factor, top: b.top * factor, right: b.right * factor, bottom: b.bottom * factor };
}

/** The square of side max(w, h) with the same centre. */
export function squareBox(b: BoxPx): BoxPx {
  const c = boxCenter(b);
  const side = Math.max(boxWidth(b), boxHeight(b));
  return boxFromCenter(c.x, c.y, side, side);
}

/** The part of `b` inside a W×H frame (may be empty if `b` lies outside). */
export function clipBox(b: BoxPx, frameWidth: number, frameHeight: number): BoxPx {
  return {
    left: Math.min(Math.max(b.left, 0), frameWidth),
    top: Math.min(Math.max(b.top, 0), frameHeight),
    right: Math.min(Math.max(b.right, 0), frameWidth),
    bottom: Math.min(Math.max(b.bottom, 0), frameHeight),
  };
}

/**
 * Greedy non-maximum suppression: indices of the kept boxes, highest score
 * first; a box is dropped when its IoU with a kept one exceeds `iouThreshold`.
 */
export function nonMaxSuppression(boxes: readonly BoxPx[], scores: readonly number[], iouThreshold: number, maxKept = Infinity): number[] {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const kept: number[] = [];
  for (const i of order) {
    if (kept.length >= maxKept) break;
    if (kept.every((k) => iou(boxes[k]!, boxes[i]!) <= iouThreshold)) kept.push(i);
  }
  return kept;
}
