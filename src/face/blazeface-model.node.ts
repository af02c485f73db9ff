/**
 * Loading BlazeFace in Node: finding the model shipped in @vladmandic/human,
 * reading a tfjs graph model from disk without fetch, and the availability
 * probe. The detector itself is in blazeface.ts, which a browser can use.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { currentBackendName, tf } from '../engine/tf.js';
import { initBackend, probeBackends } from '../engine/backends.js';
import type { FaceDetector, FaceDetectorConfig, FaceDetectorProbe } from './types.js';
import { createBlazefaceDetectorFromModel } from './blazeface.js';
import { ConfigError } from '../errors.js';

/** The shipped model.json inside @vladmandic/human, or null when that package is not installed. */
export function defaultBlazefaceModelPath(): string | null {
  try {
    // The package's exports hide its files; resolve its entry and walk up.
    const entry = createRequire(import.meta.url).resolve('@vladmandic/human');
    let dir = path.dirname(entry);
    for (let i = 0; i < 4; i++) {
      const candidate = path.join(dir, 'models', 'blazeface.json');
      if (existsSync(candidate)) return candidate;
      dir = path.dirname(dir);
    }
  } catch {
    // not installed
  }
  return null;
}

export function probeBlazeface(modelPath: string | null = null): FaceDetectorProbe {
  const file = modelPath ?? defaultBlazefaceModelPath();
  if (!file) return { name: 'blazeface', available: false, reason: "its model ships in the npm package '@vladmandic/human', which is not installed (npm install)" };
  if (!existsSync(file)) return { name: 'blazeface', available: false, reason: `model file ${file} does not exist` };
  return { name: 'blazeface', available: true };
}

interface ModelJson {
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  userDefinedMetadata?: Record<string, unknown>;
}

/** Loads a tfjs graph model from disk without fetch: model.json plus its weight files, through tf.io.fromMemory. */
async function loadGraphModelFromFile(file: string): Promise<tf.GraphModel> {
  let json: ModelJson;
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as ModelJson;
  } catch (cause) {
    throw new ConfigError('modelPath', `cannot read the BlazeFace model ${file}: ${(cause as Error).message}`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new ConfigError('modelPath', `${file} is not a tfjs graph model (expected modelTopology and weightsManifest)`);
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) chunks.push(await readFile(path.join(path.dirname(file), p)));
  }
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const weights = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    weights.set(c, at);
    at += c.length;
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs: specs,
    weightData: weights.buffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? null,
    userDefinedMetadata: json.userDefinedMetadata as Record<string, object> | undefined,
  };
  return tf.loadGraphModel(tf.io.fromMemory(artifacts));
}

/**
 * Backends for BlazeFace, fastest first. Measured here (a 480×640 frame, CPU
 * ms per detection): wasm 62, native 271, cpu 1252: the model's depthwise
 * convolutions have no oneDNN kernel, so vidpad's native backend runs them in
 * plain JavaScript, while XNNPACK has them. tfjs-node, where a user installed
 * it, runs all of them natively.
 */
export const BLAZEFACE_BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;

/**
 * Current backends a detector built without `backend` keeps. Any other (none
 * chosen yet, tfjs's own pick of `cpu` on the first tensor op, or `native`)
 * is replaced by the fastest of BLAZEFACE_BACKENDS: a caller who wants one of
 * those for BlazeFace names it in `backend`.
 */
const FAST_FOR_BLAZEFACE: readonly string[] = ['tensorflow', 'wasm'];

/** Makes the fastest available of BLAZEFACE_BACKENDS current; returns its name. */
export async function initBlazefaceBackend(): Promise<string> {
  const probes = await probeBackends();
  const name = BLAZEFACE_BACKENDS.find((n) => probes.find((p) => p.name === n)?.available) ?? 'cpu';
  return (await initBackend(name)).name;
}

export async function createBlazefaceDetector(config: Readonly<FaceDetectorConfig>): Promise<FaceDetector> {
  const file = config.modelPath ?? defaultBlazefaceModelPath();
  if (!file) throw new ConfigError('modelPath', probeBlazeface(null).reason ?? 'BlazeFace model not found');
  // The weights are uploaded to the current backend: choose it before loading.
  if (config.backend !== null) await initBackend(config.backend);
  else if (!FAST_FOR_BLAZEFACE.includes(currentBackendName() ?? '')) await initBlazefaceBackend();
  return createBlazefaceDetectorFromModel(await loadGraphModelFromFile(file), config, file);
}
