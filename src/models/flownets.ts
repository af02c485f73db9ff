/**
 * FlowNetS (Dosovitskiy et al. 2015, "FlowNet: learning optical flow with
 * convolutional networks"), the motion branch of vidpad's AlexNet-(2+1)D:
 * frames 1 and T of a clip stacked on channels, `[B, H, W, 6]`, through the
 * FlowNetS encoder (conv1 … conv6_1), global average pooling to `[B, C6]`,
 * joined to the input of the first fully connected layer. The decoder
 * (deconv5 … deconv2, predict_flow6 … 2) exists for supervised flow
 * pretraining (`train/flow-pretrain.ts`) and is left out of the branch.
 *
 * Layer table (widthMultiplier 1; square inputs; output sizes at 224², [112²]):
 *
 * | layer   | conv          | in → out    | output 224² [112²] | parameters |
 * |---------|---------------|-------------|--------------------|------------|
 * | conv1   | 7×7 /2, pad 3 | 6 → 64      | 112 [56]           | 18,880     |
 * | conv2   | 5×5 /2, pad 2 | 64 → 128    | 56 [28]            | 204,928    |
 * | conv3   | 5×5 /2, pad 2 | 128 → 256   | 28 [14]            | 819,456    |
 * | conv3_1 | 3×3 /1, pad 1 | 256 → 256   | 28 [14]            | 590,080    |
 * | conv4   | 3×3 /2, pad 1 | 256 → 512   | 14 [7]             | 1,180,160  |
 * | conv4_1 | 3×3 /1, pad 1 | 512 → 512   | 14 [7]             | 2,359,808  |
 * | conv5   | 3×3 /2, pad 1 | 512 → 512   | 7 [4]              | 2,359,808  |
 * | conv5_1 | 3×3 /1, pad 1 | 512 → 512   | 7 [4]              | 2,359,808  |
 * | conv6   | 3×3 /2, pad 1 | 512 → 1024  | 4 [2]              | 4,719,616  |
 * | conv6_1 | 3×3 /1, pad 1 | 1024 → 1024 | 4 [2]              | 9,438,208  |
 * | gap     | mean over H×W |             | 1024 features      |            |
 *
 * Every conv is followed by LeakyReLU(0.1). Encoder: 24,050,752 parameters;
 * forward 6.27 GFLOP per frame pair at 224² (1.60 GFLOP at 112²; at width
 * 0.25: 1,507,600 parameters, 0.39 GFLOP at 224², 0.10 at 112², 0.039 at 64²).
 * The decoder adds 14,624,784 parameters (38,675,536 in all) and 1.96 GFLOP
 * at 224² (deconv5 1024→512, deconv4 1026→256, deconv3 770→128,
 * deconv2 386→64, all 4×4 /2 transposed, LeakyReLU; predict_flow6…2 3×3 to 2
 * channels; upsampled_flow 4×4 /2 transposed 2→2). `planFlowNetS` and
 * `estimateFlowNetSCost` compute these for any size and width.
 *
 * Padding is PyTorch's symmetric (k−1)/2, written as explicit pads, so the
 * PyTorch checkpoint's weights compute the same function (tfjs `same` pads
 * asymmetrically at stride 2 and even sizes). Sizes are ⌈H/2⌉ per stride-2
 * layer; where a decoder upsampling overshoots an odd skip size it is
 * cropped at the bottom/right, as the PyTorch code's `crop_like` does.
 *
 * Variables are named as in the widely used PyTorch checkpoint
 * (`conv1.0.weight`, `deconv5.0.weight`, `predict_flow6.weight`,
 * `upsampled_flow6_to_5.weight`) but hold tfjs layouts: conv filters HWIO
 * `[kh, kw, in, out]`, transposed-conv filters `[kh, kw, out, in]`.
 * `flownets-weights.ts` converts from and to PyTorch's OIHW / `[in, out, kh, kw]`.
 */
