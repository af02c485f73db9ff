/**
 * ISO/IEC 30107-3 metrics at a given threshold: APCER per attack type and their
 * maximum, BPCER, ACER, the pooled FAR/FRR and HTER, the EER of the same scores,
 * and BPCER at fixed APCER targets.
 */
import { ConfigError } from '../errors.js';
import type { ScoreRow } from './scores.js';
import { maxApcerAt, sweepScores, type Sweep } from './sweep.js';
import { eerThreshold, type EerResult } from './threshold.js';

export interface MetricsOptions {
  /**
   * Attack types the protocol expects. A listed type with no rows is reported in
   * `absentAttackTypes`, not as APCER 0; types found in the rows but not listed
   * are still reported.
   */
  attackTypes: readonly string[];
  /** Targets for `bpcerAtApcer`, each in (0, 1). */
  apcerTargets: readonly number[];
}

export const DEFAULT_METRICS_OPTIONS: Readonly<MetricsOptions> = Object.freeze({
  attackTypes: Object.freeze([]) as readonly string[],
  apcerTargets: Object.freeze([0.01, 0.05, 0.1]) as readonly number[],
});

export interface AttackTypeResult {
  attackType: string;
  count: number;
  acceptedAsLive: number;
  /** acceptedAsLive / count. */
  apcer: number;
}

export interface BpcerAtApcerResult {
  /** The bound on the worst-type APCER. */
  targetMaxApcer: number;
  /** The lowest threshold whose worst-type APCER is ≤ the target (+∞ when only rejecting everything reaches it). */
  threshold: number;
  /** The worst-type APCER reached there (≤ target; ties in scores can make it fall short of it). */
  maxApcer: number;
  /** BPCER at that threshold: the lowest BPCER of any threshold meeting the target. */
  bpcer: number;
}

export interface PadMetrics {
  threshold: number;
  liveCount: number;
  attackCount: number;
  /** Present attack types, in the order of `options.attackTypes`, then the others sorted. */
  apcerByType: AttackTypeResult[];
  /** Types listed in `options.attackTypes` without any row: no APCER can be measured for them. */
  absentAttackTypes: string[];
  /** The maximum APCER over the present attack types (ISO/IEC 30107-3). */
  maxApcer: number;
  /** The attack type with that APCER (the first in `apcerByType` order on ties). */
  worstAttackType: string;
  liveRejected: number;
  /** Live presentations rejected (`liveScore < threshold`) / live presentations. */
  bpcer: number;
  /** (maxApcer + bpcer) / 2. */
  acer: number;
  /** Attacks accepted as live with all attack types pooled (not the per-type maximum). */
  far: number;
  /** Equals bpcer; named for the HTER. */
  frr: number;
  /** (far + frr) / 2, all attack types pooled. */
  hter: number;
  /** The EER of these same scores, at their own EER point (threshold independent). */
  eer: EerResult;
  bpcerAtApcer: BpcerAtApcerResult[];
}

/** Validates and freezes metric options; errors name the field. */
export function resolveMetricsOptions(options: Partial<MetricsOptions> = {}): Readonly<MetricsOptions> {
  const attackTypes = options.attackTypes ?? DEFAULT_METRICS_OPTIONS.attackTypes;
  const apcerTargets = options.apcerTargets ?? DEFAULT_METRICS_OPTIONS.apcerTargets;
  if (!Array.isArray(attackTypes)) throw new ConfigError('attackTypes', 'expected an array of attack type names');
  attackTypes.forEach((t, i) => {
    if (typeof t !== 'string' || t === '') throw new ConfigError(`attackTypes[${i}]`, `expected a non-empty string, got ${JSON.stringify(t)}`);
  });
  if (!Array.isArray(apcerTargets)) throw new ConfigError('apcerTargets', 'expected an array of numbers in (0, 1)');
  apcerTargets.forEach((t, i) => {
    if (typeof t !== 'number' || !(t > 0 && t < 1)) throw new ConfigError(`apcerTargets[${i}]`, `expected a number in (0, 1), got ${String(t)}`);
  });
  return Object.freeze({ attackTypes: Object.freeze([...new Set(attackTypes)]), apcerTargets: Object.freeze([...apcerTargets]) });
}

