/**
 * The HTTP service's settings: the limits a public endpoint needs, the
 * inference workers, API keys; defaults in one constant, validated once
 * (errors name the field), frozen afterwards.
 */
import { availableParallelism } from 'node:os';
import { ConfigError } from '../errors.js';
import { INFERENCE_PRECISIONS } from '../models/index.js';
import type { LivenessDetectorOptions } from '../predict/index.js';

export interface ServeLimits {
  /** Largest request body: an upload, a raw body or a JSON list of frames (bytes). */
  maxUploadBytes: number;
  /** Longest video accepted, by its container's duration (seconds). */
  maxDurationSec: number;
  /** Most frames in one input (a video's frame count, or the frames of a JSON list). */
  maxFrames: number;
  /** Most pixels in one frame (width × height, upright). */
  maxFramePixels: number;
  /** Per-request deadline: upload, waiting in the queue and inference together (seconds). */
  deadlineSec: number;
  /** Requests that may wait for a free worker; over workers + maxQueue in flight, 503 with Retry-After. */
  maxQueue: number;
}

/** Sane defaults for a public endpoint: a phone's 1-minute 4K clip fits, a 2-minute one does not. */
export const DEFAULT_SERVE_LIMITS: Readonly<ServeLimits> = Object.freeze({
  maxUploadBytes: 100 * 1024 * 1024,
  maxDurationSec: 60,
  maxFrames: 3600,
  maxFramePixels: 3840 * 2160,
  deadlineSec: 120,
  maxQueue: 8,
});

/** Detector settings each worker builds its own LivenessDetector from (a detector holds native sessions that cannot cross threads). */
export type WorkerDetectorOptions = Omit<LivenessDetectorOptions, 'detector'> & { detector?: Extract<LivenessDetectorOptions['detector'], string> };

export interface ServeOptions {
  /** What each worker loads: the model folder and predict's options. */
  detector: WorkerDetectorOptions;
  /** Inference worker threads, each with its own model (default: one per 2 cores, at least 1). */
  workers?: number;
  limits?: Partial<ServeLimits>;
  /** Accepted API keys (`Authorization: Bearer KEY` or `X-API-Key: KEY`); null or empty: no keys needed. */
  apiKeys?: readonly string[] | null;
  /** Where uploads are spooled (a fresh folder inside it; default: the OS's temp folder). */
  tmpDir?: string;
  /**
   * Log destination for the one JSON line per request (pino): a stream, or
   * false for none. Default: standard output.
   */
  log?: NodeJS.WritableStream | false;
  /** How long a cancelled inference may take to stop before its worker is replaced (ms). */
  cancelGraceMs?: number;
}

export interface ServeConfig {
  detector: WorkerDetectorOptions;
  workers: number;
  limits: Readonly<ServeLimits>;
  apiKeys: readonly string[];
  tmpDir: string | null;
  log: NodeJS.WritableStream | false;
  cancelGraceMs: number;
}

export function defaultWorkerCount(): number {
  return Math.max(1, Math.floor(availableParallelism() / 2));
}

function positive(path: string, v: unknown, integer: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new ConfigError(path, `expected a ${integer ? 'whole ' : ''}number > 0, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Fills defaults and checks every field; errors name it (`serve.limits.maxQueue`). */
export function resolveServeConfig(options: ServeOptions): ServeConfig {
  if (!options || typeof options !== 'object') throw new ConfigError('serve', 'expected an options object with detector.model');
  const d = options.detector;
  if (!d || typeof d.model !== 'string' || d.model === '') throw new ConfigError('serve.detector.model', 'expected the path of a trained model folder');
  const limits = { ...DEFAULT_SERVE_LIMITS };
  const known = Object.keys(DEFAULT_SERVE_LIMITS);
  for (const [key, value] of Object.entries(options.limits ?? {})) {
    if (!known.includes(key)) throw new ConfigError(`serve.limits.${key}`, `unknown limit; limits: ${known.join(', ')}`);
    if (value === undefined) continue;
    const integer = key !== 'maxDurationSec' && key !== 'deadlineSec';
    (limits as Record<string, number>)[key] = key === 'maxQueue' && value === 0 ? 0 : positive(`serve.limits.${key}`, value, integer);
  }
  const workers = options.workers === undefined ? defaultWorkerCount() : positive('serve.workers', options.workers, true);
  const keys = options.apiKeys ?? [];
  if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string' || k.length === 0)) throw new ConfigError('serve.apiKeys', 'expected a list of non-empty strings');
  const threads = d.threads ?? Math.max(1, Math.floor(availableParallelism() / workers));
  const precision = d.precision ?? 'fp32';
  if (!(INFERENCE_PRECISIONS as readonly string[]).includes(precision)) {
    throw new ConfigError('serve.detector.precision', `expected one of ${INFERENCE_PRECISIONS.join(', ')}, got ${JSON.stringify(precision)}`);
  }
  if (precision === 'int8' && (d.scorer ?? 'onnx') !== 'onnx') throw new ConfigError('serve.detector.precision', 'int8 runs on the onnx scorer (model.int8.onnx)');
  return Object.freeze({
    detector: Object.freeze({ ...d, threads, precision }),
    workers,
    limits: Object.freeze(limits),
    apiKeys: Object.freeze([...keys]),
    tmpDir: options.tmpDir ?? null,
    log: options.log ?? process.stdout,
    cancelGraceMs: options.cancelGraceMs === undefined ? 5000 : positive('serve.cancelGraceMs', options.cancelGraceMs, false),
  });
}
