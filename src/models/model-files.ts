/**
 * The trained-model folder (DESIGN.md §3): `model.json` (format version, the
 * full typed config, input spec, live prototype, threshold, loss, training
 * provenance) beside `weights.safetensors`, and `model.onnx` once exported.
 * This module owns that layout: saving it atomically, reading and validating
 * it, and rebuilding the network from it bit-exactly.
 *
 * Weights keep TensorFlow.js's layouts, under the model's own variable names
 * (`conv1.spatial.weight`, `fc6.bias`, …):
 * - `<convN>.spatial.weight` `[kh, kw, cin, mid]` (HWIO) and
 *   `<convN>.temporal.weight` `[kt, 1, mid, cout]`;
 * - `<fc>.weight` `[in, out]`; every bias `[out]`.
 * A PyTorch user gets its layouts with `w.permute(3, 2, 0, 1)` for the
 * spatial filters (→ Conv2d `[out, in, kh, kw]`, or `.unsqueeze(2)` for a
 * Conv3d `[out, in, 1, kh, kw]`), `w.permute(3, 2, 0, 1).unsqueeze(-1)` for
 * the temporal ones (→ Conv3d `[out, in, kt, 1, 1]`) and `w.T` for Linear.
 * fc6's input rows are ordered (y, x, c) over the time-averaged pool5 map,
 * where PyTorch's `flatten` of an NCHW map gives (c, y, x): reorder them with
 * `w.T.reshape(out, h, w, c).permute(0, 3, 1, 2).reshape(out, -1)`.
 */
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { tf } from '../engine/tf.js';
import { ConfigError, InputError, ShapeError, VidpadError } from '../errors.js';
import { checkKnownKeys, checkOneOf, checkWhole } from '../config-checks.js';
import { DEFAULT_ALEXNET_2PLUS1D_CONFIG, createAlexNet2Plus1D, planVariableNames, resolveAlexNetConfig } from './alexnet-2plus1d.js';
import type { AlexNet2Plus1D, AlexNet2Plus1DConfig } from './alexnet-2plus1d.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';
import type { NamedTensorData } from './safetensors.js';
import { vidpadVersion, writeFileAtomic } from '../io/index.js';
import { validateInputContract } from './input-contract.js';
import type { ModelInputContract } from './input-contract.js';

export const MODEL_FORMAT = 'vidpad-model';
/**
 * Bumped when model.json changes incompatibly; readers refuse newer versions.
 * 2 (one format, from two changes that landed together):
 * - `config.norm` (normalisation layers): with `batch`, the weights file
 *   carries each BatchNorm's weight, bias and running statistics;
 * - the input contract (`contract`: the crop, decode width, box policy,
 *   detector, tracking and clip layout the model was trained with) and the
 *   cross-entropy head (`head`).
 * A version-1 reader would build a network without BatchNorm and ignore the
 * contract (feeding the model crops of its own defaults), so it refuses
 * version 2 rather than silently misread it. Version-1 folders are read here
 * as what they are: `norm: 'none'` (they predate normalisation layers) and
 * `contract: null` (predict then assumes the preprocessing defaults and says so).
 */
export const MODEL_FORMAT_VERSION = 2;
export const MODEL_ARCHITECTURE = 'alexnet-2plus1d';
export const MODEL_JSON_FILE = 'model.json';
export const MODEL_WEIGHTS_FILE = 'weights.safetensors';
export const MODEL_ONNX_FILE = 'model.onnx';
/** The int8 ONNX export (`vidpad export --quantize int8`), recorded in model.json's `quantized.int8`. */
export const MODEL_INT8_ONNX_FILE = 'model.int8.onnx';
/** The inference precisions a model folder can be opened in: its float export, or the int8 one. */
export const INFERENCE_PRECISIONS = ['fp32', 'int8'] as const;
export type InferencePrecision = (typeof INFERENCE_PRECISIONS)[number];

/** What model.json records of a quantised export: the file, and what it was made from. */
export interface QuantizedExportRecord {
  file: string;
  bytes: number;
  sha256: string;
  /** SHA-256 of the weights file it was quantised from: a later save makes it stale. */
  weightsSha256: string | null;
  /** How activations were calibrated: how many clips, of what (e.g. "validation split of SiW P1"). */
  calibration: { clips: number; source: string };
  /** The quantisation scheme, in words (activations, weights, bias). */
  scheme: string;
}