import { tf } from '../engine/tf.js';
import type { Tensor, Tensor2D, Tensor4D, Tensor5D, Variable } from '../engine/tf.js';
import { childSeed } from '../data/random.js';
import { ConfigError, ShapeError } from '../errors.js';
import { checkBoolean, checkNumber, checkWhole } from '../config-checks.js';
import { variableFromWeights } from './initial-weights.js';
import type { CreateNetworkOptions } from './initial-weights.js';

export interface FlowNetSConfig {
  /** Multiplies every channel count (at least 1 channel each), for small CPU runs. 1 = the paper's widths. */
  widthMultiplier: number;
  /** Builds the flow decoder too (pretraining); the PAD branch needs only the encoder. */
  decoder: boolean;
  /** Seed of the weight initialisation. */
  seed: number;
}

export const DEFAULT_FLOWNETS_CONFIG: Readonly<FlowNetSConfig> = Object.freeze({
  widthMultiplier: 1,
  decoder: false,
  seed: 0,
});

/** FlowNetS's LeakyReLU slope. */
export const FLOWNETS_LEAKY_SLOPE = 0.1;

interface EncoderLayerSpec {
  name: string;
  kernel: number;
  stride: number;
  /** Output channels at multiplier 1. */
  channels: number;
}

/** The encoder of Dosovitskiy et al. 2015, Table/Fig. 2 (FlowNetSimple). */
export const FLOWNETS_ENCODER_LAYERS: readonly EncoderLayerSpec[] = Object.freeze([
  { name: 'conv1', kernel: 7, stride: 2, channels: 64 },
  { name: 'conv2', kernel: 5, stride: 2, channels: 128 },
  { name: 'conv3', kernel: 5, stride: 2, channels: 256 },
  { name: 'conv3_1', kernel: 3, stride: 1, channels: 256 },
  { name: 'conv4', kernel: 3, stride: 2, channels: 512 },
  { name: 'conv4_1', kernel: 3, stride: 1, channels: 512 },
  { name: 'conv5', kernel: 3, stride: 2, channels: 512 },
  { name: 'conv5_1', kernel: 3, stride: 1, channels: 512 },
  { name: 'conv6', kernel: 3, stride: 2, channels: 1024 },
  { name: 'conv6_1', kernel: 3, stride: 1, channels: 1024 },
]);

/** Output channels of deconv5 … deconv2 at multiplier 1. */
const DECONV_CHANNELS = Object.freeze({ deconv5: 512, deconv4: 256, deconv3: 128, deconv2: 64 });
/** Decoder levels from coarse to fine: the skip it joins and the deconv that reaches it. */
const DECODER_LEVELS = Object.freeze([
  { level: 5, skip: 'conv5_1', deconv: 'deconv5' },
  { level: 4, skip: 'conv4_1', deconv: 'deconv4' },
  { level: 3, skip: 'conv3_1', deconv: 'deconv3' },
  { level: 2, skip: 'conv2', deconv: 'deconv2' },
] as const);
const UP_KERNEL = 4;
const UP_STRIDE = 2;
const PREDICT_KERNEL = 3;

export interface EncoderLayerPlan {
  name: string;
  kernel: number;
  stride: number;
  pad: number;
  inChannels: number;
  outChannels: number;
  inSize: number;
  outSize: number;
}

export interface DecoderLayerPlan {
  /** `deconv5`, `predict_flow6`, `upsampled_flow6_to_5`, … */
  name: string;
  kind: 'deconv' | 'predict' | 'upsample';
  kernel: number;
  inChannels: number;
  outChannels: number;
  inSize: number;
  /** Output size after cropping to the skip connection. */
  outSize: number;
}

export interface FlowNetSPlan {
  config: Readonly<FlowNetSConfig>;
  inputSize: number;
  encoder: EncoderLayerPlan[];
  /** Empty without the decoder. */
  decoder: DecoderLayerPlan[];
  /** conv6_1's channels: the width of the pooled branch features. */
  outputChannels: number;
  /** conv6_1's spatial size. */
  featureSize: number;
}

