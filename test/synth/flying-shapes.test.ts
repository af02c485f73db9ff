// Flying shapes: the ground-truth flow is exact. Warping frame 2 back with it
// reproduces frame 1 wherever the surface stays visible; a pure translation
// gives a constant flow and a shifted image; a moving shape carries its own
// motion and occludes what it covers; the stream is deterministic; configs
// are validated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { createSeededRandom } from '../../src/data/random.js';
import {
  IDENTITY_AFFINE,
  generateFlyingShapes,
  renderFlyingShapes,
  resolveFlyingShapesConfig,
  sampleFlyingShapesScene,
} from '../../src/synth/flying-shapes.js';
import type { FlyingShapesScene, LatticeTexture } from '../../src/synth/flying-shapes.js';

/** Bilinear sample of an `[n, n, 3]` image at (x, y), written here independently of the renderer. */
function bilinear(img: Float32Array, n: number, x: number, y: number, ch: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const g = (xx: number, yy: number) => img[(yy * n + xx) * 3 + ch]!;
  return (1 - fx) * (1 - fy) * g(x0, y0) + fx * (1 - fy) * g(x0 + 1, y0) + (1 - fx) * fy * g(x0, y0 + 1) + fx * fy * g(x0 + 1, y0 + 1);
}

function texture(seed: number, cellPx: number, cells: number): LatticeTexture {
  const rng = createSeededRandom(seed);
  return { cellPx, cols: cells, rows: cells, values: Float32Array.from({ length: cells * cells * 3 }, () => rng.uniform(0, 1)) };
}

const translation = (tx: number, ty: number) => ({ ...IDENTITY_AFFINE, tx, ty });

test('warping frame 2 back with the ground-truth flow reproduces frame 1 away from occlusions', () => {
  const n = 48;
  for (let index = 0; index < 5; index++) {
    const s = generateFlyingShapes(3, index, { sizePx: n });
    let warped = 0;
    let unwarped = 0;
    let count = 0;
    let validPixels = 0;
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const p = y * n + x;
        if (!s.valid[p]) continue;
        validPixels++;
        const qx = x + s.flow[2 * p]!;
        const qy = y + s.flow[2 * p + 1]!;
        for (let ch = 0; ch < 3; ch++) {
          warped += Math.abs(s.frame1[p * 3 + ch]! - bilinear(s.frame2, n, qx, qy, ch));
          unwarped += Math.abs(s.frame1[p * 3 + ch]! - s.frame2[p * 3 + ch]!);
          count++;
        }
      }
    }
    const validFrac = validPixels / (n * n);
    assert.ok(validFrac > 0.5, `sample ${index}: only ${(100 * validFrac).toFixed(0)} % of the pixels are valid`);
    // What remains is the bilinear re-sampling of a bilinear texture: small, and far below the frame difference.
    assert.ok(warped / count < 0.02, `sample ${index}: mean warp-back error ${warped / count}`);
    assert.ok(warped < 0.2 * unwarped, `sample ${index}: warp-back error ${warped / count} vs frame difference ${unwarped / count}`);
  }
});

test('a pure translation gives a constant flow and a shifted frame', () => {
  const n = 32;
  const scene: FlyingShapesScene = {
    sizePx: n,
    layers: [{ outline: { kind: 'background' }, textures: [texture(1, 3, 16)], placement: IDENTITY_AFFINE, motion: translation(3, -2) }],
  };
  const s = renderFlyingShapes(scene);
  for (let p = 0; p < n * n; p++) {
    assert.equal(s.flow[2 * p], 3);
    assert.equal(s.flow[2 * p + 1], -2);
  }
  // Integer shift: frame2(x, y) = frame1(x - 3, y + 2), exactly.
  for (let y = 0; y < n - 2; y++)
    for (let x = 3; x < n; x++)
      for (let ch = 0; ch < 3; ch++) assert.equal(s.frame2[(y * n + x) * 3 + ch], s.frame1[((y + 2) * n + x - 3) * 3 + ch]);
  // Valid exactly where the moved pixel stays inside the frame.
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) assert.equal(s.valid[y * n + x], x + 3 <= n - 2 && y - 2 >= 0 ? 1 : 0, `valid at (${x}, ${y})`);

  // The random generator with no shapes and no rotation or scaling: one constant flow.
  const g = generateFlyingShapes(9, 0, { sizePx: n, shapesMin: 0, shapesMax: 0, maxRotationRad: 0, maxScaleDelta: 0 });
  const [fx, fy] = [g.flow[0]!, g.flow[1]!];
  assert.ok(Math.hypot(fx, fy) > 0);
  for (let p = 0; p < n * n; p++) {
    assert.ok(Math.abs(g.flow[2 * p]! - fx) < 1e-4 && Math.abs(g.flow[2 * p + 1]! - fy) < 1e-4, `flow at ${p} is not constant`);
  }
});

