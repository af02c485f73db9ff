/** Training: the paper's recipe over a protocol split and the crop cache. */
export { BATCH_BALANCES, DEFAULT_TRAIN_CONFIG, SELECT_BY, resolveTrainConfig } from './config.js';
export type { BatchBalance, SelectBy, TrainConfig, TrainConfigInput } from './config.js';
export { makeBatches } from './batches.js';
export { createMomentumSgd } from './momentum-sgd.js';
export type { MomentumSgd, MomentumSgdConfig } from './momentum-sgd.js';
export { CHECKPOINT_FILE, BEST_FILE, hasCheckpoint, readCheckpoint } from './checkpoint.js';
export type { EpochRecord, LoopState } from './checkpoint.js';
export { TRAINING_SUBDIR, trainModel, warmupLearningRate, isBetterEpoch } from './trainer.js';
export { checkTrainOutput, claimTrainOutput } from './out-dir.js';
export type { TrainOutputOptions } from './out-dir.js';
export { TRAINING_LOG_FILE, formatTrainingLog, learningCurveTable, readTrainingLog } from './training-log.js';
export type { TrainProgress, TrainResult, TrainRunOptions } from './trainer.js';
export {
  DEFAULT_FLOW_PRETRAIN_CONFIG,
  FLOW_PRETRAIN_FILES,
  evaluateFlowEpe,
  flyingShapesBatch,
  multiScaleEpeLoss,
  resolveFlowPretrainConfig,
  runFlowPretraining,
} from './flow-pretrain.js';
export type { FlowPretrainConfig, FlowPretrainOptions, FlowPretrainProgress, FlowPretrainResult } from './flow-pretrain.js';
