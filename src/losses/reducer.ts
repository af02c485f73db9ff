/**
 * Reducers: how a loss turns its per-pair (or per-triplet, per-anchor) values
 * into one scalar.
 *
 * - `meanNonZero`: the mean over the elements whose loss is > 0, i.e.
 *   pytorch-metric-learning's AvgNonZeroReducer. Pairs already satisfying their
 *   margin do not dilute the gradient of the ones that do not, which matters
 *   late in training when most pairs are easy. The default of the pair and
 *   triplet losses.
 * - `mean`: the plain mean over every mined element (zeros included).
 *
 * Both give 0 (with a zero gradient, never NaN) when nothing was mined or
 * every element is already 0.
 */
import { tf } from '../engine/tf.js';
import type { Tensor } from '../engine/tf.js';

export const REDUCER_NAMES = ['meanNonZero', 'mean'] as const;
export type ReducerName = (typeof REDUCER_NAMES)[number];

/**
 * Reduces `losses` (≥ 0) over the elements where `mask` is 1 (masks are 0/1
 * float32, the same shape as `losses`). Returns a scalar.
 */
export function reduceLosses(losses: Tensor, mask: Tensor, reducer: ReducerName): tf.Scalar {
  return tf.tidy(() => {
    const masked = tf.mul(losses, mask);
    // `sign` rather than a comparison: it is on the differentiated path, and
    // tfjs has gradients for `sign` (zero) but none for `greater`.
    const count = reducer === 'mean' ? tf.sum(mask) : tf.sum(tf.sign(masked));
    return tf.div(tf.sum(masked), tf.maximum(count, 1)) as tf.Scalar;
  });
}