export const WEIGHTS_LAYOUT_NOTE =
  'tfjs layouts: *.spatial.weight [kh,kw,cin,cout] (HWIO), *.temporal.weight [kt,1,cin,cout], dense *.weight [in,out]; ' +
  'PyTorch: conv w.permute(3,2,0,1), Linear w.T; fc6 input rows are ordered (y,x,c); ' +
  'BatchNorm *.bn.weight|bias|running_mean|running_var [C] as in torch.nn.BatchNorm (eps 1e-5, momentum 0.1)';

/** What a clip must look like before it reaches the network. */
export interface ModelInputSpec {
  frames: number;
  size: number;
  channels: 3;
  layout: 'BTHWC';
  normalization: 'per-frame mean 0 var 1';
}

export const PROTOTYPE_SOURCES = ['class-weight', 'head-direction', 'mean-live-embedding'] as const;
export type PrototypeSource = (typeof PROTOTYPE_SOURCES)[number];

/** liveScore = cosine(embedding, prototype): higher = more likely live. */
export interface LiveScoreSpec {
  /** The live class's representative vector, length embeddingSize. */
  prototype: number[];
  /** The live class's weight vector of a margin loss, or the mean embedding of the live training clips. */
  source: PrototypeSource;
  similarity: 'cosine';
}

export const THRESHOLD_SPLITS = ['val', 'test', 'manual'] as const;
export const THRESHOLD_RULES = ['eer', 'manual'] as const;

/** A clip is accepted as live when liveScore >= value. */
export interface ThresholdSpec {
  value: number;
  /** Where it was chosen; 'test' marks an oracle threshold. */
  chosenOn: (typeof THRESHOLD_SPLITS)[number];
  rule: (typeof THRESHOLD_RULES)[number];
}

export interface SoftwareVersions {
  vidpad: string;
  tfjs: string;
  node: string;
}

export interface TrainingProvenance {
  dataset: string | null;
  protocol: string | null;
  fold: number | null;
  seed: number | null;
  epochs: number | null;
  versions: SoftwareVersions;
}

/**
 * A cross-entropy model's linear head: logits = embedding · weight + bias,
 * class LIVE_LABEL (1) live. Kept so Grad-CAM can explain the live logit.
 */
export interface LinearHeadSpec {
  /** `[embeddingSize, classes]`, row-major. */
  weight: number[];
  bias: number[];
  classes: number;
}

/** Everything in model.json: what `loadModelFolder` and `readModelMeta` return. */
export interface ModelMeta {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  architecture: typeof MODEL_ARCHITECTURE;
  config: Readonly<AlexNet2Plus1DConfig>;
  input: ModelInputSpec;
  liveScore: LiveScoreSpec;
  threshold: ThresholdSpec | null;
  loss: string;
  /** How to feed the model (null: not recorded, e.g. a format-1 folder). */
  contract: ModelInputContract | null;
  /** The cross-entropy head, for models trained with `ce` (null otherwise). */
  head: LinearHeadSpec | null;
  training: TrainingProvenance;
  weights: {
    file: string;
    layout: string;
    /** Byte size and SHA-256 of the weights file, to catch a torn or mixed folder. Optional for hand-made folders. */
    bytes?: number;
    sha256?: string;
  };
  /** Quantised exports of the folder, when made (`vidpad export --quantize int8`). */
  quantized?: { int8?: QuantizedExportRecord };
  extra: Record<string, unknown>;
}

/** What a caller supplies to `saveModelFolder`; the rest comes from the model. */
export interface ModelMetaInput {
  liveScore: { prototype: ArrayLike<number>; source: PrototypeSource };
  loss: string;
  threshold?: ThresholdSpec | null;
  /** The input contract (training records it from the crop cache's settings). */
  contract?: ModelInputContract | null;
  head?: { weight: ArrayLike<number>; bias: ArrayLike<number>; classes: number } | null;
  /** Missing fields are recorded as null; versions default to the running ones. */
  training?: Partial<Omit<TrainingProvenance, 'versions'>> & { versions?: Partial<SoftwareVersions> };
  extra?: Record<string, unknown>;
}

