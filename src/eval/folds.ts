/**
 * Aggregation of per-fold metrics into mean ± standard deviation, the way
 * protocol results over several folds are reported.
 */
import { InputError } from '../errors.js';
import type { PadMetrics } from './metrics.js';

export interface MeanStd {
  mean: number;
  /**
   * Sample standard deviation (divisor n − 1), the usual choice for a handful of
   * folds. `null` when n = 1: one fold says nothing about the spread.
   */
  std: number | null;
  /** How many folds contributed. */
  n: number;
}

export interface FoldMetrics {
  fold: string;
  metrics: PadMetrics;
}

export interface FoldSummary {
  folds: string[];
  threshold: MeanStd;
  /** Per attack type over the folds where the type has samples (`n` says how many). */
  apcerByType: { attackType: string; apcer: MeanStd }[];
  maxApcer: MeanStd;
  bpcer: MeanStd;
  acer: MeanStd;
  far: MeanStd;
  frr: MeanStd;
  hter: MeanStd;
  eer: MeanStd;
  bpcerAtApcer: { targetMaxApcer: number; bpcer: MeanStd }[];
}

/** Mean and sample standard deviation (n − 1) of `values`; `std` is null for one value. */
export function meanStd(values: readonly number[], what = 'meanStd'): MeanStd {
  if (values.length === 0) throw new InputError(`${what}: no values to aggregate`);
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`${what}: value ${i} is ${String(v)}; expected a finite number`);
  });
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, std: null, n };
  const ss = values.reduce((a, v) => a + (v - mean) * (v - mean), 0);
  return { mean, std: Math.sqrt(ss / (n - 1)), n };
}

/**
 * Mean ± std of every metric over folds. Attack types are taken in order of
 * first appearance; a type absent from a fold is left out of that fold's count
 * rather than counted as APCER 0. BPCER@APCER is aggregated per target, which
 * must be the same in every fold. An infinite threshold (possible only with a
 * fixed +∞ threshold) is an error, since it has no mean.
 */
export function summarizeFolds(results: readonly FoldMetrics[]): FoldSummary {
  if (results.length === 0) throw new InputError('summarizeFolds: no folds to aggregate');
  const metric = (name: string, pick: (m: PadMetrics) => number) => {
    results.forEach((r) => {
      const v = pick(r.metrics);
      if (!Number.isFinite(v)) throw new InputError(`summarizeFolds: fold '${r.fold}' has ${name} ${String(v)}; only finite values can be averaged`);
    });
    return meanStd(results.map((r) => pick(r.metrics)), `summarizeFolds: ${name}`);
  };
  const types: string[] = [];
  for (const r of results) for (const t of r.metrics.apcerByType) if (!types.includes(t.attackType)) types.push(t.attackType);
  const targets = (results[0] as FoldMetrics).metrics.bpcerAtApcer.map((b) => b.targetMaxApcer);
  for (const r of results) {
    const own = r.metrics.bpcerAtApcer.map((b) => b.targetMaxApcer);
    if (own.length !== targets.length || own.some((t, i) => t !== targets[i])) {
      throw new InputError(`summarizeFolds: fold '${r.fold}' has APCER targets [${own.join(', ')}]; expected [${targets.join(', ')}] as in the first fold`);
    }
  }
  return {
    folds: results.map((r) => r.fold),
    threshold: metric('threshold', (m) => m.threshold),
    apcerByType: types.map((attackType) => ({
      attackType,
      apcer: meanStd(results.flatMap((r) => r.metrics.apcerByType.filter((t) => t.attackType === attackType).map((t) => t.apcer))),
    })),
    maxApcer: metric('maxApcer', (m) => m.maxApcer),
    bpcer: metric('bpcer', (m) => m.bpcer),
    acer: metric('acer', (m) => m.acer),
    far: metric('far', (m) => m.far),
    frr: metric('frr', (m) => m.frr),
    hter: metric('hter', (m) => m.hter),
    eer: metric('eer', (m) => m.eer.eer),
    bpcerAtApcer: targets.map((targetMaxApcer, i) => ({
      targetMaxApcer,
      bpcer: meanStd(results.map((r) => (r.metrics.bpcerAtApcer[i] as { bpcer: number }).bpcer)),
    })),
  };
}
