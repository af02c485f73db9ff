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
}

export interface AugmentConfig {
  /** Chance of a horizontal flip. */
  flipProbability: number;
  /** `null` turns random erasing off. */
  erasing: RandomErasingConfig | null;
}

export const DEFAULT_RANDOM_ERASING_CONFIG: Readonly<RandomErasingConfig> = Object.freeze({
  probability: 0.5,
  areaRange: Object.freeze([0.02, 0.4]) as readonly [number, number],
  aspectRange: Object.freeze([0.3, 1 / 0.3]) as readonly [number, number],
  maxAttempts: 100,
});

export const DEFAULT_AUGMENT_CONFIG: Readonly<AugmentConfig> = Object.freeze({ flipProbability: 0.5, erasing: DEFAULT_RANDOM_ERASING_CONFIG });

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
    erasing = Object.freeze({ ...e, areaRange: Object.freeze([...e.areaRange]) as unknown as [number, number], aspectRange: Object.freeze([...e.aspectRange]) as unknown as [number, number] });
  }
  return Object.freeze({ flipProbability, erasing });
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
}

export interface ClipAugmentation {
  flip: boolean;
  erase: EraseRect | null;
}

export const NO_AUGMENTATION: Readonly<ClipAugmentation> = Object.freeze({ flip: false, erase: null });

/**
 * Draws one clip's augmentation for frames of `height × width`. Random
 * erasing as in Zhong et al.: with probability p, draw an area fraction and
 * an aspect ratio, keep the first rectangle that fits inside the frame (up to
 * `maxAttempts` tries), place it uniformly.
 */
export function chooseAugmentation(rng: SeededRandom, height: number, width: number, config: Readonly<AugmentConfig> = DEFAULT_AUGMENT_CONFIG): ClipAugmentation {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) throw new ConfigError('size', `expected positive integer height and width, got ${height}×${width}`);
  const flip = rng.next() < config.flipProbability;
  const e = config.erasing;
  if (e === null || !(rng.next() < e.probability)) return { flip, erase: null };
  const area = height * width;
  const [lnLo, lnHi] = [Math.log(e.aspectRange[0]), Math.log(e.aspectRange[1])];
  for (let attempt = 0; attempt < e.maxAttempts; attempt++) {
    const target = area * rng.uniform(e.areaRange[0], e.areaRange[1]);
    const aspect = Math.exp(rng.uniform(lnLo, lnHi));
    const h = Math.round(Math.sqrt(target * aspect));
    const w = Math.round(Math.sqrt(target / aspect));
    if (h >= 1 && w >= 1 && h <= height && w <= width) {
      return { flip, erase: { top: rng.int(0, height - h + 1), left: rng.int(0, width - w + 1), height: h, width: w, fillSeed: rng.int(0, 2 ** 31) } };
    }
  }
  return { flip, erase: null };
}

/**
 * Applies one augmentation to every frame of a clip (uint8 RGB, `height × width × 3`
 * each): the flip first, then the rectangle filled with uniform random values
 * in 0..255, the same values in every frame. Returns new arrays.
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
    const rng = createSeededRandom(r.fillSeed);
    fill = new Uint8Array(r.width * r.height * 3);
    for (let i = 0; i < fill.length; i++) fill[i] = Math.floor(rng.next() * 256);
  }
  return frames.map((src) => {
    const out = aug.flip ? flipRows(src, width, height) : src.slice();
    if (r && fill) {
      for (let y = 0; y < r.height; y++) out.set(fill.subarray(y * r.width * 3, (y + 1) * r.width * 3), ((r.top + y) * width + r.left) * 3);
    }
    return out;
  });
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