export interface LoadedModel {
  model: AlexNet2Plus1D;
  meta: ModelMeta;
}

export function runningVersions(): SoftwareVersions {
  return { vidpad: vidpadVersion(), tfjs: tf.version_core, node: process.version };
}

export function inputSpecFor(config: Readonly<AlexNet2Plus1DConfig>): ModelInputSpec {
  return { frames: config.frames, size: config.inputSize, channels: 3, layout: 'BTHWC', normalization: 'per-frame mean 0 var 1' };
}

// ---------------------------------------------------------------- validation

/** Errors in model.json name the field and the file. */
function fieldError(file: string, field: string, message: string): ConfigError {
  return new ConfigError(field, `${message} (in ${file})`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nullableNumber(file: string, field: string, v: unknown, integer: boolean): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw fieldError(file, field, `expected ${integer ? 'a whole number' : 'a number'} or null, got ${JSON.stringify(v)}`);
  }
  return v;
}

function nullableString(file: string, field: string, v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw fieldError(file, field, `expected a string or null, got ${JSON.stringify(v)}`);
  return v;
}

/** Runs a shared validator on a model.json field; its ConfigError gains the file's name (and `rename` maps its path). */
function inFile<T>(file: string, check: () => T, rename: (path: string) => string = (p) => p): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof ConfigError) throw fieldError(file, rename(err.path), err.message.slice(err.path.length + 2));
    throw err;
  }
}

const oneOf = <T extends string>(file: string, field: string, v: unknown, options: readonly T[]): T => inFile(file, () => checkOneOf(field, v, options));

/**
 * A saved config must be complete: filling gaps from today's defaults could
 * silently build a different network from the one that was trained.
 */
function validateConfig(file: string, given: unknown, formatVersion: number): Readonly<AlexNet2Plus1DConfig> {
  if (!isObject(given)) throw fieldError(file, 'config', 'expected an object with the model config');
  // Format 1 predates normalisation layers: its networks had none (a fact of that format, not a default).
  const raw = formatVersion < 2 && !('norm' in given) ? { ...given, norm: 'none' } : given;
  const known = Object.keys(DEFAULT_ALEXNET_2PLUS1D_CONFIG);
  for (const key of known) if (!(key in raw)) throw fieldError(file, `config.${key}`, 'missing');
  inFile(file, () => checkKnownKeys('config', raw, known));
  return inFile(file, () => resolveAlexNetConfig(raw as Partial<AlexNet2Plus1DConfig>), (p) => p.replace(/^model\./, 'config.'));
}

function validateThreshold(file: string, raw: unknown): ThresholdSpec | null {
  if (raw === null || raw === undefined) return null;
  if (!isObject(raw)) throw fieldError(file, 'threshold', 'expected {value, chosenOn, rule} or null');
  if (typeof raw.value !== 'number' || !Number.isFinite(raw.value)) throw fieldError(file, 'threshold.value', `expected a finite number, got ${JSON.stringify(raw.value)}`);
  return {
    value: raw.value,
    chosenOn: oneOf(file, 'threshold.chosenOn', raw.chosenOn, THRESHOLD_SPLITS),
    rule: oneOf(file, 'threshold.rule', raw.rule, THRESHOLD_RULES),
  };
}

function validatePrototype(file: string, field: string, raw: ArrayLike<number> | unknown, size: number): number[] {
  const values = Array.isArray(raw) || ArrayBuffer.isView(raw) ? Array.from(raw as ArrayLike<number>) : null;
  if (values === null) throw fieldError(file, field, `expected an array of ${size} numbers`);
  if (values.length !== size) throw fieldError(file, field, `expected ${size} numbers (the embedding size), got ${values.length}`);
  const bad = values.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
  if (bad >= 0) throw fieldError(file, `${field}[${bad}]`, `expected a finite number, got ${JSON.stringify(values[bad])}`);
  if (values.every((x) => x === 0)) throw fieldError(file, field, 'is all zeros, so the cosine liveScore is undefined');
  // Stored as float32 values: what the network and the ONNX graph compute with.
  return Array.from(Float32Array.from(values));
}

