/** Messages between the preprocessing run and its worker threads. */
import type { PreprocessConfig } from './config.js';
import type { VideoJob } from './process-video.js';

export interface WorkerSetup {
  config: Readonly<PreprocessConfig>;
  detectorName: string;
  cacheRoot: string;
  key: string;
}

export type WorkerRequest = { type: 'job'; job: VideoJob };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'frames'; frames: number }
  | { type: 'done'; videoId: string; warnings: string[] }
  | { type: 'failed'; videoId: string; reason: string }
  | { type: 'fatal'; reason: string };
