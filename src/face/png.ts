/**
 * A minimal PNG encoder (8-bit RGB, no interlace) and box drawing, for
 * `vidpad faces --draw` and reports: no image library needed.
 */
import { deflateSync } from 'node:zlib';
import type { RgbFrame } from './types.js';
import type { BoxPx } from './box.js';
import { ShapeError } from '../errors.js';

function crcTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

function crc32(table: Uint32Array, parts: Uint8Array[]): number {
  let c = 0xffffffff;
  for (const p of parts) for (let i = 0; i < p.length; i++) c = table[(c ^ p[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function checkFrame(frame: RgbFrame): void {
  if (!Number.isInteger(frame.width) || !Number.isInteger(frame.height) || frame.width < 1 || frame.height < 1) {
    throw new ShapeError(`frame size ${frame.width}×${frame.height} is not a positive whole number of pixels`);
  }
  if (frame.data.length !== frame.width * frame.height * 3) {
    throw new ShapeError(`frame data has ${frame.data.length} bytes; expected width*height*3 = ${frame.width * frame.height * 3}`);
  }
}

/** The `Software` text every PNG vidpad writes carries, so vidpad can tell its own images from a user's before replacing one. */
export const PNG_SOFTWARE = 'vidpad';

/** The PNG's `Software` text (a tEXt chunk before the image data), or null when it has none or is not a PNG. */
export function pngSoftware(bytes: Uint8Array): string | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 8 || b.readUInt32BE(0) !== 0x89504e47) return null;
  for (let at = 8; at + 8 <= b.length; ) {
    const length = b.readUInt32BE(at);
    const type = b.toString('ascii', at + 4, at + 8);
    if (type === 'IDAT' || type === 'IEND' || at + 12 + length > b.length) return null;
    if (type === 'tEXt') {
      const body = b.subarray(at + 8, at + 8 + length);
      const zero = body.indexOf(0);
      if (zero > 0 && body.toString('latin1', 0, zero) === 'Software') return body.toString('latin1', zero + 1);
    }
    at += 12 + length;
  }
  return null;
}

/** The PNG file bytes of an RGB frame (with `Software: vidpad` in a tEXt chunk). */
export function encodePng(frame: RgbFrame): Buffer {
  checkFrame(frame);
  const { width, height, data } = frame;
  const stride = width * 3;
  // Each row with the PNG filter whose output has the smallest sum of
  // |signed bytes| (the spec's suggested heuristic): photographs and heat
  // maps compress to about half of what unfiltered rows give.
  const raw = Buffer.alloc((stride + 1) * height);
  const candidates = Array.from({ length: 5 }, () => new Uint8Array(stride));
  for (let y = 0; y < height; y++) {
    const row = data.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? data.subarray((y - 1) * stride, y * stride) : null;
    let best = 0;
    let bestCost = Infinity;
    for (let f = 0; f < 5; f++) {
      const out = candidates[f]!;
      let cost = 0;
      for (let i = 0; i < stride; i++) {
        const a = i >= 3 ? row[i - 3]! : 0;
        const b = up ? up[i]! : 0;
        const c = up && i >= 3 ? up[i - 3]! : 0;
        let pred = 0;
        if (f === 1) pred = a;
        else if (f === 2) pred = b;
        else if (f === 3) pred = (a + b) >> 1;
        else if (f === 4) {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        }
        const v = (row[i]! - pred) & 0xff;
        out[i] = v;
        cost += v < 128 ? v : 256 - v;
      }
      if (cost < bestCost) {
        bestCost = cost;
        best = f;
      }
    }
    raw[y * (stride + 1)] = best;
    raw.set(candidates[best]!, y * (stride + 1) + 1);
  }
  const table = crcTable();
  const chunk = (type: string, body: Uint8Array): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'ascii');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(table, [head.subarray(4), body]), 0);
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('tEXt', Buffer.from(`Software\0${PNG_SOFTWARE}`, 'latin1')),
    chunk('IDAT', deflateSync(raw, { level: 6 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/**
 * A copy of `frame` with the outline of each box drawn `thicknessPx` wide,
 * inside the box's edges, clipped to the frame.
 */
export function drawBoxes(frame: RgbFrame, boxes: readonly BoxPx[], color: readonly [number, number, number] = [0, 255, 0], thicknessPx = 2): RgbFrame {
  checkFrame(frame);
  const { width, height } = frame;
  const out = new Uint8Array(frame.data);
  const fill = (x0: number, y0: number, x1: number, y1: number): void => {
    const xa = Math.max(0, x0);
    const ya = Math.max(0, y0);
    const xb = Math.min(width, x1);
    const yb = Math.min(height, y1);
    for (let y = ya; y < yb; y++) {
      for (let x = xa; x < xb; x++) {
        const i = (y * width + x) * 3;
        out[i] = color[0];
        out[i + 1] = color[1];
        out[i + 2] = color[2];
      }
    }
  };
  for (const b of boxes) {
    const l = Math.round(b.left);
    const t = Math.round(b.top);
    const r = Math.round(b.right);
    const bt = Math.round(b.bottom);
    if (r <= l || bt <= t) continue;
    const th = Math.max(1, Math.min(thicknessPx, Math.floor((r - l) / 2), Math.floor((bt - t) / 2)));
    fill(l, t, r, t + th);
    fill(l, bt - th, r, bt);
    fill(l, t, l + th, bt);
    fill(r - th, t, r, bt);
  }
  return { width, height, data: out };
}
