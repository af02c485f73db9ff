/**
 * Batch normalisation over channels-last activations: normalise each channel
 * by statistics taken over every other axis (`[B·T, H, W, C]` → over B·T·H·W),
 * then scale by gamma, shift by beta, optionally followed by a fused ReLU.
 *
 * Two forms:
 * - `batchNormTrain`: the batch's own mean and (biased) variance normalise it;
 *   both are returned, for the caller's running estimates. Its gradient
 *   accounts for the statistics' dependence on x.
 * - `batchNormInference`: given (running) statistics, an affine map per channel.
 *
 * A backend that registers vidpad's batch-norm kernels runs them: one pass
 * for the moments, one for the output, two for the gradient, the ReLU and
 * its mask folded in (native: C++ with AVX2 and OpenMP in the oneDNN addon;
 * wasm: JavaScript loops over its heap, `batch-norm-loops.ts`). Every other
 * backend, `cpu` (the reference) included, composes tfjs ops (`moments`,
 * `batchNorm`, `relu`) and lets tfjs differentiate them. All compute the
 * same function; tests hold each to float64 loops and to each other.
 *
 * Running statistics follow PyTorch's conventions (`updateRunningStats`):
 * momentum 0.1 weights the new batch, and the running variance takes the
 * unbiased batch variance (× n/(n−1)) while normalisation uses the biased one.
 */
import { tf } from './tf.js';
import type { Tensor, Tensor1D, Variable } from './tf.js';
import { ConfigError, ShapeError } from '../errors.js';

/** Kernel names a backend may implement; see `registerBatchNormGradients` for their contracts. */
export const BATCH_NORM_TRAIN_KERNEL = 'VidpadBatchNormTrain';
export const BATCH_NORM_GRAD_KERNEL = 'VidpadBatchNormGrad';
export const BATCH_NORM_INFER_KERNEL = 'VidpadBatchNormInfer';

/** PyTorch's defaults (`torch.nn.BatchNorm*`). */
export const BATCH_NORM_EPSILON = 1e-5;
export const BATCH_NORM_MOMENTUM = 0.1;

export type NormActivation = 'linear' | 'relu';

export interface BatchNormOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  epsilon?: number;
  /** `relu` applies a ReLU to the normalised output, in the same pass where the backend can. Default `linear`. */
  activation?: NormActivation;
}

export interface BatchNormTrainResult<T extends Tensor> {
  /** The normalised (and activated) output, shaped like x. */
  y: T;
  /** Per-channel batch mean `[C]`. */
  mean: Tensor1D;
  /** Per-channel biased batch variance `[C]` (divided by n), the one that normalised the batch. */
  variance: Tensor1D;
  /** n: how many values each channel's statistics were taken over (every axis but the last). */
  count: number;
}

interface Resolved {
  epsilon: number;
  relu: boolean;
  channels: number;
  count: number;
}

function resolve(x: Tensor, params: Record<string, Tensor>, options: BatchNormOptions, what: string): Resolved {
  const epsilon = options.epsilon ?? BATCH_NORM_EPSILON;
  if (typeof epsilon !== 'number' || !(epsilon > 0) || !Number.isFinite(epsilon)) {
    throw new ConfigError(`${what}.epsilon`, `expected a finite number > 0, got ${JSON.stringify(epsilon)}`);
  }
  const activation = options.activation ?? 'linear';
  if (activation !== 'linear' && activation !== 'relu') {
    throw new ConfigError(`${what}.activation`, `expected 'linear' or 'relu', got ${JSON.stringify(activation)}`);
  }
  if (x.rank < 2) throw new ShapeError(`${what}: expected x of rank >= 2 with channels last, got shape [${x.shape.join(', ')}]`);
  if (x.dtype !== 'float32') throw new ShapeError(`${what}: expected a float32 x, got ${x.dtype}`);
  const channels = x.shape[x.rank - 1]!;
  for (const [name, t] of Object.entries(params)) {
    if (t.rank !== 1 || t.shape[0] !== channels || t.dtype !== 'float32') {
      throw new ShapeError(`${what}: ${name} must be a float32 [${channels}] (x has ${channels} channels), got ${t.dtype} [${t.shape.join(', ')}]`);
    }
  }
  return { epsilon, relu: activation === 'relu', channels, count: x.size / Math.max(1, channels) };
}

const hasKernel = (name: string): boolean => tf.getKernel(name, tf.getBackend()) !== undefined;

/** Every axis but the last: the axes the statistics are taken over. */
function reductionAxes(rank: number): number[] {
  return Array.from({ length: rank - 1 }, (_, i) => i);
}

/**
 * Normalises `x` (channels last) with its own batch statistics, then
 * `gamma · x̂ + beta`, then the activation. Differentiable in x, gamma and
 * beta. Needs at least two values per channel (as PyTorch does in training).
 */
export function batchNormTrain<T extends Tensor>(x: T, gamma: Tensor1D, beta: Tensor1D, options: BatchNormOptions = {}): BatchNormTrainResult<T> {
  const r = resolve(x, { gamma, beta }, options, 'batchNormTrain');
  if (r.count < 2) {
    throw new ShapeError(`batchNormTrain: expected more than one value per channel in training, got x of shape [${x.shape.join(', ')}]`);
  }
  if (hasKernel(BATCH_NORM_TRAIN_KERNEL)) {
    const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAIN_KERNEL, { x, gamma, beta }, { epsilon: r.epsilon, relu: r.relu }) as Tensor[];
    return { y: y as T, mean: mean as Tensor1D, variance: variance as Tensor1D, count: r.count };
  }
  return tf.tidy(() => {
    // As [rows, C]: tfjs's batchNorm gradient handles ranks up to 4 only.
    const rows = tf.reshape(x, [r.count, r.channels]);
    const { mean, variance } = tf.moments(rows, 0);
    const normed = tf.batchNorm(rows, mean, variance, beta, gamma, r.epsilon);
    const y = tf.reshape(r.relu ? tf.relu(normed) : normed, x.shape) as T;
    return { y, mean: mean as Tensor1D, variance: variance as Tensor1D, count: r.count };
  });
}

