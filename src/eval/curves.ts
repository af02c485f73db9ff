/**
 * ROC and DET curves: the operating points of a score set at every threshold
 * that changes them, for plotting and for reports.
 */
import { inverseNormalCdf } from './probit.js';
import type { ScoreRow } from './scores.js';
import { sweepScores } from './sweep.js';

export interface RocPoint {
  threshold: number;
  /** Attacks accepted as live, all attack types pooled. */
  far: number;
  /** Live presentations accepted: 1 − BPCER. */
  tpr: number;
}

export interface DetPoint {
  threshold: number;
  /** Attacks accepted as live, all attack types pooled. */
  apcer: number;
  bpcer: number;
  /** Φ⁻¹(apcer) and Φ⁻¹(bpcer): DET axes. ±Infinity where the rate is 0 or 1. */
  probitApcer: number;
  probitBpcer: number;
}

/**
 * ROC points from the strictest threshold (+∞: far 0, tpr 0) down to the lowest
 * score (far 1, tpr 1), one per distinct score. Attack types are pooled; for one
 * type's curve, pass the live rows and that type's rows.
 */
export function rocPoints(rows: readonly ScoreRow[], what = 'scores'): RocPoint[] {
  const s = sweepScores(rows, what);
  const out: RocPoint[] = [];
  for (let j = s.thresholds.length - 1; j >= 0; j -= 1) {
    out.push({
      threshold: s.thresholds[j] as number,
      far: (s.attacksAccepted[j] as number) / s.attackCount,
      tpr: 1 - (s.liveRejected[j] as number) / s.liveCount,
    });
  }
  return out;
}

/** DET points in the same order as `rocPoints` (APCER rising, BPCER falling), pooled over attack types likewise. */
export function detPoints(rows: readonly ScoreRow[], what = 'scores'): DetPoint[] {
  const s = sweepScores(rows, what);
  const out: DetPoint[] = [];
  for (let j = s.thresholds.length - 1; j >= 0; j -= 1) {
    const apcer = (s.attacksAccepted[j] as number) / s.attackCount;
    const bpcer = (s.liveRejected[j] as number) / s.liveCount;
    out.push({ threshold: s.thresholds[j] as number, apcer, bpcer, probitApcer: inverseNormalCdf(apcer), probitBpcer: inverseNormalCdf(bpcer) });
  }
  return out;
}

/**
 * The area under the ROC curve: the probability that a random live
 * presentation scores above a random attack, a tie counting one half (the
 * Mann-Whitney U statistic over n_live · n_attack), attack types pooled.
 * Threshold free: the figure cross-dataset tables report beside the HTER.
 * Needs live and attack rows (InputError naming `what` otherwise).
 */
export function rocAuc(rows: readonly ScoreRow[], what = 'scores'): number {
  const s = sweepScores(rows, what);
  const sorted = rows.map((r) => r).sort((a, b) => a.liveScore - b.liveScore);
  // Mid-ranks (1-based) of the live rows; a group of equal scores shares its average rank.
  let liveRankSum = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && (sorted[j] as ScoreRow).liveScore === (sorted[i] as ScoreRow).liveScore) j += 1;
    const midRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k += 1) if ((sorted[k] as ScoreRow).label === 'live') liveRankSum += midRank;
    i = j;
  }
  const u = liveRankSum - (s.liveCount * (s.liveCount + 1)) / 2;
  return u / (s.liveCount * s.attackCount);
}
