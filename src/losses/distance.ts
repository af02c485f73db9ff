/**
 * Distances between the rows of a batch of embeddings, `[B, D]` → `[B, B]`:
 * cosine similarity (the paper's choice) and Euclidean (L2) distance. Both are
 * safe at the degenerate points training meets: zero embeddings (cosine) and
 * duplicate embeddings (L2, where √ has an infinite slope at 0).
 */
import { tf } from '../engine/tf.js';
import type { Tensor2D } from '../engine/tf.js';

export const DISTANCE_NAMES = ['cosine', 'l2'] as const;
export type DistanceName = (typeof DISTANCE_NAMES)[number];

/** Norms below this count as this, so a zero row normalises to zero instead of NaN. */
export const NORM_EPSILON = 1e-12;

/**
 * Rows divided by their L2 norm, `[N, D]` → `[N, D]`; a row of norm below
 * `epsilon` is divided by `epsilon` (a zero row stays zero, with a finite gradient).
 */
export function l2NormalizeRows(x: Tensor2D, epsilon = NORM_EPSILON): Tensor2D {
  return tf.tidy(() => {
    // rsqrt of the clamped squared norm: the clamp happens before any root, so
    // neither the value nor the gradient ever divides by zero.
    const sq = tf.maximum(tf.sum(tf.square(x), 1, true), epsilon * epsilon);
    return tf.mul(x, tf.rsqrt(sq));
  });
}

/** Cosine similarity of every pair of rows, `[B, D]` → `[B, B]`, in [−1, 1] up to rounding. */
export function cosineSimilarityMatrix(embeddings: Tensor2D): Tensor2D {
  return tf.tidy(() => {
    const n = l2NormalizeRows(embeddings);
    return tf.matMul(n, n, false, true);
  });
}

/**
 * √x with value and gradient 0 where x = 0: the plain gradient 1/(2√x) is
 * infinite there, and 0·∞ would poison the whole backward pass with NaN.
 * Expects x ≥ 0. The mask comes from `sign`, whose gradient is zero (tfjs has
 * no gradient for comparison ops on a differentiated path).
 */
export function safeSqrt<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => {
    const positive = tf.sign(x);
    const shifted = tf.add(x, tf.sub(1, positive));
    return tf.mul(tf.sqrt(shifted), positive) as T;
  });
}

/**
 * Euclidean distance of every pair of rows, `[B, D]` → `[B, B]`.
 *
 * Computed from the pairwise differences (`[B, B, D]` in memory) rather than
 * ‖a‖² + ‖b‖² − 2a·b: the expanded form cancels catastrophically in float32,
 * so identical rows would come out ~1e-4 apart instead of exactly 0. Batches
 * here are small (tens of clips), so the extra memory is harmless.
 */
export function l2DistanceMatrix(embeddings: Tensor2D): Tensor2D {
  return tf.tidy(() => {
    const [b, d] = embeddings.shape;
    const diff = tf.sub(tf.reshape(embeddings, [b, 1, d]), tf.reshape(embeddings, [1, b, d]));
    return safeSqrt(tf.sum(tf.square(diff), 2)) as Tensor2D;
  });
}

/**
 * A distance as the losses use it. `isSimilarity` says which way is "close":
 * true for cosine (larger = more alike), false for L2 (smaller = more alike).
 */
export interface Distance {
  readonly name: DistanceName;
  readonly isSimilarity: boolean;
  /** `[B, D]` → `[B, B]`. */
  matrix(embeddings: Tensor2D): Tensor2D;
}

const DISTANCES: Readonly<Record<DistanceName, Distance>> = Object.freeze({
  cosine: Object.freeze({ name: 'cosine', isSimilarity: true, matrix: cosineSimilarityMatrix }),
  l2: Object.freeze({ name: 'l2', isSimilarity: false, matrix: l2DistanceMatrix }),
});

/** The distance of a name (names are validated by the loss config). */
export function getDistance(name: DistanceName): Distance {
  return DISTANCES[name];
}
