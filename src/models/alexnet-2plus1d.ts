/**
 * AlexNet-(2+1)D: AlexNet's five convolutions, each factored into a spatial
 * k×k and a temporal t×1×1 convolution (R(2+1)D), over a clip of T frames.
 *
 * Layer table (torchvision's AlexNet widths at widthMultiplier 1; spatial sizes
 * for a 224² input, 112² in brackets; T frames kept through the convolutions,
 * temporal kernel 3 with `same` padding, stride 1):
 *
 * | layer | spatial conv          | mid (R(2+1)D rule) | out           | output (224², [112²])   |
 * |-------|-----------------------|--------------------|---------------|-------------------------|
 * | conv1 | 11×11 /4, pad 2       | 125                | 64            | T×55×55 [T×27×27]       |
 * | pool1 | max 3×3 /2            |                    |               | T×27×27 [T×13×13]       |
 * | conv2 | 5×5 /1, pad 2         | 423                | 192           | T×27×27 [T×13×13]       |
 * | pool2 | max 3×3 /2            |                    |               | T×13×13 [T×6×6]         |
 * | conv3 | 3×3 /1, pad 1         | 691                | 384           | T×13×13 [T×6×6]         |
 * | conv4 | 3×3 /1, pad 1         | 628                | 256           | T×13×13 [T×6×6]         |
 * | conv5 | 3×3 /1, pad 1         | 576                | 256           | T×13×13 [T×6×6]         |
 * | pool5 | max 3×3 /2            |                    |               | T×6×6 [T×2×2]           |
 * | tmean | mean over T           |                    |               | 9216 [1024] features    |
 * | fc6   | dense, ReLU, dropout  |                    | 4096          |                         |
 * | fc7   | dense, ReLU, dropout  |                    | 4096          |                         |
 * | embed | dense                 |                    | embeddingSize |                         |
 *
 * mid = ⌊t·k²·Cin·Cout / (k²·Cin + t·Cout)⌋ with t = 3 (see `midChannels`).
 * At T = 5, embedding 512: 64.0 M parameters and 19.8 GFLOP per clip forward
 * at 224² (30.5 M, 4.4 GFLOP at 112²); `estimateCost` computes these.
 *
 * Every conv half is followed by a ReLU (R(2+1)D's extra nonlinearity sits
 * between the halves). `forwardFeatures` stops after conv5's ReLU (what
 * Grad-CAM needs); `forwardHead` goes from there to the embedding.
 *
 * Normalisation (`norm`): with `batch`, every conv half is conv → BatchNorm →
 * ReLU, as R(2+1)D has it: the convs carry no bias (BN's beta takes its
 * place); statistics are taken per channel over B·T·H·W, the batch's own in
 * training (`ForwardOptions.training`), the running estimates otherwise
 * (PyTorch's conventions: momentum 0.1, ε 1e-5, unbiased variance for the
 * running estimate). The running estimates are non-trainable state
 * (`buffers`), saved and restored with the weights. `none` is the paper's
 * exact architecture (conv + bias → ReLU). The FlowNetS branch and the dense
 * head carry no normalisation in either case: FlowNetS's published weights
 * are the plain network's, and the head keeps the paper's dropout.
 */
import { tf } from '../engine/tf.js';
import type { Tensor, Tensor2D, Tensor5D, Variable } from '../engine/tf.js';
import { conv2plus1d, midChannels, spatialConv, temporalConv } from '../engine/conv2plus1d.js';
import type { SpatialPadding } from '../engine/conv2plus1d.js';
import { batchNormInference, batchNormTrain, updateRunningStats } from '../engine/batch-norm.js';
import { ConfigError, ShapeError } from '../errors.js';
import { checkBoolean, checkNumber, checkOneOf, checkWhole } from '../config-checks.js';
import { childSeed } from '../data/random.js';
import { CLIP_LENGTHS, DEFAULT_CLIP_SPEC } from '../data/clips.js';
import { DEFAULT_INPUT_SIZE_PX } from '../input-defaults.js';
import { createFlowNetS, estimateFlowNetSCost, flowNetSParameters, planFlowNetS } from './flownets.js';
import type { FlowNetS } from './flownets.js';
import { variableFromWeights } from './initial-weights.js';
import type { CreateNetworkOptions } from './initial-weights.js';

