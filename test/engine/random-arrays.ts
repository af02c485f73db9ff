/** Seeded test data for the engine's parity tests (mulberry32, values in [-0.5, 0.5)). */

import { mulberry32 } from '../helpers/seeded-random.js';

/** Values in [-0.5, 0.5). */
export function rng(seed: number): () => number {
  const r = mulberry32(seed);
  return () => r() - 0.5;
}

/** `n` values from `rng(seed)`, each multiplied by `scale`. */
export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() * scale);
}
