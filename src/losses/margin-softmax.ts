/**
 * The margin-softmax family (SphereFace, ArcFace, CosFace) as one function of
 * four numbers, after insightface's combined margin:
 *
 *   logits[i, j] = scale · cos θ_ij          for j ≠ label_i
 *   logits[i, y] = scale · ψ(θ_iy)           for the target class y = label_i
 *   ψ(θ) = cos(m1·θ + m2) − m3               (with the extensions below)
 *
 * θ_ij is the angle between embedding i and column j of the learnable class
 * weights W `[D, C]`; both are L2-normalised, and the loss is softmax
 * cross-entropy on these logits.
 *
 * - `angleMultiplier` m1 (SphereFace, unitless): for m1 > 1, ψ uses
 *   SphereFace's monotone extension ψ(θ) = (−1)^k cos(m1θ + m2) − 2k − m3 with
 *   k = ⌊(m1θ + m2)/π⌋, which keeps ψ decreasing over the whole of [0, π].
 *   This is the plain ψ form: the original paper trains with an annealed blend
 *   (λ·cos θ + ψ)/(1 + λ) and multiplies by the feature norm instead of a fixed
 *   scale; here the scale is fixed, as in ArcFace and CosFace.
 * - `marginRad` m2 (ArcFace, radians): for m1 = 1, cos(θ + m2) stops being
 *   decreasing where θ + m2 > π; there ψ falls back to insightface's
 *   threshold form cos θ − m2·sin(m2) (its `easy_margin = False`, the
 *   default), which is continuous at θ = π − m2.
 * - `cosineMargin` m3 (CosFace, in cosine units): subtracted from the target cosine.
 *
 * Cosines are clamped to [−1 + ε, 1 − ε] before acos so its gradient stays finite.
 */
import { tf } from '../engine/tf.js';
import type { Tensor, Tensor1D, Tensor2D } from '../engine/tf.js';
import { l2NormalizeRows } from './distance.js';
import { softmaxCrossEntropy } from './cross-entropy.js';

export interface MarginSoftmaxParams {
  /** s: multiplies every logit (the radius of the hypersphere). */
  scale: number;
  /** m1: SphereFace's multiplicative angular margin, ≥ 1 (1 = none). */
  angleMultiplier: number;
  /** m2: ArcFace's additive angular margin in radians, in [0, π/2]. */
  marginRad: number;
  /** m3: CosFace's additive cosine margin, ≥ 0. */
  cosineMargin: number;
}

export const MARGIN_SOFTMAX_PRESET_NAMES = ['arcface', 'cosface', 'sphereface'] as const;
export type MarginSoftmaxPresetName = (typeof MARGIN_SOFTMAX_PRESET_NAMES)[number];

/**
 * The papers' settings: ArcFace s = 64, m2 = 0.5 rad (Deng et al. 2019);
 * CosFace s = 64, m3 = 0.35 (Wang et al. 2018); SphereFace m1 = 4 (Liu et al.
 * 2017) with s = 30, the usual fixed scale for normalised SphereFace variants,
 * since the original scales by the feature norm.
 */
export const MARGIN_SOFTMAX_PRESETS: Readonly<Record<MarginSoftmaxPresetName, Readonly<MarginSoftmaxParams>>> = Object.freeze({
  arcface: Object.freeze({ scale: 64, angleMultiplier: 1, marginRad: 0.5, cosineMargin: 0 }),
  cosface: Object.freeze({ scale: 64, angleMultiplier: 1, marginRad: 0, cosineMargin: 0.35 }),
  sphereface: Object.freeze({ scale: 30, angleMultiplier: 4, marginRad: 0, cosineMargin: 0 }),
});

/** ε of the cosine clamp: acos′ = −1/√(1 − c²) is about −700 at 1 − ε. */
export const COSINE_CLAMP_EPSILON = 1e-6;

/**
 * Cosine of every embedding with every class weight column, clamped:
 * `[B, D]` × `[D, C]` → `[B, C]`.
 */
export function classCosines(embeddings: Tensor2D, classWeights: Tensor2D): Tensor2D {
  return tf.tidy(() => {
    const x = l2NormalizeRows(embeddings);
    const w = l2NormalizeRows(tf.transpose(classWeights) as Tensor2D);
    return tf.clipByValue(tf.matMul(x, w, false, true), -1 + COSINE_CLAMP_EPSILON, 1 - COSINE_CLAMP_EPSILON) as Tensor2D;
  });
}

/**
 * ψ applied elementwise to clamped cosines (any shape): the target-class
 * cosine with the margins of `params`, as documented at the top of the file.
 */
export function marginTargetCosine<T extends Tensor>(cosines: T, params: MarginSoftmaxParams): T {
  return tf.tidy(() => {
    const { angleMultiplier: m1, marginRad: m2, cosineMargin: m3 } = params;
    let psi: Tensor;
    if (m1 === 1 && m2 === 0) {
      psi = cosines;
    } else if (m1 === 1) {
      const theta = tf.acos(cosines);
      // θ + m2 ≤ π ⇔ cos θ ≥ cos(π − m2). `step` rather than a comparison: the
      // mask sits on the differentiated path and `step` has a (zero) gradient.
      const inRange = tf.step(tf.sub(cosines, Math.cos(Math.PI - m2)));
      const arc = tf.cos(tf.add(theta, m2));
      const fallback = tf.sub(cosines, m2 * Math.sin(m2));
      psi = tf.add(tf.mul(inRange, arc), tf.mul(tf.sub(1, inRange), fallback));
    } else {
      const phi = tf.add(tf.mul(tf.acos(cosines), m1), m2);
      const k = tf.floor(tf.div(phi, Math.PI));
      const parity = tf.sub(1, tf.mul(2, tf.mod(k, 2)));
      psi = tf.sub(tf.mul(parity, tf.cos(phi)), tf.mul(2, k));
    }
    return (m3 === 0 ? psi : tf.sub(psi, m3)) as T;
  });
}

/**
 * Logits `[B, C]` of the margin softmax: scale·ψ(θ) at each row's label,
 * scale·cos θ elsewhere. `labels` int32 `[B]` class indices.
 */
export function marginSoftmaxLogits(embeddings: Tensor2D, classWeights: Tensor2D, labels: Tensor1D, params: MarginSoftmaxParams): Tensor2D {
  return tf.tidy(() => {
    const cos = classCosines(embeddings, classWeights);
    const isTarget = tf.cast(tf.oneHot(labels, cos.shape[1]), 'bool');
    return tf.mul(tf.where(isTarget, marginTargetCosine(cos, params), cos), params.scale) as Tensor2D;
  });
}

/** Scalar margin-softmax loss: softmax cross-entropy on `marginSoftmaxLogits`. */
export function marginSoftmaxLoss(embeddings: Tensor2D, classWeights: Tensor2D, labels: Tensor1D, params: MarginSoftmaxParams): tf.Scalar {
  return tf.tidy(() => softmaxCrossEntropy(marginSoftmaxLogits(embeddings, classWeights, labels, params), labels));
}
