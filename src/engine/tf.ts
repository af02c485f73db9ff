/**
 * The single import of TensorFlow.js in vidpad. Every other folder takes `tf`
 * from the engine, so the tensor library (and its version) is decided here.
 *
 * The union package is used rather than tfjs-core alone because, in Node, only
 * its bundle registers the gradient functions that training needs.
 */
import * as tf from '@tensorflow/tfjs';

export { tf };
export type { Tensor, Tensor1D, Tensor2D, Tensor3D, Tensor4D, Tensor5D, Variable, Rank, NamedTensorMap } from '@tensorflow/tfjs';
