/**
 * The float RGB canvas the synthetic renderer draws on, and the few raster
 * primitives it needs (bilinear sampling, smooth edges, conversion to 8-bit).
 * Values are linear-ish intensities in [0, 1], interleaved RGB, row-major.
 */

export interface FloatImage {
  readonly width: number;
  readonly height: number;
  /** Interleaved RGB, length width·height·3. */
  readonly data: Float32Array;
}

export type Rgb = readonly [number, number, number];

export function createImage(width: number, height: number): FloatImage {
  return { width, height, data: new Float32Array(width * height * 3) };
}

export function cloneImage(img: FloatImage): FloatImage {
  return { width: img.width, height: img.height, data: img.data.slice() };
}

/** Hermite step from 0 at `e0` to 1 at `e1`: the anti-aliased edge every shape uses. */
export function smoothstep(e0: number, e1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
}

export function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/** Bilinear sample of channel-interleaved `img` at continuous (x, y), pixel centres at +0.5; edges clamp. */
export function sampleBilinear(img: FloatImage, x: number, y: number, out: Float32Array | number[]): void {
  const { width: w, height: h, data } = img;
  let fx = x - 0.5;
  let fy = y - 0.5;
  if (fx < 0) fx = 0;
  if (fy < 0) fy = 0;
  if (fx > w - 1) fx = w - 1;
  if (fy > h - 1) fy = h - 1;
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const x1 = x0 + 1 < w ? x0 + 1 : x0;
  const y1 = y0 + 1 < h ? y0 + 1 : y0;
  const ax = fx - x0;
  const ay = fy - y0;
  const i00 = (y0 * w + x0) * 3;
  const i10 = (y0 * w + x1) * 3;
  const i01 = (y1 * w + x0) * 3;
  const i11 = (y1 * w + x1) * 3;
  for (let c = 0; c < 3; c++) {
    const top = (data[i00 + c] as number) * (1 - ax) + (data[i10 + c] as number) * ax;
    const bot = (data[i01 + c] as number) * (1 - ax) + (data[i11 + c] as number) * ax;
    out[c] = top * (1 - ay) + bot * ay;
  }
}

/**
 * One pass of a separable [1 2 1]/4 blur of `src` into `dst`, through `tmp`
 * (both width·height·3): the soft optics of a cheap lens. Edges clamp.
 */
export function blur121Into(src: FloatImage, dst: Float32Array, tmp: Float32Array): void {
  const { width: w, height: h } = src;
  const s = src.data;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const xl = x > 0 ? x - 1 : x;
      const xr = x < w - 1 ? x + 1 : x;
      for (let c = 0; c < 3; c++) {
        tmp[(y * w + x) * 3 + c] =
          0.25 * (s[(y * w + xl) * 3 + c] as number) + 0.5 * (s[(y * w + x) * 3 + c] as number) + 0.25 * (s[(y * w + xr) * 3 + c] as number);
      }
    }
  }
  for (let y = 0; y < h; y++) {
    const yu = y > 0 ? y - 1 : y;
    const yd = y < h - 1 ? y + 1 : y;
    for (let x = 0; x < w * 3; x++) {
      dst[y * w * 3 + x] = 0.25 * (tmp[yu * w * 3 + x] as number) + 0.5 * (tmp[y * w * 3 + x] as number) + 0.25 * (tmp[yd * w * 3 + x] as number);
    }
  }
}

/** `passes` passes of the [1 2 1]/4 blur; returns a new image. */
export function blur121(img: FloatImage, passes: number): FloatImage {
  let src = img;
  const tmp = new Float32Array(img.data.length);
  for (let p = 0; p < passes; p++) {
    const out = new Float32Array(img.data.length);
    blur121Into(src, out, tmp);
    src = { width: img.width, height: img.height, data: out };
  }
  return src;
}
