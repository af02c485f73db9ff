/**
 * Contrastive loss over every pair of a batch (Hadsell et al. 2006, in
 * pytorch-metric-learning's two-margin form): a distance, the pairs mined from
 * the labels, and a reducer applied to the positive and the negative pairs
 * separately, then summed.
 *
 * With cosine similarity s (the paper's choice): positive pairs cost
 * relu(posMargin − s) and negative pairs relu(s − negMargin). With L2
 * distance d the direction flips: relu(d − posMargin) and relu(negMargin − d).
 * A batch of one class has no negative pairs; that term is then 0.
 */
import { tf } from '../engine/tf.js';
import type { Tensor1D, Tensor2D } from '../engine/tf.js';
import { getDistance } from './distance.js';
import type { DistanceName } from './distance.js';
import { pairMasks } from './mining.js';
import { reduceLosses } from './reducer.js';
import type { ReducerName } from './reducer.js';

export interface ContrastiveConfig {
  distance: DistanceName;
  /** Cosine: positives below this similarity are pulled together. L2: positives farther than this distance. */
  posMargin: number;
  /** Cosine: negatives above this similarity are pushed apart. L2: negatives nearer than this distance. */
  negMargin: number;
  reducer: ReducerName;
}

/** Scalar contrastive loss of `[B, D]` embeddings with int32 `[B]` labels (shapes checked by the caller). */
export function contrastiveLoss(embeddings: Tensor2D, labels: Tensor1D, config: ContrastiveConfig): tf.Scalar {
  return tf.tidy(() => {
    const distance = getDistance(config.distance);
    const m = distance.matrix(embeddings);
    const { positive, negative } = pairMasks(labels);
    const posLosses = distance.isSimilarity ? tf.relu(tf.sub(config.posMargin, m)) : tf.relu(tf.sub(m, config.posMargin));
    const negLosses = distance.isSimilarity ? tf.relu(tf.sub(m, config.negMargin)) : tf.relu(tf.sub(config.negMargin, m));
    return tf.add(reduceLosses(posLosses, positive, config.reducer), reduceLosses(negLosses, negative, config.reducer)) as tf.Scalar;
  });
}
