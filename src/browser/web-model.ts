/**
 * A trained model folder as a browser reads it, over HTTP: `model.json`
 * (the parts the page needs: the network's input, the threshold, the input
 * contract) and `model.onnx` (the graph onnxruntime-web runs). The page
 * never sees weights.safetensors. Validation reuses the pure contract
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
  /** model.onnx's bytes. */
  onnx: Uint8Array;
  /** Training provenance as recorded (dataset, protocol, ...), for display. */
  training: Record<string, unknown>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates a parsed model.json for the browser; `file` names it in errors. */
export function parseWebModelJson(raw: unknown, file: string): Omit<WebModel, 'url' | 'onnx'> {
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
  return {
    frames,
    inputSize,
    loss: typeof raw.loss === 'string' ? raw.loss : 'unknown',
    formatVersion: version,
    contract,
    threshold: { value: t.value, chosenOn, rule },
    training: isObject(raw.training) ? raw.training : {},
  };
}

async function fetchOk(url: string, what: string, fetchImpl: typeof fetch): Promise<Response> {
  let res: Response;
  try {
    res = await fetchImpl(url);
  } catch (err) {
    throw new InputError(`${url}: cannot fetch the model's ${what} (${(err as Error).message})`, { cause: err });
  }
  if (!res.ok) {
    const hint = what === 'model.onnx' ? "; export it with 'vidpad export --model DIR' (vidpad web does this itself)" : '';
    throw new InputError(`${url}: HTTP ${res.status} fetching the model's ${what}${hint}`);
  }
  return res;
}

/** Reads a model folder served at `url` (model.json and model.onnx beside it). */
export async function loadWebModel(url: string, fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis)): Promise<WebModel> {
  if (typeof url !== 'string' || url === '') throw new ConfigError('model', 'expected the URL of a model folder (holding model.json and model.onnx)');
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
  const onnx = new Uint8Array(await (await fetchOk(`${base}model.onnx`, 'model.onnx', fetchImpl)).arrayBuffer());
  return { url: base, ...meta, onnx };
}
