/**
 * A trained model folder as a browser reads it, over HTTP: `model.json`
 * (the parts the page needs: the network's input, the threshold, the input
 * contract) and `model.onnx` (the graph onnxruntime-web runs), or with
 * precision 'int8' `model.int8.onnx`, checked against the SHA-256 model.json
 * records for it. The page never sees weights.safetensors. Validation reuses the pure contract
 * validator, so the page refuses exactly what predict refuses.
 */
import { ConfigError, InputError } from '../errors.js';
import { validateInputContract } from '../models/input-contract.js';
import type { ModelInputContract } from '../models/input-contract.js';

/**
 * The newest model.json format this reader knows. It must follow
 * MODEL_FORMAT_VERSION in models/model-files.ts (a test checks they agree):
 * a newer folder may feed the model differently.
 */
export const WEB_MODEL_FORMAT_VERSION = 2;

/** The int8 export's file name; must follow MODEL_INT8_ONNX_FILE in models/model-files.ts (a test checks they agree). */
export const WEB_MODEL_INT8_FILE = 'model.int8.onnx';

export const WEB_MODEL_PRECISIONS = ['fp32', 'int8'] as const;
/** Which export the page runs: model.onnx (fp32) or model.int8.onnx (int8, from `vidpad export --quantize int8`). */
export type WebModelPrecision = (typeof WEB_MODEL_PRECISIONS)[number];

/** What model.json records of the int8 export (`quantized.int8`): enough to verify the bytes fetched. */
export interface WebInt8Record {
  bytes: number;
  sha256: string;
  /** The weights it was quantised from (null: not recorded). */
  weightsSha256: string | null;
}

export interface LoadWebModelOptions {
  /** 'fp32' (default): model.onnx; 'int8': model.int8.onnx, verified against model.json's `quantized.int8.sha256`. */
  precision?: WebModelPrecision;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
}

