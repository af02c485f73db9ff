/**
 * The liveness check in a browser, the library entry for web apps:
 * `createLivenessSession({ model, video })` takes a camera's frames from a
 * <video> at the frame interval the model was trained with and runs the
 * liveness pipeline on them (BlazeFace, the sliding window of T frames, the
 * model on onnxruntime-web), emitting typed events: face boxes, clip scores,
 * decisions, statistics, errors. No frame leaves the page.
 *
 * Pass `worker` (a module worker started from pipeline-worker.ts) to run the
 * networks off the page's thread: the camera loop then never misses a frame
 * while BlazeFace or the model runs (measured with `npm run bench:web`).
 *
 * Timing: a frame is taken once per training frame interval (1 / trainingFps;
 * a faster camera's extra frames are skipped). A clip must be T consecutive
 * frames at that interval, so when frames are missed (the camera skipped,
 * or more than `maxQueueFrames` waited because the pipeline fell behind,
 * and frames are left out until it has caught up) the run is closed (its
 * complete clips still scored) and a new one starts.
 */
import type { RgbFrame } from '../face/types.js';
import { ConfigError, InputError, VidpadError } from '../errors.js';
import type { VidpadErrorCode } from '../errors.js';
import { createEmitter } from './events.js';
import type { Handler } from './events.js';
import { createFrameGrabber } from './frame-grab.js';
import { createLivenessPipeline, recentMean, resolveLivenessConfig } from './pipeline.js';
import type { LivenessInfo, LivenessPipeline, LivenessPipelineOptions, LivenessSessionConfig, LivenessSessionEvents } from './pipeline.js';
import type { FromWorker, ToWorker, WireError } from './worker-protocol.js';
import { loadWebModel } from './web-model.js';
import type { WebModel, WebModelPrecision } from './web-model.js';

export interface LivenessSessionOptions extends Partial<LivenessSessionConfig> {
  /** The model folder's URL (serving model.json and model.onnx), or a model loaded with `loadWebModel` (not with a worker). */
  model: string | WebModel;
  /** The <video> the camera plays in (see `openCamera`); omit it to feed frames with `pushFrame`. */
  video?: HTMLVideoElement | null;
  /** A module worker started from vidpad's pipeline-worker: the networks run there. Default: none (on the page's thread). */
  worker?: Worker | null;
  /** Folder URL of `ort/`, `tfjs/` and `blazeface/` (vidpad's page build lays them out). Default: `vidpad/` beside the page. */
  assetsUrl?: string;
  /** Folder URL of onnxruntime-web's .wasm/.mjs. Default: `ort/` under assetsUrl; null: where onnxruntime-web looks by itself. */
  onnxWasmUrl?: string | null;
  /** Overrides the model's threshold (live when the score >= it). */
  threshold?: number;
  /** Which export runs: 'fp32' (model.onnx, default) or 'int8' (model.int8.onnx, checked against model.json's SHA-256; `vidpad web --precision int8` serves it). */
  precision?: WebModelPrecision;
  /** Hand every clip's source frames to `clip` listeners (tests, debugging). */
  keepFrames?: boolean;
}

export interface LivenessSession extends LivenessInfo {
  /** Where the networks run: `worker` or `page`. */
  readonly runsIn: 'worker' | 'page';
  on<K extends keyof LivenessSessionEvents>(name: K, handler: Handler<LivenessSessionEvents[K]>): () => void;
  /** Starts taking frames from the video (a no-op when running). */
  start(): void;
  /** Stops taking frames; frames already taken are still processed. */
  stop(): void;
  /** Processes one frame (RGB at the decode width or smaller), one training frame interval after the previous; resolves once it is handled. */
  pushFrame(frame: RgbFrame): Promise<void>;
  /** Closes the current run of frames (as a hole in the camera does): its complete clips are scored. */
  flush(): Promise<void>;
  /** Stops, and frees BlazeFace and the ONNX session (and ends the worker). */
  dispose(): Promise<void>;
}

function defaultAssetsUrl(): string {
  const base = typeof document !== 'undefined' ? document.baseURI : globalThis.location?.href;
  if (!base) throw new ConfigError('session.assetsUrl', 'no page URL to resolve the default from; pass assetsUrl');
  return new URL('vidpad/', base).href;
}

function absoluteUrl(url: string): string {
  const base = typeof document !== 'undefined' ? document.baseURI : globalThis.location?.href;
  return base ? new URL(url, base).href : url;
}

function fromWire(w: WireError): VidpadError {
  const err = new VidpadError((w.code ?? 'E_INPUT') as VidpadErrorCode, w.message);
  err.name = w.name;
  return err;
}

