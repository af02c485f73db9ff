/**
 * Training augmentation for clips: horizontal flip and random erasing
 * (Zhong et al., "Random Erasing Data Augmentation", 2017), decided once per
 * clip and applied identically to each of its frames. A clip's frames must
 * stay consistent in time: a rectangle or a flip that changed from frame to
 * frame would add exactly the kind of temporal artefact (flicker, jumps)
 * the model is meant to learn from real replays.
 *
 * The choice (`chooseAugmentation`) and the pixel work (`augmentClip`, on the
 * uint8 RGB crops, before standardisation) are pure functions.
 */
import { ConfigError } from '../errors.js';
import { createSeededRandom, type SeededRandom } from './random.js';

export interface RandomErasingConfig {
  /** Chance that a clip gets a rectangle. Zhong et al.: 0.5. */
  probability: number;
  /** Rectangle area as a fraction of the frame, [min, max]. Zhong et al.: [0.02, 0.4]. */
  areaRange: readonly [number, number];
  /** Rectangle height/width, [min, max]; drawn log-uniformly so r and 1/r are equally likely. Zhong et al.: [0.3, 1/0.3]. */
  aspectRange: readonly [number, number];
  /** Draws tried before giving up on a rectangle that fits the frame. Zhong et al.: 100. */
  maxAttempts: number;
  /**
   * What fills the rectangle: `random`, uniform values 0..255 as in Zhong et
   * al.; `mean`, the rectangle's own mean colour in each frame (their
   * "mean value" variant), which hides the content without painting white
   * noise, a texture the network would otherwise have to tell apart from a
   * print's dots and a screen's grid (docs/training.md).
   */
  fill: ErasingFill;
}

export const ERASING_FILLS = ['random', 'mean'] as const;
export type ErasingFill = (typeof ERASING_FILLS)[number];

/**
 * Colour jitter: each clip's colours scaled per channel and its saturation
 * moved toward or away from grey, the same for all of its frames. It keeps a
 * network from telling attacks by the subject's colouring (a print's narrow
 * gamut, a screen's cast), which does not carry over to unseen subjects and
 * lights, so it has to find the texture cues (docs/training.md).
 */
export interface ColorJitterConfig {
  /** Chance that a clip gets jittered. */
  probability: number;
  /** Each channel's gain is drawn from [1 − gain, 1 + gain]. */
  gain: number;
  /** The saturation factor is drawn from [1 − saturation, 1 + saturation] (0 = grey, 1 = unchanged). */
  saturation: number;
}

export interface AugmentConfig {
  /** Chance of a horizontal flip. */
  flipProbability: number;
  /** `null` turns random erasing off. */
  erasing: RandomErasingConfig | null;
  /** `null` turns colour jitter off. */
  color: ColorJitterConfig | null;
}

export const DEFAULT_RANDOM_ERASING_CONFIG: Readonly<RandomErasingConfig> = Object.freeze({
  probability: 0.5,
  areaRange: Object.freeze([0.02, 0.4]) as readonly [number, number],
  aspectRange: Object.freeze([0.3, 1 / 0.3]) as readonly [number, number],
  maxAttempts: 100,
  fill: 'mean',
});

export const DEFAULT_COLOR_JITTER_CONFIG: Readonly<ColorJitterConfig> = Object.freeze({ probability: 1, gain: 0.15, saturation: 0.3 });

export const DEFAULT_AUGMENT_CONFIG: Readonly<AugmentConfig> = Object.freeze({ flipProbability: 0.5, erasing: DEFAULT_RANDOM_ERASING_CONFIG, color: null });

