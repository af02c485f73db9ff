// Small builders for score rows used across the eval tests, and a deep freeze
// so that any mutation of an input throws in strict-mode ESM.
import type { ScoreRow } from '../../src/eval/index.js';

export const live = (liveScore: number, extra: Partial<ScoreRow> = {}): ScoreRow => ({ label: 'live', attackType: '', liveScore, ...extra });
export const attack = (attackType: string, liveScore: number, extra: Partial<ScoreRow> = {}): ScoreRow => ({ label: 'attack', attackType, liveScore, ...extra });

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

import { mulberry32 as seededRandom } from '../helpers/seeded-random.js';
export { seededRandom };

export function assertClose(actual: number, expected: number, tol = 1e-12, msg = ''): void {
  if (!(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)))) {
    throw new Error(`${msg} expected ${expected}, got ${actual} (tolerance ${tol})`);
  }
}