/** The pipeline in a worker, behind the same interface as a local one. */
async function workerPipeline(worker: Worker, options: Omit<LivenessPipelineOptions, 'model'> & { model: string }): Promise<LivenessPipeline> {
  const emitter = createEmitter<LivenessSessionEvents>((err) => console.error(err));
  const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let pending = 0;
  const info = await new Promise<LivenessInfo>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<FromWorker>) => {
      const msg = e.data;
      if (msg.type === 'ready') resolve(msg.info);
      else if (msg.type === 'init-error') reject(fromWire(msg.error));
      else if (msg.type === 'done') {
        const w = waiting.get(msg.id);
        waiting.delete(msg.id);
        pending -= 1;
        if (msg.error) w?.reject(fromWire(msg.error));
        else w?.resolve();
      } else if (msg.type === 'event') {
        if (msg.name === 'error') emitter.emit('error', { error: fromWire(msg.event.error), fatal: msg.event.fatal });
        else emitter.emit(msg.name, msg.event as never);
      }
    };
    worker.onerror = (e: globalThis.ErrorEvent) => {
      const error = new InputError(`the pipeline worker failed: ${e.message}`);
      reject(error);
      emitter.emit('error', { error, fatal: true });
    };
    worker.postMessage({ type: 'init', options } satisfies ToWorker);
  });
  const send = (msg: ToWorker, transfer: Transferable[] = []): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      waiting.set((msg as { id: number }).id, { resolve, reject });
      pending += 1;
      worker.postMessage(msg, transfer);
    });
  return {
    info,
    on: (name, handler) => emitter.on(name, handler),
    pushFrame(frame) {
      // The frame's bytes move to the worker (no copy); the caller must not reuse them.
      return send({ type: 'frame', id: nextId++, frame }, [frame.data.buffer]);
    },
    flush: () => send({ type: 'flush', id: nextId++ }),
    pending: () => pending,
    async dispose() {
      await send({ type: 'dispose', id: nextId++ });
      worker.terminate();
      emitter.clear();
    },
  };
}

/**
 * Loads the model, BlazeFace and the runtimes (in `worker` when given) and
 * returns a session; call `start()` to begin reading the video. Errors:
 * InputError for a model folder that cannot be fetched or read, ConfigError
 * for bad options, BackendError when no runtime opens here.
 */
