/** EXIF orientation: the tag parser on built and real JPEG bytes, applying each orientation, and readImage on the samples. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  InputError,
  ShapeError,
  applyOrientation,
  orientationSwapsAxes,
  parsePpm,
  readImage,
  readJpegOrientation,
  type ExifOrientation,
  type RgbFrame,
} from '../../src/index.js';
import { SAMPLE_FACES, patternFrame, samplePath } from './helpers.js';

/** JPEG bytes holding only SOI, optional segments, an APP1 Exif segment with one IFD0 entry, then EOI. */
function jpegWithOrientation(value: number, opts: { bigEndian?: boolean; type?: number; before?: number[][]; extraEntries?: number } = {}): Uint8Array {
  const le = !opts.bigEndian;
  const u16 = (v: number): number[] => (le ? [v & 255, v >> 8] : [v >> 8, v & 255]);
  const u32 = (v: number): number[] => (le ? [v & 255, (v >> 8) & 255, (v >> 16) & 255, v >>> 24] : [v >>> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255]);
  const entries: number[] = [];
  const extra = opts.extraEntries ?? 0;
  // Unrelated tags first (ImageWidth 0x0100), so the parser must walk the IFD.
  for (let i = 0; i < extra; i++) entries.push(...u16(0x0100), ...u16(3), ...u32(1), ...u16(640), 0, 0);
  entries.push(...u16(0x0112), ...u16(opts.type ?? 3), ...u32(1), ...u16(value), 0, 0);
  const tiff = [...(le ? [0x49, 0x49] : [0x4d, 0x4d]), ...u16(42), ...u32(8), ...u16(extra + 1), ...entries, ...u32(0)];
  const app1 = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const len = app1.length + 2;
  const segs = (opts.before ?? []).flat();
  return new Uint8Array([0xff, 0xd8, ...segs, 0xff, 0xe1, len >> 8, len & 255, ...app1, 0xff, 0xd9]);
}

/** Where stored pixel (sx, sy) of a W×H image appears when shown upright: the EXIF definition, written out per case. */
function displayedAt(o: ExifOrientation, sx: number, sy: number, W: number, H: number): [number, number] {
  switch (o) {
    case 1: return [sx, sy];
    case 2: return [W - 1 - sx, sy]; // mirrored left-right
    case 3: return [W - 1 - sx, H - 1 - sy]; // turned 180°
    case 4: return [sx, H - 1 - sy]; // mirrored top-bottom
    case 5: return [sy, sx]; // transposed
    case 6: return [H - 1 - sy, sx]; // turned 90° clockwise
    case 7: return [H - 1 - sy, W - 1 - sx]; // transversed
    case 8: return [sy, W - 1 - sx]; // turned 90° counter-clockwise
  }
}

