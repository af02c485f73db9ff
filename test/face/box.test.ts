/** Box geometry, NMS and the PNG writer. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ShapeError, drawBoxes, encodePng, iou, nonMaxSuppression, parsePpm, squareBox, toBoxNorm, toBoxPx, type BoxPx } from '../../src/index.js';
import { patternFrame } from './helpers.js';

describe('box geometry', () => {
  it('iou by hand', () => {
    const a: BoxPx = { left: 0, top: 0, right: 10, bottom: 10 };
    assert.equal(iou(a, a), 1);
    assert.equal(iou(a, { left: 5, top: 0, right: 15, bottom: 10 }), 50 / 150);
    assert.equal(iou(a, { left: 10, top: 0, right: 20, bottom: 10 }), 0); // touching edges
    assert.equal(iou(a, { left: 3, top: 3, right: 3, bottom: 8 }), 0); // empty
  });

  it('pixel and normalized boxes convert both ways; squareBox keeps the centre', () => {
    const b: BoxPx = { left: 64, top: 48, right: 320, bottom: 240 };
    const n = toBoxNorm(b, 640, 480);
    assert.deepEqual(n, { left: 0.1, top: 0.1, right: 0.5, bottom: 0.5 });
    assert.deepEqual(toBoxPx(n, 640, 480), b);
    assert.deepEqual(squareBox({ left: 0, top: 0, right: 10, bottom: 4 }), { left: 0, top: -3, right: 10, bottom: 7 });
  });

  it('nonMaxSuppression keeps the best of overlapping boxes, in score order', () => {
    const boxes: BoxPx[] = [
      { left: 0, top: 0, right: 10, bottom: 10 },
      { left: 1, top: 1, right: 11, bottom: 11 },
      { left: 50, top: 50, right: 60, bottom: 60 },
    ];
    assert.deepEqual(nonMaxSuppression(boxes, [0.6, 0.9, 0.7], 0.3), [1, 2]);
    assert.deepEqual(nonMaxSuppression(boxes, [0.6, 0.9, 0.7], 0.3, 1), [1]);
    assert.deepEqual(nonMaxSuppression(boxes, [0.6, 0.9, 0.7], 0.99), [1, 2, 0]);
  });
});

describe('encodePng and drawBoxes', () => {
  it('a PNG that ffmpeg decodes back to the same pixels', () => {
    const f = patternFrame(37, 11);
    const png = encodePng(f);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const r = spawnSync('ffmpeg', ['-v', 'error', '-f', 'png_pipe', '-i', 'pipe:0', '-f', 'image2pipe', '-vcodec', 'ppm', '-pix_fmt', 'rgb24', 'pipe:1'], { input: png });
    assert.equal(r.status, 0, r.stderr.toString());
    const back = parsePpm(r.stdout);
    assert.deepEqual([back.width, back.height], [37, 11]);
    assert.ok(Buffer.from(back.data).equals(Buffer.from(f.data)));
  });

  it('draws the outline inside the box, clipped to the frame, leaving the input alone', () => {
    const f = { width: 10, height: 8, data: new Uint8Array(240) };
    const out = drawBoxes(f, [{ left: 2, top: 1, right: 7, bottom: 6 }, { left: 8, top: -3, right: 20, bottom: 3 }], [255, 0, 0], 1);
    assert.ok(f.data.every((v) => v === 0));
    const red = (x: number, y: number): boolean => out.data[(y * 10 + x) * 3] === 255;
    for (let x = 2; x < 7; x++) assert.ok(red(x, 1) && red(x, 5));
    for (let y = 1; y < 6; y++) assert.ok(red(2, y) && red(6, y));
    assert.ok(!red(3, 2) && !red(4, 3) && !red(7, 1));
    // The second box's top edge lies above the frame: only its left and bottom edges show.
    assert.ok(red(8, 0) && red(8, 2) && red(9, 2));
    assert.ok(!red(9, 0) && !red(9, 1));
    assert.throws(() => encodePng({ width: 2, height: 2, data: new Uint8Array(5) }), ShapeError);
  });
});
