/**
 * Flying shapes: a procedural optical-flow dataset with exact ground truth,
 * in plain TypeScript, for pretraining FlowNetS where Flying Chairs cannot be
 * had. A scene is a stack of layers: a textured background and a few
 * textured ellipses and star-shaped polygons above it. Each layer has a
 * placement in frame 1 (layer coordinates → pixels) and its own affine
 * motion (frame-1 pixels → frame-2 pixels). Both frames are rendered by
 * inverse warping: a pixel's colour is the texture of the top-most layer that
 * covers it, sampled bilinearly (with wrap-around) at the pixel's position
 * mapped back into that layer. The flow at a frame-1 pixel is then exactly
 * the motion of the surface visible there.
 *
 * Coordinates: x = column, y = row, pixel centres at whole numbers. Flow is
 * `[H, W, 2]` with (dx, dy) in pixels, frame 1 → frame 2. Images are
 * `[H, W, 3]` RGB, values about 0..1.
 */
import { childSeed, createSeededRandom } from '../data/random.js';
import type { SeededRandom } from '../data/random.js';
import { ConfigError } from '../errors.js';
import { checkNumber, checkWhole } from '../config-checks.js';

export interface FlyingShapesConfig {
  /** Side of the square frames in pixels. */
  sizePx: number;
  /** Number of shapes above the background, drawn uniformly from [shapesMin, shapesMax]. */
  shapesMin: number;
  shapesMax: number;
  /** Shape radius as a fraction of `sizePx`, drawn from [min, max]. */
  shapeRadiusFracMin: number;
  shapeRadiusFracMax: number;
  /** Largest translation of a shape between the frames, per axis, as a fraction of `sizePx`. */
  maxShapeTranslationFrac: number;
  /** Largest translation of the background, per axis, as a fraction of `sizePx`. */
  maxBackgroundTranslationFrac: number;
  /** Largest rotation of a layer between the frames. */
  maxRotationRad: number;
  /** Largest relative change of scale between the frames (0.05 = ±5 %). */
  maxScaleDelta: number;
}

export const DEFAULT_FLYING_SHAPES_CONFIG: Readonly<FlyingShapesConfig> = Object.freeze({
  sizePx: 64,
  shapesMin: 2,
  shapesMax: 5,
  shapeRadiusFracMin: 0.1,
  shapeRadiusFracMax: 0.28,
  maxShapeTranslationFrac: 0.1,
  maxBackgroundTranslationFrac: 0.05,
  maxRotationRad: 0.12,
  maxScaleDelta: 0.06,
});

/** Validates a partial config against the defaults; errors name the field (`flyingShapes.<field>`). */
export function resolveFlyingShapesConfig(partial: Partial<FlyingShapesConfig> = {}): Readonly<FlyingShapesConfig> {
  const c = { ...DEFAULT_FLYING_SHAPES_CONFIG, ...partial };
  checkWhole('flyingShapes.sizePx', c.sizePx, 8, 4096);
  checkWhole('flyingShapes.shapesMin', c.shapesMin, 0, 64);
  checkWhole('flyingShapes.shapesMax', c.shapesMax, c.shapesMin, 64);
  checkNumber('flyingShapes.shapeRadiusFracMin', c.shapeRadiusFracMin, { min: 0.01, max: 1 });
  checkNumber('flyingShapes.shapeRadiusFracMax', c.shapeRadiusFracMax, { min: c.shapeRadiusFracMin, max: 1 });
  checkNumber('flyingShapes.maxShapeTranslationFrac', c.maxShapeTranslationFrac, { min: 0, max: 1 });
  checkNumber('flyingShapes.maxBackgroundTranslationFrac', c.maxBackgroundTranslationFrac, { min: 0, max: 1 });
  checkNumber('flyingShapes.maxRotationRad', c.maxRotationRad, { min: 0, max: Math.PI });
  checkNumber('flyingShapes.maxScaleDelta', c.maxScaleDelta, { min: 0, max: 0.5 });
  return Object.freeze(c);
}

/** `x' = a·x + b·y + tx`, `y' = c·x + d·y + ty`. */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  tx: number;
  ty: number;
}

export const IDENTITY_AFFINE: Readonly<Affine> = Object.freeze({ a: 1, b: 0, c: 0, d: 1, tx: 0, ty: 0 });