export interface AlexNet2Plus1DConfig {
  /** Frames per clip, T. The paper uses 5; 2 and 3 are supported. */
  frames: number;
  /** Input height = width in pixels: 224 (the paper) or 112 (small runs, the default: `DEFAULT_INPUT_SIZE_PX`). */
  inputSize: number;
  /** Multiplies every conv and fc width, for small CPU runs. */
  widthMultiplier: number;
  /** Width of the fc6/fc7 layers at multiplier 1. */
  fcWidth: number;
  /** Size of the output embedding (not scaled by the multiplier). */
  embeddingSize: number;
  /** Temporal kernel length of every (2+1)D block. */
  temporalKernel: number;
  /** Dropout rate after fc6 and fc7 while training. */
  dropoutRate: number;
  /** Seed of the weight initialisation. */
  seed: number;
  /** Adds the FlowNetS branch (frames 1 and T → conv6_1 → global average pool) at the input of fc6. */
  flowBranch: boolean;
  /** Width multiplier of the flow branch; null follows `widthMultiplier`. Pretrained PyTorch weights need 1. */
  flowWidthMultiplier: number | null;
  /** `batch`: BatchNorm after every conv half (conv → BN → ReLU, convs without bias); `none`: the paper's architecture. */
  norm: ModelNorm;
  /**
   * Initial weights of the convs and dense layers: `he-normal` (N(0, 2/fan_in))
   * or `uniform`, PyTorch's default (U(±1/√fan_in), i.e. Kaiming-uniform with
   * a = √5, which the paper's PyTorch AlexNet starts from; the demo's recipe).
   * Biases start at 0 either way. Why the default stays He-normal:
   * docs/training.md.
   */
  weightInit: WeightInit;
}

export const MODEL_NORMS = ['batch', 'none'] as const;
export type ModelNorm = (typeof MODEL_NORMS)[number];
export const WEIGHT_INITS = ['uniform', 'he-normal'] as const;
export type WeightInit = (typeof WEIGHT_INITS)[number];

export const DEFAULT_ALEXNET_2PLUS1D_CONFIG: Readonly<AlexNet2Plus1DConfig> = Object.freeze({
  frames: DEFAULT_CLIP_SPEC.length,
  inputSize: DEFAULT_INPUT_SIZE_PX,
  widthMultiplier: 1,
  fcWidth: 4096,
  embeddingSize: 512,
  temporalKernel: 3,
  dropoutRate: 0.5,
  seed: 0,
  flowBranch: false,
  flowWidthMultiplier: null,
  norm: 'batch',
  weightInit: 'he-normal',
});

/** Max pooling of every frame, `valid` padding. */
export interface PoolPlan {
  kernel: number;
  stride: number;
}

/** AlexNet's pooling: max 3×3, stride 2, after conv1, conv2 and conv5. */
export const ALEXNET_POOL: Readonly<PoolPlan> = Object.freeze({ kernel: 3, stride: 2 });

interface ConvLayerSpec {
  name: string;
  kernel: number;
  stride: number;
  pad: number;
  /** Output channels at multiplier 1. */
  channels: number;
  /** Max-pool `ALEXNET_POOL` after this layer. */
  poolAfter: boolean;
}

/** torchvision's AlexNet feature extractor. */
export const ALEXNET_CONV_LAYERS: readonly ConvLayerSpec[] = Object.freeze([
  { name: 'conv1', kernel: 11, stride: 4, pad: 2, channels: 64, poolAfter: true },
  { name: 'conv2', kernel: 5, stride: 1, pad: 2, channels: 192, poolAfter: true },
  { name: 'conv3', kernel: 3, stride: 1, pad: 1, channels: 384, poolAfter: false },
  { name: 'conv4', kernel: 3, stride: 1, pad: 1, channels: 256, poolAfter: false },
  { name: 'conv5', kernel: 3, stride: 1, pad: 1, channels: 256, poolAfter: true },
]);