function validateContract(file: string, raw: unknown, config: Readonly<AlexNet2Plus1DConfig>): ModelInputContract | null {
  if (raw === null || raw === undefined) return null;
  const c = validateInputContract(raw, 'contract', file);
  if (c.crop.sizePx !== config.inputSize) throw fieldError(file, 'contract.crop.sizePx', `${c.crop.sizePx} differs from config.inputSize ${config.inputSize}`);
  if (c.clip.frames !== config.frames) throw fieldError(file, 'contract.clip.frames', `${c.clip.frames} differs from config.frames ${config.frames}`);
  return c;
}

function validateHead(file: string, raw: unknown, embeddingSize: number): LinearHeadSpec | null {
  if (raw === null || raw === undefined) return null;
  if (!isObject(raw)) throw fieldError(file, 'head', 'expected {weight, bias, classes} or null');
  const classes = raw.classes;
  if (typeof classes !== 'number' || !Number.isInteger(classes) || classes < 2) throw fieldError(file, 'head.classes', `expected a whole number >= 2, got ${JSON.stringify(classes)}`);
  const list = (v: unknown, field: string, n: number): number[] => {
    const values = Array.isArray(v) || ArrayBuffer.isView(v) ? Array.from(v as ArrayLike<number>) : null;
    if (values === null || values.length !== n) throw fieldError(file, field, `expected ${n} numbers`);
    const bad = values.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
    if (bad >= 0) throw fieldError(file, `${field}[${bad}]`, `expected a finite number, got ${JSON.stringify(values[bad])}`);
    return Array.from(Float32Array.from(values));
  };
  return { weight: list(raw.weight, 'head.weight', embeddingSize * classes), bias: list(raw.bias, 'head.bias', classes), classes };
}

function validateTraining(file: string, raw: unknown): TrainingProvenance {
  const t = raw === undefined || raw === null ? {} : raw;
  if (!isObject(t)) throw fieldError(file, 'training', 'expected an object');
  const v = t.versions === undefined ? {} : t.versions;
  if (!isObject(v)) throw fieldError(file, 'training.versions', 'expected an object {vidpad, tfjs, node}');
  const version = (key: keyof SoftwareVersions) => nullableString(file, `training.versions.${key}`, v[key]) ?? 'unknown';
  return {
    dataset: nullableString(file, 'training.dataset', t.dataset),
    protocol: nullableString(file, 'training.protocol', t.protocol),
    fold: nullableNumber(file, 'training.fold', t.fold, true),
    seed: nullableNumber(file, 'training.seed', t.seed, true),
    epochs: nullableNumber(file, 'training.epochs', t.epochs, false),
    versions: { vidpad: version('vidpad'), tfjs: version('tfjs'), node: version('node') },
  };
}

