/**
 * An exponential moving average of the weights (Polyak averaging): after
 * every optimizer step avg ← d·avg + (1 − d)·w over the network's whole state
 * (BatchNorm's running statistics included) and the loss's variables.
 * Validation, the kept epoch and the saved model use the average, the
 * optimizer goes on from the trained weights. Its reason here: validation EER
 * jumps by several points from one epoch's weights to the next, and the
 * epoch kept was often a lucky one (docs/training.md, "Round 4").
 *
 * The average is bias-corrected as Adam's moments are: update n (from 0)
 * uses d_n = d·(1 − dⁿ)/(1 − dⁿ⁺¹), which makes it exactly the weighted mean
 * Σ dⁿ⁻ᵏ·w_k / Σ dⁿ⁻ᵏ of the weights after every step so far: the random
 * initial weights get no share, and the early epochs are not pinned to them.
 */
import { tf } from '../engine/index.js';
import type { Variable } from '../engine/index.js';
import { InputError } from '../errors.js';
import type { NamedTensorData } from '../models/index.js';
import { assignVariables, putVariables } from './checkpoint.js';

/** Where a checkpoint keeps the averages: `average.<weight name>`, and the update count. */
const AVERAGE_PREFIX = 'average.';
const UPDATES_KEY = `${AVERAGE_PREFIX}#updates`;

export interface WeightAverage {
  /** Folds the variables' current values into the average; call after each optimizer step. */
  update(): void;
  /** Runs `f` with the averages in the variables, then puts the trained values back (also when `f` throws). */
  withAverage<T>(f: () => Promise<T>): Promise<T>;
  /** The averages and the update count under `average.*` names, for a checkpoint. */
  slots(): Map<string, NamedTensorData>;
  /** Puts back what `slots()` gave; every average must be there with its variable's shape. */
  restore(saved: ReadonlyMap<string, NamedTensorData>, file: string): void;
  dispose(): void;
}

/** The bias-corrected decay of update `n` (from 0): 0 at the first, tending to `decay`. */
export function averageDecayAt(decay: number, n: number): number {
  return (decay * (1 - decay ** n)) / (1 - decay ** (n + 1));
}

/**
 * An average of `vars` (name → variable; the names are the checkpoint's),
 * starting from their current values.
 */
export function createWeightAverage(vars: ReadonlyMap<string, Variable>, decay: number): WeightAverage {
  if (!(decay > 0 && decay < 1)) throw new InputError(`weight average: decay must be in (0, 1), got ${decay}`);
  const averages = new Map<string, Variable>();
  for (const [name, v] of vars) averages.set(name, tf.tidy(() => v.clone().variable(false)));
  let updates = 0;

  return {
    update() {
      const d = averageDecayAt(decay, updates);
      tf.tidy(() => {
        const keep = tf.scalar(d);
        const take = tf.scalar(1 - d);
        for (const [name, v] of vars) {
          const a = averages.get(name)!;
          a.assign(tf.add(tf.mul(a, keep), tf.mul(v, take)));
        }
      });
      updates += 1;
    },
    async withAverage(f) {
      const trained = new Map<string, tf.Tensor>();
      for (const [name, v] of vars) {
        trained.set(name, tf.clone(v));
        v.assign(averages.get(name)!);
      }
      try {
        return await f();
      } finally {
        for (const [name, v] of vars) v.assign(trained.get(name)!);
        tf.dispose([...trained.values()]);
      }
    },
    slots() {
      return putVariables(new Map(), averages, AVERAGE_PREFIX).set(UPDATES_KEY, { shape: [], data: Float32Array.of(updates) });
    },
    restore(saved, file) {
      const count = saved.get(UPDATES_KEY);
      if (!count || count.shape.length !== 0) throw new InputError(`${file}: the weight average's update count '${UPDATES_KEY}' is missing; the checkpoint was made without --ema`);
      assignVariables(saved, averages, AVERAGE_PREFIX, file);
      updates = count.data[0]!;
    },
    dispose() {
      tf.dispose([...averages.values()]);
      averages.clear();
    },
  };
}
