/**
 * One evaluation of a test score set: choose the threshold (EER point of a
 * validation set, a fixed value, or, failing both, the test set's own EER point,
 * labelled as an oracle), compute the metrics per fold, and summarise the folds.
 * This is what `vidpad metrics` and `vidpad eval` print.
 */
import { ConfigError, InputError } from '../errors.js';
import { summarizeFolds, type FoldSummary } from './folds.js';
import { computeMetrics, resolveMetricsOptions, type MetricsOptions, type PadMetrics } from './metrics.js';
import { aggregateByVideo, type ScoreRow } from './scores.js';
import { eerThreshold, type EerResult } from './threshold.js';

/** `clip`: every row is scored on its own (the paper's level); `video`: the mean of each video's clips. */
export type EvaluationLevel = 'clip' | 'video';
export const EVALUATION_LEVELS: readonly EvaluationLevel[] = Object.freeze(['clip', 'video']);

/**
 * Where the threshold came from. `validation-eer`: the EER point of the
 * validation scores (the honest protocol); `fixed`: given by the caller (e.g. a
 * model's stored threshold); `oracle-test-eer`: the EER point of the test scores
 * themselves, which flatters the result and is only for a quick look.
 */
export type ThresholdSource = 'validation-eer' | 'fixed' | 'oracle-test-eer';

export interface EvaluateOptions extends MetricsOptions {
  level: EvaluationLevel;
  /** Validation scores; with folds, matched to the test folds by their own `fold`. */
  validation: readonly ScoreRow[] | undefined;
  /** A fixed threshold; exclusive with `validation`. */
  threshold: number | undefined;
}

export const DEFAULT_EVALUATE_OPTIONS: Readonly<EvaluateOptions> = Object.freeze({
  level: 'clip',
  validation: undefined,
  threshold: undefined,
  attackTypes: Object.freeze([]) as readonly string[],
  apcerTargets: Object.freeze([0.01, 0.05, 0.1]) as readonly number[],
});

export interface FoldEvaluation {
  /** The fold name, or null when the scores have no folds. */
  fold: string | null;
  /** The EER point the threshold was taken from (validation or, for the oracle, test); absent for a fixed threshold. */
  thresholdEer?: EerResult;
  /** How many rows were evaluated at this level (clips or videos). */
  testCount: number;
  validationCount?: number;
  metrics: PadMetrics;
}

export interface EvaluationReport {
  level: EvaluationLevel;
  thresholdSource: ThresholdSource;
  folds: FoldEvaluation[];
  /** Mean ± std over folds, present when the test scores have folds. */
  summary?: FoldSummary;
}

/** The folds of a score set in natural order (2 before 10), or null when it has none; a mix of rows with and without folds is an error. */
export function foldsOf(rows: readonly ScoreRow[], what: string): string[] | null {
  const withFold = rows.filter((r) => r.fold !== undefined).length;
  if (withFold === 0) return null;
  if (withFold !== rows.length) throw new InputError(`${what}: ${rows.length - withFold} of ${rows.length} rows have no fold; give every row a fold or none`);
  return [...new Set(rows.map((r) => r.fold as string))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

function resolveEvaluateOptions(options: Partial<EvaluateOptions>): Readonly<EvaluateOptions> {
  const merged = { ...DEFAULT_EVALUATE_OPTIONS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as EvaluateOptions;
  if (!EVALUATION_LEVELS.includes(merged.level)) throw new ConfigError('level', `unknown level ${JSON.stringify(merged.level)}; expected ${EVALUATION_LEVELS.join(' or ')}`);
  if (merged.validation !== undefined && merged.threshold !== undefined) {
    throw new ConfigError('threshold', 'give either validation scores or a fixed threshold, not both');
  }
  if (merged.threshold !== undefined && (typeof merged.threshold !== 'number' || !Number.isFinite(merged.threshold))) {
    throw new ConfigError('threshold', `expected a finite number, got ${String(merged.threshold)}`);
  }
  if (merged.validation !== undefined && !Array.isArray(merged.validation)) throw new ConfigError('validation', 'expected an array of score rows');
  const metrics = resolveMetricsOptions(merged);
  return Object.freeze({ ...merged, ...metrics });
}

/**
 * Evaluates `test` as the options say. Without folds there is one evaluation
 * (fold null). With a `fold` on the test rows, each fold is evaluated on its own
 * and `summary` holds mean ± std; validation scores must then carry folds too,
 * and every test fold needs validation rows of the same fold. At video level
 * both test and validation are first averaged per video, so the threshold is
 * chosen at the level it is applied.
 */
export function evaluateScores(test: readonly ScoreRow[], options: Partial<EvaluateOptions> = {}): EvaluationReport {
  const opts = resolveEvaluateOptions(options);
  const atLevel = (rows: readonly ScoreRow[], what: string): readonly ScoreRow[] => (opts.level === 'video' ? aggregateByVideo(rows, what) : rows);
  const testRows = atLevel(test, 'test scores');
  if (opts.validation !== undefined && opts.validation.length === 0) throw new InputError('validation scores: no rows; the threshold cannot be chosen on an empty set');
  const valRows = opts.validation === undefined ? undefined : atLevel(opts.validation, 'validation scores');
  const thresholdSource: ThresholdSource = valRows !== undefined ? 'validation-eer' : opts.threshold !== undefined ? 'fixed' : 'oracle-test-eer';

  const testFolds = foldsOf(testRows, 'test scores');
  const valFolds = valRows === undefined ? null : foldsOf(valRows, 'validation scores');
  if (valRows !== undefined && (testFolds === null) !== (valFolds === null)) {
    throw new InputError(
      testFolds === null
        ? 'validation scores have folds but the test scores do not; give both a fold column or neither'
        : 'test scores have folds but the validation scores do not; give the validation file a fold column to match folds',
    );
  }

  const evaluateOne = (fold: string | null): FoldEvaluation => {
    const inFold = (rows: readonly ScoreRow[]) => (fold === null ? rows : rows.filter((r) => r.fold === fold));
    const foldName = fold === null ? '' : ` (fold '${fold}')`;
    const t = inFold(testRows);
    let threshold: number;
    let thresholdEer: EerResult | undefined;
    let validationCount: number | undefined;
    if (valRows !== undefined) {
      const v = inFold(valRows);
      if (v.length === 0) throw new InputError(`validation scores have no rows for fold '${fold}'; validation folds: ${(valFolds ?? []).join(', ')}`);
      thresholdEer = eerThreshold(v, `validation scores${foldName}`);
      threshold = thresholdEer.threshold;
      validationCount = v.length;
    } else if (opts.threshold !== undefined) {
      threshold = opts.threshold;
    } else {
      thresholdEer = eerThreshold(t, `test scores${foldName}`);
      threshold = thresholdEer.threshold;
    }
    const metrics = computeMetrics(t, threshold, opts, `test scores${foldName}`);
    const out: FoldEvaluation = { fold, testCount: t.length, metrics };
    if (thresholdEer !== undefined) out.thresholdEer = thresholdEer;
    if (validationCount !== undefined) out.validationCount = validationCount;
    return out;
  };

  if (testFolds === null) return { level: opts.level, thresholdSource, folds: [evaluateOne(null)] };
  const folds = testFolds.map(evaluateOne);
  return {
    level: opts.level,
    thresholdSource,
    folds,
    summary: summarizeFolds(folds.map((f) => ({ fold: f.fold as string, metrics: f.metrics }))),
  };
}