/** `outer ∘ inner`: apply `inner`, then `outer`. */
export function composeAffine(outer: Affine, inner: Affine): Affine {
  return {
    a: outer.a * inner.a + outer.b * inner.c,
    b: outer.a * inner.b + outer.b * inner.d,
    c: outer.c * inner.a + outer.d * inner.c,
    d: outer.c * inner.b + outer.d * inner.d,
    tx: outer.a * inner.tx + outer.b * inner.ty + outer.tx,
    ty: outer.c * inner.tx + outer.d * inner.ty + outer.ty,
  };
}

export function invertAffine(m: Affine): Affine {
  const det = m.a * m.d - m.b * m.c;
  if (!(Math.abs(det) > 1e-12)) throw new RangeError(`affine transform is singular (determinant ${det})`);
  const a = m.d / det;
  const b = -m.b / det;
  const c = -m.c / det;
  const d = m.a / det;
  return { a, b, c, d, tx: -(a * m.tx + b * m.ty), ty: -(c * m.tx + d * m.ty) };
}

/** Rotation by `angleRad` and uniform scale about `(cx, cy)`, then a translation. */
export function similarityAbout(cx: number, cy: number, angleRad: number, scale: number, tx: number, ty: number): Affine {
  const cos = Math.cos(angleRad) * scale;
  const sin = Math.sin(angleRad) * scale;
  return { a: cos, b: -sin, c: sin, d: cos, tx: cx + tx - (cos * cx - sin * cy), ty: cy + ty - (sin * cx + cos * cy) };
}

/** A wrap-around lattice of RGB values, sampled bilinearly: a seamless texture of any extent. */
export interface LatticeTexture {
  /** Lattice spacing in layer units (pixels at scale 1). */
  cellPx: number;
  cols: number;
  rows: number;
  /** `[rows, cols, 3]` values. */
  values: Float32Array;
}

export type ShapeOutline = { kind: 'background' } | { kind: 'ellipse'; rx: number; ry: number } | { kind: 'polygon'; vertices: ReadonlyArray<readonly [number, number]> };

export interface FlyingShapesLayer {
  outline: ShapeOutline;
  /** Summed to give the layer's colour. */
  textures: LatticeTexture[];
  /** Layer coordinates → frame-1 pixels. */
  placement: Affine;
  /** Frame-1 pixels → frame-2 pixels. */
  motion: Affine;
}

/** Layers from the bottom (the background) to the top. */
export interface FlyingShapesScene {
  sizePx: number;
  layers: FlyingShapesLayer[];
}

export interface FlyingShapesSample {
  sizePx: number;
  /** `[H, W, 3]`. */
  frame1: Float32Array;
  /** `[H, W, 3]`. */
  frame2: Float32Array;
  /** `[H, W, 2]`: (dx, dy) from frame 1 to frame 2. */
  flow: Float32Array;
  /**
   * `[H, W]`: 1 where the frame-1 pixel's surface is visible in frame 2 at
   * every lattice neighbour of its new position (inside the frame, not
   * occluded, not straddling an edge); 0 elsewhere.
   */
  valid: Uint8Array;
}

/** Bilinear sample of a wrap-around lattice at layer coordinates (u, v), added into `out`. */
function addTexture(t: LatticeTexture, u: number, v: number, out: Float32Array): void {
  const gx = u / t.cellPx;
  const gy = v / t.cellPx;
  const x0 = Math.floor(gx);
  const y0 = Math.floor(gy);
  const fx = gx - x0;
  const fy = gy - y0;
  const c0 = ((x0 % t.cols) + t.cols) % t.cols;
  const r0 = ((y0 % t.rows) + t.rows) % t.rows;
  const c1 = (c0 + 1) % t.cols;
  const r1 = (r0 + 1) % t.rows;
  const w00 = (1 - fx) * (1 - fy);
  const w01 = fx * (1 - fy);
  const w10 = (1 - fx) * fy;
  const w11 = fx * fy;
  const i00 = (r0 * t.cols + c0) * 3;
  const i01 = (r0 * t.cols + c1) * 3;
  const i10 = (r1 * t.cols + c0) * 3;
  const i11 = (r1 * t.cols + c1) * 3;
  for (let ch = 0; ch < 3; ch++) {
    out[ch]! += w00 * t.values[i00 + ch]! + w01 * t.values[i01 + ch]! + w10 * t.values[i10 + ch]! + w11 * t.values[i11 + ch]!;
  }
}

