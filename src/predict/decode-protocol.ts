/** Messages between predict's decoding thread and the main thread. */
import type { VideoErrorReason } from '../errors.js';

export interface DecodeSetup {
  file: string;
  /** streamFrames options (plain data: the probed `info`, `end`, `width`). */
  options: Record<string, unknown>;
  /** Frames the thread may post before the main thread has taken them. */
  ahead: number;
}

export type DecodeRequest = { type: 'credit' } | { type: 'stop' };

export type DecodeReply =
  | { type: 'frame'; index: number; width: number; height: number; data: Uint8Array }
  | { type: 'end' }
  | { type: 'error'; name: string; message: string; code: string | null; file?: string; reason?: VideoErrorReason };
