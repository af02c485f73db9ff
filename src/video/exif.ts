/**
 * EXIF orientation: reading the Orientation tag from a JPEG's APP1 segment,
 * and turning stored pixels upright. Pure: works on bytes and RGB pixels.
 *
 * Cameras store pixels as the sensor saw them and record how to show them;
 * ffmpeg does not apply that record to still images, so vidpad does.
 */
import { ShapeError } from '../errors.js';

/** Pixels as both video frames and images carry them: `height` rows of `width` RGB pixels. */
export interface RgbPixels {
  width: number;
  height: number;
  data: Uint8Array;
}

/** EXIF orientation 1..8 (1: as stored; 6: stored turned 90° counter-clockwise, shown rotated 90° clockwise). */
export type ExifOrientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

const ORIENTATION_TAG = 0x0112;
const TYPE_SHORT = 3;

/**
 * The Orientation tag of a JPEG file's bytes, or 1 when the bytes are not a
 * JPEG, carry no EXIF, or the tag is missing or malformed: a picture with a
 * broken tag is shown as stored, as browsers do.
 */
export function readJpegOrientation(bytes: Uint8Array): ExifOrientation {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return 1;
  let pos = 2;
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) return 1;
    const marker = bytes[pos + 1]!;
    // Fill bytes and markers without a length (TEM, RSTn) carry no segment.
    if (marker === 0xff) {
      pos += 1;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2;
      continue;
    }
    // Start of scan or end of image: EXIF comes before the pixels.
    if (marker === 0xda || marker === 0xd9) return 1;
    const length = (bytes[pos + 2]! << 8) | bytes[pos + 3]!;
    if (length < 2 || pos + 2 + length > bytes.length) return 1;
    if (marker === 0xe1) {
      const found = orientationFromApp1(bytes.subarray(pos + 4, pos + 2 + length));
      if (found !== null) return found;
    }
    pos += 2 + length;
  }
  return 1;
}

function orientationFromApp1(seg: Uint8Array): ExifOrientation | null {
  // "Exif\0\0" then a TIFF header; XMP also lives in APP1, so check the tag.
  if (seg.length < 14 || seg[0] !== 0x45 || seg[1] !== 0x78 || seg[2] !== 0x69 || seg[3] !== 0x66 || seg[4] !== 0 || seg[5] !== 0) {
    return null;
  }
  const tiff = seg.subarray(6);
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  let little: boolean;
  if (tiff[0] === 0x49 && tiff[1] === 0x49) little = true;
  else if (tiff[0] === 0x4d && tiff[1] === 0x4d) little = false;
  else return null;
  if (view.getUint16(2, little) !== 42) return null;
  const ifd0 = view.getUint32(4, little);
  if (ifd0 + 2 > tiff.length) return null;
  const count = view.getUint16(ifd0, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd0 + 2 + i * 12;
    if (entry + 12 > tiff.length) return null;
    if (view.getUint16(entry, little) !== ORIENTATION_TAG) continue;
    if (view.getUint16(entry + 2, little) !== TYPE_SHORT) return null;
    const value = view.getUint16(entry + 8, little);
    return value >= 1 && value <= 8 ? (value as ExifOrientation) : null;
  }
  return null;
}

/** True for orientations that swap width and height (5..8). */
export function orientationSwapsAxes(o: ExifOrientation): boolean {
  return o >= 5;
}

/**
 * The upright frame for pixels stored with orientation `o`: a new frame
 * (the input is not modified; orientation 1 returns a copy).
 */
export function applyOrientation(frame: RgbPixels, o: ExifOrientation): RgbPixels {
  const { width: W, height: H, data } = frame;
  if (data.length !== W * H * 3) {
    throw new ShapeError(`frame data has ${data.length} bytes; expected width*height*3 = ${W}*${H}*3 = ${W * H * 3}`);
  }
  const swap = orientationSwapsAxes(o);
  const outW = swap ? H : W;
  const outH = swap ? W : H;
  // Output (dx, dy) reads stored (sx, sy) = (x0 + xdx·dx + xdy·dy, y0 + ydx·dx + ydy·dy).
  const maps: Record<ExifOrientation, [number, number, number, number, number, number]> = {
    1: [0, 1, 0, 0, 0, 1],
    2: [W - 1, -1, 0, 0, 0, 1],
    3: [W - 1, -1, 0, H - 1, 0, -1],
    4: [0, 1, 0, H - 1, 0, -1],
    5: [0, 0, 1, 0, 1, 0],
    6: [0, 0, 1, H - 1, -1, 0],
    7: [W - 1, 0, -1, H - 1, -1, 0],
    8: [W - 1, 0, -1, 0, 1, 0],
  };
  const [x0, xdx, xdy, y0, ydx, ydy] = maps[o];
  const stepX = (ydx * W + xdx) * 3;
  const stepY = (ydy * W + xdy) * 3;
  const out = new Uint8Array(outW * outH * 3);
  let rowStart = (y0 * W + x0) * 3;
  let o3 = 0;
  for (let dy = 0; dy < outH; dy++) {
    let s = rowStart;
    for (let dx = 0; dx < outW; dx++) {
      out[o3] = data[s]!;
      out[o3 + 1] = data[s + 1]!;
      out[o3 + 2] = data[s + 2]!;
      o3 += 3;
      s += stepX;
    }
    rowStart += stepY;
  }
  return { width: outW, height: outH, data: out };
}