/** Validates a partial config against the defaults; errors name the field. */
export function resolveFlowNetSConfig(partial: Partial<FlowNetSConfig> = {}): Readonly<FlowNetSConfig> {
  const c = { ...DEFAULT_FLOWNETS_CONFIG, ...partial };
  checkNumber('flownets.widthMultiplier', c.widthMultiplier, { min: 0, max: 4, minExclusive: true });
  checkBoolean('flownets.decoder', c.decoder);
  checkWhole('flownets.seed', c.seed, 0);
  return Object.freeze(c);
}

const scaled = (channels: number, multiplier: number): number => Math.max(1, Math.round(channels * multiplier));
/** PyTorch's `Conv2d(padding=(k-1)//2)` output size. */
const convOut = (size: number, kernel: number, stride: number): number => Math.floor((size + 2 * ((kernel - 1) >> 1) - kernel) / stride) + 1;

/** Every layer size for a config at a square `inputSize` (pure; no tensors). */
export function planFlowNetS(partial: Partial<FlowNetSConfig>, inputSize: number): FlowNetSPlan {
  const config = resolveFlowNetSConfig(partial);
  checkWhole('flownets.inputSize', inputSize, 1);
  const m = config.widthMultiplier;
  const encoder: EncoderLayerPlan[] = [];
  let size = inputSize;
  let channels = 6;
  for (const l of FLOWNETS_ENCODER_LAYERS) {
    const outSize = convOut(size, l.kernel, l.stride);
    const outChannels = scaled(l.channels, m);
    encoder.push({ name: l.name, kernel: l.kernel, stride: l.stride, pad: (l.kernel - 1) >> 1, inChannels: channels, outChannels, inSize: size, outSize });
    size = outSize;
    channels = outChannels;
  }
  const byName = new Map(encoder.map((l) => [l.name, l]));
  const decoder: DecoderLayerPlan[] = [];
  if (config.decoder) {
    // Walk coarse to fine as the forward pass does, tracking the channels and
    // size of the feature map the next predict/deconv reads.
    let featChannels = byName.get('conv6_1')!.outChannels;
    let featSize = byName.get('conv6_1')!.outSize;
    for (const { level, skip, deconv } of DECODER_LEVELS) {
      const target = byName.get(skip)!;
      const deconvOut = scaled(DECONV_CHANNELS[deconv], m);
      decoder.push({ name: `predict_flow${level + 1}`, kind: 'predict', kernel: PREDICT_KERNEL, inChannels: featChannels, outChannels: 2, inSize: featSize, outSize: featSize });
      decoder.push({ name: `upsampled_flow${level + 1}_to_${level}`, kind: 'upsample', kernel: UP_KERNEL, inChannels: 2, outChannels: 2, inSize: featSize, outSize: target.outSize });
      decoder.push({ name: deconv, kind: 'deconv', kernel: UP_KERNEL, inChannels: featChannels, outChannels: deconvOut, inSize: featSize, outSize: target.outSize });
      if (UP_STRIDE * featSize < target.outSize) {
        throw new ConfigError('flownets.inputSize', `${inputSize}: the decoder cannot reach ${skip}'s size ${target.outSize} from ${featSize}`);
      }
      featChannels = target.outChannels + deconvOut + 2;
      featSize = target.outSize;
    }
    decoder.push({ name: 'predict_flow2', kind: 'predict', kernel: PREDICT_KERNEL, inChannels: featChannels, outChannels: 2, inSize: featSize, outSize: featSize });
  }
  const last = encoder.at(-1)!;
  return { config, inputSize, encoder, decoder, outputChannels: last.outChannels, featureSize: last.outSize };
}