function checkThreshold(threshold: number): void {
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new ConfigError('threshold', `expected a number, got ${String(threshold)}`);
}

/**
 * All metrics of `rows` at `threshold` (a presentation is accepted as live when
 * `liveScore >= threshold`). Needs both live and attack rows (`InputError`
 * naming what is missing); `what` names the set in messages.
 */
export function computeMetrics(rows: readonly ScoreRow[], threshold: number, options: Partial<MetricsOptions> = {}, what = 'scores'): PadMetrics {
  checkThreshold(threshold);
  const opts = resolveMetricsOptions(options);
  const s = sweepScores(rows, what);

  let liveRejected = 0;
  const accepted = new Map<string, number>(s.attackTypes.map((t) => [t, 0]));
  for (const r of rows) {
    if (r.label === 'live') {
      if (r.liveScore < threshold) liveRejected += 1;
    } else if (r.liveScore >= threshold) {
      accepted.set(r.attackType, (accepted.get(r.attackType) as number) + 1);
    }
  }
  const order = [...opts.attackTypes.filter((t) => s.attackCountByType.has(t)), ...s.attackTypes.filter((t) => !opts.attackTypes.includes(t))];
  const apcerByType = order.map((attackType) => {
    const count = s.attackCountByType.get(attackType) as number;
    const acceptedAsLive = accepted.get(attackType) as number;
    return { attackType, count, acceptedAsLive, apcer: acceptedAsLive / count };
  });
  let worst = apcerByType[0] as AttackTypeResult;
  for (const t of apcerByType) if (t.apcer > worst.apcer) worst = t;
  const attacksAccepted = apcerByType.reduce((n, t) => n + t.acceptedAsLive, 0);
  const bpcer = liveRejected / s.liveCount;
  const far = attacksAccepted / s.attackCount;
  return {
    threshold,
    liveCount: s.liveCount,
    attackCount: s.attackCount,
    apcerByType,
    absentAttackTypes: opts.attackTypes.filter((t) => !s.attackCountByType.has(t)),
    maxApcer: worst.apcer,
    worstAttackType: worst.attackType,
    liveRejected,
    bpcer,
    acer: (worst.apcer + bpcer) / 2,
    far,
    frr: bpcer,
    hter: (far + bpcer) / 2,
    eer: eerThreshold(rows, what),
    bpcerAtApcer: bpcerAtApcerFromSweep(s, opts.apcerTargets),
  };
}

/**
 * BPCER at fixed APCER targets, with APCER taken as the maximum over the attack
 * types present (the worst species, as ISO/IEC 30107-3 reports APCER; with one
 * attack type it is simply that type's APCER). For each target the lowest
 * threshold (among the distinct scores and +∞) whose max APCER is ≤ the target is
 * used; BPCER only grows with the threshold, so this is the lowest BPCER that
 * meets the target.
 */
export function bpcerAtApcer(rows: readonly ScoreRow[], targets: readonly number[] = DEFAULT_METRICS_OPTIONS.apcerTargets, what = 'scores'): BpcerAtApcerResult[] {
  const opts = resolveMetricsOptions({ apcerTargets: targets });
  return bpcerAtApcerFromSweep(sweepScores(rows, what), opts.apcerTargets);
}

function bpcerAtApcerFromSweep(s: Sweep, targets: readonly number[]): BpcerAtApcerResult[] {
  return targets.map((target) => {
    // The last candidate (+∞) accepts nothing, so the search always ends.
    let j = 0;
    while (maxApcerAt(s, j) > target) j += 1;
    return { targetMaxApcer: target, threshold: s.thresholds[j] as number, maxApcer: maxApcerAt(s, j), bpcer: (s.liveRejected[j] as number) / s.liveCount };
  });
}
