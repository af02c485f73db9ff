/**
 * Scoring a model folder on TensorFlow.js instead of ONNX Runtime, on
 * whatever tfjs backend is current (e.g. tfjs-node's GPU where a user has
 * it): the same `ClipScorer` interface as `openModelSession`'s session, so
 * `scoreSplit` takes either, and the same scores (a parity test holds them
 * together).
 */
import { tf } from '../engine/index.js';
import type { Tensor2D, Tensor5D } from '../engine/index.js';
import { loadModelFolder } from '../models/index.js';
import type { ClipScorer, ModelMeta } from '../models/index.js';
import { liveScores } from '../losses/index.js';

/** Loads the folder's network and prototype; `scorer.dispose()` frees the network. */
export async function createTfjsScorer(modelDir: string): Promise<{ scorer: ClipScorer; meta: ModelMeta }> {
  const { model, meta } = await loadModelFolder(modelDir);
  const prototype = Float32Array.from(meta.liveScore.prototype);
  const { frames, inputSize } = meta.config;
  const scorer: ClipScorer = {
    clipShape: [frames, inputSize, inputSize, 3],
    async run(clips, batch) {
      const liveScore = tf.tidy(() => {
        const x = tf.tensor5d(clips, [batch, frames, inputSize, inputSize, 3]) as Tensor5D;
        return liveScores(model.forward(x) as Tensor2D, prototype).dataSync() as Float32Array;
      });
      return { liveScore };
    },
    async dispose() {
      model.dispose();
    },
  };
  return { scorer, meta };
}
