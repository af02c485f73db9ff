/**
 * The model folder's ONNX side: exporting `model.onnx` from the saved weights
 * and prototype, telling whether an existing export still matches them, and
 * opening it on ONNX Runtime for scoring (what evaluation, predict and serve
 * call).
 */
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { InputError } from '../errors.js';
import { decodeOnnxModel } from '../engine/onnx/index.js';
import { DEFAULT_ONNX_GRAPH_FORM, exportModelOnnx, openClipSession } from './alexnet-2plus1d-onnx.js';
import type { ClipOnnxSession, OnnxGraphForm } from './alexnet-2plus1d-onnx.js';
import { vidpadVersion, writeFileAtomic } from '../io/index.js';
import { MODEL_ONNX_FILE, loadModelFolder, readModelMeta } from './model-files.js';
import type { ModelMeta } from './model-files.js';

/** metadata_props keys that tie an export to the folder it came from. */
export const ONNX_META_WEIGHTS_SHA256 = 'vidpad.weightsSha256';
export const ONNX_META_PROTOTYPE_SHA256 = 'vidpad.prototypeSha256';

export interface ModelOnnxExport {
  file: string;
  bytes: number;
  form: OnnxGraphForm;
}

export interface OnnxFileStatus {
  file: string;
  present: boolean;
  bytes: number | null;
  /** Whether the export was made from the folder's current weights and prototype; null when unknown (absent, or no hash recorded). */
  matchesModel: boolean | null;
}

function prototypeHash(prototype: readonly number[]): string {
  return createHash('sha256').update(new Uint8Array(Float32Array.from(prototype).buffer)).digest('hex');
}

/**
 * Exports a saved model folder to ONNX (default `DIR/model.onnx`), written
 * atomically. The file records the weights' and prototype's hashes, so a
 * later save makes it detectably stale.
 */
export async function exportModelFolderOnnx(dir: string, options: { out?: string; form?: OnnxGraphForm } = {}): Promise<ModelOnnxExport> {
  const file = options.out ?? path.join(dir, MODEL_ONNX_FILE);
  const form = options.form ?? DEFAULT_ONNX_GRAPH_FORM;
  const { model, meta } = await loadModelFolder(dir);
  let bytes: Uint8Array;
  try {
    bytes = exportModelOnnx(model, meta.liveScore.prototype, {
      form,
      producerVersion: vidpadVersion(),
      metadata: {
        ...(meta.weights.sha256 ? { [ONNX_META_WEIGHTS_SHA256]: meta.weights.sha256 } : {}),
        [ONNX_META_PROTOTYPE_SHA256]: prototypeHash(meta.liveScore.prototype),
        'vidpad.loss': meta.loss,
        'vidpad.prototypeSource': meta.liveScore.source,
        ...(meta.threshold ? { 'vidpad.threshold': String(meta.threshold.value), 'vidpad.thresholdChosenOn': meta.threshold.chosenOn } : {}),
      },
    });
  } finally {
    model.dispose();
  }
  await writeFileAtomic(file, bytes);
  return { file, bytes: bytes.length, form };
}

function statusOf(file: string, bytes: Uint8Array, meta: ModelMeta): OnnxFileStatus {
  const decoded = decodeOnnxModel(bytes, file);
  const weights = decoded.metadata[ONNX_META_WEIGHTS_SHA256];
  const proto = decoded.metadata[ONNX_META_PROTOTYPE_SHA256];
  const matchesModel =
    weights === undefined || meta.weights.sha256 === undefined ? null : weights === meta.weights.sha256 && proto === prototypeHash(meta.liveScore.prototype);
  return { file, present: true, bytes: bytes.length, matchesModel };
}

/** Whether `DIR/model.onnx` exists and was exported from the folder's current weights and prototype. */
export async function modelOnnxStatus(dir: string, meta?: ModelMeta): Promise<OnnxFileStatus> {
  const file = path.join(dir, MODEL_ONNX_FILE);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { file, present: false, bytes: null, matchesModel: null };
    throw new InputError(`${file}: cannot read (${(err as Error).message})`, { cause: err });
  }
  return statusOf(file, bytes, meta ?? (await readModelMeta(dir)));
}

/**
 * Opens a model folder's ONNX export for scoring: `session.run(clips, batch)`
 * gives embeddings and liveScores; `meta.threshold` says where to cut. Refuses
 * a missing or stale export, naming the command that makes a fresh one.
 */
export async function openModelSession(dir: string, options: { threads?: number } = {}): Promise<{ session: ClipOnnxSession; meta: ModelMeta }> {
  const meta = await readModelMeta(dir);
  const file = path.join(dir, MODEL_ONNX_FILE);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new InputError(`${file}: no ONNX export (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); run 'vidpad export --model ${dir} --format onnx'`, { cause: err });
  }
  if (statusOf(file, bytes, meta).matchesModel === false) {
    throw new InputError(`${file}: exported from other weights or another prototype than the folder holds now; run 'vidpad export --model ${dir} --format onnx' again`);
  }
  const session = await openClipSession(bytes, options);
  const [frames, size] = session.clipShape;
  if (frames !== meta.config.frames || size !== meta.config.inputSize || session.embeddingSize !== meta.config.embeddingSize) {
    await session.dispose();
    throw new InputError(`${file}: input [batch, ${session.clipShape.join(', ')}] / embedding ${session.embeddingSize} do not match model.json's config (frames ${meta.config.frames}, inputSize ${meta.config.inputSize}, embeddingSize ${meta.config.embeddingSize})`);
  }
  return { session, meta };
}