/** Validates a (partial) augmentation config against the defaults; errors name the field, e.g. `augment.erasing.areaRange`. */
export function resolveAugmentConfig(config: Partial<AugmentConfig> = {}, field = 'augment'): Readonly<AugmentConfig> {
  const flipProbability = config.flipProbability ?? DEFAULT_AUGMENT_CONFIG.flipProbability;
  checkProbability(flipProbability, `${field}.flipProbability`);
  let erasing: RandomErasingConfig | null = null;
  if (config.erasing !== null) {
    const e = { ...DEFAULT_RANDOM_ERASING_CONFIG, ...(config.erasing ?? {}) };
    checkProbability(e.probability, `${field}.erasing.probability`);
    checkInterval(e.areaRange, `${field}.erasing.areaRange`, 0, 1);
    checkInterval(e.aspectRange, `${field}.erasing.aspectRange`, 0, Infinity);
    if (!Number.isInteger(e.maxAttempts) || e.maxAttempts < 1) throw new ConfigError(`${field}.erasing.maxAttempts`, `expected a positive integer, got ${String(e.maxAttempts)}`);
    if (!ERASING_FILLS.includes(e.fill)) throw new ConfigError(`${field}.erasing.fill`, `expected one of ${ERASING_FILLS.join(', ')}, got ${JSON.stringify(e.fill)}`);
    erasing = Object.freeze({ ...e, areaRange: Object.freeze([...e.areaRange]) as unknown as [number, number], aspectRange: Object.freeze([...e.aspectRange]) as unknown as [number, number] });
  }
  let color: ColorJitterConfig | null = null;
  const colorInput = config.color === undefined ? DEFAULT_AUGMENT_CONFIG.color : config.color;
  if (colorInput !== null) {
    const c = { ...DEFAULT_COLOR_JITTER_CONFIG, ...colorInput };
    checkProbability(c.probability, `${field}.color.probability`);
    checkFraction(c.gain, `${field}.color.gain`);
    checkFraction(c.saturation, `${field}.color.saturation`);
    color = Object.freeze(c);
  }
  return Object.freeze({ flipProbability, erasing, color });
}

function checkFraction(v: number, field: string): void {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new ConfigError(field, `expected a number in [0, 1], got ${String(v)}`);
}

function checkProbability(p: number, field: string): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ConfigError(field, `expected a probability in [0, 1], got ${String(p)}`);
}

function checkInterval(r: readonly number[], field: string, lo: number, hi: number): void {
  if (!Array.isArray(r) || r.length !== 2 || !r.every((x) => typeof x === 'number' && x > lo && x <= hi) || r[0]! > r[1]!) {
    throw new ConfigError(field, `expected [min, max] with ${lo} < min <= max <= ${hi}, got ${JSON.stringify(r)}`);
  }
}

/** A rectangle in pixels of the (square) crop, and the seed of its fill. */
export interface EraseRect {
  top: number;
  left: number;
  height: number;
  width: number;
  /** Seeds the random fill, so every frame of the clip gets the same values. */
  fillSeed: number;
  /** Absent: `random`. */
  fill?: ErasingFill;
}

/** Per-channel gains and the saturation factor of one clip's colour jitter. */
export interface ColorShift {
  gains: readonly [number, number, number];
  saturation: number;
}

export interface ClipAugmentation {
  flip: boolean;
  erase: EraseRect | null;
  /** Absent or null: colours unchanged. */
  color?: ColorShift | null;
}

export const NO_AUGMENTATION: Readonly<ClipAugmentation> = Object.freeze({ flip: false, erase: null, color: null });

/**
 * Draws one clip's augmentation for frames of `height × width`. Random
 * erasing as in Zhong et al.: with probability p, draw an area fraction and
 * an aspect ratio, keep the first rectangle that fits inside the frame (up to
 * `maxAttempts` tries), place it uniformly.
 */
export function chooseAugmentation(rng: SeededRandom, height: number, width: number, config: Readonly<AugmentConfig> = DEFAULT_AUGMENT_CONFIG): ClipAugmentation {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) throw new ConfigError('size', `expected positive integer height and width, got ${height}×${width}`);
  const flip = rng.next() < config.flipProbability;
  const erase = chooseErase(rng, height, width, config.erasing);
  const c = config.color;
  // drawn after the rectangle, so a config without colour jitter draws exactly as before it existed
  const color = c !== null && rng.next() < c.probability ? { gains: [0, 1, 2].map(() => rng.uniform(1 - c.gain, 1 + c.gain)) as unknown as [number, number, number], saturation: rng.uniform(1 - c.saturation, 1 + c.saturation) } : null;
  return { flip, erase, color };
}