/** Validates a parsed model.json; `file` names it in errors. */
export function validateModelMeta(raw: unknown, file: string = MODEL_JSON_FILE): ModelMeta {
  if (!isObject(raw)) throw new InputError(`${file}: expected a JSON object`);
  if (raw.format !== MODEL_FORMAT) throw fieldError(file, 'format', `expected "${MODEL_FORMAT}", got ${JSON.stringify(raw.format)}: not a vidpad model`);
  const formatVersion = inFile(file, () => checkWhole('formatVersion', raw.formatVersion, 1));
  if (formatVersion > MODEL_FORMAT_VERSION) {
    throw fieldError(file, 'formatVersion', `${raw.formatVersion} was written by a newer vidpad; this one reads up to ${MODEL_FORMAT_VERSION}`);
  }
  const architecture = oneOf(file, 'architecture', raw.architecture, [MODEL_ARCHITECTURE] as const);
  const config = validateConfig(file, raw.config, formatVersion);
  const input = inputSpecFor(config);
  if (raw.input !== undefined) {
    if (!isObject(raw.input)) throw fieldError(file, 'input', 'expected an object');
    for (const [key, want] of Object.entries(input)) {
      if (raw.input[key] !== want) throw fieldError(file, `input.${key}`, `expected ${JSON.stringify(want)} (from the config), got ${JSON.stringify(raw.input[key])}`);
    }
  }
  if (!isObject(raw.liveScore)) throw fieldError(file, 'liveScore', 'expected {prototype, source, similarity}');
  const liveScore: LiveScoreSpec = {
    prototype: validatePrototype(file, 'liveScore.prototype', raw.liveScore.prototype, config.embeddingSize),
    source: oneOf(file, 'liveScore.source', raw.liveScore.source, PROTOTYPE_SOURCES),
    similarity: oneOf(file, 'liveScore.similarity', raw.liveScore.similarity ?? 'cosine', ['cosine'] as const),
  };
  if (typeof raw.loss !== 'string' || raw.loss === '') throw fieldError(file, 'loss', `expected the loss name, got ${JSON.stringify(raw.loss)}`);
  const w = raw.weights === undefined ? {} : raw.weights;
  if (!isObject(w)) throw fieldError(file, 'weights', 'expected an object');
  const weightsFile = nullableString(file, 'weights.file', w.file) ?? MODEL_WEIGHTS_FILE;
  if (path.basename(weightsFile) !== weightsFile) throw fieldError(file, 'weights.file', `expected a file name inside the model folder, got ${JSON.stringify(weightsFile)}`);
  const bytes = nullableNumber(file, 'weights.bytes', w.bytes, true);
  const sha256 = nullableString(file, 'weights.sha256', w.sha256);
  if (sha256 !== null && !/^[0-9a-f]{64}$/.test(sha256)) throw fieldError(file, 'weights.sha256', 'expected 64 lower-case hex digits');
  const extra = raw.extra === undefined || raw.extra === null ? {} : raw.extra;
  if (!isObject(extra)) throw fieldError(file, 'extra', 'expected an object');
  const quantized = validateQuantized(file, raw.quantized);
  return {
    format: MODEL_FORMAT,
    formatVersion,
    architecture,
    config,
    input,
    liveScore,
    threshold: validateThreshold(file, raw.threshold),
    loss: raw.loss,
    contract: validateContract(file, raw.contract, config),
    head: validateHead(file, raw.head, config.embeddingSize),
    training: validateTraining(file, raw.training),
    weights: {
      file: weightsFile,
      layout: typeof w.layout === 'string' ? w.layout : WEIGHTS_LAYOUT_NOTE,
      ...(bytes !== null ? { bytes } : {}),
      ...(sha256 !== null ? { sha256 } : {}),
    },
    ...(quantized ? { quantized } : {}),
    extra,
  };
}

function validateQuantized(file: string, raw: unknown): ModelMeta['quantized'] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) throw fieldError(file, 'quantized', 'expected an object');
  if (raw.int8 === undefined || raw.int8 === null) return {};
  const q = raw.int8;
  if (!isObject(q)) throw fieldError(file, 'quantized.int8', 'expected {file, bytes, sha256, weightsSha256, calibration, scheme}');
  const name = nullableString(file, 'quantized.int8.file', q.file) ?? MODEL_INT8_ONNX_FILE;
  if (path.basename(name) !== name) throw fieldError(file, 'quantized.int8.file', `expected a file name inside the model folder, got ${JSON.stringify(name)}`);
  const bytes = nullableNumber(file, 'quantized.int8.bytes', q.bytes, true);
  if (bytes === null) throw fieldError(file, 'quantized.int8.bytes', 'expected the file size in bytes');
  const sha = nullableString(file, 'quantized.int8.sha256', q.sha256);
  if (sha === null || !/^[0-9a-f]{64}$/.test(sha)) throw fieldError(file, 'quantized.int8.sha256', 'expected 64 lower-case hex digits');
  const weightsSha256 = nullableString(file, 'quantized.int8.weightsSha256', q.weightsSha256);
  const cal = isObject(q.calibration) ? q.calibration : {};
  return {
    int8: {
      file: name,
      bytes,
      sha256: sha,
      weightsSha256,
      calibration: { clips: typeof cal.clips === 'number' ? cal.clips : 0, source: typeof cal.source === 'string' ? cal.source : '' },
      scheme: typeof q.scheme === 'string' ? q.scheme : '',
    },
  };
}

// ---------------------------------------------------------------- save / load

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The model's state (weights, then BatchNorm's running statistics) as named float32 arrays, in the model's own (stable) order. */
export function modelWeights(model: AlexNet2Plus1D): Map<string, NamedTensorData> {
  const out = new Map<string, NamedTensorData>();
  for (const [name, v] of model.state) out.set(name, { shape: [...v.shape], data: v.dataSync() as Float32Array });
  return out;
}

