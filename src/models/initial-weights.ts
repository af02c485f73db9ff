/**
 * Building a network's variables straight from saved values (a model folder,
 * a checkpoint) instead of initialising them randomly and overwriting them.
 */
import { tf } from '../engine/tf.js';
import type { Variable } from '../engine/tf.js';
import { ShapeError } from '../errors.js';

/** Saved float32 values by variable name, as a model folder or checkpoint holds them. */
export type InitialWeights = ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: Float32Array }>;

export interface CreateNetworkOptions {
  /**
   * Every variable's value (e.g. a model folder's weights): the variables are
   * made from them directly, skipping the random initialisation they would
   * overwrite (most of a model's load time at full width). A missing name or
   * a wrong shape is a ShapeError naming the tensor.
   */
  initialWeights?: InitialWeights;
}

/**
 * A variable from saved values, checked against the shape the plan needs;
 * `trainable: false` for state that is not trained by gradients (BatchNorm's
 * running statistics).
 */
export function variableFromWeights(weights: InitialWeights, name: string, shape: readonly number[], options: { trainable?: boolean } = {}): Variable {
  const t = weights.get(name);
  if (!t) throw new ShapeError(`missing tensor '${name}'`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new ShapeError(`tensor '${name}' has shape [${t.shape.join(', ')}] but the config needs [${shape.join(', ')}]`);
  }
  return tf.tidy(() => tf.variable(tf.tensor(t.data, [...shape], 'float32'), options.trainable ?? true));
}
