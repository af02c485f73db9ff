/** Evaluation: score rows and files, the EER threshold, ISO/IEC 30107-3 metrics, curves, folds, reports. No tensor library. */
export { aggregateByVideo, validateScoreRows, describeRow } from './scores.js';
export type { ScoreRow, ScoreLabel, VideoScoreRow } from './scores.js';
export { eerThreshold } from './threshold.js';
export type { EerResult } from './threshold.js';
export { computeMetrics, bpcerAtApcer, resolveMetricsOptions, DEFAULT_METRICS_OPTIONS } from './metrics.js';
export type { MetricsOptions, PadMetrics, AttackTypeResult, BpcerAtApcerResult } from './metrics.js';
export { rocPoints, detPoints, rocAuc } from './curves.js';
export type { RocPoint, DetPoint } from './curves.js';
export { inverseNormalCdf } from './probit.js';
export { meanStd, summarizeFolds } from './folds.js';
export type { MeanStd, FoldMetrics, FoldSummary } from './folds.js';
export { evaluateScores, foldsOf, EVALUATION_LEVELS, DEFAULT_EVALUATE_OPTIONS } from './evaluate.js';
export type { EvaluateOptions, EvaluationLevel, EvaluationReport, FoldEvaluation, ThresholdSource } from './evaluate.js';
export { formatEvaluationReport, formatTable, formatPercent, formatScore } from './format.js';
export type { ReportNames } from './format.js';
export { parseScoresCsv, tokenizeCsv, describeProblems, DEFAULT_PARSE_SCORES_OPTIONS, MAX_LISTED_PROBLEMS } from './score-csv.js';
export type { ParseScoresOptions, ParsedScores, ScoreFileProblem, CsvRecord } from './score-csv.js';
export { loadScoresCsv } from './load-scores.js';