/** One parameter tensor: its PyTorch name, tfjs shape (what the variable holds) and PyTorch shape (what a checkpoint holds). */
export interface FlowNetSParameterSpec {
  name: string;
  part: 'encoder' | 'decoder';
  /** `conv`: OIHW ↔ HWIO; `deconv`: `[in, out, kh, kw]` ↔ `[kh, kw, out, in]`; `bias`: 1-D. */
  layout: 'conv' | 'deconv' | 'bias';
  tfShape: number[];
  torchShape: number[];
  /** Inputs that feed one output value, for He initialisation. */
  fanIn: number;
}

/** Every parameter of the planned network, in PyTorch's `state_dict` order. */
export function flowNetSParameters(plan: FlowNetSPlan): FlowNetSParameterSpec[] {
  const out: FlowNetSParameterSpec[] = [];
  for (const l of plan.encoder) {
    const k = l.kernel;
    out.push({ name: `${l.name}.0.weight`, part: 'encoder', layout: 'conv', tfShape: [k, k, l.inChannels, l.outChannels], torchShape: [l.outChannels, l.inChannels, k, k], fanIn: k * k * l.inChannels });
    out.push({ name: `${l.name}.0.bias`, part: 'encoder', layout: 'bias', tfShape: [l.outChannels], torchShape: [l.outChannels], fanIn: 1 });
  }
  // PyTorch registers deconvs, then predictions, then upsamplers.
  const order = { deconv: 0, predict: 1, upsample: 2 } as const;
  const decoder = [...plan.decoder].sort((a, b) => order[a.kind] - order[b.kind]);
  for (const l of decoder) {
    const k = l.kernel;
    if (l.kind === 'predict') {
      out.push({ name: `${l.name}.weight`, part: 'decoder', layout: 'conv', tfShape: [k, k, l.inChannels, 2], torchShape: [2, l.inChannels, k, k], fanIn: k * k * l.inChannels });
    } else {
      // A 4×4 stride-2 transposed conv feeds each output from (k/s)² = 4 taps per input channel.
      const name = l.kind === 'deconv' ? `${l.name}.0.weight` : `${l.name}.weight`;
      const fanIn = ((k * k) / (UP_STRIDE * UP_STRIDE)) * l.inChannels;
      out.push({ name, part: 'decoder', layout: 'deconv', tfShape: [k, k, l.outChannels, l.inChannels], torchShape: [l.inChannels, l.outChannels, k, k], fanIn });
    }
  }
  return out;
}

export interface FlowNetSCost {
  encoderParameters: number;
  decoderParameters: number;
  /** Multiply-adds × 2 of the encoder's forward pass for one frame pair. */
  encoderForwardFlops: number;
  decoderForwardFlops: number;
}

/** Parameters and forward FLOPs per frame pair, worked out from the plan. */
export function estimateFlowNetSCost(plan: FlowNetSPlan): FlowNetSCost {
  let encoderParameters = 0;
  let encoderForwardFlops = 0;
  for (const l of plan.encoder) {
    const weights = l.kernel * l.kernel * l.inChannels * l.outChannels;
    encoderParameters += weights + l.outChannels;
    encoderForwardFlops += 2 * weights * l.outSize * l.outSize;
  }
  let decoderParameters = 0;
  let decoderForwardFlops = 0;
  for (const l of plan.decoder) {
    const weights = l.kernel * l.kernel * l.inChannels * l.outChannels;
    decoderParameters += weights;
    // A transposed conv scatters every input pixel through the whole kernel.
    decoderForwardFlops += 2 * weights * (l.kind === 'predict' ? l.outSize * l.outSize : l.inSize * l.inSize);
  }
  return { encoderParameters, decoderParameters, encoderForwardFlops, decoderForwardFlops };
}

/** The encoder's skip outputs, NHWC. */
export interface FlowNetSEncoding {
  conv2: Tensor4D;
  conv3_1: Tensor4D;
  conv4_1: Tensor4D;
  conv5_1: Tensor4D;
  conv6_1: Tensor4D;
}