function chooseErase(rng: SeededRandom, height: number, width: number, e: RandomErasingConfig | null): EraseRect | null {
  if (e === null || !(rng.next() < e.probability)) return null;
  const area = height * width;
  const [lnLo, lnHi] = [Math.log(e.aspectRange[0]), Math.log(e.aspectRange[1])];
  for (let attempt = 0; attempt < e.maxAttempts; attempt++) {
    const target = area * rng.uniform(e.areaRange[0], e.areaRange[1]);
    const aspect = Math.exp(rng.uniform(lnLo, lnHi));
    const h = Math.round(Math.sqrt(target * aspect));
    const w = Math.round(Math.sqrt(target / aspect));
    if (h >= 1 && w >= 1 && h <= height && w <= width) {
      return { top: rng.int(0, height - h + 1), left: rng.int(0, width - w + 1), height: h, width: w, fillSeed: rng.int(0, 2 ** 31), fill: e.fill };
    }
  }
  return null;
}

/**
 * Applies one augmentation to every frame of a clip (uint8 RGB, `height × width × 3`
 * each): the flip first, then the colour shift, then the rectangle, filled with uniform random values
 * in 0..255 (the same values in every frame) or with its mean colour in each frame. Returns new arrays.
 */
export function augmentClip(frames: readonly Uint8Array[], width: number, height: number, aug: ClipAugmentation): Uint8Array[] {
  const bytes = width * height * 3;
  frames.forEach((f, i) => {
    if (f.length !== bytes) throw new ConfigError(`frames[${i}]`, `expected ${width}×${height}×3 = ${bytes} bytes, got ${f.length}`);
  });
  let fill: Uint8Array | null = null;
  const r = aug.erase;
  if (r) {
    if (r.top < 0 || r.left < 0 || r.top + r.height > height || r.left + r.width > width) {
      throw new ConfigError('erase', `rectangle ${r.width}×${r.height} at (${r.left}, ${r.top}) does not fit a ${width}×${height} frame`);
    }
    if (r.fill !== 'mean') {
      const rng = createSeededRandom(r.fillSeed);
      fill = new Uint8Array(r.width * r.height * 3);
      for (let i = 0; i < fill.length; i++) fill[i] = Math.floor(rng.next() * 256);
    }
  }
  return frames.map((src) => {
    const out = aug.flip ? flipRows(src, width, height) : src.slice();
    if (aug.color) shiftColors(out, aug.color);
    if (r && fill) {
      for (let y = 0; y < r.height; y++) out.set(fill.subarray(y * r.width * 3, (y + 1) * r.width * 3), ((r.top + y) * width + r.left) * 3);
    } else if (r) fillWithMean(out, width, r);
    return out;
  });
}

/** In place: the rectangle `r` of a `width`-wide RGB frame set to its own mean colour (rounded). */
function fillWithMean(px: Uint8Array, width: number, r: EraseRect): void {
  let r0 = 0;
  let g0 = 0;
  let b0 = 0;
  for (let y = r.top; y < r.top + r.height; y++) {
    for (let i = (y * width + r.left) * 3, end = i + r.width * 3; i < end; i += 3) {
      r0 += px[i]!;
      g0 += px[i + 1]!;
      b0 += px[i + 2]!;
    }
  }
  const n = r.width * r.height;
  const mean = [r0, g0, b0].map((v) => Math.round(v / n));
  for (let y = r.top; y < r.top + r.height; y++) {
    for (let i = (y * width + r.left) * 3, end = i + r.width * 3; i < end; i += 3) {
      px[i] = mean[0]!;
      px[i + 1] = mean[1]!;
      px[i + 2] = mean[2]!;
    }
  }
}

/** In place: saturation about the pixel's grey (Rec. 601 luma), then the channel gains, rounded and clamped to 0..255. */
function shiftColors(px: Uint8Array, { gains, saturation }: ColorShift): void {
  const [gr, gg, gb] = gains;
  for (let i = 0; i < px.length; i += 3) {
    const r = px[i]!;
    const g = px[i + 1]!;
    const b = px[i + 2]!;
    const grey = 0.299 * r + 0.587 * g + 0.114 * b;
    px[i] = clampByte(gr * (grey + saturation * (r - grey)));
    px[i + 1] = clampByte(gg * (grey + saturation * (g - grey)));
    px[i + 2] = clampByte(gb * (grey + saturation * (b - grey)));
  }
}

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

function flipRows(src: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(src.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let x = 0; x < width; x++) {
      const s = row + x * 3;
      const d = row + (width - 1 - x) * 3;
      out[d] = src[s]!;
      out[d + 1] = src[s + 1]!;
      out[d + 2] = src[s + 2]!;
    }
  }
  return out;
}
