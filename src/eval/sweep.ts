/**
 * The threshold sweep shared by the EER threshold, the BPCER@APCER operating
 * points and the ROC/DET curves: the counts of accepted attacks (pooled and per
 * type) and rejected live presentations at every threshold that can change them.
 * Internal to `eval/`.
 */
import { InputError } from '../errors.js';
import { validateScoreRows, type ScoreRow } from './scores.js';

/**
 * Operating points at the candidate thresholds `thresholds[j]`, ascending: every
 * distinct score, then +∞. Operating points only change at a score value (a
 * presentation is accepted when `liveScore >= threshold`), so these are all of them:
 * any threshold in (thresholds[j-1], thresholds[j]] gives the counts at j.
 */
export interface Sweep {
  thresholds: number[];
  liveCount: number;
  attackCount: number;
  /** Attack types present, sorted. */
  attackTypes: string[];
  attackCountByType: Map<string, number>;
  /** Live presentations with a score below thresholds[j] (rejected). */
  liveRejected: number[];
  /** Attacks with a score at or above thresholds[j] (accepted as live), pooled. */
  attacksAccepted: number[];
  /** The same per attack type. */
  attacksAcceptedByType: Map<string, number[]>;
}

/** Validates `rows` and sweeps them; `what` names the set in errors, which require both live and attack rows. */
export function sweepScores(rows: readonly ScoreRow[], what: string): Sweep {
  validateScoreRows(rows, what);
  const liveCount = rows.filter((r) => r.label === 'live').length;
  const attackCount = rows.length - liveCount;
  if (liveCount === 0 && attackCount === 0) throw new InputError(`${what}: no score rows; need live and attack presentations`);
  if (liveCount === 0) throw new InputError(`${what}: no live presentations (all ${attackCount} rows are attacks); BPCER and the EER need live scores`);
  if (attackCount === 0) throw new InputError(`${what}: no attack presentations (all ${liveCount} rows are live); APCER and the EER need attack scores`);

  const sorted = rows.map((r) => r).sort((a, b) => a.liveScore - b.liveScore);
  const thresholds: number[] = [];
  for (const r of sorted) if (thresholds.length === 0 || thresholds[thresholds.length - 1] !== r.liveScore) thresholds.push(r.liveScore);
  thresholds.push(Infinity);

  const attackCountByType = new Map<string, number>();
  for (const r of rows) if (r.label === 'attack') attackCountByType.set(r.attackType, (attackCountByType.get(r.attackType) ?? 0) + 1);
  const attackTypes = [...attackCountByType.keys()].sort();

  // One pass upwards through the sorted scores: at thresholds[j], everything
  // consumed so far (scores < thresholds[j]) is rejected.
  const liveRejected: number[] = [];
  const attacksAccepted: number[] = [];
  const attacksAcceptedByType = new Map<string, number[]>(attackTypes.map((t) => [t, []]));
  const rejectedByType = new Map<string, number>(attackTypes.map((t) => [t, 0]));
  let live = 0;
  let attacks = 0;
  let k = 0;
  for (const t of thresholds) {
    while (k < sorted.length && (sorted[k] as ScoreRow).liveScore < t) {
      const r = sorted[k] as ScoreRow;
      if (r.label === 'live') live += 1;
      else {
        attacks += 1;
        rejectedByType.set(r.attackType, (rejectedByType.get(r.attackType) as number) + 1);
      }
      k += 1;
    }
    liveRejected.push(live);
    attacksAccepted.push(attackCount - attacks);
    for (const type of attackTypes) {
      (attacksAcceptedByType.get(type) as number[]).push((attackCountByType.get(type) as number) - (rejectedByType.get(type) as number));
    }
  }
  return { thresholds, liveCount, attackCount, attackTypes, attackCountByType, liveRejected, attacksAccepted, attacksAcceptedByType };
}

/** The worst (largest) per-type APCER at candidate j. */
export function maxApcerAt(s: Sweep, j: number): number {
  let worst = 0;
  for (const type of s.attackTypes) {
    const apcer = ((s.attacksAcceptedByType.get(type) as number[])[j] as number) / (s.attackCountByType.get(type) as number);
    if (apcer > worst) worst = apcer;
  }
  return worst;
}
