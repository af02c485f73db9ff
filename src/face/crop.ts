/**
 * Resampling of uint8 RGB frames and the face crop: the one square crop with
 * a margin that the data pipeline, the CLI and the server all use, plus the
 * resize and letterbox the detectors use. Pure TypeScript on typed arrays.
 *
 * Sampling model: output pixel (ox, oy) of a region mapped onto an out×out
 * grid takes the value at the region's point under its centre, with
 * half-pixel centres (the convention of OpenCV, PIL and tfjs's
 * `halfPixelCenters`). The value at a point is bilinear between the four
 * nearest pixel centres, with coordinates clamped to the frame (so edge
 * pixels extend by half a pixel, as in every bilinear resize). When shrinking
 * by more than 1×, `antialias` averages an s×s grid of such samples inside the
 * output pixel's footprint (s = ceil(shrink factor)), which approximates an
 * area filter; without it, shrinking by 4× skips three of every four rows and
 * turns fine texture (a screen's moiré, print dots: the cues an anti-spoofing
 * model needs) into aliasing.
 */
import type { RgbFrame } from './types.js';
import { boxCenter, boxHeight, boxWidth, isValidBox, type BoxPx } from './box.js';
import { ConfigError, ShapeError } from '../errors.js';
import { DEFAULT_INPUT_SIZE_PX } from '../input-defaults.js';

/**
 * What happens where the crop square leaves the frame:
 * - `clamp`: the square is shifted (never resized, unless it is larger than
 *   the frame) to lie inside the frame, so every pixel is real;
 * - `pad-zero`: the square stays centred on the face; outside pixels are black;
 * - `pad-edge`: likewise, outside pixels repeat the frame's nearest edge pixel.
 */
export const CROP_EDGE_MODES = ['clamp', 'pad-zero', 'pad-edge'] as const;
export type CropEdgeMode = (typeof CROP_EDGE_MODES)[number];

export interface FaceCropConfig {
  /** Side of the square output in pixels (the model's input size). */
  sizePx: number;
  /** Extra context around the box: the square's side is max(w, h)·(1 + marginFrac). */
  marginFrac: number;
  edge: CropEdgeMode;
  /** Average sub-samples when shrinking (see the module header). */
  antialias: boolean;
}

export const DEFAULT_FACE_CROP_CONFIG: Readonly<FaceCropConfig> = Object.freeze({
  sizePx: DEFAULT_INPUT_SIZE_PX,
  marginFrac: 0.2,
  edge: 'clamp',
  antialias: true,
});

export interface FaceCrop {
  /** sizePx × sizePx RGB. */
  frame: RgbFrame;
  /** The square actually cropped, in source pixels (partly outside the frame in the pad modes). */
  box: BoxPx;
}

/** Resolves and validates a crop config once; errors name the field (`crop.sizePx`, ...). */
export function resolveFaceCropConfig(config: Partial<FaceCropConfig> = {}): Readonly<FaceCropConfig> {
  const c = { ...DEFAULT_FACE_CROP_CONFIG, ...config };
  if (!Number.isInteger(c.sizePx) || c.sizePx < 1 || c.sizePx > 4096) {
    throw new ConfigError('crop.sizePx', `expected an integer in 1..4096, got ${String(c.sizePx)}`);
  }
  if (typeof c.marginFrac !== 'number' || !Number.isFinite(c.marginFrac) || c.marginFrac < 0 || c.marginFrac > 4) {
    throw new ConfigError('crop.marginFrac', `expected a number in 0..4 (a fraction of the box side), got ${String(c.marginFrac)}`);
  }
  if (!CROP_EDGE_MODES.includes(c.edge)) {
    throw new ConfigError('crop.edge', `unknown value '${String(c.edge)}'; expected one of ${CROP_EDGE_MODES.join(', ')}`);
  }
  if (typeof c.antialias !== 'boolean') throw new ConfigError('crop.antialias', `expected true or false, got ${String(c.antialias)}`);
  return Object.freeze(c);
}

