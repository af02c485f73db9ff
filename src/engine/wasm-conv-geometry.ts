/**
 * Pure geometry behind vidpad's wasm gradient kernels: the paddings that turn
 * the two gradients of a 2D convolution into forward convolutions, one
 * spatial axis at a time. No tensors here, so every case can be tested by
 * arithmetic alone.
 *
 * Notation for one axis of the forward convolution: `inSize` input pixels,
 * `padBefore` zeros in front (tfjs's padInfo.top or .left), `kernel` taps,
 * `stride`, and `outSize` outputs (the size of dy, whatever rounding produced
 * it). Output i reads padded input rows i·stride … i·stride + kernel − 1.
 */
import { ShapeError } from '../errors.js';

/** One axis of the filter gradient written as a correlation of x with dy. */
export interface FilterGradAxis {
  /** Zeros before x in the correlation (the forward conv's own front pad). */
  padBefore: number;
  /** Zeros after x, never negative. */
  padAfter: number;
  /**
   * Zero outputs appended to dy. Needed when the last forward window ends
   * before the input does (extent not divisible by the stride): the
   * correlation, whose dilated "filter" is dy, would otherwise need a
   * negative pad, i.e. a crop of x. Padding dy by one zero row instead keeps
   * every step on pad kernels and costs at most one extra row of taps.
   */
  extraOutputs: number;
}

/**
 * dW[a] = Σ_i xpad[i·stride + a] · dy[i] for a in [0, kernel): a forward
 * correlation of x with dy dilated by `stride`, whose output must be exactly
 * `kernel` long: padBefore + inSize + padAfter − ((outSize−1)·stride + 1) + 1 = kernel.
 */
export function filterGradAxis(inSize: number, outSize: number, kernel: number, stride: number, padBefore: number): FilterGradAxis {
  checkAxis(inSize, outSize, kernel, stride, padBefore);
  const tight = kernel + (outSize - 1) * stride - inSize - padBefore;
  const extraOutputs = tight < 0 ? Math.ceil(-tight / stride) : 0;
  return { padBefore, padAfter: tight + extraOutputs * stride, extraOutputs };
}

/** One axis of the input gradient written as a forward conv of zero-dilated dy. */
export interface InputGradAxis {
  /** Zeros before dilated dy. */
  padBefore: number;
  /**
   * Zeros after dilated dy, where dilated dy is `outSize·stride` long (each
   * output followed by stride − 1 zeros, including the last one).
   */
  padAfter: number;
  /**
   * Outputs of the conv to drop at the front and back. Non-zero only where
   * the exact pad would be negative: a forward pad larger than kernel − 1, or
   * the dilation's trailing zeros running past the input's last window.
   */
  cropBefore: number;
  cropAfter: number;
}

/**
 * dx[p] = Σ_a dy[(p + padBefore − a) / stride] · w[a] over the a that divide
 * evenly: a full correlation of dilated dy with the flipped filter, whose
 * output, after the crops, is exactly `inSize` long.
 */
export function inputGradAxis(inSize: number, outSize: number, kernel: number, stride: number, padBefore: number): InputGradAxis {
  checkAxis(inSize, outSize, kernel, stride, padBefore);
  const before = kernel - 1 - padBefore;
  // Uncropped output length = before + outSize·stride + after − kernel + 1 must equal inSize.
  const after = inSize + padBefore - outSize * stride;
  return { padBefore: Math.max(0, before), padAfter: Math.max(0, after), cropBefore: Math.max(0, -before), cropAfter: Math.max(0, -after) };
}

function checkAxis(inSize: number, outSize: number, kernel: number, stride: number, padBefore: number): void {
  const vals = { inSize, outSize, kernel, stride };
  for (const [name, v] of Object.entries(vals)) {
    if (!Number.isInteger(v) || v < 1) throw new ShapeError(`conv geometry: ${name} must be a whole number >= 1, got ${String(v)}`);
  }
  if (!Number.isInteger(padBefore) || padBefore < 0) {
    throw new ShapeError(`conv geometry: padBefore must be a whole number >= 0, got ${String(padBefore)}`);
  }
}
