/**
 * The training recipe: the paper's defaults in one constant (Nesterov SGD,
 * lr 0.005 × 0.9 per epoch, at most 20 epochs, early stop after 4 epochs
 * without improvement, horizontal flip and random erasing), every knob
 * overridable, validated once with errors naming the field. Where the
 * defaults leave the paper (the kept epoch chosen by validation EER rather
 * than loss), docs/training.md gives the measurement.
 */
import { ConfigError } from '../errors.js';
import { checkBoolean, checkNumber, checkOneOf, checkWhole } from '../config-checks.js';
import { resolveAlexNetConfig } from '../models/index.js';
import type { AlexNet2Plus1DConfig } from '../models/index.js';
import { LOSS_NAMES, resolveLossConfig } from '../losses/index.js';
import type { LossConfigInput, LossName } from '../losses/index.js';
import { resolveAugmentConfig, resolveClipSpec } from '../data/index.js';
import type { AugmentConfig, ClipSpec } from '../data/index.js';

export const BATCH_BALANCES = ['balanced', 'natural'] as const;
export const SELECT_BY = ['val-eer', 'val-loss'] as const;
/**
 * What picks the kept epoch and drives early stopping: `val-eer`, the
 * validation EER of the live score (ties: the lower validation loss), or
 * `val-loss`, the paper's validation loss. The loss of a margin softmax or
 * cross-entropy keeps rising from a few confident mistakes while the EER,
 * which is what the threshold and the test see, still falls (docs/training.md).
 */
export type SelectBy = (typeof SELECT_BY)[number];
/** `balanced`: half live, half attack in every batch (the minority class cycled); `natural`: the data's own mix, with at least two of each class per batch where possible. */
export type BatchBalance = (typeof BATCH_BALANCES)[number];

export interface TrainConfig {
  model: Readonly<AlexNet2Plus1DConfig>;
  loss: LossName;
  lossConfig: LossConfigInput;
  clip: Readonly<ClipSpec>;
  augment: Readonly<AugmentConfig>;
  batchSize: number;
  /** Random clips drawn from each training video per epoch. */
  clipsPerVideo: number;
  /** Clips per validation video, evenly spread (fixed across epochs). */
  valClipsPerVideo: number;
  balance: BatchBalance;
  learningRate: number;
  /** Multiplies the learning rate after every epoch. */
  lrDecayPerEpoch: number;
  /**
   * Optimizer steps over which the learning rate ramps up linearly, step k of
   * the run (from 1) using lr·k/warmupSteps, then the epoch's rate; 0 for none.
   */
  warmupSteps: number;
  momentum: number;
  nesterov: boolean;
  /** L2 weight decay added to every gradient (PyTorch SGD's `weight_decay`); 0 for none. */
  weightDecay: number;
  /**
   * Decay of an exponential moving average of the weights, updated after
   * every step (see weight-average.ts): validation, the kept epoch and the
   * saved model use the average. 0 for none (the paper).
   */
  emaDecay: number;
  maxEpochs: number;
  /** Stop after this many epochs without a better `selectBy` figure. */
  patienceEpochs: number;
  /** The validation figure that picks the kept epoch and drives early stopping. */
  selectBy: SelectBy;
  /** Live training clips averaged for the live prototype (losses scored against the live mean). */
  prototypeClips: number;
  /** FlowNetS encoder weights (safetensors, PyTorch names) for the flow branch; null trains it from scratch. */
  flowWeights: string | null;
  seed: number;
}

export const DEFAULT_TRAIN_CONFIG: Readonly<Omit<TrainConfig, 'model' | 'clip' | 'augment'>> = Object.freeze({
  loss: 'arcface' as LossName,
  lossConfig: Object.freeze({}),
  batchSize: 16,
  clipsPerVideo: 4,
  valClipsPerVideo: 4,
  balance: 'balanced' as BatchBalance,
  learningRate: 0.005,
  lrDecayPerEpoch: 0.9,
  warmupSteps: 0,
  momentum: 0.9,
  nesterov: true,
  weightDecay: 0,
  emaDecay: 0,
  maxEpochs: 20,
  patienceEpochs: 4,
  selectBy: 'val-eer' as SelectBy,
  prototypeClips: 256,
  flowWeights: null,
  seed: 0,
});

export interface TrainConfigInput extends Partial<Omit<TrainConfig, 'model' | 'clip' | 'augment'>> {
  model?: Partial<AlexNet2Plus1DConfig>;
  clip?: Partial<ClipSpec>;
  augment?: Partial<AugmentConfig>;
}

export function resolveTrainConfig(input: TrainConfigInput = {}): Readonly<TrainConfig> {
  const c = { ...DEFAULT_TRAIN_CONFIG, ...input };
  const clip = resolveClipSpec(input.clip ?? (input.model?.frames !== undefined ? { length: input.model.frames as ClipSpec['length'] } : {}), 'train.clip');
  const model = resolveAlexNetConfig({ ...input.model, frames: clip.length });
  if (input.model?.frames !== undefined && input.model.frames !== clip.length) {
    throw new ConfigError('train.model.frames', `${input.model.frames} differs from train.clip.length ${clip.length}`);
  }
  if (!LOSS_NAMES.includes(c.loss)) throw new ConfigError('train.loss', `unknown loss '${String(c.loss)}'; expected one of ${LOSS_NAMES.join(', ')}`);
  resolveLossConfig(c.loss, { ...c.lossConfig, embeddingSize: model.embeddingSize });
  checkWhole('train.batchSize', c.batchSize, 2);
  checkWhole('train.clipsPerVideo', c.clipsPerVideo, 1);
  checkWhole('train.valClipsPerVideo', c.valClipsPerVideo, 1);
  checkOneOf('train.balance', c.balance, BATCH_BALANCES);
  checkNumber('train.learningRate', c.learningRate, { min: 0, max: 10, minExclusive: true });
  checkNumber('train.lrDecayPerEpoch', c.lrDecayPerEpoch, { min: 0, max: 1, minExclusive: true });
  checkWhole('train.warmupSteps', c.warmupSteps, 0);
  checkNumber('train.momentum', c.momentum, { min: 0, max: 1, maxExclusive: true });
  checkBoolean('train.nesterov', c.nesterov);
  checkNumber('train.weightDecay', c.weightDecay, { min: 0, max: 1 });
  checkNumber('train.emaDecay', c.emaDecay, { min: 0, max: 1, maxExclusive: true });
  checkWhole('train.maxEpochs', c.maxEpochs, 1);
  checkWhole('train.patienceEpochs', c.patienceEpochs, 1);
  checkOneOf('train.selectBy', c.selectBy, SELECT_BY);
  checkWhole('train.prototypeClips', c.prototypeClips, 1);
  checkWhole('train.seed', c.seed, 0);
  if (c.flowWeights !== null && (typeof c.flowWeights !== 'string' || !model.flowBranch)) {
    throw new ConfigError('train.flowWeights', model.flowBranch ? `expected a file path, got ${JSON.stringify(c.flowWeights)}` : 'given without the flow branch (model.flowBranch / --flow)');
  }
  return Object.freeze({ ...c, model, clip, augment: resolveAugmentConfig(input.augment, 'train.augment'), lossConfig: Object.freeze({ ...c.lossConfig }) });
}