/** One row of the resolved layer plan: every size a forward pass meets. */
export interface ConvLayerPlan {
  name: string;
  kernel: number;
  stride: number;
  pad: number;
  inChannels: number;
  midChannels: number;
  outChannels: number;
  /** Spatial size of the input and of the conv output (square). */
  inSize: number;
  convSize: number;
  /** Spatial size after the optional pool. */
  outSize: number;
  /** The max pool after this conv, or null. */
  pool: Readonly<PoolPlan> | null;
}

/** One dense layer of the head: `inputs → outputs`, then ReLU and dropout where set. */
export interface DenseLayerPlan {
  name: string;
  inputs: number;
  outputs: number;
  relu: boolean;
  /** Dropout (`config.dropoutRate`) after the layer while training. */
  dropout: boolean;
}

export interface AlexNet2Plus1DPlan {
  config: Readonly<AlexNet2Plus1DConfig>;
  convs: ConvLayerPlan[];
  /** Flattened features entering fc6: outSize² × conv5 channels (pooled, then averaged over T). */
  fcInputSize: number;
  /** Pooled flow-branch features appended to fc6's input (0 without the branch). */
  flowFeatures: number;
  fcWidth: number;
  /** The head after the temporal mean (and the flow features): fc6, fc7, embed. */
  dense: DenseLayerPlan[];
}

/** Validates a partial config against the defaults; errors name the field. */
export function resolveAlexNetConfig(partial: Partial<AlexNet2Plus1DConfig> = {}): Readonly<AlexNet2Plus1DConfig> {
  const c = { ...DEFAULT_ALEXNET_2PLUS1D_CONFIG, ...partial };
  if (!(CLIP_LENGTHS as readonly number[]).includes(c.frames)) {
    throw new ConfigError('model.frames', `expected ${CLIP_LENGTHS.slice(0, -1).join(', ')} or ${CLIP_LENGTHS.at(-1)}, got ${JSON.stringify(c.frames)}`);
  }
  checkWhole('model.inputSize', c.inputSize, 63);
  checkNumber('model.widthMultiplier', c.widthMultiplier, { min: 0, max: 4, minExclusive: true });
  checkWhole('model.fcWidth', c.fcWidth, 1);
  checkWhole('model.embeddingSize', c.embeddingSize, 1);
  checkWhole('model.temporalKernel', c.temporalKernel, 1);
  checkWhole('model.seed', c.seed, 0);
  checkNumber('model.dropoutRate', c.dropoutRate, { min: 0, max: 1, maxExclusive: true });
  checkBoolean('model.flowBranch', c.flowBranch);
  if (c.flowWidthMultiplier !== null) checkNumber('model.flowWidthMultiplier', c.flowWidthMultiplier, { min: 0, max: 4, minExclusive: true });
  checkOneOf('model.norm', c.norm, MODEL_NORMS);
  checkOneOf('model.weightInit', c.weightInit, WEIGHT_INITS);
  return Object.freeze(c);
}

const scaled = (channels: number, multiplier: number): number => Math.max(1, Math.round(channels * multiplier));
const flowWidth = (config: Readonly<AlexNet2Plus1DConfig>): number => config.flowWidthMultiplier ?? config.widthMultiplier;

