/**
 * The single import of TensorFlow.js in vidpad. Every other folder takes `tf`
 * from the engine, so the tensor library (and its version) is decided here.
 *
 * The union package is used rather than tfjs-core alone because, in Node, only
 * its bundle registers the gradient functions that training needs.
 */
import * as tf from '@tensorflow/tfjs';

export { tf };

/**
 * The tfjs backend now current, or null when none has been chosen yet
 * (`tf.getBackend()` would pick and initialise one as a side effect).
 */
export function currentBackendName(): string | null {
  return (tf.engine() as unknown as { backendName?: string | null }).backendName ?? null;
}
export type { Tensor, Tensor1D, Tensor2D, Tensor3D, Tensor4D, Tensor5D, Variable, Rank, NamedTensorMap } from '@tensorflow/tfjs';
