/**
 * The (2+1)D convolution of R(2+1)D, written with `conv2d` only.
 *
 * A full t×k×k 3D convolution is factored into a spatial 1×k×k convolution to
 * `mid` channels and a temporal t×1×1 convolution to the output channels.
 * TensorFlow.js's Conv3D kernels are naive loops on every backend (about
 * 0.3 GFLOP/s here), while Conv2D runs on XNNPACK (wasm) or oneDNN (native),
 * so both halves are expressed as 2D convolutions over reshaped views:
 * - spatial: time folded into the batch, `[B·T, H, W, C]`, filter `[k, k, C, mid]`;
 * - temporal: pixels laid on one axis, `[B, T, H·W, mid]`, filter `[t, 1, mid, Cout]`.
 * Reshapes of contiguous tensors are free in tfjs, so no data moves between them.
 */
import { tf } from './tf.js';
import type { Tensor1D, Tensor4D, Tensor5D } from './tf.js';
import { ConfigError, ShapeError } from '../errors.js';

/** Spatial padding: tfjs's `same`/`valid`, or explicit `[[top, bottom], [left, right]]` in pixels. */
export type SpatialPadding = 'same' | 'valid' | [[number, number], [number, number]];
/** Temporal padding: `same`/`valid`, or explicit `[front, back]` in frames. */
export type TemporalPadding = 'same' | 'valid' | [number, number];

/** Applied to a conv's output, fused into the convolution where the backend can. */
export type ConvActivation = 'linear' | 'relu';

export interface SpatialConvSpec {
  /** Filter `[kh, kw, cin, cout]`. */
  filter: Tensor4D;
  bias?: Tensor1D;
  activation?: ConvActivation;
  /** Stride in pixels, one number for both axes or `[sh, sw]`. */
  strides?: number | [number, number];
  padding?: SpatialPadding;
}

export interface TemporalConvSpec {
  /** Filter `[kt, 1, cin, cout]`. */
  filter: Tensor4D;
  bias?: Tensor1D;
  activation?: ConvActivation;
  /** Stride in frames. */
  stride?: number;
  padding?: TemporalPadding;
}

function toTfPad(padding: SpatialPadding): 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]] {
  if (padding === 'same' || padding === 'valid') return padding;
  return [[0, 0], padding[0], padding[1], [0, 0]];
}

/**
 * The front/back frame padding for `same` (tfjs's rule: the odd extra frame
 * goes at the back) or as given.
 */
export function temporalPadAmounts(padding: TemporalPadding, frames: number, kernel: number, stride: number): [number, number] {
  if (padding === 'valid') return [0, 0];
  if (padding === 'same') {
    const outFrames = Math.ceil(frames / stride);
    const total = Math.max(0, (outFrames - 1) * stride + kernel - frames);
    const front = Math.floor(total / 2);
    return [front, total - front];
  }
  return padding;
}

type TfPad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

/**
 * conv2d + bias + activation as one fused op where there is a bias or an
 * activation: the wasm (XNNPACK) and native (oneDNN) kernels apply both in
 * the convolution's own pass instead of two more passes over the output.
 */
function convWithBias(x: Tensor4D, filter: Tensor4D, strides: number | [number, number], pad: TfPad, bias: Tensor1D | undefined, activation: ConvActivation = 'linear'): Tensor4D {
  if (!bias && activation === 'linear') return tf.conv2d(x, filter, strides, pad);
  return tf.fused.conv2d({ x, filter, strides, pad, ...(bias ? { bias } : {}), activation });
}

function assertRank5(x: tf.Tensor, what: string): asserts x is Tensor5D {
  if (x.rank !== 5) throw new ShapeError(`${what}: expected a clip tensor [B, T, H, W, C], got shape [${x.shape.join(', ')}]`);
}

/**
 * Spatial k×k convolution applied to every frame. `x`: `[B, T, H, W, Cin]` →
 * `[B, T, H', W', Cout]`.
 */
export function spatialConv(x: Tensor5D, spec: SpatialConvSpec): Tensor5D {
  assertRank5(x, 'spatialConv input');
  const [b, t, h, w, c] = x.shape;
  const [kh, kw, cin, cout] = spec.filter.shape;
  if (cin !== c) throw new ShapeError(`spatialConv: input has ${c} channels but the filter [${kh}, ${kw}, ${cin}, ${cout}] expects ${cin}`);
  return tf.tidy(() => {
    const frames = tf.reshape(x, [b * t, h, w, c]) as Tensor4D;
    const y = convWithBias(frames, spec.filter, spec.strides ?? 1, toTfPad(spec.padding ?? 'same'), spec.bias, spec.activation);
    const [, ho, wo, co] = y.shape;
    return tf.reshape(y, [b, t, ho, wo, co]) as Tensor5D;
  });
}

/**
 * Temporal t×1×1 convolution. `x`: `[B, T, H, W, Cin]` → `[B, T', H, W, Cout]`.
 */
export function temporalConv(x: Tensor5D, spec: TemporalConvSpec): Tensor5D {
  assertRank5(x, 'temporalConv input');
  const [b, t, h, w, c] = x.shape;
  const [kt, one, cin, cout] = spec.filter.shape;
  if (one !== 1) throw new ShapeError(`temporalConv: filter must be [kt, 1, cin, cout], got [${spec.filter.shape.join(', ')}]`);
  if (cin !== c) throw new ShapeError(`temporalConv: input has ${c} channels but the filter expects ${cin}`);
  const stride = spec.stride ?? 1;
  const [front, back] = temporalPadAmounts(spec.padding ?? 'same', t, kt, stride);
  return tf.tidy(() => {
    const pixels = tf.reshape(x, [b, t, h * w, c]) as Tensor4D;
    const y = convWithBias(pixels, spec.filter, [stride, 1], [[0, 0], [front, back], [0, 0], [0, 0]], spec.bias, spec.activation);
    const to = y.shape[1];
    return tf.reshape(y, [b, to, h, w, cout]) as Tensor5D;
  });
}

export interface Conv2Plus1DSpec {
  spatial: SpatialConvSpec;
  temporal: TemporalConvSpec;
  /** Nonlinearity between the two halves (R(2+1)D's extra ReLU). Default `relu`. */
  midActivation?: ConvActivation;
}

/**
 * (2+1)D convolution: spatial conv, the middle activation, temporal conv.
 * `x`: `[B, T, H, W, Cin]` → `[B, T', H', W', Cout]`. The temporal half's own
 * `activation` (default linear) is the block's output activation.
 */
export function conv2plus1d(x: Tensor5D, spec: Conv2Plus1DSpec): Tensor5D {
  return tf.tidy(() => temporalConv(spatialConv(x, { ...spec.spatial, activation: spec.midActivation ?? 'relu' }), spec.temporal));
}

/**
 * R(2+1)D's middle width: the number of channels between the spatial and the
 * temporal halves that keeps the parameter count of the full t×k×k 3D conv,
 * M = ⌊t·kh·kw·Cin·Cout / (kh·kw·Cin + t·Cout)⌋ (Tran et al. 2018; torchvision's rule).
 */
export function midChannels(cin: number, cout: number, kernelFrames: number, kernelH: number, kernelW: number = kernelH): number {
  for (const [name, v] of Object.entries({ cin, cout, kernelFrames, kernelH, kernelW })) {
    if (!Number.isInteger(v) || v < 1) throw new ConfigError(`midChannels.${name}`, `expected a whole number >= 1, got ${String(v)}`);
  }
  return Math.floor((kernelFrames * kernelH * kernelW * cin * cout) / (kernelH * kernelW * cin + kernelFrames * cout));
}