/** Resolves every layer size for a config (pure; no tensors). */
export function planAlexNet2Plus1D(partial: Partial<AlexNet2Plus1DConfig> = {}): AlexNet2Plus1DPlan {
  const config = resolveAlexNetConfig(partial);
  const convs: ConvLayerPlan[] = [];
  let size = config.inputSize;
  let channels = 3;
  for (const layer of ALEXNET_CONV_LAYERS) {
    const outChannels = scaled(layer.channels, config.widthMultiplier);
    const convSize = Math.floor((size + 2 * layer.pad - layer.kernel) / layer.stride) + 1;
    const pool = layer.poolAfter ? ALEXNET_POOL : null;
    const outSize = pool ? Math.floor((convSize - pool.kernel) / pool.stride) + 1 : convSize;
    if (outSize < 1) throw new ConfigError('model.inputSize', `${config.inputSize} is too small: ${layer.name} output would be empty`);
    convs.push({
      name: layer.name,
      kernel: layer.kernel,
      stride: layer.stride,
      pad: layer.pad,
      inChannels: channels,
      midChannels: midChannels(channels, outChannels, config.temporalKernel, layer.kernel),
      outChannels,
      inSize: size,
      convSize,
      outSize,
      pool,
    });
    size = outSize;
    channels = outChannels;
  }
  const flowFeatures = config.flowBranch ? planFlowNetS({ widthMultiplier: flowWidth(config) }, config.inputSize).outputChannels : 0;
  const fcInputSize = size * size * channels;
  const fcWidth = scaled(config.fcWidth, config.widthMultiplier);
  const dense: DenseLayerPlan[] = [
    { name: 'fc6', inputs: fcInputSize + flowFeatures, outputs: fcWidth, relu: true, dropout: true },
    { name: 'fc7', inputs: fcWidth, outputs: fcWidth, relu: true, dropout: true },
    { name: 'embed', inputs: fcWidth, outputs: config.embeddingSize, relu: false, dropout: false },
  ];
  return { config, convs, fcInputSize, flowFeatures, fcWidth, dense };
}

export interface CostEstimate {
  parameters: number;
  /** Multiply-adds × 2 of one clip's forward pass (convolutions and dense layers). */
  forwardFlops: number;
  /** Forward + backward (data and filter gradients; no data gradient for the input clip). */
  trainFlops: number;
}

/** Parameters and FLOPs per clip, worked out from the plan. */
export function estimateCost(plan: AlexNet2Plus1DPlan): CostEstimate {
  const t = plan.config.frames;
  const kt = plan.config.temporalKernel;
  let parameters = 0;
  let forward = 0;
  let backwardData = 0;
  // Per channel: a conv bias, or BatchNorm's gamma and beta (its running statistics are state, not parameters).
  const perChannel = plan.config.norm === 'batch' ? 2 : 1;
  plan.convs.forEach((l, i) => {
    const spatialW = l.kernel * l.kernel * l.inChannels * l.midChannels;
    const temporalW = kt * l.midChannels * l.outChannels;
    parameters += spatialW + temporalW + perChannel * (l.midChannels + l.outChannels);
    const spatialFlops = 2 * t * l.convSize * l.convSize * spatialW;
    const temporalFlops = 2 * t * l.convSize * l.convSize * temporalW;
    forward += spatialFlops + temporalFlops;
    backwardData += temporalFlops + (i === 0 ? 0 : spatialFlops);
  });
  for (const { inputs, outputs } of plan.dense) {
    parameters += inputs * outputs + outputs;
    forward += 2 * inputs * outputs;
    backwardData += 2 * inputs * outputs;
  }
  if (plan.config.flowBranch) {
    const flow = estimateFlowNetSCost(planFlowNetS({ widthMultiplier: flowWidth(plan.config) }, plan.config.inputSize));
    parameters += flow.encoderParameters;
    forward += flow.encoderForwardFlops;
    backwardData += flow.encoderForwardFlops;
  }
  // The filter gradient costs as much as the forward pass.
  return { parameters, forwardFlops: forward, trainFlops: forward * 2 + backwardData };
}

export interface ForwardOptions {
  /**
   * Training mode: applies dropout (needs `seed` for reproducibility) and, with
   * `norm: 'batch'`, normalises by the batch's own statistics and updates the
   * running estimates. Otherwise the running estimates normalise and nothing changes.
   */
  training?: boolean;
  seed?: number;
}

