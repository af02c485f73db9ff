/**
 * The live score (DESIGN §3: higher = more likely live): the cosine
 * similarity between a clip's embedding and the live class's representative
 * vector, the "prototype". Owns how the prototype is obtained and how
 * embeddings are scored against it; cross-entropy models also get the softmax
 * live probability.
 *
 * Prototype rules (`Loss.prototypeRule`):
 * - `class-weight` (margin losses and their combinations): column LIVE_LABEL of
 *   the learnt class weights W, the direction the loss pulled live clips to.
 * - `head-direction` (ce): the live column minus the attack column of the
 *   linear head's weights. A two-class softmax depends on the two columns
 *   only through their difference, so that difference is the head's own
 *   direction of "more live"; the cosine with it orders clips as the head's
 *   logit margin does, up to its bias and the embedding's norm. The mean live
 *   embedding, which cross-entropy never pulls towards anything, scored the
 *   same validation clips at 39-41% EER in epochs where this direction gave
 *   12-17% (docs/training.md, round 3).
 * - `live-mean` (contrastive, triplet): the mean of the L2-normalised
 *   embeddings of the live training clips, computed once after training and
 *   stored with the model. Normalising first makes every clip count by its
 *   direction alone, which is all a cosine score looks at; a raw mean would
 *   let a few large-norm clips steer the prototype.
 * Prototypes are plain Float32Arrays (they go into model.json); their norm
 * does not matter to the score.
 */
import { tf } from '../engine/tf.js';
import type { Tensor1D, Tensor2D } from '../engine/tf.js';
import { InputError, ShapeError } from '../errors.js';
import { l2NormalizeRows, NORM_EPSILON } from './distance.js';
import { ATTACK_LABEL, checkEmbeddings, checkEmbeddingsAndLabels, LIVE_LABEL } from './labels.js';
import type { Loss } from './registry.js';

/**
 * `live-mean` rule: the mean of the L2-normalised rows of `embeddings`
 * `[N, D]` whose label (int32 `[N]`) is LIVE_LABEL. InputError when there is
 * no live row.
 */
export function computeLivePrototype(embeddings: Tensor2D, labels: Tensor1D): Float32Array {
  checkEmbeddingsAndLabels('computeLivePrototype', embeddings, labels);
  const liveCount = tf.tidy(() => tf.sum(tf.cast(tf.equal(labels, LIVE_LABEL), 'int32')).dataSync()[0]!);
  if (liveCount === 0) {
    throw new InputError(`computeLivePrototype: none of the ${labels.shape[0]} labels is live (${LIVE_LABEL}); the prototype needs live training clips`);
  }
  return tf.tidy(() => {
    const isLive = tf.reshape(tf.cast(tf.equal(labels, LIVE_LABEL), 'float32'), [-1, 1]);
    return tf.div(tf.sum(tf.mul(l2NormalizeRows(embeddings), isLive), 0), liveCount).dataSync() as Float32Array;
  });
}

/** `class-weight` rule: column `classIndex` (default LIVE_LABEL) of class weights `[D, C]`, copied out. */
export function prototypeFromClassWeights(classWeights: Tensor2D, classIndex: number = LIVE_LABEL): Float32Array {
  if (classWeights.rank !== 2) throw new ShapeError(`prototypeFromClassWeights: class weights must be 2-D [D, C], got [${classWeights.shape.join(', ')}]`);
  const [d, c] = classWeights.shape;
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= c) {
    throw new InputError(`prototypeFromClassWeights: class index ${classIndex} is not in [0, ${c})`);
  }
  return tf.tidy(() => tf.reshape(tf.slice(classWeights, [0, classIndex], [d, 1]), [d]).dataSync() as Float32Array);
}

/** `head-direction` rule: column LIVE_LABEL minus column ATTACK_LABEL of a two-class head's weights `[D, 2]`. */
export function prototypeFromHeadDirection(headWeights: Tensor2D): Float32Array {
  if (headWeights.rank !== 2 || headWeights.shape[1] !== 2) {
    throw new ShapeError(`prototypeFromHeadDirection: head weights must be [D, 2], got [${headWeights.shape.join(', ')}]`);
  }
  const live = prototypeFromClassWeights(headWeights, LIVE_LABEL);
  const attack = prototypeFromClassWeights(headWeights, ATTACK_LABEL);
  return live.map((v, i) => v - (attack[i] as number));
}

