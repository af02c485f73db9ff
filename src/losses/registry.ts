/**
 * `createLoss(name, config)`: builds any of vidpad's training losses by name,
 * with its learnable parameters, behind one small interface the training loop
 * uses. Owns the loss config: defaults, validation (errors name the field
 * path, `loss.…`), and which representative vector each loss scores against.
 */
import { tf } from '../engine/tf.js';
import type { Tensor1D, Tensor2D, Variable } from '../engine/tf.js';
import { ConfigError, InputError } from '../errors.js';
import { checkKnownKeys, checkNumber, checkOneOf, checkWhole } from '../config-checks.js';
import { DISTANCE_NAMES } from './distance.js';
import type { DistanceName } from './distance.js';
import { REDUCER_NAMES } from './reducer.js';
import { contrastiveLoss } from './contrastive.js';
import type { ContrastiveConfig } from './contrastive.js';
import { TRIPLET_MINING_NAMES, tripletLoss } from './triplet.js';
import type { TripletConfig } from './triplet.js';
import { MARGIN_SOFTMAX_PRESETS, marginSoftmaxLoss } from './margin-softmax.js';
import type { MarginSoftmaxParams, MarginSoftmaxPresetName } from './margin-softmax.js';
import { linearLogits, softmaxCrossEntropy } from './cross-entropy.js';
import { combinedLoss } from './combined.js';
import type { CombinedLossWeights } from './combined.js';
import { checkEmbeddings, checkEmbeddingsAndLabels, checkLabelRange } from './labels.js';

export const LOSS_NAMES = ['ce', 'contrastive', 'triplet', 'arcface', 'cosface', 'sphereface', 'arcface+triplet', 'arcface+contrastive'] as const;
export type LossName = (typeof LOSS_NAMES)[number];

/**
 * Where a loss's live representative vector comes from (issue 6, the score):
 * `class-weight`: the live column of its learnt class weights W (margin losses);
 * `head-direction`: the live column minus the attack column of its linear
 * head's weights, the direction along which the head tells them apart (ce);
 * `live-mean`: the mean L2-normalised embedding of the live training clips,
 * computed after training (contrastive, triplet).
 */
export type PrototypeRule = 'class-weight' | 'head-direction' | 'live-mean';

export interface LossConfig {
  /** D, the size of the embeddings the loss receives. */
  embeddingSize: number;
  /** C, classes of the class-weight losses (2: attack = 0, live = 1). */
  numClasses: number;
  /** Seed of the initialisation of the learnable parameters. */
  seed: number;
  /** For `contrastive` and `arcface+contrastive`. */
  contrastive: ContrastiveConfig;
  /** For `triplet` and `arcface+triplet`. */
  triplet: TripletConfig;
  /**
   * For the margin losses: the preset of the loss's name (`arcface` for the
   * combinations, see MARGIN_SOFTMAX_PRESETS), with any field given here
   * overriding it. Carried but unused by ce, contrastive and triplet.
   */
  marginSoftmax: MarginSoftmaxParams;
  /** For the combinations: λ of the margin-softmax and of the metric term. */
  weights: CombinedLossWeights;
}

/** What `createLoss` accepts: every field optional, nested objects partial. */
export interface LossConfigInput {
  embeddingSize?: number;
  numClasses?: number;
  seed?: number;
  contrastive?: Partial<ContrastiveConfig>;
  triplet?: Partial<TripletConfig>;
  marginSoftmax?: Partial<MarginSoftmaxParams>;
  weights?: Partial<CombinedLossWeights>;
}

/**
 * Margins of the metric losses that depend on the distance, used for the
 * margins a config leaves out: cosine follows pytorch-metric-learning's
 * defaults (contrastive 1 / 0, triplet 0.05), L2 the usual ones for
 * normalised-scale embeddings (contrastive 0 / 1, triplet 0.2 as in FaceNet).
 */
