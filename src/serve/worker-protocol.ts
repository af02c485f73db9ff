/**
 * Messages between the service's main thread and its inference workers.
 * Plain structured-cloneable data; frames travel as transferred buffers.
 */
import type { LivenessResult } from '../predict/index.js';
import type { ModelInfo } from './model-info.js';

/** One input to score: a spooled file (video, image, or a folder of frame images), or decoded RGB frames. */
export type InferenceJob =
  | { kind: 'file'; path: string }
  | { kind: 'rgb'; width: number; height: number; frames: ArrayBuffer[] };

/** A VidpadError (or any error) flattened to cross the thread boundary. */
export interface WireError {
  name: string;
  /** The VidpadError code, or null for an unexpected error. */
  code: string | null;
  message: string;
}

export type ToWorker = { type: 'predict'; id: number; job: InferenceJob } | { type: 'cancel'; id: number };

export type FromWorker =
  | { type: 'ready'; info: ModelInfo; warmup: { ms: number; clips: number } }
  | { type: 'load-failed'; error: WireError }
  | { type: 'result'; id: number; result: LivenessResult; inferenceMs: number }
  | { type: 'failed'; id: number; error: WireError; cancelled: boolean };

export function toWire(err: unknown): WireError {
  const e = err as { name?: unknown; code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' && /^E_[A-Z]+$/.test(e.code) ? e.code : null;
  return { name: typeof e?.name === 'string' ? e.name : 'Error', code, message: typeof e?.message === 'string' ? e.message : String(err) };
}
