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
import { checkOutputFile, vidpadVersion, writeFileAtomic } from '../io/index.js';
import { MODEL_JSON_FILE, MODEL_ONNX_FILE, checkWeightsFile, loadModelFolder, readModelMeta } from './model-files.js';
import type { ModelMeta, WeightsFileCheck } from './model-files.js';

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

/** True when `file` is an ONNX file vidpad wrote (its producer_name says so); false for anything else, unreadable included. */
export async function isVidpadOnnxFile(file: string): Promise<boolean> {
  try {
    return decodeOnnxModel(await readFile(file), file).producerName === 'vidpad';
  } catch {
    return false;
  }
}

/**
 * Exports a saved model folder to ONNX (default `DIR/model.onnx`), written
 * atomically. The file records the weights' and prototype's hashes, so a
 * later save makes it detectably stale. An `out` elsewhere must be a file
 * path in an existing folder, and an existing file there is replaced only
 * when vidpad exported it, or with `overwrite`.
 */
export async function exportModelFolderOnnx(dir: string, options: { out?: string; form?: OnnxGraphForm; overwrite?: boolean; option?: string } = {}): Promise<ModelOnnxExport> {
  const file = options.out ?? path.join(dir, MODEL_ONNX_FILE);
  const form = options.form ?? DEFAULT_ONNX_GRAPH_FORM;
  if (options.out !== undefined) await checkOutputFile(options.out, { isOurs: isVidpadOnnxFile, ...(options.overwrite ? { overwrite: true } : {}), ...(options.option ? { option: options.option } : {}) });
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

/** The one message for a model.onnx that cannot be decoded, with the command that makes a good one. */
function invalidOnnx(file: string, err: unknown): InputError {
  const dir = path.dirname(file);
  return new InputError(`${file}: not a valid ONNX file (${(err as Error).message.replace(`${file}: `, '')}); run 'vidpad export --model ${dir}'`, { cause: err });
}

function statusOf(file: string, bytes: Uint8Array, meta: ModelMeta): OnnxFileStatus {
  let decoded;
  try {
    decoded = decodeOnnxModel(bytes, file);
  } catch (err) {
    throw invalidOnnx(file, err);
  }
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

/** A model folder's files against model.json: what `vidpad info` reports and what opening a folder warns about. */
export interface ModelFolderCheck {
  dir: string;
  meta: ModelMeta;
  weights: WeightsFileCheck;
  onnx: OnnxFileStatus & { state: 'absent' | 'current' | 'stale' | 'unverified' | 'invalid'; problem: string | null };
  /** One line per problem, each naming the file, what is wrong and what to do; empty for a sound folder. */
  problems: string[];
}

/**
 * Checks every file of a model folder against what model.json records: the
 * weights' size, header and SHA-256, and whether model.onnx decodes and was
 * exported from those weights and that prototype. Never throws for a bad
 * file (only for an unreadable model.json): it reports.
 */
export async function checkModelFolder(dir: string, known?: ModelMeta): Promise<ModelFolderCheck> {
  const meta = known ?? (await readModelMeta(dir));
  const weights = await checkWeightsFile(dir, meta);
  let onnx: ModelFolderCheck['onnx'];
  try {
    const status = await modelOnnxStatus(dir, meta);
    const state = !status.present ? 'absent' : status.matchesModel === false ? 'stale' : status.matchesModel === null ? 'unverified' : 'current';
    const problem = state === 'stale' ? `${status.file}: exported from other weights or another prototype than ${MODEL_JSON_FILE} records; run 'vidpad export --model ${dir}' again` : null;
    onnx = { ...status, state, problem };
  } catch (err) {
    const file = path.join(dir, MODEL_ONNX_FILE);
    onnx = { file, present: true, bytes: null, matchesModel: null, state: 'invalid', problem: (err as Error).message };
  }
  const problems = [weights.problem, onnx.problem].filter((p): p is string => p !== null);
  return { dir, meta, weights, onnx, problems };
}

export interface OpenedModelSession {
  session: ClipOnnxSession;
  meta: ModelMeta;
  /**
   * What is wrong in the folder without stopping the scoring: a missing or
   * damaged weights file beside an export made from the weights model.json
   * records (the scores are then the trained model's). Callers print them.
   */
  warnings: string[];
}

/**
 * Opens a model folder's ONNX export for scoring: `session.run(clips, batch)`
 * gives embeddings and liveScores; `meta.threshold` says where to cut. Refuses
 * a missing, stale or invalid export, naming the command that makes a fresh
 * one, and checks the weights file against model.json (`warnings`).
 */
export async function openModelSession(dir: string, options: { threads?: number } = {}): Promise<OpenedModelSession> {
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
  let session: ClipOnnxSession;
  try {
    session = await openClipSession(bytes, options);
  } catch (err) {
    // The header decoded, yet ONNX Runtime refuses the graph: a damaged or foreign file.
    if (err instanceof InputError && /onnxruntime cannot load it/.test(err.message)) throw invalidOnnx(file, err);
    throw err;
  }
  const [frames, size] = session.clipShape;
  if (frames !== meta.config.frames || size !== meta.config.inputSize || session.embeddingSize !== meta.config.embeddingSize) {
    await session.dispose();
    throw new InputError(`${file}: input [batch, ${session.clipShape.join(', ')}] / embedding ${session.embeddingSize} do not match model.json's config (frames ${meta.config.frames}, inputSize ${meta.config.inputSize}, embeddingSize ${meta.config.embeddingSize})`);
  }
  const weights = await checkWeightsFile(dir, meta);
  const warnings = weights.problem ? [`${weights.problem}; scoring uses ${file}, exported from the weights ${MODEL_JSON_FILE} records`] : [];
  return { session, meta, warnings };
}