export const METRIC_MARGIN_DEFAULTS: Readonly<Record<DistanceName, Readonly<{ posMargin: number; negMargin: number; tripletMargin: number }>>> =
  Object.freeze({
    cosine: Object.freeze({ posMargin: 1, negMargin: 0, tripletMargin: 0.05 }),
    l2: Object.freeze({ posMargin: 0, negMargin: 1, tripletMargin: 0.2 }),
  });

/** Defaults of every loss field except `marginSoftmax`, which comes from the preset of the loss's name. */
export const DEFAULT_LOSS_CONFIG: Readonly<Omit<LossConfig, 'marginSoftmax'>> = Object.freeze({
  embeddingSize: 512,
  numClasses: 2,
  seed: 0,
  contrastive: Object.freeze({ distance: 'cosine', posMargin: 1, negMargin: 0, reducer: 'meanNonZero' }),
  triplet: Object.freeze({ distance: 'cosine', margin: 0.05, mining: 'all', reducer: 'meanNonZero' }),
  weights: Object.freeze({ marginSoftmax: 1, metric: 1 }),
});

const CONFIG_KEYS = ['embeddingSize', 'numClasses', 'seed', 'contrastive', 'triplet', 'marginSoftmax', 'weights'] as const;

function checkLossName(name: unknown): LossName {
  if (typeof name !== 'string' || !(LOSS_NAMES as readonly string[]).includes(name)) {
    throw new ConfigError('loss.name', `unknown loss ${JSON.stringify(name)}; valid names are ${LOSS_NAMES.join(', ')}`);
  }
  return name as LossName;
}

function presetOf(name: LossName): MarginSoftmaxPresetName {
  return name === 'cosface' || name === 'sphereface' ? name : 'arcface';
}

/** Margins in the distance's units: a cosine lies in [−1, 1], an L2 distance is ≥ 0. */
function marginRange(distance: DistanceName): [number, number] {
  return distance === 'cosine' ? [-1, 1] : [0, Number.MAX_VALUE];
}

