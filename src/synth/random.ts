/**
 * Randomness for the synthetic data generator: the data pipeline's seeded
 * generator and child seeds (src/data/random.ts), plus the two draws the
 * renderer needs on top (normal deviates, raw 32-bit words for noise loops)
 * and a seeded shuffle. Child seeds come from labels, not draw order, so any
 * video renders the same alone as in a full run.
 */
import { createSeededRandom, childSeed } from '../data/random.js';
import type { SeededRandom } from '../data/random.js';

export interface Rng extends SeededRandom {
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** A uniform 32-bit unsigned word, e.g. to seed a noise loop's inline generator. */
  nextU32(): number;
}

/** A child seed for `labels` under `seed`, e.g. `deriveSeed(seed, 'noise', stem)`. */
export function deriveSeed(seed: number, ...labels: ReadonlyArray<string | number>): number {
  return childSeed(seed, 'synth', ...labels);
}

export function createRng(seed: number): Rng {
  const base = createSeededRandom(seed);
  return {
    next: base.next,
    uniform: base.uniform,
    int: base.int,
    nextU32: () => Math.floor(base.next() * 4294967296) >>> 0,
    normal: () => {
      const u = 1 - base.next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * base.next());
    },
  };
}

/** A Fisher-Yates shuffled copy; the input is not touched. */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    const tmp = out[i] as T;
    out[i] = out[j] as T;
    out[j] = tmp;
  }
  return out;
}