describe('readJpegOrientation', () => {
  it('reads every orientation, little- and big-endian, past other tags and segments', () => {
    for (let o = 1; o <= 8; o++) {
      assert.equal(readJpegOrientation(jpegWithOrientation(o)), o);
      assert.equal(readJpegOrientation(jpegWithOrientation(o, { bigEndian: true, extraEntries: 2 })), o);
      // An APP0 (JFIF) segment and fill bytes before the EXIF.
      const app0 = [0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
      assert.equal(readJpegOrientation(jpegWithOrientation(o, { before: [app0, [0xff]] })), o);
    }
  });

  it('returns 1 for non-JPEG bytes, missing EXIF, bad values and truncated data', () => {
    assert.equal(readJpegOrientation(new Uint8Array([0x89, 0x50, 0x4e, 0x47])), 1);
    assert.equal(readJpegOrientation(new Uint8Array(0)), 1);
    assert.equal(readJpegOrientation(new Uint8Array([0xff, 0xd8, 0xff, 0xd9])), 1);
    assert.equal(readJpegOrientation(jpegWithOrientation(0)), 1);
    assert.equal(readJpegOrientation(jpegWithOrientation(9)), 1);
    assert.equal(readJpegOrientation(jpegWithOrientation(6, { type: 4 })), 1); // LONG instead of SHORT
    const full = jpegWithOrientation(6);
    // Any cut inside the APP1 segment (everything before the final EOI marker).
    for (let cut = 0; cut < full.length - 2; cut++) assert.equal(readJpegOrientation(full.subarray(0, cut)), 1, `cut at ${cut}`);
    assert.equal(readJpegOrientation(full.subarray(0, full.length - 2)), 6);
  });

  it('finds orientation 6 in the sample photographs', () => {
    for (const s of SAMPLE_FACES) assert.equal(readJpegOrientation(readFileSync(samplePath(s.file))), 6);
  });
});

describe('applyOrientation', () => {
  it('puts every stored pixel where the EXIF definition says, for all 8 orientations', () => {
    const W = 5;
    const H = 3;
    const src = patternFrame(W, H);
    for (let o = 1 as ExifOrientation; o <= 8; o = (o + 1) as ExifOrientation) {
      const out = applyOrientation(src, o);
      assert.deepEqual([out.width, out.height], orientationSwapsAxes(o) ? [H, W] : [W, H]);
      for (let sy = 0; sy < H; sy++) {
        for (let sx = 0; sx < W; sx++) {
          const [dx, dy] = displayedAt(o, sx, sy, W, H);
          const si = (sy * W + sx) * 3;
          const di = (dy * out.width + dx) * 3;
          assert.deepEqual([...out.data.subarray(di, di + 3)], [...src.data.subarray(si, si + 3)], `orientation ${o}, stored (${sx}, ${sy})`);
        }
      }
    }
  });

  it('does not modify its input, and rejects a wrong buffer size', () => {
    const src = patternFrame(4, 2);
    const copy = new Uint8Array(src.data);
    applyOrientation(src, 6);
    assert.deepEqual(src.data, copy);
    assert.throws(() => applyOrientation({ width: 4, height: 2, data: new Uint8Array(23) }, 6), ShapeError);
  });
});

describe('readImage', () => {
  it('returns the samples upright, 480×640, with orientation 6 applied to the stored 640×480 pixels', async () => {
    const img = await readImage(samplePath('image_T1.jpg'));
    assert.equal(img.orientation, 6);
    assert.deepEqual([img.storedWidth, img.storedHeight, img.frame.width, img.frame.height], [640, 480, 480, 640]);
    // Cross-check against ffmpeg's own rotation of the stored pixels (lossless on decoded pixels).
    const r = spawnSync('ffmpeg', ['-v', 'error', '-noautorotate', '-i', samplePath('image_T1.jpg'), '-vf', 'transpose=clock', '-frames:v', '1', '-f', 'image2pipe', '-vcodec', 'ppm', '-pix_fmt', 'rgb24', 'pipe:1'], { maxBuffer: 1 << 24 });
    assert.equal(r.status, 0);
    const ref: RgbFrame = parsePpm(r.stdout);
    assert.deepEqual([ref.width, ref.height], [480, 640]);
    assert.ok(Buffer.from(ref.data).equals(Buffer.from(img.frame.data)), 'pixels differ from ffmpeg transpose=clock');
  });

  it('a PNG has orientation 1 and round-trips', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vidpad-exif-'));
    const src = patternFrame(7, 5);
    const { encodePng } = await import('../../src/index.js');
    writeFileSync(path.join(dir, 'p.png'), encodePng(src));
    const img = await readImage(path.join(dir, 'p.png'));
    assert.equal(img.orientation, 1);
    assert.deepEqual([img.frame.width, img.frame.height], [7, 5]);
    assert.ok(Buffer.from(img.frame.data).equals(Buffer.from(src.data)));
  });

  it('rejects a missing file, an empty file and a file that is not an image, naming it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vidpad-exif-'));
    await assert.rejects(readImage(path.join(dir, 'none.jpg')), (e: unknown) => e instanceof InputError && /none\.jpg: cannot read the image \(ENOENT\)/.test(e.message));
    writeFileSync(path.join(dir, 'empty.jpg'), '');
    await assert.rejects(readImage(path.join(dir, 'empty.jpg')), /empty\.jpg: the file is empty/);
    writeFileSync(path.join(dir, 'text.jpg'), 'this is not a picture\n'.repeat(20));
    await assert.rejects(readImage(path.join(dir, 'text.jpg')), (e: unknown) => e instanceof InputError && /text\.jpg: not an image ffmpeg can decode/.test(e.message));
  });

  it('parsePpm rejects other formats and truncated pixels', () => {
    assert.throws(() => parsePpm(new TextEncoder().encode('P5\n2 2\n255\n1234')), InputError);
    assert.throws(() => parsePpm(new TextEncoder().encode('P6\n2 2\n255\n12345')), /truncated/);
    const ok = parsePpm(new Uint8Array([...new TextEncoder().encode('P6\n# c\n1 1\n255\n'), 1, 2, 3]));
    assert.deepEqual([...ok.data], [1, 2, 3]);
  });
});