/** `gamma · (x − mean) / √(variance + ε) + beta`, then the activation, with given statistics `[C]`. */
export function batchNormInference<T extends Tensor>(
  x: T,
  gamma: Tensor1D,
  beta: Tensor1D,
  mean: Tensor1D,
  variance: Tensor1D,
  options: BatchNormOptions = {},
): T {
  const r = resolve(x, { gamma, beta, mean, variance }, options, 'batchNormInference');
  if (hasKernel(BATCH_NORM_INFER_KERNEL)) {
    return tf.engine().runKernel(BATCH_NORM_INFER_KERNEL, { x, gamma, beta, mean, variance }, { epsilon: r.epsilon, relu: r.relu }) as T;
  }
  return tf.tidy(() => {
    const normed = tf.batchNorm(tf.reshape(x, [r.count, r.channels]), mean, variance, beta, gamma, r.epsilon);
    return tf.reshape(r.relu ? tf.relu(normed) : normed, x.shape) as T;
  });
}

/** A layer's running estimates, non-trainable. */
export interface RunningStats {
  mean: Variable;
  variance: Variable;
}

/**
 * PyTorch's update: running ← (1 − momentum)·running + momentum·batch, with
 * the batch variance made unbiased (× n/(n−1)) for the running estimate.
 */
export function updateRunningStats(running: RunningStats, batch: Pick<BatchNormTrainResult<Tensor>, 'mean' | 'variance' | 'count'>, momentum: number = BATCH_NORM_MOMENTUM): void {
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) {
    throw new ConfigError('batchNorm.momentum', `expected a number in [0, 1], got ${JSON.stringify(momentum)}`);
  }
  if (batch.count < 2) throw new ShapeError(`updateRunningStats: an unbiased variance needs at least 2 values per channel, got ${batch.count}`);
  tf.tidy(() => {
    const unbiased = tf.mul(batch.variance, batch.count / (batch.count - 1));
    running.mean.assign(tf.add(tf.mul(running.mean, 1 - momentum), tf.mul(batch.mean, momentum)));
    running.variance.assign(tf.add(tf.mul(running.variance, 1 - momentum), tf.mul(unbiased, momentum)));
  });
}

/**
 * Registers, once, the gradients of the batch-norm kernels for every backend
 * that implements them. The kernels' contracts (all float32, x `[..., C]`):
 * - `VidpadBatchNormTrain`: inputs x, gamma, beta; attrs epsilon, relu;
 *   outputs y, mean, variance (biased).
 * - `VidpadBatchNormGrad`: inputs x, dy, gamma, beta, mean, variance (the
 *   train kernel's); attrs as above; outputs dx, dgamma, dbeta.
 * - `VidpadBatchNormInfer`: inputs x, gamma, beta, mean, variance; attrs as above; output y.
 */
export function registerBatchNormGradients(): void {
  if (!tf.getGradient(BATCH_NORM_TRAIN_KERNEL)) {
    tf.registerGradient({
      kernelName: BATCH_NORM_TRAIN_KERNEL,
      inputsToSave: ['x', 'gamma', 'beta'],
      outputsToSave: [false, true, true],
      gradFunc: (dys, saved, attrs) => {
        const [x, gamma, beta, mean, variance] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor];
        // The statistics feed only the running estimates, outside the loss: their dys are zeros.
        const dy = Array.isArray(dys) ? dys[0]! : dys;
        // One kernel gives all three; computed here, not in the thunks, so none is disposed before it is asked for.
        const [dx, dgamma, dbeta] = tf.engine().runKernel(BATCH_NORM_GRAD_KERNEL, { x, dy, gamma, beta, mean, variance }, attrs as tf.NamedAttrMap) as Tensor[];
        return { x: () => dx!, gamma: () => dgamma!, beta: () => dbeta! };
      },
    });
  }
  if (!tf.getGradient(BATCH_NORM_INFER_KERNEL)) {
    tf.registerGradient({
      kernelName: BATCH_NORM_INFER_KERNEL,
      inputsToSave: ['x', 'gamma', 'mean', 'variance'],
      outputsToSave: [true],
      gradFunc: (dy, saved, attrs) => {
        const [x, gamma, mean, variance, y] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor];
        const { epsilon, relu } = attrs as unknown as { epsilon: number; relu: boolean };
        const axes = reductionAxes(x.rank);
        const g = relu ? tf.mul(dy as Tensor, tf.step(y)) : (dy as Tensor);
        const inv = tf.rsqrt(tf.add(variance, epsilon));
        const centred = tf.sub(x, mean);
        return {
          x: () => tf.mul(g, tf.mul(gamma, inv)),
          gamma: () => tf.sum(tf.mul(g, tf.mul(centred, inv)), axes),
          beta: () => tf.sum(g, axes),
          mean: () => tf.neg(tf.mul(tf.sum(g, axes), tf.mul(gamma, inv))),
          variance: () => tf.mul(tf.sum(tf.mul(g, centred), axes), tf.mul(gamma, tf.mul(tf.pow(inv, 3), -0.5))),
        };
      },
    });
  }
}