/** Throws ShapeError unless `frame` is a well-formed RgbFrame. */
export function checkRgbFrame(frame: RgbFrame, what = 'frame'): void {
  if (frame === null || typeof frame !== 'object' || !(frame.data instanceof Uint8Array)) {
    throw new ShapeError(`${what}: expected {width, height, data: Uint8Array}`);
  }
  if (!Number.isInteger(frame.width) || !Number.isInteger(frame.height) || frame.width < 1 || frame.height < 1) {
    throw new ShapeError(`${what}: size ${String(frame.width)}×${String(frame.height)} is not a positive whole number of pixels`);
  }
  if (frame.data.length !== frame.width * frame.height * 3) {
    throw new ShapeError(
      `${what}: data has ${frame.data.length} bytes; expected width*height*3 = ${frame.width}*${frame.height}*3 = ${frame.width * frame.height * 3} (RGB, 1 byte per channel)`,
    );
  }
}

/**
 * One axis of the resampling as a sparse linear filter: for each output
 * index, the source indices it reads and their weights (the mean of its
 * sub-samples' bilinear weights). Bilinear sampling on an s×s sub-grid is a
 * tensor product of two such 1-D filters, which is what makes the separable
 * two-pass evaluation in `sampleRegion` exact.
 */
interface AxisFilter {
  /** Taps per output index (entries past an index's own count have weight 0). */
  taps: number;
  index: Int32Array;
  weight: Float32Array;
}

function axisFilter(start: number, length: number, outN: number, srcN: number, sub: number, zero: boolean): AxisFilter {
  const scale = length / outN;
  // Sub-samples 1 px apart (at most) touch at most sub + 1 distinct source pixels.
  const taps = sub + 2;
  const index = new Int32Array(outN * taps);
  const weight = new Float32Array(outN * taps);
  const acc = new Float64Array(taps);
  for (let o = 0; o < outN; o++) {
    acc.fill(0);
    let base = -1;
    for (let k = 0; k < sub; k++) {
      const p = start + (o + (k + 0.5) / sub) * scale; // the sample point, continuous coordinates
      if (zero && (p < 0 || p >= srcN)) continue;
      const u = p - 0.5; // in pixel-centre units
      const fl = Math.floor(u);
      const f = u - fl;
      const i0 = Math.min(Math.max(fl, 0), srcN - 1);
      const i1 = Math.min(Math.max(fl + 1, 0), srcN - 1);
      if (base < 0) base = i0;
      acc[i0 - base]! += (1 - f) / sub;
      acc[i1 - base]! += f / sub;
    }
    for (let t = 0; t < taps; t++) {
      index[o * taps + t] = base < 0 ? 0 : Math.min(base + t, srcN - 1);
      weight[o * taps + t] = acc[t]!;
    }
  }
  return { taps, index, weight };
}

/**
 * Samples the source rectangle [x0, x0+w) × [y0, y0+h) (source pixels, may
 * extend beyond the frame) onto an outW × outH grid. `outside`: `edge`
 * repeats border pixels; `zero` makes samples whose point lies outside the
 * frame black. Evaluated separably (rows, then columns), exactly equal to
 * sampling point by point up to float rounding.
 */
