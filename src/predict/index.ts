/** Using a trained model: the liveness pipeline (frames → faces → crops → clips → scores → decision) and its result. */
export { createLivenessDetector, PREDICT_DEFAULT_DETECT_EVERY, PREDICT_DEFAULT_DETECTOR, readAhead, SCORERS } from './liveness-detector.js';
export type { LivenessDetector, LivenessDetectorOptions, PredictOptions, ScoredClip, ScorerName } from './liveness-detector.js';
export { aggregateClipScores, decide, formatVerdict, resultCsvRow, RESULT_CSV_HEADER, VIDEO_SCORE_RULE } from './result.js';
export type { ClipResult, LivenessDecision, LivenessResult, LivenessTimings, VideoScoreRule } from './result.js';
export { clipFrameIndices, clipSpanFrames, clipStartEndingAt, planClips, resolveClipLayout } from './clip-layout.js';
export type { ClipLayout, PlannedClips } from './clip-layout.js';
export { clipPixels, cropForModel, modelInput, stillClip } from './clip-input.js';
export { openInput } from './inputs.node.js';
export type { FrameSource, InputFrame, OpenInputOptions } from './inputs.node.js';