export interface WebModel {
  /** The folder's URL, with a trailing slash. */
  url: string;
  /** T, the input size, the embedding size, the loss. */
  frames: number;
  inputSize: number;
  loss: string;
  formatVersion: number;
  contract: ModelInputContract;
  /** A clip is live when its score >= value. */
  threshold: { value: number; chosenOn: 'val' | 'test' | 'manual'; rule: 'eer' | 'manual' };
  /** The bytes of the export run: model.onnx, or model.int8.onnx for precision 'int8'. */
  onnx: Uint8Array;
  /** Which export `onnx` holds. */
  precision: WebModelPrecision;
  /** model.json's record of the int8 export, or null when the folder has none. */
  int8: WebInt8Record | null;
  /** The weights' SHA-256 model.json records (null: not recorded). */
  weightsSha256: string | null;
  /** Training provenance as recorded (dataset, protocol, ...), for display. */
  training: Record<string, unknown>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates a parsed model.json for the browser; `file` names it in errors. */
export function parseWebModelJson(raw: unknown, file: string): Omit<WebModel, 'url' | 'onnx' | 'precision'> {
  const at = (field: string, message: string) => new ConfigError(field, `${message} (in ${file})`);
  if (!isObject(raw)) throw new InputError(`${file}: expected a JSON object`);
  if (raw.format !== 'vidpad-model') throw at('format', `expected "vidpad-model", got ${JSON.stringify(raw.format)}: not a vidpad model`);
  const version = raw.formatVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw at('formatVersion', `expected a whole number >= 1, got ${JSON.stringify(version)}`);
  if (version > WEB_MODEL_FORMAT_VERSION) throw at('formatVersion', `${version} was written by a newer vidpad; this page reads up to ${WEB_MODEL_FORMAT_VERSION}`);
  if (!isObject(raw.config)) throw at('config', 'expected an object with the model config');
  const { frames, inputSize } = raw.config;
  if (typeof frames !== 'number' || !Number.isInteger(frames) || frames < 1) throw at('config.frames', `expected a whole number >= 1, got ${JSON.stringify(frames)}`);
  if (typeof inputSize !== 'number' || !Number.isInteger(inputSize) || inputSize < 16) throw at('config.inputSize', `expected a whole number >= 16, got ${JSON.stringify(inputSize)}`);
  if (raw.contract === null || raw.contract === undefined) {
    throw at('contract', "the model records no input contract (a format-1 folder): the page cannot know how to crop for it; retrain it with this vidpad ('vidpad train' records the contract)");
  }
  const contract = validateInputContract(raw.contract, 'contract', file);
  if (contract.crop.sizePx !== inputSize) throw at('contract.crop.sizePx', `${contract.crop.sizePx} differs from config.inputSize ${inputSize}`);
  if (contract.clip.frames !== frames) throw at('contract.clip.frames', `${contract.clip.frames} differs from config.frames ${frames}`);
  const t = raw.threshold;
  if (!isObject(t)) throw at('threshold', "the model has no threshold; train it with 'vidpad train' (which chooses one on validation)");
  if (typeof t.value !== 'number' || !Number.isFinite(t.value)) throw at('threshold.value', `expected a finite number, got ${JSON.stringify(t.value)}`);
  const chosenOn = t.chosenOn;
  if (chosenOn !== 'val' && chosenOn !== 'test' && chosenOn !== 'manual') throw at('threshold.chosenOn', `expected one of val, test, manual, got ${JSON.stringify(chosenOn)}`);
  const rule = t.rule;
  if (rule !== 'eer' && rule !== 'manual') throw at('threshold.rule', `expected one of eer, manual, got ${JSON.stringify(rule)}`);
  let int8: WebInt8Record | null = null;
  const q = isObject(raw.quantized) ? raw.quantized.int8 : undefined;
  if (q !== undefined && q !== null) {
    if (!isObject(q)) throw at('quantized.int8', `expected an object, got ${JSON.stringify(q)}`);
    if (typeof q.bytes !== 'number' || !Number.isInteger(q.bytes) || q.bytes < 1) throw at('quantized.int8.bytes', `expected a whole number >= 1, got ${JSON.stringify(q.bytes)}`);
    if (typeof q.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(q.sha256)) throw at('quantized.int8.sha256', `expected 64 lowercase hex digits, got ${JSON.stringify(q.sha256)}`);
    int8 = { bytes: q.bytes, sha256: q.sha256, weightsSha256: typeof q.weightsSha256 === 'string' ? q.weightsSha256 : null };
  }
  const weights = isObject(raw.weights) ? raw.weights : {};
  return {
    frames,
    inputSize,
    loss: typeof raw.loss === 'string' ? raw.loss : 'unknown',
    formatVersion: version,
    contract,
    threshold: { value: t.value, chosenOn, rule },
    training: isObject(raw.training) ? raw.training : {},
    int8,
    weightsSha256: typeof weights.sha256 === 'string' ? weights.sha256 : null,
  };
}

function hex(digest: ArrayBuffer): string {
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** SHA-256 with WebCrypto (browsers give crypto.subtle only to secure contexts: https or localhost). */
async function sha256Hex(bytes: Uint8Array, url: string): Promise<string> {
  const subtle = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (!subtle) throw new InputError(`${url}: cannot verify the int8 export here: crypto.subtle is missing (browsers give it only to https pages and localhost)`);
  return hex(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

async function fetchOk(url: string, what: string, fetchImpl: typeof fetch): Promise<Response> {
  let res: Response;
  try {
    res = await fetchImpl(url);
  } catch (err) {
    throw new InputError(`${url}: cannot fetch the model's ${what} (${(err as Error).message})`, { cause: err });
  }
  if (!res.ok) {
    const hint =
      what === 'model.onnx'
        ? "; export it with 'vidpad export --model DIR' (vidpad web does this itself)"
        : what === WEB_MODEL_INT8_FILE
          ? "; serve it with 'vidpad web --precision int8' (after 'vidpad export --quantize int8')"
          : '';
    throw new InputError(`${url}: HTTP ${res.status} fetching the model's ${what}${hint}`);
  }
  return res;
}

/**
 * Reads a model folder served at `url`: model.json and model.onnx beside it,
 * or with `{ precision: 'int8' }` model.int8.onnx, whose SHA-256 must be the
 * one model.json records under `quantized.int8` (and which must have been
 * quantised from the weights model.json records). The second argument may
 * also be a fetch function (the older form).
 */
export async function loadWebModel(url: string, options: LoadWebModelOptions | typeof fetch = {}): Promise<WebModel> {
  const o: LoadWebModelOptions = typeof options === 'function' ? { fetch: options } : (options ?? {});
  const fetchImpl = o.fetch ?? globalThis.fetch.bind(globalThis);
  if (typeof url !== 'string' || url === '') throw new ConfigError('model', 'expected the URL of a model folder (holding model.json and model.onnx)');
  const precision = o.precision ?? 'fp32';
  if (!(WEB_MODEL_PRECISIONS as readonly string[]).includes(precision)) throw new ConfigError('precision', `expected one of ${WEB_MODEL_PRECISIONS.join(', ')}, got ${JSON.stringify(precision)}`);
  const base = url.endsWith('/') ? url : `${url}/`;
  const jsonUrl = `${base}model.json`;
  const res = await fetchOk(jsonUrl, 'model.json', fetchImpl);
  let raw: unknown;
  try {
    raw = await res.json();
  } catch (err) {
    throw new InputError(`${jsonUrl}: not JSON (${(err as Error).message})`, { cause: err });
  }
  const meta = parseWebModelJson(raw, jsonUrl);
  if (precision === 'fp32') {
    const onnx = new Uint8Array(await (await fetchOk(`${base}model.onnx`, 'model.onnx', fetchImpl)).arrayBuffer());
    return { url: base, ...meta, onnx, precision };
  }
  const remake = "make it with 'vidpad export --model DIR --quantize int8'";
  const int8Url = `${base}${WEB_MODEL_INT8_FILE}`;
  const record = meta.int8;
  if (!record) throw new InputError(`${jsonUrl} records no int8 export (quantized.int8); ${remake}, or load the model without precision 'int8'`);
  if (record.weightsSha256 !== null && meta.weightsSha256 !== null && record.weightsSha256 !== meta.weightsSha256) {
    throw new InputError(`${int8Url}: quantised from other weights than ${jsonUrl} records; ${remake} again`);
  }
  const onnx = new Uint8Array(await (await fetchOk(int8Url, WEB_MODEL_INT8_FILE, fetchImpl)).arrayBuffer());
  const sha256 = await sha256Hex(onnx, int8Url);
  if (onnx.length !== record.bytes || sha256 !== record.sha256) {
    throw new InputError(`${int8Url}: ${onnx.length} bytes with SHA-256 ${sha256}, but ${jsonUrl} records ${record.bytes} bytes with ${record.sha256}: damaged, or from another export; ${remake} again`);
  }
  return { url: base, ...meta, onnx, precision };
}
