/** Training losses (metric learning, margin softmax, cross-entropy) and the live score. */
export { ATTACK_LABEL, LIVE_LABEL } from './labels.js';
export { DISTANCE_NAMES, NORM_EPSILON, cosineSimilarityMatrix, getDistance, l2DistanceMatrix, l2NormalizeRows, safeSqrt } from './distance.js';
export type { Distance, DistanceName } from './distance.js';
export { REDUCER_NAMES, reduceLosses } from './reducer.js';
export type { ReducerName } from './reducer.js';
export { hardestPerAnchor, minePairs, mineTriplets, pairMasks, tripletMask } from './mining.js';
export type { HardestPerAnchor, Pair, Triplet } from './mining.js';
export { contrastiveLoss } from './contrastive.js';
export type { ContrastiveConfig } from './contrastive.js';
export { TRIPLET_MINING_NAMES, tripletLoss } from './triplet.js';
export type { TripletConfig, TripletMining } from './triplet.js';
export {
  COSINE_CLAMP_EPSILON,
  MARGIN_SOFTMAX_PRESETS,
  MARGIN_SOFTMAX_PRESET_NAMES,
  classCosines,
  marginSoftmaxLogits,
  marginSoftmaxLoss,
  marginTargetCosine,
} from './margin-softmax.js';
export type { MarginSoftmaxParams, MarginSoftmaxPresetName } from './margin-softmax.js';
export { linearLogits, softmaxCrossEntropy } from './cross-entropy.js';
export { combinedLoss } from './combined.js';
export type { CombinedLossWeights, MetricTerm } from './combined.js';
export { DEFAULT_LOSS_CONFIG, LOSS_NAMES, METRIC_MARGIN_DEFAULTS, createLoss, resolveLossConfig } from './registry.js';
export type { Loss, LossConfig, LossConfigInput, LossName, PrototypeRule } from './registry.js';
export {
  computeLivePrototype,
  cosineToPrototype,
  livePrototypeFor,
  liveProbability,
  liveScores,
  prototypeFromClassWeights,
  prototypeFromHeadDirection,
  scoreEmbeddings,
} from './live-score.js';
export type { PrototypeData } from './live-score.js';