/** Fills in the defaults for the loss `name` and validates; the result is deeply frozen. */
export function resolveLossConfig(name: LossName, input: LossConfigInput = {}): Readonly<LossConfig> {
  checkLossName(name);
  const top = checkKnownKeys('loss', input, CONFIG_KEYS);
  const d = DEFAULT_LOSS_CONFIG;

  const contrastiveIn = checkKnownKeys('loss.contrastive', top.contrastive, ['distance', 'posMargin', 'negMargin', 'reducer']);
  const cDistance = checkOneOf('loss.contrastive.distance', contrastiveIn.distance ?? d.contrastive.distance, DISTANCE_NAMES);
  const cRange = marginRange(cDistance);
  const contrastive: ContrastiveConfig = Object.freeze({
    distance: cDistance,
    posMargin: checkNumber('loss.contrastive.posMargin', contrastiveIn.posMargin ?? METRIC_MARGIN_DEFAULTS[cDistance].posMargin, { min: cRange[0], max: cRange[1] }),
    negMargin: checkNumber('loss.contrastive.negMargin', contrastiveIn.negMargin ?? METRIC_MARGIN_DEFAULTS[cDistance].negMargin, { min: cRange[0], max: cRange[1] }),
    reducer: checkOneOf('loss.contrastive.reducer', contrastiveIn.reducer ?? d.contrastive.reducer, REDUCER_NAMES),
  });

  const tripletIn = checkKnownKeys('loss.triplet', top.triplet, ['distance', 'margin', 'mining', 'reducer']);
  const tDistance = checkOneOf('loss.triplet.distance', tripletIn.distance ?? d.triplet.distance, DISTANCE_NAMES);
  const triplet: TripletConfig = Object.freeze({
    distance: tDistance,
    margin: checkNumber('loss.triplet.margin', tripletIn.margin ?? METRIC_MARGIN_DEFAULTS[tDistance].tripletMargin, { min: 0, max: tDistance === 'cosine' ? 2 : Number.MAX_VALUE }),
    mining: checkOneOf('loss.triplet.mining', tripletIn.mining ?? d.triplet.mining, TRIPLET_MINING_NAMES),
    reducer: checkOneOf('loss.triplet.reducer', tripletIn.reducer ?? d.triplet.reducer, REDUCER_NAMES),
  });

  const preset = MARGIN_SOFTMAX_PRESETS[presetOf(name)];
  const msIn = checkKnownKeys('loss.marginSoftmax', top.marginSoftmax, ['scale', 'angleMultiplier', 'marginRad', 'cosineMargin']);
  const marginSoftmax: MarginSoftmaxParams = Object.freeze({
    scale: checkNumber('loss.marginSoftmax.scale', msIn.scale ?? preset.scale, { min: 0, max: 1e4, minExclusive: true }),
    angleMultiplier: checkNumber('loss.marginSoftmax.angleMultiplier', msIn.angleMultiplier ?? preset.angleMultiplier, { min: 1, max: 16 }),
    marginRad: checkNumber('loss.marginSoftmax.marginRad', msIn.marginRad ?? preset.marginRad, { min: 0, max: Math.PI / 2 }, ' (radians)'),
    cosineMargin: checkNumber('loss.marginSoftmax.cosineMargin', msIn.cosineMargin ?? preset.cosineMargin, { min: 0, max: 2 }),
  });

  const weightsIn = checkKnownKeys('loss.weights', top.weights, ['marginSoftmax', 'metric']);
  const weights: CombinedLossWeights = Object.freeze({
    marginSoftmax: checkNumber('loss.weights.marginSoftmax', weightsIn.marginSoftmax ?? d.weights.marginSoftmax, { min: 0, max: 1e6 }),
    metric: checkNumber('loss.weights.metric', weightsIn.metric ?? d.weights.metric, { min: 0, max: 1e6 }),
  });
  if (weights.marginSoftmax + weights.metric === 0) throw new ConfigError('loss.weights', 'at least one weight must be > 0');

  return Object.freeze({
    embeddingSize: checkWhole('loss.embeddingSize', top.embeddingSize ?? d.embeddingSize, 1),
    numClasses: checkWhole('loss.numClasses', top.numClasses ?? d.numClasses, 2),
    seed: checkWhole('loss.seed', top.seed ?? d.seed, 0),
    contrastive,
    triplet,
    marginSoftmax,
    weights,
  });
}

/** A training loss with its learnable parameters. */
export interface Loss {
  readonly name: LossName;
  readonly config: Readonly<LossConfig>;
  /**
   * Learnable parameters by stable name, for the optimizer and the model file:
   * `loss.classWeights` `[D, C]` (margin losses and combinations),
   * `loss.head.weight` `[D, C]` + `loss.head.bias` `[C]` (ce), none
   * (contrastive, triplet). Assign to them to restore trained values.
   */
  readonly variables: ReadonlyMap<string, Variable>;
  readonly prototypeRule: PrototypeRule;
  /**
   * The scalar loss of `[B, D]` float32 embeddings and int32 `[B]` labels
   * (1 = live, 0 = attack). Differentiable w.r.t. the embeddings and
   * `variables`; call it inside `tf.variableGrads` / `optimizer.minimize`.
   * Throws ShapeError on bad shapes or dtypes, InputError on a label outside
   * `[0, numClasses)` for the class-based losses.
   */
  compute(embeddings: Tensor2D, labels: Tensor1D): tf.Scalar;
  /**
   * Margin losses: a copy of W `[D, C]`, whose column LIVE_LABEL is the live
   * prototype; ce: a copy of its head's weight `[D, C]`. The caller disposes it.
   */
  classWeights?(): Tensor2D;
  /** ce: the head's logits `[B, C]` (feed them to `liveProbability`). */
  logits?(embeddings: Tensor2D): Tensor2D;
  dispose(): void;
}

