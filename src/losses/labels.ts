/**
 * The class-label convention of every loss and score, and the one check of a
 * loss's `(embeddings, labels)` arguments.
 *
 * Labels are class indices: 1 = live (bona fide), 0 = attack. With the margin
 * losses the label is the column of the class-weight matrix, so the live
 * class's representative vector is column `LIVE_LABEL`.
 */
import type { Tensor, Tensor1D } from '../engine/tf.js';
import { InputError, ShapeError } from '../errors.js';

/** Label of a presentation attack (spoof). */
export const ATTACK_LABEL = 0;
/** Label of a live (bona fide) presentation; also the live column of a class-weight matrix. */
export const LIVE_LABEL = 1;

/**
 * Throws a ShapeError unless `embeddings` is `[B, D]` (D = `embeddingSize`
 * when given) and `labels` is an int32 `[B]`. `where` names the caller.
 */
export function checkEmbeddingsAndLabels(where: string, embeddings: Tensor, labels: Tensor, embeddingSize?: number): void {
  checkEmbeddings(where, embeddings, embeddingSize);
  const b = embeddings.shape[0]!;
  if (labels.rank !== 1) throw new ShapeError(`${where}: labels must be 1-D [B], got shape [${labels.shape.join(', ')}]`);
  if (labels.dtype !== 'int32') throw new ShapeError(`${where}: labels must be int32, got ${labels.dtype}`);
  if (labels.shape[0] !== b) {
    throw new ShapeError(`${where}: ${labels.shape[0]} labels for ${b} embeddings; expected one label per embedding row`);
  }
}

/** Throws a ShapeError unless `embeddings` is float32 `[B, D]` with B ≥ 1 (and D = `embeddingSize` when given). */
export function checkEmbeddings(where: string, embeddings: Tensor, embeddingSize?: number): void {
  if (embeddings.rank !== 2) {
    throw new ShapeError(`${where}: embeddings must be 2-D [B, D], got shape [${embeddings.shape.join(', ')}]`);
  }
  if (embeddings.dtype !== 'float32') throw new ShapeError(`${where}: embeddings must be float32, got ${embeddings.dtype}`);
  const [b, d] = embeddings.shape as [number, number];
  if (b < 1) throw new ShapeError(`${where}: embeddings hold no rows (shape [${embeddings.shape.join(', ')}])`);
  if (embeddingSize !== undefined && d !== embeddingSize) {
    throw new ShapeError(`${where}: embeddings have size ${d}, expected embeddingSize ${embeddingSize}`);
  }
}

/**
 * Throws an InputError unless every label is a class index in
 * `[0, numClasses)`. Reads the labels back (B integers), which the class-weight
 * losses need: an out-of-range label would silently become an all-zero one-hot row.
 */
export function checkLabelRange(where: string, labels: Tensor1D, numClasses: number): void {
  const values = labels.dataSync();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < 0 || v >= numClasses) {
      throw new InputError(`${where}: label ${v} at row ${i} is not a class index in [0, ${numClasses}) (${ATTACK_LABEL} = attack, ${LIVE_LABEL} = live)`);
    }
  }
}