export async function createLivenessSession(options: LivenessSessionOptions): Promise<LivenessSession> {
  if (!options || typeof options !== 'object') throw new ConfigError('session', 'expected { model, video }');
  const config = resolveLivenessConfig(options);
  const video = options.video ?? null;
  if (video !== null && (typeof HTMLVideoElement === 'undefined' || !(video instanceof HTMLVideoElement))) {
    throw new ConfigError('session.video', 'expected an HTMLVideoElement (or none, to feed frames with pushFrame)');
  }
  const worker = options.worker ?? null;
  if (worker !== null && (typeof Worker === 'undefined' || !(worker instanceof Worker))) throw new ConfigError('session.worker', 'expected a Worker started from vidpad\'s pipeline-worker, or none');
  const assetsUrl = absoluteUrl(options.assetsUrl ?? defaultAssetsUrl());
  const common = {
    ...config,
    assetsUrl,
    ...(options.onnxWasmUrl !== undefined ? { onnxWasmUrl: options.onnxWasmUrl === null ? null : absoluteUrl(options.onnxWasmUrl) } : {}),
    ...(options.threshold !== undefined ? { threshold: options.threshold } : {}),
    ...(options.precision !== undefined ? { precision: options.precision } : {}),
    ...(options.keepFrames !== undefined ? { keepFrames: options.keepFrames } : {}),
  };
  let pipeline: LivenessPipeline;
  if (worker) {
    if (typeof options.model !== 'string') throw new ConfigError('session.model', 'with a worker, pass the model folder\'s URL (the worker loads it)');
    // Fail here, with the page's own message, when the folder cannot be read.
    await loadWebModel(absoluteUrl(options.model), options.precision !== undefined ? { precision: options.precision } : {}).catch((err: unknown) => {
      worker.terminate();
      throw err;
    });
    try {
      pipeline = await workerPipeline(worker, { ...common, model: absoluteUrl(options.model) });
    } catch (err) {
      worker.terminate();
      throw err;
    }
  } else {
    pipeline = await createLivenessPipeline({ ...common, model: typeof options.model === 'string' ? absoluteUrl(options.model) : options.model });
  }

  const emitter = createEmitter<LivenessSessionEvents>((err) => console.error(err));
  const drop = { missed: 0, behind: 0 };
  let cameraFps: number | null = null;
  for (const name of ['face', 'clip', 'score', 'decision', 'warning', 'error'] as const) {
    pipeline.on(name, (e) => emitter.emit(name, e as never));
  }
  pipeline.on('stats', (e) => emitter.emit('stats', { ...e, cameraFps, framesDropped: e.framesDropped + drop.missed + drop.behind, framesMissed: drop.missed, framesBehind: drop.behind }));

  let running = false;
  let disposed = false;
  let callbackId: number | null = null;
  const grabber = createFrameGrabber(pipeline.info.model.contract.decodeWidthPx);
  // One training frame apart: the clip layout's frameStride is applied to these frames, as to a training video's.
  const intervalSec = 1 / config.trainingFps;
  let lastTaken: number | null = null;
  let lastMediaTime: number | null = null;
  const cameraIntervals = recentMean(30);
  let framesTaken = 0;
  let warnedSlowCamera = false;
  let catchingUp = false;

  // The pipeline reports a frame's failure as an `error` event; the camera loop only keeps going.
  const ignore = () => {};
  const push = (frame: RgbFrame) => {
    pipeline.pushFrame(frame).catch(ignore);
  };
  const onVideoFrame = (mediaTime: number) => {
    if (!running || disposed || !video) return;
    if (lastMediaTime !== null && mediaTime <= lastMediaTime) return; // the same frame again
    if (lastMediaTime !== null) {
      cameraIntervals.add(mediaTime - lastMediaTime);
      cameraFps = 1 / cameraIntervals.mean;
    }
    lastMediaTime = mediaTime;
    // A camera faster than training: skip frames until one interval has passed (with a quarter's tolerance).
    if (lastTaken !== null && mediaTime - lastTaken < intervalSec * 0.75) return;
    if (lastTaken !== null && mediaTime - lastTaken > intervalSec * 1.6) {
      // A hole: frames were missed, and clips must not span it.
      drop.missed += Math.max(1, Math.round((mediaTime - lastTaken) / intervalSec) - 1);
      pipeline.flush().catch(ignore);
    }
    if (!warnedSlowCamera && cameraFps !== null && cameraIntervals.mean > intervalSec * 1.6 && framesTaken > 30) {
      warnedSlowCamera = true;
      emitter.emit('warning', { message: `the camera delivers about ${cameraFps.toFixed(0)} frames per second; the model was trained on ${config.trainingFps} fps video, so clips are cut at every missed frame` });
    }
    lastTaken = mediaTime;
    // The pipeline fell behind: take no frames until it has caught up, then
    // start a new run (a clip never spans the frames left out). Waiting for
    // the queue to empty, rather than to dip below the limit, keeps the runs
    // long enough to hold whole clips.
    if (!catchingUp && pipeline.pending() > config.maxQueueFrames) {
      catchingUp = true;
      pipeline.flush().catch(ignore);
    }
    if (catchingUp) {
      if (pipeline.pending() > 0) {
        drop.behind += 1;
        lastTaken = null;
        return;
      }
      catchingUp = false;
    }
    let frame: RgbFrame | null;
    try {
      frame = grabber.grab(video);
    } catch (err) {
      emitter.emit('error', { error: err as Error, fatal: false });
      return;
    }
    if (frame) {
      framesTaken += 1;
      push(frame);
    }
  };

  type VideoWithRvfc = HTMLVideoElement & {
    requestVideoFrameCallback?: (cb: (now: number, meta: { mediaTime: number }) => void) => number;
    cancelVideoFrameCallback?: (id: number) => void;
  };
  // requestVideoFrameCallback where the browser has it (each frame's media time), else animation frames and currentTime.
  const schedule = () => {
    if (!running || !video) return;
    const v = video as VideoWithRvfc;
    if (v.requestVideoFrameCallback) {
      callbackId = v.requestVideoFrameCallback((_now, meta) => {
        onVideoFrame(meta.mediaTime);
        schedule();
      });
    } else {
      callbackId = requestAnimationFrame(() => {
        onVideoFrame(v.currentTime);
        schedule();
      });
    }
  };
  const stop = () => {
    running = false;
    if (callbackId !== null && video) {
      const v = video as VideoWithRvfc;
      if (v.cancelVideoFrameCallback) v.cancelVideoFrameCallback(callbackId);
      else cancelAnimationFrame(callbackId);
    }
    callbackId = null;
  };

  const { info } = pipeline;
  return {
    model: info.model,
    threshold: info.threshold,
    config: info.config,
    backends: info.backends,
    warnings: info.warnings,
    runsIn: worker ? 'worker' : 'page',
    on: (name, handler) => emitter.on(name, handler),
    start() {
      if (disposed) throw new InputError('this liveness session has been disposed');
      if (!video) throw new ConfigError('session.video', 'no video was given: feed frames with pushFrame');
      if (running) return;
      running = true;
      lastTaken = null;
      lastMediaTime = null;
      schedule();
    },
    stop,
    pushFrame(frame) {
      if (disposed) return Promise.reject(new InputError('this liveness session has been disposed'));
      if (!frame || !(frame.data instanceof Uint8Array) || frame.data.length !== frame.width * frame.height * 3) {
        return Promise.reject(new InputError('pushFrame: expected an RGB frame {width, height, data: Uint8Array of width·height·3 bytes}'));
      }
      return pipeline.pushFrame(frame);
    },
    flush: () => pipeline.flush(),
    async dispose() {
      if (disposed) return;
      stop();
      disposed = true;
      emitter.clear();
      await pipeline.dispose();
    },
  };
}
