/**
 * The model folder the predict, serve and web benchmarks score with: the
 * demo's shape (T = 5, 112², width ×0.25, 64-d embedding) with random weights,
 * since speed does not depend on the weights. `detector` is the box source
 * recorded in its input contract: 'none' feeds it the dataset's boxes,
 * a detector name makes predict run that detector.
 */
import { createAlexNet2Plus1D, inputContractFor, resolvePreprocessConfig, saveModelFolder } from '../src/index.js';

export async function writeDemoShapedModel(dir: string, detector: 'none' | 'blazeface'): Promise<void> {
  const model = createAlexNet2Plus1D({ frames: 5, inputSize: 112, widthMultiplier: 0.25, embeddingSize: 64, seed: 1 });
  const preprocess = detector === 'none'
    ? resolvePreprocessConfig({ cropSizePx: 112, boxPolicy: 'dataset' })
    : resolvePreprocessConfig({ cropSizePx: 112, boxPolicy: 'detector', detector });
  try {
    await saveModelFolder(dir, {
      model,
      meta: {
        liveScore: { prototype: Float32Array.from({ length: 64 }, (_, i) => Math.cos(i)), source: 'class-weight' },
        loss: 'arcface',
        threshold: { value: 0, chosenOn: 'val', rule: 'eer' },
        contract: inputContractFor(preprocess, detector, { length: 5, stride: 1 }),
      },
    });
  } finally {
    model.dispose();
  }
}
