/**
 * Triplet loss with a margin, on triplets mined in the batch: `all` (every
 * valid anchor-positive-negative, "batch-all") or `hard` (per anchor its
 * hardest positive and hardest negative, "batch-hard", Hermans et al. 2017).
 *
 * With cosine similarity the loss uses the similarities directly,
 * relu(s(a,n) − s(a,p) + margin), which equals the distance form with
 * d = 1 − s; so `margin` is in cosine units. With L2 distance it is
 * relu(d(a,p) − d(a,n) + margin), `margin` in embedding units.
 * A batch without a valid triplet (one class, or no class with two members)
 * gives 0.
 */
import { tf } from '../engine/tf.js';
import type { Tensor1D, Tensor2D } from '../engine/tf.js';
import { getDistance } from './distance.js';
import type { DistanceName } from './distance.js';
import { hardestPerAnchor, tripletMask } from './mining.js';
import { reduceLosses } from './reducer.js';
import type { ReducerName } from './reducer.js';

export const TRIPLET_MINING_NAMES = ['all', 'hard'] as const;
export type TripletMining = (typeof TRIPLET_MINING_NAMES)[number];

export interface TripletConfig {
  distance: DistanceName;
  /** In the distance's units: cosine similarity, or L2 distance. */
  margin: number;
  mining: TripletMining;
  /** Over triplets (`all`) or over anchors (`hard`). */
  reducer: ReducerName;
}

/** Scalar triplet loss of `[B, D]` embeddings with int32 `[B]` labels (shapes checked by the caller). */
export function tripletLoss(embeddings: Tensor2D, labels: Tensor1D, config: TripletConfig): tf.Scalar {
  return tf.tidy(() => {
    const distance = getDistance(config.distance);
    const m = distance.matrix(embeddings);
    const b = m.shape[0];
    // "closer" ap minus "closer" an, oriented so that a violation is positive.
    const sign = distance.isSimilarity ? -1 : 1;
    if (config.mining === 'hard') {
      const { hardestPositive, hardestNegative, valid } = hardestPerAnchor(m, labels, distance.isSimilarity);
      const losses = tf.relu(tf.add(tf.mul(sign, tf.sub(hardestPositive, hardestNegative)), config.margin));
      return reduceLosses(losses, valid, config.reducer);
    }
    const ap = tf.reshape(m, [b, b, 1]);
    const an = tf.reshape(m, [b, 1, b]);
    const losses = tf.relu(tf.add(tf.mul(sign, tf.sub(ap, an)), config.margin));
    return reduceLosses(losses, tripletMask(labels), config.reducer);
  });
}
