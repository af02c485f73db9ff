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
import { calibrateRanges, decodeOnnxModel, encodeOnnxModel, int8CalibrationValues, quantizeOnnxInt8 } from '../engine/onnx/index.js';
import type { CalibrationBatch, Int8QuantizeOptions } from '../engine/onnx/index.js';
import { DEFAULT_ONNX_GRAPH_FORM, buildModelOnnx, exportModelOnnx, openClipSession } from './alexnet-2plus1d-onnx.js';
import type { ClipOnnxSession, OnnxGraphForm } from './alexnet-2plus1d-onnx.js';
import { checkOutputFile, vidpadVersion, writeFileAtomic } from '../io/index.js';
import { INFERENCE_PRECISIONS, MODEL_INT8_ONNX_FILE, MODEL_JSON_FILE, MODEL_ONNX_FILE, checkWeightsFile, loadModelFolder, readModelMeta, validateModelMeta } from './model-files.js';
import type { InferencePrecision, ModelMeta, QuantizedExportRecord, WeightsFileCheck } from './model-files.js';

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
    bytes = exportModelOnnx(model, meta.liveScore.prototype, { form, producerVersion: vidpadVersion(), metadata: exportMetadata(meta) });
  } finally {
    model.dispose();
  }
  await writeFileAtomic(file, bytes);
  return { file, bytes: bytes.length, form };
}

/** metadata_props that tie an export to its folder's weights, prototype and threshold. */
function exportMetadata(meta: ModelMeta): Record<string, string> {
  return {
    ...(meta.weights.sha256 ? { [ONNX_META_WEIGHTS_SHA256]: meta.weights.sha256 } : {}),
    [ONNX_META_PROTOTYPE_SHA256]: prototypeHash(meta.liveScore.prototype),
    'vidpad.loss': meta.loss,
    'vidpad.prototypeSource': meta.liveScore.source,
    ...(meta.threshold ? { 'vidpad.threshold': String(meta.threshold.value), 'vidpad.thresholdChosenOn': meta.threshold.chosenOn } : {}),
  };
}

/** The int8 scheme `quantizeModelFolderInt8` writes, in the words model.json records. */
export const INT8_SCHEME =
  'QDQ: convolutions on uint8 activations (asymmetric, per tensor, min/max calibration) and int8 weights (symmetric, per output channel, 7-bit), int32 bias; fully connected head and cosine in float32';

export interface QuantizeModelFolderOptions extends Int8QuantizeOptions {
  /** Standardised clips `[batch, T, H, W, 3]` whose activation ranges set the scales: validation clips, never test ones. */
  calibration: AsyncIterable<CalibrationBatch> | Iterable<CalibrationBatch>;
  /** What the calibration clips are, in words, for model.json (e.g. "validation split of SiW P1"). */
  calibrationSource: string;
  form?: OnnxGraphForm;
  threads?: number;
}

export interface QuantizedModelExport extends QuantizedExportRecord {
  /** The int8 file's full path. */
  path: string;
}

/**
 * Writes `DIR/model.int8.onnx`: the folder's inference graph with its
 * convolutions statically quantised to int8 (engine/onnx/quantize.ts),
 * calibrated on `options.calibration`; then records its size, SHA-256 and
 * provenance in model.json (`quantized.int8`). Both writes are atomic; the
 * ONNX file is written first, so a torn run leaves a file model.json does not
 * vouch for, which `openModelSession` refuses.
 */
