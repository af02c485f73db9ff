/**
 * SGD with (Nesterov) momentum, the paper's optimizer, with its state in the
 * open: the velocity buffers and the step count are read and restored through
 * this interface for checkpoints, and `dispose` frees every tensor it made.
 * tfjs's MomentumOptimizer would do the arithmetic, but its state is reachable
 * only through private fields (its dispose leaves the learning-rate scalar
 * behind), so the same update is written here, op for op as tfjs computes
 * it, which keeps runs bit-identical to those made with it:
 *   v ← m·v + g;   w ← w + (−lr)·(g + m·v)   (Nesterov)   or   w ← w + (−lr)·v.
 * Weight decay, when set, is PyTorch SGD's: λ·w added to the gradient g
 * before the momentum (an L2 penalty λ/2·|w|², on every variable).
 */
import { tf } from '../engine/index.js';
import type { Tensor, Variable } from '../engine/index.js';
import { InputError } from '../errors.js';
import type { NamedTensorData } from '../models/index.js';

export interface MomentumSgdConfig {
  learningRate: number;
  momentum: number;
  nesterov: boolean;
  /** L2 weight decay λ (0: none). */
  weightDecay?: number;
}

export interface MomentumSgd {
  readonly learningRate: number;
  setLearningRate(learningRate: number): void;
  /**
   * One step on `f()`'s value over `vars` (a fixed list, the same on every
   * call: velocity i belongs to vars[i]); returns the value before the step.
   */
  minimize(f: () => tf.Scalar, vars: readonly Variable[]): number;
  /** The step count (a scalar) followed by each variable's velocity, in `vars` order: what a checkpoint stores. */
  slots(): Tensor[];
  /** Puts back what `slots()` gave; before the first step. */
  restoreSlots(slots: readonly NamedTensorData[], file: string): void;
  dispose(): void;
}

export function createMomentumSgd(config: MomentumSgdConfig): MomentumSgd {
  const momentum = tf.scalar(config.momentum);
  const decay = (config.weightDecay ?? 0) > 0 ? tf.scalar(config.weightDecay!) : null;
  let learningRate = config.learningRate;
  let negLr = tf.scalar(-learningRate);
  let velocity: Variable[] = [];
  let steps = 0;
  const zerosFor = (v: Variable): Variable => tf.tidy(() => tf.zerosLike(v).variable(false));

  return {
    get learningRate() {
      return learningRate;
    },
    setLearningRate(lr) {
      learningRate = lr;
      negLr.dispose();
      negLr = tf.scalar(-lr);
    },
    minimize(f, vars) {
      const { value, grads } = tf.variableGrads(f, [...vars]);
      try {
        vars.forEach((w, i) => {
          const raw = grads[w.name];
          if (!raw) return;
          const v = (velocity[i] ??= zerosFor(w));
          tf.tidy(() => {
            const g = decay ? tf.add(raw, tf.mul(decay, w)) : raw;
            const next = tf.add(tf.mul(momentum, v), g);
            const update = config.nesterov ? tf.mul(negLr, tf.add(g, tf.mul(next, momentum))) : tf.mul(negLr, next);
            v.assign(next);
            w.assign(tf.add(update, w));
          });
        });
        steps += 1;
        return value.dataSync()[0]!;
      } finally {
        tf.dispose(grads);
        value.dispose();
      }
    },
    slots() {
      return [tf.scalar(steps, 'int32'), ...velocity];
    },
    restoreSlots(saved, file) {
      if (saved.length === 0) return;
      if (saved[0]!.shape.length !== 0) throw new InputError(`${file}: the optimizer's first slot should be its step count (a scalar), got shape [${saved[0]!.shape.join(', ')}]`);
      tf.dispose(velocity);
      steps = saved[0]!.data[0]!;
      velocity = saved.slice(1).map((s) => tf.tidy(() => tf.tensor(s.data, [...s.shape], 'float32').variable(false)));
    },
    dispose() {
      tf.dispose([momentum, negLr, ...(decay ? [decay] : []), ...velocity]);
      velocity = [];
    },
  };
}
