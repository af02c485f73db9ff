/**
 * The media limits checked before an upload is queued for inference: its
 * duration, frame count and resolution, read by ffprobe from the headers
 * (cheap, and a tiny file that decodes to huge frames is caught before any
 * decoding).
 */
import { LimitError } from '../errors.js';
import { probeVideo } from '../video/index.js';
import type { ServeLimits } from './config.js';
import { resolutionError } from './uploads.js';

/** Probes `file` (a video or a still) and throws the LimitError of the first limit it breaks; VideoError when it is not media. */
export async function checkMedia(file: string, limits: ServeLimits): Promise<{ width: number; height: number; frames: number; durationSec: number }> {
  const info = await probeVideo(file);
  if (info.width * info.height > limits.maxFramePixels) throw resolutionError(info.width, info.height, limits.maxFramePixels);
  if (info.durationSec > limits.maxDurationSec) {
    throw new LimitError('--max-duration-sec', info.durationSec, limits.maxDurationSec, `video too long: ${info.durationSec.toFixed(2)} s, but this service accepts at most ${limits.maxDurationSec} s (--max-duration-sec)`);
  }
  if (info.frameCount > limits.maxFrames) {
    throw new LimitError('--max-frames', info.frameCount, limits.maxFrames, `too many frames: ${info.frameCount}, but this service accepts at most ${limits.maxFrames} frames per input (--max-frames)`);
  }
  return { width: info.width, height: info.height, frames: info.frameCount, durationSec: info.durationSec };
}
