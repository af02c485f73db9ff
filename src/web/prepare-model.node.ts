/**
 * A model folder made ready for the page: its model.json read and checked
 * (the page needs the input contract and a threshold), and a current
 * model.onnx (exported when missing or stale: the browser runs only ONNX).
 */
import path from 'node:path';
import { InputError } from '../errors.js';
import { initBackend } from '../engine/index.js';
import { exportModelFolderOnnx, modelOnnxStatus, readModelMeta } from '../models/index.js';
import type { ModelMeta } from '../models/index.js';

export async function prepareWebModel(dir: string): Promise<{ meta: ModelMeta; exported: boolean }> {
  const meta = await readModelMeta(dir);
  const file = path.join(dir, 'model.json');
  if (!meta.contract) throw new InputError(`${file} records no input contract (format ${meta.formatVersion}): the page cannot know how to crop for it; retrain it with this vidpad`);
  if (!meta.threshold) throw new InputError(`${file}: the model has no threshold; train it with 'vidpad train' (which chooses one on validation)`);
  const status = await modelOnnxStatus(dir, meta);
  if (status.present && status.matchesModel !== false) return { meta, exported: false };
  // Exporting only reads the weights' values: the always-there backend does.
  await initBackend('cpu');
  await exportModelFolderOnnx(dir);
  return { meta, exported: true };
}
