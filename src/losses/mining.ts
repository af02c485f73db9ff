/**
 * Which pairs and triplets of a batch a loss looks at, from the labels alone.
 *
 * The enumerations (`minePairs`, `mineTriplets`) are pure index logic over
 * plain label arrays; the losses use the equivalent 0/1 masks built inside the
 * tensor graph (`pairMasks`, `tripletMask`), so a training step never reads
 * labels back from the backend. Batch-hard selection (`hardestPerAnchor`)
 * needs the distances, so it is masks all the way.
 *
 * Pairs are ordered (i, j) with i ≠ j: both (i, j) and (j, i) are counted,
 * which leaves every mean unchanged and keeps the masks symmetric.
 */
import { tf } from '../engine/tf.js';
import type { Tensor1D, Tensor2D, Tensor3D } from '../engine/tf.js';

export type Pair = readonly [number, number];
export type Triplet = readonly [anchor: number, positive: number, negative: number];

/** Every ordered positive pair (same label, i ≠ j) and negative pair (different labels). */
export function minePairs(labels: ArrayLike<number>): { positive: Pair[]; negative: Pair[] } {
  const positive: Pair[] = [];
  const negative: Pair[] = [];
  for (let i = 0; i < labels.length; i++) {
    for (let j = 0; j < labels.length; j++) {
      if (i === j) continue;
      (labels[i] === labels[j] ? positive : negative).push([i, j]);
    }
  }
  return { positive, negative };
}

/** Batch-all: every (anchor, positive, negative) with label[a] = label[p], a ≠ p, label[n] ≠ label[a]. */
export function mineTriplets(labels: ArrayLike<number>): Triplet[] {
  const out: Triplet[] = [];
  for (let a = 0; a < labels.length; a++) {
    for (let p = 0; p < labels.length; p++) {
      if (p === a || labels[p] !== labels[a]) continue;
      for (let n = 0; n < labels.length; n++) {
        if (labels[n] !== labels[a]) out.push([a, p, n]);
      }
    }
  }
  return out;
}

/** The ordered pairs of `minePairs` as float32 0/1 masks `[B, B]` (diagonal excluded from `positive`). */
export function pairMasks(labels: Tensor1D): { positive: Tensor2D; negative: Tensor2D } {
  return tf.tidy(() => {
    const b = labels.shape[0];
    const same = tf.cast(tf.equal(tf.reshape(labels, [b, 1]), tf.reshape(labels, [1, b])), 'float32');
    const positive = tf.sub(same, tf.eye(b)) as Tensor2D;
    const negative = tf.sub(1, same) as Tensor2D;
    return { positive, negative };
  });
}

/** The triplets of `mineTriplets` as a float32 0/1 mask `[B(anchor), B(positive), B(negative)]`. */
export function tripletMask(labels: Tensor1D): Tensor3D {
  return tf.tidy(() => {
    const b = labels.shape[0];
    const { positive, negative } = pairMasks(labels);
    return tf.mul(tf.reshape(positive, [b, b, 1]), tf.reshape(negative, [b, 1, b])) as Tensor3D;
  });
}

export interface HardestPerAnchor {
  /** `[B]`: per anchor, the least similar positive (cosine) / the farthest positive (L2). */
  hardestPositive: Tensor1D;
  /** `[B]`: per anchor, the most similar negative (cosine) / the nearest negative (L2). */
  hardestNegative: Tensor1D;
  /** `[B]` 0/1: the anchor has at least one positive and one negative; other rows hold fill values. */
  valid: Tensor1D;
}

/**
 * Batch-hard mining on a `[B, B]` similarity or distance matrix. Non-candidates
 * are replaced (with `where`, so no gradient reaches them) by a finite value
 * that can never be the extreme; anchors without a positive or a negative are
 * flagged invalid for the loss to mask out. The extreme is picked by index
 * (the first on a tie), so the gradient reaches one entry: tfjs's `max` would
 * send it to every tied entry, doubling it for duplicate embeddings.
 */
export function hardestPerAnchor(matrix: Tensor2D, labels: Tensor1D, isSimilarity: boolean): HardestPerAnchor {
  return tf.tidy(() => {
    const { positive, negative } = pairMasks(labels);
    const isPos = tf.cast(positive, 'bool');
    const isNeg = tf.cast(negative, 'bool');
    const valid = tf.mul(tf.step(tf.sum(positive, 1)), tf.step(tf.sum(negative, 1))) as Tensor1D;
    let hardestPositive: Tensor1D;
    let hardestNegative: Tensor1D;
    if (isSimilarity) {
      // Cosine similarities lie in [−1, 1], so ±2 can never win.
      hardestPositive = pickExtreme(tf.where(isPos, matrix, tf.fill(matrix.shape, 2)) as Tensor2D, 'min');
      hardestNegative = pickExtreme(tf.where(isNeg, matrix, tf.fill(matrix.shape, -2)) as Tensor2D, 'max');
    } else {
      // Distances are ≥ 0; the fill for the min exceeds every distance of the batch.
      const above = tf.add(tf.max(matrix), 1);
      hardestPositive = pickExtreme(tf.where(isPos, matrix, tf.zerosLike(matrix)) as Tensor2D, 'max');
      hardestNegative = pickExtreme(tf.where(isNeg, matrix, tf.mul(tf.onesLike(matrix), above)) as Tensor2D, 'min');
    }
    return { hardestPositive, hardestNegative, valid };
  });
}

/** Row-wise max or min `[B, B]` → `[B]`, differentiable into the first extreme entry only. */
function pickExtreme(values: Tensor2D, kind: 'max' | 'min'): Tensor1D {
  return tf.tidy(() => {
    const index = kind === 'max' ? tf.argMax(values, 1) : tf.argMin(values, 1);
    return tf.sum(tf.mul(values, tf.cast(tf.oneHot(index, values.shape[1]), 'float32')), 1) as Tensor1D;
  });
}
