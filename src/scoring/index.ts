/** Scoring cached clips with a trained model on ONNX Runtime, and evaluating a model folder on a split. */
export { scoreSplit, scoresToCsv } from './score-split.js';
export type { ClipScore, ScoreSplitOptions, SplitScores } from './score-split.js';
export { createTfjsScorer } from './tfjs-scorer.js';
export { evaluateModelOnSplit } from './evaluate-model.js';
export type { EvaluateModelOptions, ModelEvaluation } from './evaluate-model.js';
export { calibrationBatches, quantizeModelOnSplit, DEFAULT_CALIBRATION_CLIPS } from './quantize-model.js';
export type { CalibrationClipsOptions, QuantizeOnSplitOptions } from './quantize-model.js';