/** A built network: named variables plus its two forward halves. */
export interface AlexNet2Plus1D {
  readonly plan: AlexNet2Plus1DPlan;
  /** Trainable weights by stable name (`conv1.spatial.weight`, `conv1.spatial.bn.weight`, `fc6.bias`, …). */
  readonly variables: ReadonlyMap<string, Variable>;
  /**
   * Non-trainable state by stable name: BatchNorm's running statistics
   * (`conv1.spatial.bn.running_mean`, `….running_var`); empty with `norm: 'none'`.
   */
  readonly buffers: ReadonlyMap<string, Variable>;
  /** Everything a saved model holds: `variables` then `buffers` (PyTorch's state_dict). */
  readonly state: ReadonlyMap<string, Variable>;
  /** `[B, T, H, W, 3]` → conv5 activations `[B, T, h, w, C5]` (before pool5); `training` as in `forward`. */
  forwardFeatures(clip: Tensor5D, options?: ForwardOptions): Tensor5D;
  /** The FlowNetS branch when configured; its variables are also in `variables`, prefixed `flow.`. */
  readonly flowBranch: FlowNetS | null;
  /** conv5 activations (and, with the flow branch, its pooled features `[B, C6]`) → embedding `[B, embeddingSize]`. */
  forwardHead(features: Tensor5D, options?: ForwardOptions, flowFeatures?: Tensor2D): Tensor2D;
  /** Both halves: `[B, T, H, W, 3]` → `[B, embeddingSize]`. */
  forward(clip: Tensor5D, options?: ForwardOptions): Tensor2D;
  dispose(): void;
}

/** A freshly initialised weight (see `weightInit`), deterministic for a seed. */
function initialWeight(init: WeightInit, shape: number[], fanIn: number, seed: number): Variable {
  return tf.tidy(() => {
    if (init === 'he-normal') return tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', seed), true);
    const bound = 1 / Math.sqrt(fanIn);
    return tf.variable(tf.randomUniform(shape, -bound, bound, 'float32', seed), true);
  });
}

/**
 * The names of a config's whole state (what a saved model holds: the
 * variables, then BatchNorm's running statistics), in the order of
 * `createAlexNet2Plus1D`'s `state`, without making any tensor.
 */
export function planVariableNames(partial: Partial<AlexNet2Plus1DConfig> = {}): string[] {
  const plan = planAlexNet2Plus1D(partial);
  const names: string[] = [];
  const buffers: string[] = [];
  const half = (prefix: string) => {
    if (plan.config.norm === 'batch') {
      names.push(`${prefix}.bn.weight`, `${prefix}.bn.bias`);
      buffers.push(`${prefix}.bn.running_mean`, `${prefix}.bn.running_var`);
    } else names.push(`${prefix}.bias`);
  };
  for (const l of plan.convs) {
    names.push(`${l.name}.spatial.weight`);
    half(`${l.name}.spatial`);
    names.push(`${l.name}.temporal.weight`);
    half(`${l.name}.temporal`);
  }
  if (plan.config.flowBranch) for (const p of flowNetSParameters(planFlowNetS({ widthMultiplier: flowWidth(plan.config) }, 64))) names.push(`flow.${p.name}`);
  for (const l of plan.dense) names.push(`${l.name}.weight`, `${l.name}.bias`);
  return [...names, ...buffers];
}