export async function quantizeModelFolderInt8(dir: string, options: QuantizeModelFolderOptions): Promise<QuantizedModelExport> {
  const { model, meta } = await loadModelFolder(dir);
  let graph;
  try {
    graph = buildModelOnnx(model, meta.liveScore.prototype, {
      form: options.form ?? DEFAULT_ONNX_GRAPH_FORM,
      producerVersion: vidpadVersion(),
      metadata: { ...exportMetadata(meta), 'vidpad.precision': 'int8', 'vidpad.quantization': INT8_SCHEME },
    });
  } finally {
    model.dispose();
  }
  let clips = 0;
  async function* counted() {
    for await (const b of options.calibration) {
      clips += b.batch;
      yield b;
    }
  }
  const ranges = await calibrateRanges(graph, int8CalibrationValues(graph), counted(), options.threads !== undefined ? { threads: options.threads } : {});
  const bytes = encodeOnnxModel(quantizeOnnxInt8(graph, ranges, options.weightMax !== undefined ? { weightMax: options.weightMax } : {}));
  const file = path.join(dir, MODEL_INT8_ONNX_FILE);
  await writeFileAtomic(file, bytes);
  const record: QuantizedExportRecord = {
    file: MODEL_INT8_ONNX_FILE,
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    weightsSha256: meta.weights.sha256 ?? null,
    calibration: { clips, source: options.calibrationSource },
    scheme: INT8_SCHEME,
  };
  // model.json as it is on disk, every field kept, plus the record.
  const jsonFile = path.join(dir, MODEL_JSON_FILE);
  const raw = JSON.parse(await readFile(jsonFile, 'utf8')) as Record<string, unknown>;
  const quantized = typeof raw.quantized === 'object' && raw.quantized !== null ? (raw.quantized as Record<string, unknown>) : {};
  const updated = { ...raw, quantized: { ...quantized, int8: record } };
  validateModelMeta(updated, jsonFile);
  await writeFileAtomic(jsonFile, JSON.stringify(updated, null, 2) + '\n');
  return { ...record, path: file };
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
export interface OpenModelSessionOptions {
  threads?: number;
  /**
   * Which export to run: 'fp32' (model.onnx, the default) or 'int8'
   * (model.int8.onnx, made by `vidpad export --quantize int8`), checked
   * against the size, SHA-256 and source weights model.json records.
   */
  precision?: InferencePrecision;
}

export async function openModelSession(dir: string, options: OpenModelSessionOptions = {}): Promise<OpenedModelSession> {
  const precision = options.precision ?? 'fp32';
  if (!(INFERENCE_PRECISIONS as readonly string[]).includes(precision)) {
    throw new InputError(`inference precision '${String(precision)}': expected one of ${INFERENCE_PRECISIONS.join(', ')}`);
  }
  const meta = await readModelMeta(dir);
  if (precision === 'int8') return openInt8Session(dir, meta, options.threads);
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
    session = await openClipSession(bytes, options.threads !== undefined ? { threads: options.threads } : {});
  } catch (err) {
    // The header decoded, yet ONNX Runtime refuses the graph: a damaged or foreign file.
    if (err instanceof InputError && /onnxruntime cannot load it/.test(err.message)) throw invalidOnnx(file, err);
    throw err;
  }
  return finishOpen(dir, meta, file, session);
}

async function finishOpen(dir: string, meta: ModelMeta, file: string, session: ClipOnnxSession): Promise<OpenedModelSession> {
  const [frames, size] = session.clipShape;
  if (frames !== meta.config.frames || size !== meta.config.inputSize || session.embeddingSize !== meta.config.embeddingSize) {
    await session.dispose();
    throw new InputError(`${file}: input [batch, ${session.clipShape.join(', ')}] / embedding ${session.embeddingSize} do not match model.json's config (frames ${meta.config.frames}, inputSize ${meta.config.inputSize}, embeddingSize ${meta.config.embeddingSize})`);
  }
  const weights = await checkWeightsFile(dir, meta);
  const warnings = weights.problem ? [`${weights.problem}; scoring uses ${file}, exported from the weights ${MODEL_JSON_FILE} records`] : [];
  return { session, meta, warnings };
}

/**
 * Reads `DIR/model.int8.onnx` and checks it against model.json's
 * `quantized.int8` record (size, SHA-256, the weights it was quantised from);
 * an InputError naming the file and `vidpad export --quantize int8` when the
 * export is absent, damaged or stale. What a service checks before starting.
 */
export async function readInt8Export(dir: string, known?: ModelMeta): Promise<{ file: string; bytes: Buffer; meta: ModelMeta }> {
  const meta = known ?? (await readModelMeta(dir));
  const remake = `run 'vidpad export --model ${dir} --quantize int8 --root ... --cache ...'`;
  const record = meta.quantized?.int8;
  const file = path.join(dir, record?.file ?? MODEL_INT8_ONNX_FILE);
  if (!record) throw new InputError(`${dir}: ${MODEL_JSON_FILE} records no int8 export; ${remake}`);
  if (record.weightsSha256 !== null && meta.weights.sha256 !== undefined && record.weightsSha256 !== meta.weights.sha256) {
    throw new InputError(`${file}: quantised from other weights than the folder holds now; ${remake} again`);
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new InputError(`${file}: missing or unreadable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ${remake}`, { cause: err });
  }
  if (bytes.length !== record.bytes || createHash('sha256').update(bytes).digest('hex') !== record.sha256) {
    throw new InputError(`${file}: ${bytes.length} bytes and a SHA-256 that differ from what ${MODEL_JSON_FILE} records (${record.bytes} bytes): damaged, or from another export; ${remake}`);
  }
  return { file, bytes, meta };
}

/** Opens model.int8.onnx after checking it against model.json's `quantized.int8` record. */
async function openInt8Session(dir: string, meta: ModelMeta, threads: number | undefined): Promise<OpenedModelSession> {
  const { file, bytes } = await readInt8Export(dir, meta);
  let session: ClipOnnxSession;
  try {
    session = await openClipSession(bytes, threads !== undefined ? { threads } : {});
  } catch (err) {
    if (err instanceof InputError && /onnxruntime cannot load it/.test(err.message)) throw invalidOnnx(file, err);
    throw err;
  }
  return finishOpen(dir, meta, file, session);
}