const MARGIN_NAMES: ReadonlySet<LossName> = new Set(['arcface', 'cosface', 'sphereface', 'arcface+triplet', 'arcface+contrastive']);

/**
 * Builds the loss `name` (one of LOSS_NAMES) with `config` resolved over the
 * defaults. Unknown names and bad fields are ConfigErrors naming the field.
 */
export function createLoss(name: LossName | string, input: LossConfigInput = {}): Loss {
  const lossName = checkLossName(name);
  const config = resolveLossConfig(lossName, input);
  const { embeddingSize: d, numClasses: c, seed } = config;
  const where = `loss '${lossName}'`;
  const variables = new Map<string, Variable>();
  let disposed = false;

  const checkArgs = (embeddings: Tensor2D, labels: Tensor1D, classBased: boolean) => {
    if (disposed) throw new InputError(`${where}: used after dispose()`);
    checkEmbeddingsAndLabels(where, embeddings, labels, d);
    if (classBased) checkLabelRange(where, labels, c);
  };
  const base = {
    name: lossName,
    config,
    variables: variables as ReadonlyMap<string, Variable>,
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const v of variables.values()) v.dispose();
      variables.clear();
    },
  };

  if (MARGIN_NAMES.has(lossName)) {
    // Normal(0, 1) as pytorch-metric-learning initialises W; only the columns'
    // directions matter, since the loss normalises them.
    const w = tf.tidy(() => tf.variable(tf.randomNormal([d, c], 0, 1, 'float32', seed), true)) as Variable<tf.Rank.R2>;
    variables.set('loss.classWeights', w);
    const metric =
      lossName === 'arcface+triplet'
        ? ({ kind: 'triplet', config: config.triplet } as const)
        : lossName === 'arcface+contrastive'
          ? ({ kind: 'contrastive', config: config.contrastive } as const)
          : null;
    return {
      ...base,
      prototypeRule: 'class-weight',
      compute(embeddings, labels) {
        checkArgs(embeddings, labels, true);
        return metric === null
          ? marginSoftmaxLoss(embeddings, w, labels, config.marginSoftmax)
          : combinedLoss(embeddings, w, labels, config.marginSoftmax, metric, config.weights);
      },
      classWeights() {
        if (disposed) throw new InputError(`${where}: used after dispose()`);
        return tf.clone(w) as Tensor2D;
      },
    };
  }

  if (lossName === 'ce') {
    // Glorot-normal head, zero bias: the usual linear-classifier start.
    const weight = tf.tidy(() => tf.variable(tf.randomNormal([d, c], 0, Math.sqrt(2 / (d + c)), 'float32', seed), true)) as Variable<tf.Rank.R2>;
    const bias = tf.tidy(() => tf.variable(tf.zeros([c]), true)) as Variable<tf.Rank.R1>;
    variables.set('loss.head.weight', weight);
    variables.set('loss.head.bias', bias);
    return {
      ...base,
      prototypeRule: 'head-direction',
      compute(embeddings, labels) {
        checkArgs(embeddings, labels, true);
        return tf.tidy(() => softmaxCrossEntropy(linearLogits(embeddings, weight, bias), labels));
      },
      classWeights() {
        if (disposed) throw new InputError(`${where}: used after dispose()`);
        return tf.clone(weight) as Tensor2D;
      },
      logits(embeddings) {
        if (disposed) throw new InputError(`${where}: used after dispose()`);
        checkEmbeddings(where, embeddings, d);
        return linearLogits(embeddings, weight, bias);
      },
    };
  }

  const metricConfig = lossName === 'triplet' ? config.triplet : config.contrastive;
  return {
    ...base,
    prototypeRule: 'live-mean',
    compute(embeddings, labels) {
      checkArgs(embeddings, labels, false);
      return lossName === 'triplet'
        ? tripletLoss(embeddings, labels, metricConfig as TripletConfig)
        : contrastiveLoss(embeddings, labels, metricConfig as ContrastiveConfig);
    },
  };
}
