/**
 * The EER threshold: the operating point where the pooled false live acceptance
 * rate (FAR: attacks accepted as live) and the false live rejection rate (FRR:
 * live presentations rejected) meet. Chosen on validation scores, then applied
 * unchanged to test scores.
 */
import type { ScoreRow } from './scores.js';
import { sweepScores } from './sweep.js';

export interface EerResult {
  /** The threshold to apply: `liveScore >= threshold` is accepted as live. */
  threshold: number;
  /** (FAR + FRR) / 2 at the chosen operating point. */
  eer: number;
  /** Attacks accepted as live, all attack types pooled. */
  far: number;
  /** Live presentations rejected. */
  frr: number;
  /**
   * Every threshold in (plateauLow, plateauHigh] gives the same FAR and FRR on
   * these scores; plateauLow is -Infinity when the point accepts everything.
   */
  plateauLow: number;
  plateauHigh: number;
}

/**
 * The EER operating point of `rows` and a threshold for it.
 *
 * Rule, exactly:
 * 1. Candidates are the distinct scores (a threshold equal to a score accepts
 *    that score). +∞ (reject everything) is left out: it has |FAR − FRR| = 1 and
 *    FAR + FRR = 1, the same as the lowest score, which wins the tie in step 3.
 * 2. Pick the candidate with the smallest |FAR − FRR|; among equals the smallest
 *    FAR + FRR; among equals still the lowest threshold (the more lenient to live
 *    presentations). Comparisons are done on integer counts, so ties are exact.
 * 3. The chosen operating point holds for every threshold on its plateau
 *    (previous distinct score, candidate]; the returned threshold is the midpoint
 *    of that plateau, so that test scores a little either side of the validation
 *    scores are not decided by where validation happened to put one sample. For
 *    the lowest candidate the plateau is unbounded below and the candidate itself
 *    is returned.
 *
 * The EER value is the mean of FAR and FRR at that point (no interpolation
 * between points): with few samples FAR and FRR rarely meet exactly, and the
 * mean is the value an ACER/HTER at this threshold would also give.
 *
 * Throws an `InputError` when there are no live or no attack rows, or a score is
 * not finite; `what` names the set in the message.
 */
export function eerThreshold(rows: readonly ScoreRow[], what = 'scores'): EerResult {
  const s = sweepScores(rows, what);
  const nLive = s.liveCount;
  const nAttack = s.attackCount;
  let best = -1;
  let bestDiff = Infinity;
  let bestSum = Infinity;
  // Both rates over the common denominator nLive·nAttack, so comparisons are on integers.
  for (let j = 0; j < s.thresholds.length - 1; j += 1) {
    const farNum = (s.attacksAccepted[j] as number) * nLive;
    const frrNum = (s.liveRejected[j] as number) * nAttack;
    const diff = Math.abs(farNum - frrNum);
    const sum = farNum + frrNum;
    if (diff < bestDiff || (diff === bestDiff && sum < bestSum)) {
      best = j;
      bestDiff = diff;
      bestSum = sum;
    }
  }
  const high = s.thresholds[best] as number;
  const low = best === 0 ? -Infinity : (s.thresholds[best - 1] as number);
  const far = (s.attacksAccepted[best] as number) / nAttack;
  const frr = (s.liveRejected[best] as number) / nLive;
  return { threshold: plateauMidpoint(low, high), eer: (far + frr) / 2, far, frr, plateauLow: low, plateauHigh: high };
}

/** A threshold strictly above `low` and at most `high`, halfway where floating point allows. */
function plateauMidpoint(low: number, high: number): number {
  if (!Number.isFinite(low)) return high;
  const mid = low + (high - low) / 2;
  return mid > low && mid <= high && Number.isFinite(mid) ? mid : high;
}
