/**
 * The paper's two combinations: a margin softmax (ArcFace) plus a pair- or
 * triplet-based metric loss on the same embeddings,
 *
 *   loss = weights.marginSoftmax · marginSoftmax + weights.metric · metric.
 *
 * The class weights W belong to the margin-softmax term; the metric term has
 * no parameters. The weights default to 1 and 1.
 */
import { tf } from '../engine/tf.js';
import type { Tensor1D, Tensor2D } from '../engine/tf.js';
import { contrastiveLoss } from './contrastive.js';
import type { ContrastiveConfig } from './contrastive.js';
import { marginSoftmaxLoss } from './margin-softmax.js';
import type { MarginSoftmaxParams } from './margin-softmax.js';
import { tripletLoss } from './triplet.js';
import type { TripletConfig } from './triplet.js';

/** λ of each term. */
export interface CombinedLossWeights {
  marginSoftmax: number;
  metric: number;
}

export type MetricTerm = { kind: 'triplet'; config: TripletConfig } | { kind: 'contrastive'; config: ContrastiveConfig };

/** Scalar weighted sum of a margin-softmax loss and a metric loss (shapes checked by the caller). */
export function combinedLoss(
  embeddings: Tensor2D,
  classWeights: Tensor2D,
  labels: Tensor1D,
  marginSoftmax: MarginSoftmaxParams,
  metric: MetricTerm,
  weights: CombinedLossWeights,
): tf.Scalar {
  return tf.tidy(() => {
    const softmaxTerm = marginSoftmaxLoss(embeddings, classWeights, labels, marginSoftmax);
    const metricTerm =
      metric.kind === 'triplet' ? tripletLoss(embeddings, labels, metric.config) : contrastiveLoss(embeddings, labels, metric.config);
    return tf.add(tf.mul(weights.marginSoftmax, softmaxTerm), tf.mul(weights.metric, metricTerm)) as tf.Scalar;
  });
}
