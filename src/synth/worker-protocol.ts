/** The messages between `generateSynthSiw` and its worker threads. */
import type { VidpadErrorCode } from '../errors.js';
import type { SynthVideoSpec } from './plan.js';
import type { SynthEncodeOptions } from './writer.js';

export interface SynthWorkerRequest {
  readonly outDir: string;
  readonly spec: SynthVideoSpec;
  readonly options: SynthEncodeOptions;
}

export type SynthWorkerReply =
  | { readonly type: 'done'; readonly stem: string; readonly frames: number }
  | { readonly type: 'failed'; readonly stem: string; readonly code: VidpadErrorCode; readonly message: string };
