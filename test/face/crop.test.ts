/**
 * The face crop and the resizers against naive per-pixel references, with
 * exact checks where the answer is known by hand (1:1 crops at the frame's
 * edges in each edge mode), and bad inputs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, ShapeError, cropFace, cropSquare, letterboxRgb, resizeRgb, type BoxPx, type RgbFrame } from '../../src/index.js';
import { patternFrame } from './helpers.js';

function px(f: RgbFrame, x: number, y: number): number[] {
  const i = (y * f.width + x) * 3;
  return [f.data[i]!, f.data[i + 1]!, f.data[i + 2]!];
}

/**
 * The reference: one output pixel at a time, straight from the definition.
 * Value at point (X, Y) = bilinear between pixel centres, coordinates clamped
 * to the frame; `zero`: black when the point is outside the frame; an s×s
 * grid of points per output pixel when antialiasing a shrink.
 */
function naiveSample(f: RgbFrame, sq: BoxPx, size: number, outside: 'edge' | 'zero', antialias: boolean, outH = size): RgbFrame {
  const scaleX = (sq.right - sq.left) / size;
  const scaleY = (sq.bottom - sq.top) / outH;
  const sX = antialias && scaleX > 1 ? Math.ceil(scaleX - 1e-9) : 1;
  const sY = antialias && scaleY > 1 ? Math.ceil(scaleY - 1e-9) : 1;
  const at = (x: number, y: number, c: number): number => f.data[(Math.min(Math.max(y, 0), f.height - 1) * f.width + Math.min(Math.max(x, 0), f.width - 1)) * 3 + c]!;
  const out = new Uint8Array(size * outH * 3);
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < size; ox++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let j = 0; j < sY; j++) {
          for (let k = 0; k < sX; k++) {
            const X = sq.left + (ox + (k + 0.5) / sX) * scaleX;
            const Y = sq.top + (oy + (j + 0.5) / sY) * scaleY;
            if (outside === 'zero' && (X < 0 || X >= f.width || Y < 0 || Y >= f.height)) continue;
            const u = X - 0.5;
            const v = Y - 0.5;
            const x0 = Math.floor(u);
            const y0 = Math.floor(v);
            const fx = u - x0;
            const fy = v - y0;
            sum += (1 - fx) * (1 - fy) * at(x0, y0, c) + fx * (1 - fy) * at(x0 + 1, y0, c) + (1 - fx) * fy * at(x0, y0 + 1, c) + fx * fy * at(x0 + 1, y0 + 1, c);
          }
        }
        out[(oy * size + ox) * 3 + c] = Math.min(255, Math.round(sum / (sX * sY)));
      }
    }
  }
  return { width: size, height: outH, data: out };
}

function maxDiff(a: RgbFrame, b: RgbFrame): number {
  assert.deepEqual([a.width, a.height], [b.width, b.height]);
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}

const frame = patternFrame(64, 48);

describe('cropFace at the frame edges, 1:1 (known by hand)', () => {
  // A 20×20 box whose top-left corner is 5 px outside the frame; sizePx 20 so each output pixel is one source pixel.
  const corner: BoxPx = { left: -5, top: -5, right: 15, bottom: 15 };

  it('clamp shifts the square inside the frame: a copy of the top-left 20×20', () => {
    const c = cropFace(frame, corner, { sizePx: 20, marginFrac: 0, edge: 'clamp' });
    assert.deepEqual(c.box, { left: 0, top: 0, right: 20, bottom: 20 });
    for (let y = 0; y < 20; y++) for (let x = 0; x < 20; x++) assert.deepEqual(px(c.frame, x, y), px(frame, x, y));
  });

  it('clamp at the bottom-right corner', () => {
    const c = cropFace(frame, { left: 54, top: 40, right: 70, bottom: 56 }, { sizePx: 16, marginFrac: 0, edge: 'clamp' });
    assert.deepEqual(c.box, { left: 48, top: 32, right: 64, bottom: 48 });
    for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) assert.deepEqual(px(c.frame, x, y), px(frame, 48 + x, 32 + y));
  });

  it('pad-zero keeps the square where it is: black outside, the pixels inside', () => {
    const c = cropFace(frame, corner, { sizePx: 20, marginFrac: 0, edge: 'pad-zero' });
    assert.deepEqual(c.box, corner);
    for (let y = 0; y < 20; y++) {
      for (let x = 0; x < 20; x++) {
        const expected = x < 5 || y < 5 ? [0, 0, 0] : px(frame, x - 5, y - 5);
        assert.deepEqual(px(c.frame, x, y), expected, `(${x}, ${y})`);
      }
    }
  });

  it('pad-edge repeats the nearest edge pixel', () => {
    const c = cropFace(frame, corner, { sizePx: 20, marginFrac: 0, edge: 'pad-edge' });
    for (let y = 0; y < 20; y++) for (let x = 0; x < 20; x++) assert.deepEqual(px(c.frame, x, y), px(frame, Math.max(0, x - 5), Math.max(0, y - 5)));
  });

  it('a square larger than the frame: clamp shrinks it to the frame\'s short side, centred on the frame', () => {
    const c = cropFace(frame, { left: 0, top: 0, right: 64, bottom: 48 }, { sizePx: 48, marginFrac: 0.5, edge: 'clamp' });
    assert.deepEqual(c.box, { left: 8, top: 0, right: 56, bottom: 48 });
    for (let y = 0; y < 48; y++) for (let x = 0; x < 48; x++) assert.deepEqual(px(c.frame, x, y), px(frame, 8 + x, y));
  });
});

