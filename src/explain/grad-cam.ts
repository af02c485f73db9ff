/**
 * Grad-CAM for video clips (the maths; drawing is in draw.ts): which parts
 * of each frame moved a score. For the last (2+1)D block's activations A
 * `[B, T, h, w, C]` (conv5 after its ReLU: `forwardFeatures`) and a target
 * y, a scalar per clip computed from the model's output:
 *   α_c = mean over T×h×w of ∂y/∂A_{t,y,x,c}        (one weight per channel and clip)
 *   map_{t,y,x} = ReLU(Σ_c α_c · A_{t,y,x,c})       (one map per frame)
 * Averaging over time as well as space gives one set of channel weights
 * per clip, as pytorch-grad-cam does for video; the maps stay per frame.
 *
 * Targets are functions of the output (as in pytorch-grad-cam), so any score
 * can be explained: `cosineToPrototypeTarget` (the live score, cosine to the
 * live prototype), `logitTarget` (a cross-entropy model's live logit), or
 * one of the caller's. The network runs in inference mode (no dropout).
 */
import { tf } from '../engine/index.js';
import type { Tensor1D, Tensor2D, Tensor5D } from '../engine/index.js';
import { liveScores, LIVE_LABEL } from '../losses/index.js';
import type { AlexNet2Plus1D, LinearHeadSpec } from '../models/index.js';
import { ShapeError } from '../errors.js';

/** Maps the model's output (embeddings `[B, D]`) to the score to explain, one per clip `[B]`; must be differentiable. */
export type CamTarget = (embeddings: Tensor2D) => Tensor1D;

/** The live score: cosine of each embedding with the live prototype. */
export function cosineToPrototypeTarget(prototype: ArrayLike<number>): CamTarget {
  const p = Float32Array.from(prototype);
  return (embeddings) => liveScores(embeddings, p);
}

/** Logit `classIndex` (default the live class) of a linear head: embedding · W[:, k] + b[k]. */
export function logitTarget(head: LinearHeadSpec, classIndex: number = LIVE_LABEL): CamTarget {
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= head.classes) {
    throw new ShapeError(`logitTarget: class ${classIndex} is not in [0, ${head.classes})`);
  }
  const d = head.weight.length / head.classes;
  const column = Float32Array.from({ length: d }, (_, i) => head.weight[i * head.classes + classIndex]!);
  const bias = head.bias[classIndex]!;
  return (embeddings) =>
    tf.tidy(() => {
      if (embeddings.shape[1] !== d) throw new ShapeError(`logitTarget: embeddings [${embeddings.shape.join(', ')}], the head expects [B, ${d}]`);
      return tf.add(tf.reshape(tf.matMul(embeddings, tf.tensor2d(column, [d, 1])), [-1]), bias) as Tensor1D;
    });
}

/** The parts of a network Grad-CAM needs (AlexNet2Plus1D fits). */
export type CamNetwork = Pick<AlexNet2Plus1D, 'forwardFeatures' | 'forwardHead' | 'flowBranch'>;

export interface GradCamResult {
  /** `[B, T, h, w]` row-major: one non-negative map per frame at the activations' resolution. */
  maps: Float32Array;
  shape: [number, number, number, number];
  /** `[B, C]`: the channel weights α. */
  weights: Float32Array;
  /** `[B]`: the target's value per clip. */
  targets: Float32Array;
}

/**
 * Grad-CAM of `clips` `[B, T, H, W, 3]` (standardised, as the model takes
 * them) for `target`. Tensors are disposed before it returns.
 */
export function gradCam(network: CamNetwork, clips: Tensor5D, target: CamTarget): GradCamResult {
  return tf.tidy(() => {
    const features = network.forwardFeatures(clips);
    // The flow branch sees the clip, not A: a constant for this gradient.
    const flow = network.flowBranch ? network.flowBranch.forwardBranch(clips) : undefined;
    const scoreOf = (a: Tensor5D) => target(network.forwardHead(a, { training: false }, flow));
    // Clips are independent through the head, so the gradient of the sum gives each clip's own.
    const { value, grad } = tf.valueAndGrad((a: tf.Tensor) => tf.sum(scoreOf(a as Tensor5D)))(features);
    value.dispose();
    const [b, t, h, w, c] = features.shape;
    const weights = tf.mean(grad, [1, 2, 3]) as Tensor2D; // [B, C]
    const cam = tf.relu(tf.sum(tf.mul(features, tf.reshape(weights, [b, 1, 1, 1, c])), 4));
    return {
      maps: cam.dataSync() as Float32Array,
      shape: [b, t, h, w] as [number, number, number, number],
      weights: weights.dataSync() as Float32Array,
      targets: scoreOf(features).dataSync() as Float32Array,
    };
  });
}

/**
 * Bilinear upsampling of one `h × w` map to `outH × outW` with half-pixel
 * centres (the crop's own convention), edge values held. Pure.
 */
export function upsampleMap(map: ArrayLike<number>, h: number, w: number, outH: number, outW: number): Float32Array {
  if (map.length !== h * w) throw new ShapeError(`upsampleMap: ${map.length} values for a ${h}×${w} map`);
  const out = new Float32Array(outH * outW);
  for (let oy = 0; oy < outH; oy++) {
    const sy = Math.min(Math.max(((oy + 0.5) * h) / outH - 0.5, 0), h - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, h - 1);
    const fy = sy - y0;
    for (let ox = 0; ox < outW; ox++) {
      const sx = Math.min(Math.max(((ox + 0.5) * w) / outW - 0.5, 0), w - 1);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, w - 1);
      const fx = sx - x0;
      const top = map[y0 * w + x0]! * (1 - fx) + map[y0 * w + x1]! * fx;
      const bottom = map[y1 * w + x0]! * (1 - fx) + map[y1 * w + x1]! * fx;
      out[oy * outW + ox] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/**
 * One clip's maps (`[T, h, w]`, a slice of GradCamResult.maps) upsampled to
 * the crop's `size × size` and scaled by the clip's largest value to 0..1
 * (all zeros when the target rose nowhere), so a clip's frames share a scale.
 */
export function clipHeatmaps(maps: ArrayLike<number>, frames: number, h: number, w: number, size: number): Float32Array[] {
  let max = 0;
  for (let i = 0; i < frames * h * w; i++) max = Math.max(max, maps[i]!);
  const out: Float32Array[] = [];
  for (let t = 0; t < frames; t++) {
    const up = upsampleMap(Array.prototype.slice.call(maps, t * h * w, (t + 1) * h * w) as number[], h, w, size, size);
    if (max > 0) for (let i = 0; i < up.length; i++) up[i] = up[i]! / max;
    out.push(up);
  }
  return out;
}
