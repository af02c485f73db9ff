/**
 * An inference worker thread: loads the model once (its own
 * LivenessDetector: ONNX session and face detector), runs a warm-up
 * inference on a synthetic face, then scores one job at a time. Keeping this
 * off the main thread lets the service answer health checks and take uploads
 * while a long video is scored. A cancelled job stops at its next frame
 * (predict's onFrames hook throws), which also stops its ffmpeg.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLivenessDetector } from '../predict/index.js';
import type { LivenessDetector, LivenessResult } from '../predict/index.js';
import { clipSpanFrames } from '../predict/index.js';
import { planSynthSiw, renderSynthVideo } from '../synth/index.js';
import type { RgbFrame } from '../face/index.js';
import { VidpadError } from '../errors.js';
import { modelInfoOf } from './model-info.js';
import { toWire } from './worker-protocol.js';
import type { FromWorker, InferenceJob, ToWorker } from './worker-protocol.js';
import type { WorkerDetectorOptions } from './config.js';

class CancelledError extends VidpadError {
  constructor() {
    super('E_TIMEOUT', 'inference cancelled');
  }
}

const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);
const options = workerData as WorkerDetectorOptions;

/** A few frames of the synthetic face (detected by the face detectors, so the warm-up reaches the scorer). */
function warmupFrames(count: number): RgbFrame[] {
  const spec = planSynthSiw({ subjects: 6, seed: 11 }).videos.find((v) => v.type === 1)!;
  const width = 160;
  const height = 120;
  return [...renderSynthVideo(spec, { seed: 11, width, height, frames: count, fps: 30 })].map((f) => ({ width, height, data: f.rgb }));
}

async function main(): Promise<void> {
  let detector: LivenessDetector;
  let warmup: { ms: number; clips: number };
  try {
    detector = await createLivenessDetector(options);
    const t0 = performance.now();
    const r = await detector.predictFrames(warmupFrames(clipSpanFrames(detector.clipLayout)));
    warmup = { ms: performance.now() - t0, clips: r.clips.length };
  } catch (err) {
    post({ type: 'load-failed', error: toWire(err) });
    return;
  }
  const running = new Set<number>();
  const cancelled = new Set<number>();
  const run = async (id: number, job: InferenceJob): Promise<LivenessResult> => {
    const check = () => {
      if (cancelled.has(id)) throw new CancelledError();
    };
    const po = { onFrames: check, onClip: check };
    if (job.kind === 'file') return detector.predictVideo(job.path, { ...po, maxSeconds: null });
    const frames = job.frames.map((b) => ({ width: job.width, height: job.height, data: new Uint8Array(b) }));
    return detector.predictFrames(frames, po);
  };
  port.on('message', (m: ToWorker) => {
    if (m.type === 'cancel') {
      // A cancel may cross the job's answer on its way: only a running job is marked.
      if (running.has(m.id)) cancelled.add(m.id);
      return;
    }
    const t0 = performance.now();
    running.add(m.id);
    run(m.id, m.job).finally(() => running.delete(m.id)).then(
      (result) => {
        const wasCancelled = cancelled.delete(m.id);
        if (wasCancelled) post({ type: 'failed', id: m.id, error: toWire(new CancelledError()), cancelled: true });
        else post({ type: 'result', id: m.id, result, inferenceMs: performance.now() - t0 });
      },
      (err: unknown) => {
        const wasCancelled = cancelled.delete(m.id);
        post({ type: 'failed', id: m.id, error: toWire(err), cancelled: wasCancelled });
      },
    );
  });
  post({ type: 'ready', info: modelInfoOf(detector, options.model, options.precision ?? 'fp32'), warmup });
}

void main();
