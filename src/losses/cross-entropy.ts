/**
 * Softmax cross-entropy on logits, and the linear head `[D, C]` that makes
 * those logits from embeddings for the plain classification baseline. The
 * margin-softmax losses reuse `softmaxCrossEntropy` on their own logits.
 */
import { tf } from '../engine/tf.js';
import type { Tensor1D, Tensor2D } from '../engine/tf.js';

/**
 * Mean over the batch of −log softmax(logits)[label]; `logits` `[B, C]`,
 * `labels` int32 `[B]` class indices. Uses log-softmax (log-sum-exp shifted
 * by the row max), so logits of any size stay finite.
 */
export function softmaxCrossEntropy(logits: Tensor2D, labels: Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const [b, c] = logits.shape;
    // oneHot straight to float32 is wrong on tfjs-wasm 4.22 (its kernel writes
    // int32 bits into the float buffer: 1 reads as 1.4e-45); cast instead.
    const target = tf.cast(tf.oneHot(labels, c), 'float32');
    return tf.div(tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logits)))), b) as tf.Scalar;
  });
}

/** `[B, D]` embeddings → `[B, C]` logits through a linear head (`weight` `[D, C]`, `bias` `[C]`). */
export function linearLogits(embeddings: Tensor2D, weight: Tensor2D, bias: Tensor1D): Tensor2D {
  return tf.tidy(() => tf.add(tf.matMul(embeddings, weight), bias) as Tensor2D);
}