describe('cropFace against the naive reference', () => {
  const boxes: BoxPx[] = [
    { left: 10.3, top: 7.9, right: 30.6, bottom: 25.1 }, // inside
    { left: -12.5, top: 20, right: 10, bottom: 47.5 }, // off the left edge
    { left: 50, top: -9, right: 75, bottom: 14 }, // off the top-right corner
    { left: 2, top: 30, right: 62, bottom: 70 }, // wider than tall, off the bottom
  ];
  for (const edge of ['clamp', 'pad-zero', 'pad-edge'] as const) {
    for (const sizePx of [8, 23, 56]) {
      for (const antialias of [false, true]) {
        it(`${edge}, ${sizePx} px, antialias ${antialias}`, () => {
          for (const box of boxes) {
            const c = cropFace(frame, box, { sizePx, marginFrac: 0.25, edge, antialias });
            // The square: side max(w, h)·1.25, centred on the box unless clamped.
            const sq = cropSquare(box, 0.25);
            if (edge !== 'clamp') assert.deepEqual(c.box, sq);
            else {
              assert.ok(c.box.left >= 0 && c.box.top >= 0 && c.box.right <= 64 + 1e-9 && c.box.bottom <= 48 + 1e-9);
              assert.ok(Math.abs(c.box.right - c.box.left - Math.min(sq.right - sq.left, 48)) < 1e-9);
            }
            const ref = naiveSample(frame, c.box, sizePx, edge === 'pad-zero' ? 'zero' : 'edge', antialias);
            // Rounding of float32 vs float64 sums may differ by one level.
            assert.ok(maxDiff(c.frame, ref) <= 1, `box ${JSON.stringify(box)}: max diff ${maxDiff(c.frame, ref)}`);
          }
        });
      }
    }
  }

  it('antialias averages a shrink: a 1-px checkerboard shrunk 4× becomes flat grey, not a sampled pattern', () => {
    const W = 64;
    const data = new Uint8Array(W * W * 3);
    for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) data.fill((x + y) % 2 ? 255 : 0, (y * W + x) * 3, (y * W + x) * 3 + 3);
    const board = { width: W, height: W, data };
    const smooth = resizeRgb(board, 16, 16, true);
    const sharp = resizeRgb(board, 16, 16, false);
    for (const v of smooth.data) assert.ok(Math.abs(v - 127.5) <= 1, `antialiased value ${v}`);
    // Without antialiasing each output pixel reads between 4 source pixels: the same mean, but a sampled (not averaged) value.
    assert.ok(maxDiff(sharp, naiveSample(board, { left: 0, top: 0, right: 64, bottom: 64 }, 16, 'edge', false)) <= 1);
  });

  it('does not modify the input frame', () => {
    const before = new Uint8Array(frame.data);
    cropFace(frame, { left: -3, top: -3, right: 20, bottom: 20 }, { edge: 'pad-edge' });
    assert.deepEqual(frame.data, before);
  });
});

describe('letterboxRgb and resizeRgb', () => {
  it('letterbox centres the frame with black bars and maps points back', () => {
    const lb = letterboxRgb(frame, 32, false);
    // 64×48 into 32²: scale 2, bars of 4 output rows above and below.
    assert.equal(lb.scale, 2);
    assert.deepEqual([lb.offsetX, lb.offsetY], [0, 4]);
    for (let x = 0; x < 32; x++) {
      for (const y of [0, 3, 28, 31]) assert.deepEqual(px(lb.frame, x, y), [0, 0, 0]);
    }
    // Output pixel (x, y) centre maps to source point ((x + 0.5) - offsetX)·scale: here between pixels 2x and 2x+1.
    const src = naiveSample(frame, { left: 0, top: -8, right: 64, bottom: 56 }, 32, 'zero', false);
    assert.ok(maxDiff(lb.frame, src) <= 1);
  });

  it('resize with different factors per axis matches the reference', () => {
    for (const [w, h] of [[20, 40], [100, 10], [13, 13], [64, 5]] as const) {
      for (const aa of [false, true]) {
        const ref = naiveSample(frame, { left: 0, top: 0, right: 64, bottom: 48 }, w, 'edge', aa, h);
        assert.ok(maxDiff(resizeRgb(frame, w, h, aa), ref) <= 1, `${w}×${h} antialias ${aa}`);
      }
    }
  });

  it('resize to the same size is the identity', () => {
    assert.ok(Buffer.from(resizeRgb(frame, 64, 48).data).equals(Buffer.from(frame.data)));
  });
});

describe('bad inputs', () => {
  it('wrong buffer size, bad box and bad config are typed errors naming the problem', () => {
    assert.throws(() => cropFace({ width: 10, height: 10, data: new Uint8Array(299) }, { left: 0, top: 0, right: 5, bottom: 5 }), (e: unknown) => e instanceof ShapeError && /299 bytes; expected width\*height\*3 = 10\*10\*3 = 300/.test(e.message));
    assert.throws(() => cropFace(frame, { left: 5, top: 0, right: 5, bottom: 5 }), ShapeError);
    assert.throws(() => cropFace(frame, { left: Number.NaN, top: 0, right: 5, bottom: 5 }), ShapeError);
    assert.throws(() => cropFace(frame, { left: 0, top: 0, right: 5, bottom: 5 }, { sizePx: 0 }), (e: unknown) => e instanceof ConfigError && e.path === 'crop.sizePx');
    assert.throws(() => cropFace(frame, { left: 0, top: 0, right: 5, bottom: 5 }, { marginFrac: -0.1 }), (e: unknown) => e instanceof ConfigError && e.path === 'crop.marginFrac');
    assert.throws(() => cropFace(frame, { left: 0, top: 0, right: 5, bottom: 5 }, { edge: 'wrap' as never }), /crop\.edge: unknown value 'wrap'; expected one of clamp, pad-zero, pad-edge/);
    assert.throws(() => resizeRgb(frame, 0, 4), ConfigError);
  });
});
