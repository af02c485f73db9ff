/**
 * Messages between the page and the pipeline worker (pipeline-worker.ts).
 * Errors cross as plain data (name, code, message) and are rebuilt as
 * VidpadError on the page side.
 */
import type { RgbFrame } from '../face/types.js';
import type { LivenessInfo, LivenessPipelineOptions, LivenessSessionEvents } from './pipeline.js';

export interface WireError {
  name: string;
  code: string | null;
  message: string;
}

export type ToWorker =
  | { type: 'init'; options: Omit<LivenessPipelineOptions, 'model'> & { model: string } }
  | { type: 'frame'; id: number; frame: RgbFrame }
  | { type: 'flush'; id: number }
  | { type: 'dispose'; id: number };

export type FromWorker =
  | { type: 'ready'; info: LivenessInfo }
  | { type: 'init-error'; error: WireError }
  | { type: 'done'; id: number; error: WireError | null }
  | { [K in keyof LivenessSessionEvents]: { type: 'event'; name: K; event: K extends 'error' ? { error: WireError; fatal: boolean } : LivenessSessionEvents[K] } }[keyof LivenessSessionEvents];

export function toWireError(err: unknown): WireError {
  const e = err as { name?: string; code?: string; message?: string } | null;
  return { name: e?.name ?? 'Error', code: typeof e?.code === 'string' ? e.code : null, message: e?.message ?? String(err) };
}
