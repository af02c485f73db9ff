/** Scoring cached clips with a trained model on ONNX Runtime (no tfjs). */
export { scoreSplit, scoresToCsv } from './score-split.js';
export type { ClipScore, ScoreSplitOptions, SplitScores } from './score-split.js';
export { createTfjsScorer } from './tfjs-scorer.js';