export function sampleRegion(
  frame: RgbFrame,
  x0: number,
  y0: number,
  w: number,
  h: number,
  outW: number,
  outH: number,
  outside: 'edge' | 'zero',
  antialias: boolean,
): RgbFrame {
  const { width: W, height: H, data } = frame;
  const sx = w / outW;
  const sy = h / outH;
  const nx = antialias && sx > 1 ? Math.ceil(sx - 1e-9) : 1;
  const ny = antialias && sy > 1 ? Math.ceil(sy - 1e-9) : 1;
  const zero = outside === 'zero';
  if (nx === 1 && ny === 1) return samplePoints(frame, x0, y0, sx, sy, outW, outH, zero);
  const fy = axisFilter(y0, h, outH, H, ny, zero);
  const fx = axisFilter(x0, w, outW, W, nx, zero);
  // Only the source columns some output column reads go through the first pass.
  let colMin = W;
  let colMax = -1;
  for (let i = 0; i < fx.index.length; i++) {
    if (fx.weight[i] !== 0) {
      colMin = Math.min(colMin, fx.index[i]!);
      colMax = Math.max(colMax, fx.index[i]!);
    }
  }
  const out = new Uint8Array(outW * outH * 3);
  if (colMax < 0) return { width: outW, height: outH, data: out };
  const span = (colMax - colMin + 1) * 3;
  const row = new Float32Array(span);
  const W3 = W * 3;
  const c0 = colMin * 3;
  let o = 0;
  for (let oy = 0; oy < outH; oy++) {
    // Pass 1: this output row as a weighted sum of source rows (contiguous, cache-friendly).
    row.fill(0);
    for (let t = 0; t < fy.taps; t++) {
      const wgt = fy.weight[oy * fy.taps + t]!;
      if (wgt === 0) continue;
      const srcRow = fy.index[oy * fy.taps + t]! * W3 + c0;
      for (let i = 0; i < span; i++) row[i]! += wgt * data[srcRow + i]!;
    }
    // Pass 2: each output pixel as a weighted sum of that row's columns.
    for (let ox = 0; ox < outW; ox++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let t = 0; t < fx.taps; t++) {
        const wgt = fx.weight[ox * fx.taps + t]!;
        if (wgt === 0) continue;
        const c = (fx.index[ox * fx.taps + t]! - colMin) * 3;
        r += wgt * row[c]!;
        g += wgt * row[c + 1]!;
        b += wgt * row[c + 2]!;
      }
      // Uint8Array stores by truncation: add 0.5 to round; clamp against float overshoot.
      out[o] = Math.min(255, r + 0.5);
      out[o + 1] = Math.min(255, g + 0.5);
      out[o + 2] = Math.min(255, b + 0.5);
      o += 3;
    }
  }
  return { width: outW, height: outH, data: out };
}

/**
 * The one-sample-per-pixel case of `sampleRegion`: reading four pixels per
 * output pixel beats a separable pass over whole source rows when shrinking.
 */
function samplePoints(frame: RgbFrame, x0: number, y0: number, sx: number, sy: number, outW: number, outH: number, zero: boolean): RgbFrame {
  const { width: W, height: H, data } = frame;
  const out = new Uint8Array(outW * outH * 3);
  const colL = new Int32Array(outW);
  const colR = new Int32Array(outW);
  const colF = new Float32Array(outW);
  const colIn = new Uint8Array(outW);
  for (let ox = 0; ox < outW; ox++) {
    const p = x0 + (ox + 0.5) * sx;
    const u = p - 0.5;
    const fl = Math.floor(u);
    colL[ox] = Math.min(Math.max(fl, 0), W - 1) * 3;
    colR[ox] = Math.min(Math.max(fl + 1, 0), W - 1) * 3;
    colF[ox] = u - fl;
    colIn[ox] = p >= 0 && p < W ? 1 : 0;
  }
  let o = 0;
  for (let oy = 0; oy < outH; oy++) {
    const py = y0 + (oy + 0.5) * sy;
    if (zero && (py < 0 || py >= H)) {
      o += outW * 3;
      continue;
    }
    const v = py - 0.5;
    const fv = Math.floor(v);
    const fy = v - fv;
    const top = Math.min(Math.max(fv, 0), H - 1) * W * 3;
    const bot = Math.min(Math.max(fv + 1, 0), H - 1) * W * 3;
    for (let ox = 0; ox < outW; ox++, o += 3) {
      if (zero && colIn[ox] === 0) continue;
      const fx = colF[ox]!;
      const a = top + colL[ox]!;
      const c = top + colR[ox]!;
      const d = bot + colL[ox]!;
      const e = bot + colR[ox]!;
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      out[o] = Math.min(255, w00 * data[a]! + w01 * data[c]! + w10 * data[d]! + w11 * data[e]! + 0.5);
      out[o + 1] = Math.min(255, w00 * data[a + 1]! + w01 * data[c + 1]! + w10 * data[d + 1]! + w11 * data[e + 1]! + 0.5);
      out[o + 2] = Math.min(255, w00 * data[a + 2]! + w01 * data[c + 2]! + w10 * data[d + 2]! + w11 * data[e + 2]! + 0.5);
    }
  }
  return { width: outW, height: outH, data: out };
}