/**
 * Saves a model folder. The weights go first and model.json (which records
 * the weights' SHA-256) last, each written atomically, so an interrupted save
 * is caught at load rather than mixing two models. An existing model.onnx is
 * removed: it holds the previous weights and prototype.
 */
export async function saveModelFolder(dir: string, input: { model: AlexNet2Plus1D; meta: ModelMetaInput }): Promise<ModelMeta> {
  const { model, meta } = input;
  const jsonFile = path.join(dir, MODEL_JSON_FILE);
  const config = model.plan.config;
  const versions = { ...runningVersions(), ...(meta.training?.versions ?? {}) };
  const weights = encodeSafetensors(modelWeights(model), { format: MODEL_FORMAT, architecture: MODEL_ARCHITECTURE, layout: 'tfjs' });
  const candidate = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    architecture: MODEL_ARCHITECTURE,
    config: { ...config },
    input: inputSpecFor(config),
    liveScore: { prototype: Array.from(meta.liveScore.prototype), source: meta.liveScore.source, similarity: 'cosine' },
    threshold: meta.threshold ?? null,
    loss: meta.loss,
    contract: meta.contract ?? null,
    head: meta.head ? { weight: Array.from(meta.head.weight), bias: Array.from(meta.head.bias), classes: meta.head.classes } : null,
    training: { ...meta.training, versions },
    weights: { file: MODEL_WEIGHTS_FILE, layout: WEIGHTS_LAYOUT_NOTE, bytes: weights.length, sha256: sha256Hex(weights) },
    extra: meta.extra ?? {},
  };
  // Validate before touching the disk, so a bad prototype leaves no half folder.
  const validated = validateModelMeta(JSON.parse(JSON.stringify(candidate)), jsonFile);
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new InputError(`${dir}: cannot create the model folder (${(err as Error).message})`, { cause: err });
  }
  await writeFileAtomic(path.join(dir, MODEL_WEIGHTS_FILE), weights);
  await rm(path.join(dir, MODEL_ONNX_FILE), { force: true });
  // The int8 export came from the previous weights too; the fresh model.json no longer records it.
  await rm(path.join(dir, MODEL_INT8_ONNX_FILE), { force: true });
  await writeFileAtomic(jsonFile, JSON.stringify({ ...validated, savedAt: new Date().toISOString() }, null, 2) + '\n');
  return validated;
}

async function assertFolder(dir: string): Promise<void> {
  let info;
  try {
    info = await stat(dir);
  } catch (err) {
    throw new InputError(`${dir}: no such model folder`, { cause: err });
  }
  if (!info.isDirectory()) throw new InputError(`${dir}: expected a model folder (with ${MODEL_JSON_FILE} and ${MODEL_WEIGHTS_FILE}), found a file`);
}

async function readRequired(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`${file}: cannot read the ${what} (${code === 'ENOENT' ? 'no such file' : (err as Error).message})`, { cause: err });
  }
}

/** Reads and validates a folder's model.json without touching the weights. */
export async function readModelMeta(dir: string): Promise<ModelMeta> {
  await assertFolder(dir);
  const file = path.join(dir, MODEL_JSON_FILE);
  const text = (await readRequired(file, 'model description')).toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${file}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  return validateModelMeta(raw, file);
}

/**
 * Loads a model folder: the network rebuilt from model.json's config with
 * every variable and buffer (BatchNorm's running statistics) set to the saved
 * float32 values, bit for bit. Every saved tensor must match one by name and
 * shape, with none missing or extra.
 */