/** A built FlowNetS: named variables plus its forward passes. */
export interface FlowNetS {
  readonly config: Readonly<FlowNetSConfig>;
  /** conv6_1's channels, C6: what `forwardBranch` adds to the fc input. */
  readonly outputChannels: number;
  /** Every parameter by PyTorch name, in tfjs layout (see the module header). */
  readonly variables: ReadonlyMap<string, Variable>;
  /** `[B, H, W, 6]` (frame 1 RGB, frame 2 RGB) → conv6_1 activations `[B, ⌈H/64⌉, ⌈W/64⌉, C6]`. */
  forwardEncoder(pair: Tensor4D): Tensor4D;
  /** `[B, H, W, 6]` → flows `[flow2, flow3, flow4, flow5, flow6]`, finest first, `[B, h_l, w_l, 2]` (x then y). Needs the decoder. */
  forwardFlow(pair: Tensor4D): Tensor4D[];
  /** Clip `[B, T, H, W, 3]` → pooled features of frames 1 and T, `[B, C6]`. */
  forwardBranch(clip: Tensor5D): Tensor2D;
  dispose(): void;
}

/** Frames 1 and T of a clip stacked on channels: `[B, T, H, W, 3]` → `[B, H, W, 6]`. */
export function clipFramePair(clip: Tensor5D): Tensor4D {
  if (clip.rank !== 5 || clip.shape[4] !== 3 || clip.shape[1] < 2) {
    throw new ShapeError(`FlowNetS branch input: expected a clip [B, T >= 2, H, W, 3], got [${clip.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const [b, t, h, w] = clip.shape;
    const first = tf.slice(clip, [0, 0, 0, 0, 0], [b, 1, h, w, 3]);
    const last = tf.slice(clip, [0, t - 1, 0, 0, 0], [b, 1, h, w, 3]);
    return tf.reshape(tf.concat([first, last], 4), [b, h, w, 6]) as Tensor4D;
  });
}

/** Mean over the spatial axes: `[B, h, w, C]` → `[B, C]`. */
export function globalAveragePool(features: Tensor4D): Tensor2D {
  if (features.rank !== 4) throw new ShapeError(`globalAveragePool: expected [B, h, w, C], got [${features.shape.join(', ')}]`);
  return tf.mean(features, [1, 2]) as Tensor2D;
}

/** Keeps the top-left `[h, w]` of `x`, as PyTorch's `crop_like`. */
function cropTo(x: Tensor4D, h: number, w: number): Tensor4D {
  const [b, xh, xw, c] = x.shape;
  return xh === h && xw === w ? x : (tf.slice(x, [0, 0, 0, 0], [b, h, w, c]) as Tensor4D);
}

/** Builds FlowNetS with He-initialised weights (slope-aware, as the PyTorch code's `kaiming_normal_(w, 0.1)`) and zero biases. */
export function createFlowNetS(partial: Partial<FlowNetSConfig> = {}, options: CreateNetworkOptions = {}): FlowNetS {
  const config = resolveFlowNetSConfig(partial);
  // Sizes don't matter for the parameters; any input size plans the same channels.
  const plan = planFlowNetS(config, 64);
  const specs = flowNetSParameters(plan);
  const vars = new Map<string, Variable>();
  const gain = Math.sqrt(2 / (1 + FLOWNETS_LEAKY_SLOPE ** 2));
  const saved = options.initialWeights;
  try {
    for (const s of specs) {
      // Inside tidy, so the initial value (whose buffer the variable shares) is not left tracked.
      const v = saved
        ? variableFromWeights(saved, s.name, s.tfShape)
        : tf.tidy(() =>
            tf.variable(
              s.layout === 'bias' ? tf.zeros(s.tfShape) : tf.randomNormal(s.tfShape, 0, gain / Math.sqrt(s.fanIn), 'float32', childSeed(config.seed, 'flownets', s.name)),
              true,
            ),
          );
      vars.set(s.name, v);
    }
  } catch (err) {
    vars.forEach((variable) => variable.dispose());
    throw err;
  }
  const v = (name: string): Tensor4D => {
    const found = vars.get(name);
    if (!found) throw new Error(`internal: FlowNetS has no variable ${name}`);
    return found as Tensor as Tensor4D;
  };
  const encoderPlan = plan.encoder;

  const conv = (x: Tensor4D, name: string, stride: number, pad: number): Tensor4D =>
    tf.leakyRelu(tf.add(tf.conv2d(x, v(`${name}.0.weight`), stride, [[0, 0], [pad, pad], [pad, pad], [0, 0]]), v(`${name}.0.bias`)), FLOWNETS_LEAKY_SLOPE) as Tensor4D;
  /**
   * PyTorch `ConvTranspose2d(k=4, s=2, p=1)`: exactly doubles the size. (A
   * sub-pixel form, one 3×3 conv to the four output phases and a reshape, was
   * measured 2× slower on wasm at pretraining sizes, so tfjs's op stays.)
   */
  const upsample = (x: Tensor4D, filter: Tensor4D): Tensor4D => {
    const [b, h, w] = x.shape;
    return tf.conv2dTranspose(x, filter, [b, UP_STRIDE * h, UP_STRIDE * w, filter.shape[2]], UP_STRIDE, [[0, 0], [1, 1], [1, 1], [0, 0]]);
  };
  const predict = (x: Tensor4D, name: string): Tensor4D => tf.conv2d(x, v(`${name}.weight`), 1, [[0, 0], [1, 1], [1, 1], [0, 0]]);

  const checkPair = (pair: Tensor4D): void => {
    if (pair.rank !== 4 || pair.shape[3] !== 6) throw new ShapeError(`FlowNetS input: expected a frame pair [B, H, W, 6], got [${pair.shape.join(', ')}]`);
  };
  const encode = (pair: Tensor4D): FlowNetSEncoding => {
    const outs: Record<string, Tensor4D> = {};
    let x = pair;
    for (const l of encoderPlan) {
      x = conv(x, l.name, l.stride, l.pad);
      outs[l.name] = x;
    }
    return { conv2: outs.conv2!, conv3_1: outs.conv3_1!, conv4_1: outs.conv4_1!, conv5_1: outs.conv5_1!, conv6_1: outs.conv6_1! };
  };

  const forwardEncoder = (pair: Tensor4D): Tensor4D => {
    checkPair(pair);
    return tf.tidy(() => encode(pair).conv6_1);
  };

  const forwardFlow = (pair: Tensor4D): Tensor4D[] => {
    checkPair(pair);
    if (!config.decoder) throw new ShapeError('FlowNetS.forwardFlow: this network was built without its decoder (flownets.decoder = false)');
    return tf.tidy(() => {
      const enc = encode(pair);
      let features = enc.conv6_1;
      let flow = predict(features, 'predict_flow6');
      const flows: Tensor4D[] = [flow];
      for (const { level, skip, deconv } of DECODER_LEVELS) {
        const target = enc[skip];
        const [, th, tw] = target.shape;
        const flowUp = cropTo(upsample(flow, v(`upsampled_flow${level + 1}_to_${level}.weight`)), th, tw);
        const deconvOut = cropTo(tf.leakyRelu(upsample(features, v(`${deconv}.0.weight`)), FLOWNETS_LEAKY_SLOPE) as Tensor4D, th, tw);
        // The concatenation order (skip, deconv, flow) is the checkpoint's: predict_flow weights depend on it.
        features = tf.concat([target, deconvOut, flowUp], 3);
        flow = predict(features, `predict_flow${level}`);
        flows.unshift(flow);
      }
      return flows;
    });
  };

  return {
    config,
    outputChannels: plan.outputChannels,
    variables: vars,
    forwardEncoder,
    forwardFlow,
    forwardBranch: (clip) => tf.tidy(() => globalAveragePool(forwardEncoder(clipFramePair(clip)))),
    dispose: () => vars.forEach((variable) => variable.dispose()),
  };
}