function insideOutline(o: ShapeOutline, u: number, v: number): boolean {
  if (o.kind === 'background') return true;
  if (o.kind === 'ellipse') return (u / o.rx) ** 2 + (v / o.ry) ** 2 <= 1;
  // Even-odd crossing test.
  let inside = false;
  const n = o.vertices.length;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const [xi, yi] = o.vertices[i]!;
    const [xj, yj] = o.vertices[j]!;
    if (yi > v !== yj > v && u < ((xj - xi) * (v - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

const applyX = (m: Affine, x: number, y: number): number => m.a * x + m.b * y + m.tx;
const applyY = (m: Affine, x: number, y: number): number => m.c * x + m.d * y + m.ty;

/** `[xMin, yMin, xMax, yMax]` of an outline in layer coordinates; infinite for the background. */
function outlineExtent(o: ShapeOutline): [number, number, number, number] {
  if (o.kind === 'background') return [-Infinity, -Infinity, Infinity, Infinity];
  if (o.kind === 'ellipse') return [-o.rx, -o.ry, o.rx, o.ry];
  const xs = o.vertices.map((v) => v[0]);
  const ys = o.vertices.map((v) => v[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** The pixel box that `toFrame` maps a layer's outline into (the four corners' hull, so conservative). */
function frameBox(o: ShapeOutline, toFrame: Affine): [number, number, number, number] {
  const [x0, y0, x1, y1] = outlineExtent(o);
  if (!Number.isFinite(x0)) return [x0, y0, x1, y1];
  const cx = [x0, x1, x0, x1].map((x, i) => applyX(toFrame, x, i < 2 ? y0 : y1));
  const cy = [x0, x1, x0, x1].map((x, i) => applyY(toFrame, x, i < 2 ? y0 : y1));
  return [Math.min(...cx), Math.min(...cy), Math.max(...cx), Math.max(...cy)];
}

/**
 * Renders one frame: colours and, per pixel, the index of the visible layer.
 * `toFrame[i]` maps layer i's coordinates to this frame's pixels; pixels are
 * tested against layers top-down, skipping layers whose box misses them.
 */
function renderFrame(scene: FlyingShapesScene, toFrame: Affine[]): { image: Float32Array; layerOf: Int16Array } {
  const n = scene.sizePx;
  const image = new Float32Array(n * n * 3);
  const layerOf = new Int16Array(n * n);
  const toLayer = toFrame.map(invertAffine);
  const boxes = scene.layers.map((l, i) => frameBox(l.outline, toFrame[i]!));
  const rgb = new Float32Array(3);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      for (let li = scene.layers.length - 1; li >= 0; li--) {
        const box = boxes[li]!;
        if (x < box[0] || y < box[1] || x > box[2] || y > box[3]) continue;
        const layer = scene.layers[li]!;
        const inv = toLayer[li]!;
        const u = applyX(inv, x, y);
        const v = applyY(inv, x, y);
        if (!insideOutline(layer.outline, u, v)) continue;
        rgb[0] = 0;
        rgb[1] = 0;
        rgb[2] = 0;
        for (const t of layer.textures) addTexture(t, u, v, rgb);
        const p = y * n + x;
        image[p * 3] = rgb[0]!;
        image[p * 3 + 1] = rgb[1]!;
        image[p * 3 + 2] = rgb[2]!;
        layerOf[p] = li;
        break;
      }
    }
  }
  return { image, layerOf };
}

/** Renders both frames, the exact flow and its validity mask. */
export function renderFlyingShapes(scene: FlyingShapesScene): FlyingShapesSample {
  const n = scene.sizePx;
  if (scene.layers.length === 0 || scene.layers[0]!.outline.kind !== 'background') {
    throw new ConfigError('flyingShapes.scene.layers', 'the bottom layer must be a background, which covers every pixel');
  }
  const f1 = renderFrame(
    scene,
    scene.layers.map((l) => l.placement),
  );
  const f2 = renderFrame(
    scene,
    scene.layers.map((l) => composeAffine(l.motion, l.placement)),
  );
  const flow = new Float32Array(n * n * 2);
  const valid = new Uint8Array(n * n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const p = y * n + x;
      const li = f1.layerOf[p]!;
      const motion = scene.layers[li]!.motion;
      const x2 = applyX(motion, x, y);
      const y2 = applyY(motion, x, y);
      flow[p * 2] = x2 - x;
      flow[p * 2 + 1] = y2 - y;
      const x0 = Math.floor(x2);
      const y0 = Math.floor(y2);
      let ok = x0 >= 0 && y0 >= 0 && x0 + 1 < n && y0 + 1 < n;
      for (let dy = 0; ok && dy < 2; dy++) for (let dx = 0; ok && dx < 2; dx++) ok = f2.layerOf[(y0 + dy) * n + x0 + dx] === li;
      valid[p] = ok ? 1 : 0;
    }
  }
  return { sizePx: n, frame1: f1.image, frame2: f2.image, flow, valid };
}

function randomLattice(rng: SeededRandom, cellPx: number, cols: number, rows: number, amplitude: number): LatticeTexture {
  const values = new Float32Array(rows * cols * 3);
  // Mostly luminance with some colour, so the texture carries contrast in every channel.
  for (let i = 0; i < rows * cols; i++) {
    const lum = rng.uniform(-amplitude, amplitude);
    for (let ch = 0; ch < 3; ch++) values[i * 3 + ch] = lum + rng.uniform(-0.3, 0.3) * amplitude;
  }
  return { cellPx, cols, rows, values };
}

/** A flat base colour (a 1×1 lattice) plus a coarse and a fine random lattice. */
function randomTextures(rng: SeededRandom, extentPx: number): LatticeTexture[] {
  const base: LatticeTexture = { cellPx: 1, cols: 1, rows: 1, values: Float32Array.from({ length: 3 }, () => rng.uniform(0.2, 0.8)) };
  const coarseCell = rng.uniform(0.15, 0.35) * extentPx;
  const fineCell = rng.uniform(1.5, 4);
  const lattice = (cell: number, amplitude: number) => {
    const cells = Math.max(2, Math.ceil(extentPx / cell) + 1);
    return randomLattice(rng, cell, cells, cells, amplitude);
  };
  return [base, lattice(coarseCell, 0.25), lattice(fineCell, 0.2)];
}

function randomMotion(rng: SeededRandom, cx: number, cy: number, maxTranslationPx: number, config: FlyingShapesConfig): Affine {
  return similarityAbout(
    cx,
    cy,
    rng.uniform(-config.maxRotationRad, config.maxRotationRad),
    1 + rng.uniform(-config.maxScaleDelta, config.maxScaleDelta),
    rng.uniform(-maxTranslationPx, maxTranslationPx),
    rng.uniform(-maxTranslationPx, maxTranslationPx),
  );
}

/** Draws a random scene: a background and `shapesMin..shapesMax` ellipses and star-shaped polygons. */
export function sampleFlyingShapesScene(rng: SeededRandom, partial: Partial<FlyingShapesConfig> = {}): FlyingShapesScene {
  const config = resolveFlyingShapesConfig(partial);
  const n = config.sizePx;
  const centre = (n - 1) / 2;
  const layers: FlyingShapesLayer[] = [
    {
      outline: { kind: 'background' },
      textures: randomTextures(rng, n),
      placement: IDENTITY_AFFINE,
      motion: randomMotion(rng, centre, centre, config.maxBackgroundTranslationFrac * n, config),
    },
  ];
  const shapes = rng.int(config.shapesMin, config.shapesMax + 1);
  for (let s = 0; s < shapes; s++) {
    const radius = rng.uniform(config.shapeRadiusFracMin, config.shapeRadiusFracMax) * n;
    let outline: ShapeOutline;
    if (rng.next() < 0.5) {
      outline = { kind: 'ellipse', rx: radius, ry: radius * rng.uniform(0.5, 1) };
    } else {
      // Vertices at increasing angles around the centre: always a simple polygon.
      const count = rng.int(3, 8);
      const angles = Array.from({ length: count }, (_, i) => ((i + rng.uniform(0.1, 0.9)) / count) * 2 * Math.PI);
      outline = { kind: 'polygon', vertices: angles.map((a) => [Math.cos(a) * radius * rng.uniform(0.6, 1), Math.sin(a) * radius * rng.uniform(0.6, 1)] as const) };
    }
    const cx = rng.uniform(0, n - 1);
    const cy = rng.uniform(0, n - 1);
    layers.push({
      outline,
      textures: randomTextures(rng, 2 * radius),
      placement: similarityAbout(0, 0, rng.uniform(0, 2 * Math.PI), 1, cx, cy),
      motion: randomMotion(rng, cx, cy, config.maxShapeTranslationFrac * n, config),
    });
  }
  return { sizePx: n, layers };
}

/** Sample `index` of the stream `seed`: the same pair for the same (seed, index, config), whatever else was drawn. */
export function generateFlyingShapes(seed: number, index: number, partial: Partial<FlyingShapesConfig> = {}): FlyingShapesSample {
  return renderFlyingShapes(sampleFlyingShapesScene(createSeededRandom(childSeed(seed, 'flying-shapes', index)), partial));
}