test('a moving shape carries its own motion and occludes the background it covers', () => {
  const n = 32;
  const scene: FlyingShapesScene = {
    sizePx: n,
    layers: [
      { outline: { kind: 'background' }, textures: [texture(2, 4, 8)], placement: IDENTITY_AFFINE, motion: IDENTITY_AFFINE },
      { outline: { kind: 'ellipse', rx: 6, ry: 6 }, textures: [texture(3, 2, 8)], placement: translation(12, 16), motion: translation(5, 0) },
    ],
  };
  const s = renderFlyingShapes(scene);
  const flowAt = (x: number, y: number) => [s.flow[2 * (y * n + x)], s.flow[2 * (y * n + x) + 1]];
  assert.deepEqual(flowAt(12, 16), [5, 0], 'inside the shape');
  assert.deepEqual(flowAt(14, 12), [5, 0], 'inside the shape, off-centre');
  assert.deepEqual(flowAt(2, 2), [0, 0], 'background');
  assert.deepEqual(flowAt(20, 16), [0, 0], 'background just right of the shape');
  // Background the shape moves onto is occluded in frame 2; background far away and the shape itself stay visible.
  assert.equal(s.valid[16 * n + 20], 0, 'covered background must be invalid');
  assert.equal(s.valid[2 * n + 2], 1);
  assert.equal(s.valid[16 * n + 12], 1);
  // The shape's centre pixel moved with it.
  for (let ch = 0; ch < 3; ch++) assert.equal(s.frame2[(16 * n + 17) * 3 + ch], s.frame1[(16 * n + 12) * 3 + ch]);
});

test('the stream is deterministic per (seed, index) and its motions stay in bounds', () => {
  const config = { sizePx: 40 };
  const a = generateFlyingShapes(5, 7, config);
  const b = generateFlyingShapes(5, 7, config);
  assert.deepEqual(a.frame1, b.frame1);
  assert.deepEqual(a.flow, b.flow);
  const c = generateFlyingShapes(5, 8, config);
  assert.notDeepEqual(a.frame1, c.frame1);
  const d = generateFlyingShapes(6, 7, config);
  assert.notDeepEqual(a.frame1, d.frame1);
  const full = resolveFlyingShapesConfig(config);
  // A layer point moves by its translation plus what rotation and scaling do over the frame's diagonal.
  const bound = full.maxShapeTranslationFrac * 40 * Math.SQRT2 + 40 * Math.SQRT2 * (full.maxRotationRad + full.maxScaleDelta);
  for (let i = 0; i < 5; i++) {
    const s = generateFlyingShapes(11, i, config);
    for (let p = 0; p < 40 * 40; p++) assert.ok(Math.hypot(s.flow[2 * p]!, s.flow[2 * p + 1]!) <= bound, `flow beyond ${bound}`);
    assert.ok(s.frame1.every(Number.isFinite) && s.frame2.every(Number.isFinite));
  }
  const scene = sampleFlyingShapesScene(createSeededRandom(1), { sizePx: 40, shapesMin: 3, shapesMax: 3 });
  assert.equal(scene.layers.length, 4);
  assert.equal(scene.layers[0]!.outline.kind, 'background');
});

test('flying-shapes configs are validated, naming the field', () => {
  const expectPath = (partial: object, path: string) =>
    assert.throws(() => resolveFlyingShapesConfig(partial), (e: unknown) => e instanceof ConfigError && e.path === path, path);
  expectPath({ sizePx: 4 }, 'flyingShapes.sizePx');
  expectPath({ sizePx: 32.5 }, 'flyingShapes.sizePx');
  expectPath({ shapesMin: 3, shapesMax: 2 }, 'flyingShapes.shapesMax');
  expectPath({ maxScaleDelta: 0.9 }, 'flyingShapes.maxScaleDelta');
  expectPath({ maxRotationRad: Number.NaN }, 'flyingShapes.maxRotationRad');
  assert.throws(() => renderFlyingShapes({ sizePx: 8, layers: [] }), (e: unknown) => e instanceof ConfigError && /background/.test(e.message));
});