/** The whole frame resized to width × height (aspect not kept). */
export function resizeRgb(frame: RgbFrame, width: number, height: number, antialias = true): RgbFrame {
  checkRgbFrame(frame);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ConfigError('resize', `output size ${String(width)}×${String(height)} is not a positive whole number of pixels`);
  }
  return sampleRegion(frame, 0, 0, frame.width, frame.height, width, height, 'edge', antialias);
}

export interface Letterboxed {
  /** sizePx × sizePx: the frame scaled to fit, centred, black bars around it. */
  frame: RgbFrame;
  /** Source pixels per output pixel. */
  scale: number;
  /** Where the source's (0, 0) lands, in output pixels. */
  offsetX: number;
  offsetY: number;
}

/**
 * The frame scaled to fit a square, aspect kept, centred with black bars; a
 * point p of the output is source point (p - offset) · scale.
 */
export function letterboxRgb(frame: RgbFrame, sizePx: number, antialias = true): Letterboxed {
  checkRgbFrame(frame);
  const side = Math.max(frame.width, frame.height);
  const x0 = (frame.width - side) / 2;
  const y0 = (frame.height - side) / 2;
  const scale = side / sizePx;
  return {
    frame: sampleRegion(frame, x0, y0, side, side, sizePx, sizePx, 'zero', antialias),
    scale,
    offsetX: (0 - x0) / scale,
    offsetY: (0 - y0) / scale,
  };
}

/** The square (in source pixels) that `cropFace` samples for `box` under `config`, before edge handling. */
export function cropSquare(box: BoxPx, marginFrac: number): BoxPx {
  const c = boxCenter(box);
  const side = Math.max(boxWidth(box), boxHeight(box)) * (1 + marginFrac);
  return { left: c.x - side / 2, top: c.y - side / 2, right: c.x + side / 2, bottom: c.y + side / 2 };
}

/**
 * The square face crop: side max(w, h)·(1 + marginFrac) centred on `box`,
 * edges handled per `config.edge`, resized to sizePx². Returns the crop and
 * the square actually used.
 */
export function cropFace(frame: RgbFrame, box: BoxPx, config: Partial<FaceCropConfig> | Readonly<FaceCropConfig> = {}): FaceCrop {
  checkRgbFrame(frame);
  const c = resolveFaceCropConfig(config);
  if (!isValidBox(box)) {
    throw new ShapeError(`box ${JSON.stringify(box)} is not a valid BoxPx: expected finite left < right and top < bottom`);
  }
  let sq = cropSquare(box, c.marginFrac);
  if (c.edge === 'clamp') {
    const side = Math.min(sq.right - sq.left, frame.width, frame.height);
    const cx = Math.min(Math.max((sq.left + sq.right) / 2, side / 2), frame.width - side / 2);
    const cy = Math.min(Math.max((sq.top + sq.bottom) / 2, side / 2), frame.height - side / 2);
    sq = { left: cx - side / 2, top: cy - side / 2, right: cx + side / 2, bottom: cy + side / 2 };
  }
  const side = sq.right - sq.left;
  const out = sampleRegion(frame, sq.left, sq.top, side, side, c.sizePx, c.sizePx, c.edge === 'pad-zero' ? 'zero' : 'edge', c.antialias);
  return { frame: out, box: sq };
}