/** What `livePrototypeFor` needs for the `live-mean` rule: the training clips' embeddings `[N, D]` and labels `[N]`. */
export interface PrototypeData {
  embeddings: Tensor2D;
  labels: Tensor1D;
}

/**
 * The live prototype of a trained loss by its rule: W's live column for the
 * margin losses, the head's live-minus-attack direction for ce (no data
 * needed for either), else the live mean of `training` (InputError when it is
 * missing).
 */
export function livePrototypeFor(loss: Loss, training?: PrototypeData): Float32Array {
  if (loss.prototypeRule !== 'live-mean' && loss.classWeights) {
    const w = loss.classWeights();
    try {
      return loss.prototypeRule === 'class-weight' ? prototypeFromClassWeights(w, LIVE_LABEL) : prototypeFromHeadDirection(w);
    } finally {
      w.dispose();
    }
  }
  if (!training) {
    throw new InputError(`livePrototypeFor: loss '${loss.name}' scores against the mean live training embedding; pass the training embeddings and labels`);
  }
  return computeLivePrototype(training.embeddings, training.labels);
}

function prototypeTensor(where: string, prototype: Tensor1D | Float32Array, d: number): Tensor1D {
  const p = prototype instanceof Float32Array ? tf.tensor1d(prototype) : prototype;
  if (p.rank !== 1 || p.shape[0] !== d) {
    throw new ShapeError(`${where}: prototype has shape [${p.shape.join(', ')}], expected [${d}] to match the embeddings`);
  }
  return p;
}

/**
 * Live scores as a tensor, differentiable (Grad-CAM's target, the inference
 * graph): cosine of each row of `embeddings` `[B, D]` with `prototype` `[D]`
 * → `[B]`. A zero embedding or prototype scores 0.
 */
export function liveScores(embeddings: Tensor2D, prototype: Tensor1D | Float32Array): Tensor1D {
  checkEmbeddings('liveScores', embeddings);
  return tf.tidy(() => {
    const d = embeddings.shape[1];
    const p = l2NormalizeRows(tf.reshape(prototypeTensor('liveScores', prototype, d), [1, d]));
    return tf.reshape(tf.matMul(l2NormalizeRows(embeddings), p, false, true), [-1]) as Tensor1D;
  });
}

/** Live scores of `embeddings` `[B, D]` against `prototype` `[D]`, read back, clamped to [−1, 1]. */
export function scoreEmbeddings(embeddings: Tensor2D, prototype: Tensor1D | Float32Array): Float32Array {
  const scores = liveScores(embeddings, prototype);
  try {
    return (scores.dataSync() as Float32Array).map((s) => Math.min(1, Math.max(-1, s)));
  } finally {
    scores.dispose();
  }
}

/** The live score of one embedding in plain numbers (no tensors): cosine with the prototype, 0 for a zero vector. */
export function cosineToPrototype(embedding: ArrayLike<number>, prototype: ArrayLike<number>): number {
  if (embedding.length !== prototype.length) {
    throw new ShapeError(`cosineToPrototype: embedding has ${embedding.length} values, prototype ${prototype.length}`);
  }
  let dot = 0;
  let ee = 0;
  let pp = 0;
  for (let i = 0; i < embedding.length; i++) {
    const e = embedding[i]!;
    const p = prototype[i]!;
    dot += e * p;
    ee += e * e;
    pp += p * p;
  }
  const s = dot / (Math.max(Math.sqrt(ee), NORM_EPSILON) * Math.max(Math.sqrt(pp), NORM_EPSILON));
  return Math.min(1, Math.max(-1, s));
}

/** Cross-entropy models: softmax probability of the live class per row of `logits` `[B, C]`. */
export function liveProbability(logits: Tensor2D): Float32Array {
  if (logits.rank !== 2 || logits.shape[1] <= LIVE_LABEL) {
    throw new ShapeError(`liveProbability: logits must be [B, C] with C > ${LIVE_LABEL}, got [${logits.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const [b] = logits.shape;
    return tf.reshape(tf.slice(tf.softmax(logits), [0, LIVE_LABEL], [b, 1]), [b]).dataSync() as Float32Array;
  });
}