/** Builds the network with freshly initialised weights, or with `options.initialWeights`. */
export function createAlexNet2Plus1D(partial: Partial<AlexNet2Plus1DConfig> = {}, options: CreateNetworkOptions = {}): AlexNet2Plus1D {
  const plan = planAlexNet2Plus1D(partial);
  const { config } = plan;
  const vars = new Map<string, Variable>();
  const buffers = new Map<string, Variable>();
  const saved = options.initialWeights;
  let seed = config.seed * 1000;
  const add = (name: string, v: Variable) => vars.set(name, v);
  const filled = (n: number, value: number, trainable: boolean) => tf.tidy(() => tf.variable(tf.fill([n], value), trainable));
  const weight = (name: string, shape: number[], fanIn: number, s: number) => add(name, saved ? variableFromWeights(saved, name, shape) : initialWeight(config.weightInit, shape, fanIn, s));
  const constant = (name: string, n: number, value: number) => add(name, saved ? variableFromWeights(saved, name, [n]) : filled(n, value, true));
  const buffer = (name: string, n: number, value: number) => buffers.set(name, saved ? variableFromWeights(saved, name, [n], { trainable: false }) : filled(n, value, false));
  // PyTorch's BatchNorm initialisation: gamma 1, beta 0, running mean 0, running variance 1.
  const batchNorm = (prefix: string, n: number) => {
    constant(`${prefix}.weight`, n, 1);
    constant(`${prefix}.bias`, n, 0);
    buffer(`${prefix}.running_mean`, n, 0);
    buffer(`${prefix}.running_var`, n, 1);
  };
  const normed = config.norm === 'batch';
  try {
    for (const l of plan.convs) {
      weight(`${l.name}.spatial.weight`, [l.kernel, l.kernel, l.inChannels, l.midChannels], l.kernel * l.kernel * l.inChannels, seed++);
      if (normed) batchNorm(`${l.name}.spatial.bn`, l.midChannels);
      else constant(`${l.name}.spatial.bias`, l.midChannels, 0);
      weight(`${l.name}.temporal.weight`, [config.temporalKernel, 1, l.midChannels, l.outChannels], config.temporalKernel * l.midChannels, seed++);
      if (normed) batchNorm(`${l.name}.temporal.bn`, l.outChannels);
      else constant(`${l.name}.temporal.bias`, l.outChannels, 0);
    }
    const flowSaved = saved ? new Map([...saved].filter(([name]) => name.startsWith('flow.')).map(([name, t]) => [name.slice('flow.'.length), t])) : undefined;
    const flow = config.flowBranch ? createFlowNetS({ widthMultiplier: flowWidth(config), seed: childSeed(config.seed, 'flow-branch') }, flowSaved ? { initialWeights: flowSaved } : {}) : null;
    if (flow) for (const [name, variable] of flow.variables) add(`flow.${name}`, variable);
    for (const l of plan.dense) {
      weight(`${l.name}.weight`, [l.inputs, l.outputs], l.inputs, seed++);
      constant(`${l.name}.bias`, l.outputs, 0);
    }
    return buildNetwork(plan, vars, buffers, flow);
  } catch (err) {
    vars.forEach((variable) => variable.dispose());
    buffers.forEach((b) => b.dispose());
    throw err;
  }
}