export async function loadModelFolder(dir: string): Promise<LoadedModel> {
  const meta = await readModelMeta(dir);
  const file = path.join(dir, meta.weights.file);
  const bytes = await readRequired(file, 'weights');
  if (meta.weights.bytes !== undefined && meta.weights.bytes !== bytes.length) {
    throw new InputError(`${file}: ${bytes.length} bytes but ${MODEL_JSON_FILE} records ${meta.weights.bytes}: truncated, or from another save`);
  }
  if (meta.weights.sha256 !== undefined && sha256Hex(bytes) !== meta.weights.sha256) {
    throw new InputError(`${file}: its SHA-256 differs from the one ${MODEL_JSON_FILE} records: the folder mixes files of two saves`);
  }
  const { tensors } = decodeSafetensors(bytes, file);
  const known = new Set(planVariableNames(meta.config));
  const extra = [...tensors.keys()].filter((name) => !known.has(name));
  if (extra.length > 0) throw new InputError(`${file}: unexpected tensor${extra.length > 1 ? 's' : ''} ${extra.map((n) => `'${n}'`).join(', ')} (not a variable or buffer of this ${MODEL_ARCHITECTURE} config)`);
  const missing = [...known].filter((name) => !tensors.has(name));
  if (missing.length > 0) throw new InputError(`${file}: missing tensor${missing.length > 1 ? 's' : ''} ${missing.map((n) => `'${n}'`).join(', ')}`);
  let model: AlexNet2Plus1D;
  try {
    // Built from the saved values: no random initialisation to throw away.
    model = createAlexNet2Plus1D(meta.config, { initialWeights: tensors });
  } catch (err) {
    if (err instanceof ShapeError) throw new InputError(`${file}: ${err.message.replace('the config needs', `the config in ${MODEL_JSON_FILE} needs`)}`, { cause: err });
    throw err;
  }
  return { model, meta };
}

/** What a model folder's weights file is, against what model.json records of it. */
export type WeightsFileState = 'ok' | 'missing' | 'truncated-or-resized' | 'not-safetensors' | 'changed' | 'unreadable';

export interface WeightsFileCheck {
  file: string;
  state: WeightsFileState;
  bytes: number | null;
  /** Whether model.json records a size and SHA-256 the file was checked against (hand-made folders may lack them). */
  verified: boolean;
  /** One line naming the file and what is wrong; null when `ok`. */
  problem: string | null;
}

/**
 * Checks the weights file against model.json's record: present, the
 * recorded size, a readable safetensors header, the recorded SHA-256, in
 * that order, so the message names the first thing that is wrong.
 */
export async function checkWeightsFile(dir: string, meta: ModelMeta): Promise<WeightsFileCheck> {
  const file = path.join(dir, meta.weights.file);
  const verified = meta.weights.bytes !== undefined || meta.weights.sha256 !== undefined;
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { file, state: 'missing', bytes: null, verified, problem: `${file}: missing (${MODEL_JSON_FILE} records ${meta.weights.bytes ?? 'a'}${meta.weights.bytes !== undefined ? '-byte' : ''} weights file)` };
    return { file, state: 'unreadable', bytes: null, verified, problem: `${file}: cannot read (${(err as Error).message})` };
  }
  const n = bytes.length;
  if (meta.weights.bytes !== undefined && meta.weights.bytes !== n) {
    return { file, state: 'truncated-or-resized', bytes: n, verified, problem: `${file}: ${n} bytes but ${MODEL_JSON_FILE} records ${meta.weights.bytes}: ${n < meta.weights.bytes ? 'truncated' : 'not the file that was saved'}` };
  }
  try {
    decodeSafetensors(bytes, file);
  } catch (err) {
    return { file, state: 'not-safetensors', bytes: n, verified, problem: `${file}: not a valid safetensors file (${(err as Error).message.replace(`${file}: `, '')})` };
  }
  if (meta.weights.sha256 !== undefined && sha256Hex(bytes) !== meta.weights.sha256) {
    return { file, state: 'changed', bytes: n, verified, problem: `${file}: its SHA-256 differs from the one ${MODEL_JSON_FILE} records: the file was changed, or the folder mixes files of two saves` };
  }
  return { file, state: 'ok', bytes: n, verified, problem: null };
}

/** Sizes of the files a model folder holds (bytes), and whether model.onnx exists. */
export async function modelFolderFiles(dir: string): Promise<{ json: number; weights: number | null; onnx: number | null; int8Onnx: number | null }> {
  const size = async (name: string) => {
    try {
      return (await stat(path.join(dir, name))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new VidpadError('E_IO', `${path.join(dir, name)}: ${(err as Error).message}`, { cause: err });
    }
  };
  return { json: (await size(MODEL_JSON_FILE)) ?? 0, weights: await size(MODEL_WEIGHTS_FILE), onnx: await size(MODEL_ONNX_FILE), int8Onnx: await size(MODEL_INT8_ONNX_FILE) };
}