/** The forward passes around a complete set of variables. */
function buildNetwork(plan: AlexNet2Plus1DPlan, vars: Map<string, Variable>, buffers: Map<string, Variable>, flow: FlowNetS | null): AlexNet2Plus1D {
  const { config } = plan;
  const normed = config.norm === 'batch';
  const v = (name: string) => {
    const found = vars.get(name) ?? buffers.get(name);
    if (!found) throw new Error(`internal: no variable ${name}`);
    return found;
  };
  const v1 = (name: string) => v(name) as Tensor as tf.Tensor1D;
  const v4 = (name: string) => v(name) as Tensor as tf.Tensor4D;

  /** BatchNorm (batch statistics and a running-estimate update in training, running estimates otherwise), then ReLU. */
  const normRelu = (x: Tensor5D, prefix: string, training: boolean): Tensor5D => {
    const [gamma, beta] = [v1(`${prefix}.weight`), v1(`${prefix}.bias`)];
    const running = { mean: v(`${prefix}.running_mean`), variance: v(`${prefix}.running_var`) };
    if (!training) return batchNormInference(x, gamma, beta, running.mean as Tensor as tf.Tensor1D, running.variance as Tensor as tf.Tensor1D, { activation: 'relu' });
    const batch = batchNormTrain(x, gamma, beta, { activation: 'relu' });
    updateRunningStats(running, batch);
    return batch.y;
  };

  const forwardFeatures = (clip: Tensor5D, options: ForwardOptions = {}): Tensor5D => {
    const [, t, h, w, c] = clip.shape;
    if (clip.rank !== 5 || t !== config.frames || h !== config.inputSize || w !== config.inputSize || c !== 3) {
      throw new ShapeError(
        `AlexNet-(2+1)D input: expected [B, ${config.frames}, ${config.inputSize}, ${config.inputSize}, 3], got [${clip.shape.join(', ')}]`,
      );
    }
    return tf.tidy(() => {
      let x: Tensor5D = clip;
      plan.convs.forEach((l, i) => {
        const before = i > 0 ? plan.convs[i - 1]!.pool : null;
        if (before) x = maxPoolFrames(x, before);
        const pad: SpatialPadding = [[l.pad, l.pad], [l.pad, l.pad]];
        if (normed) {
          const training = options.training === true;
          x = normRelu(spatialConv(x, { filter: v4(`${l.name}.spatial.weight`), strides: l.stride, padding: pad }), `${l.name}.spatial.bn`, training);
          x = normRelu(temporalConv(x, { filter: v4(`${l.name}.temporal.weight`), padding: 'same' }), `${l.name}.temporal.bn`, training);
          return;
        }
        x = conv2plus1d(x, {
          spatial: { filter: v4(`${l.name}.spatial.weight`), bias: v1(`${l.name}.spatial.bias`), strides: l.stride, padding: pad },
          temporal: { filter: v4(`${l.name}.temporal.weight`), bias: v1(`${l.name}.temporal.bias`), padding: 'same', activation: 'relu' },
        });
      });
      return x;
    });
  };

  const forwardHead = (features: Tensor5D, options: ForwardOptions = {}, flowFeatures?: Tensor2D): Tensor2D =>
    tf.tidy(() => {
      const pool5 = plan.convs[plan.convs.length - 1]!.pool;
      const pooled = pool5 ? maxPoolFrames(features, pool5) : features;
      const [b] = pooled.shape;
      let h = tf.reshape(tf.mean(pooled, 1), [b, plan.fcInputSize]) as Tensor2D;
      if (flow) {
        if (!flowFeatures || flowFeatures.rank !== 2 || flowFeatures.shape[0] !== b || flowFeatures.shape[1] !== plan.flowFeatures) {
          throw new ShapeError(`AlexNet-(2+1)D forwardHead: the flow branch needs flowFeatures [${b}, ${plan.flowFeatures}] (flowBranch.forwardBranch(clip)), got ${flowFeatures ? `[${flowFeatures.shape.join(', ')}]` : 'none'}`);
        }
        h = tf.concat([h, flowFeatures], 1);
      }
      let dropSeed = options.seed ?? 0;
      for (const l of plan.dense) {
        const weight = v(`${l.name}.weight`) as Tensor as Tensor2D;
        h = l.relu
          ? (tf.fused.matMul({ a: h, b: weight, bias: v(`${l.name}.bias`), activation: 'relu' }) as Tensor2D)
          : (tf.add(tf.matMul(h, weight), v(`${l.name}.bias`)) as Tensor2D);
        if (l.dropout && options.training && config.dropoutRate > 0) h = tf.dropout(h, config.dropoutRate, undefined, dropSeed++) as Tensor2D;
      }
      return h;
    });

  return {
    plan,
    variables: vars,
    buffers,
    state: new Map([...vars, ...buffers]),
    forwardFeatures,
    forwardHead,
    flowBranch: flow,
    forward: (clip, options) => tf.tidy(() => forwardHead(forwardFeatures(clip, options), options, flow ? flow.forwardBranch(clip) : undefined)),
    dispose: () => {
      vars.forEach((variable) => variable.dispose());
      buffers.forEach((buffer) => buffer.dispose());
    },
  };
}

/** Max pool (`valid`; default AlexNet's 3×3 stride 2) of every frame: `[B, T, H, W, C]` → `[B, T, H', W', C]`. */
export function maxPoolFrames(x: Tensor5D, pool: Readonly<PoolPlan> = ALEXNET_POOL): Tensor5D {
  return tf.tidy(() => {
    const [b, t, h, w, c] = x.shape;
    const y = tf.maxPool(tf.reshape(x, [b * t, h, w, c]) as tf.Tensor4D, pool.kernel, pool.stride, 'valid');
    return tf.reshape(y, [b, t, y.shape[1], y.shape[2], c]) as Tensor5D;
  });
}
