/**
 * The liveness pipeline of the browser check, apart from the camera: frames
 * in (RGB at the model's decode width, one training frame interval apart),
 * typed events out. It finds the face with BlazeFace, keeps a sliding window
 * of the model's T frames, scores each clip with onnxruntime-web and decides
 * on the mean of the last clips' scores. It runs on the page's thread or in
 * a worker (pipeline-worker.ts), where BlazeFace and the model do not hold up
 * the page's camera loop; `createLivenessSession` drives it either way.
 *
 * It feeds the model what predict feeds it, with the same pure modules: the
 * contract's crop (`cropForModel`), the tracker (`createFaceTracker`: one
 * face, gaps filled, boxes smoothed), the box calibration of a model trained
 * on a dataset's boxes, the clip layout (`clipStartEndingAt`), per-frame
 * standardisation (`modelInput`) and the mean-of-clip-scores rule over a
 * window of recent clips. A test compares its clip tensors with Node's.
 *
 * A clip is T consecutive frames of one run; `flush` closes a run (the
 * camera loop does at every hole), scoring the clips it completes, so a
 * clip never spans a hole.
 */
import { calibrateBox } from '../face/box-calibration.js';
import type { BoxPx } from '../face/box.js';
import { createBlazefaceDetectorFromModel } from '../face/blazeface.js';
import { chooseBoxByPolicy, createFaceTracker } from '../face/tracking.js';
import type { IndexedTrackedBox } from '../face/tracking.js';
import { DEFAULT_FACE_DETECTOR_CONFIG } from '../face/types.js';
import type { FaceDetector, RgbFrame } from '../face/types.js';
import { tf } from '../engine/tf.js';
import { initBrowserTfBackend, BROWSER_TF_BACKENDS } from '../engine/browser-backend.js';
import type { BrowserTfBackend } from '../engine/browser-backend.js';
import { createWebOnnxSession, WEB_ONNX_PROVIDERS } from '../engine/onnx/web-session.js';
import type { WebOnnxProvider, WebOnnxSession } from '../engine/onnx/web-session.js';
import { clipPixels, cropForModel, modelInput } from '../predict/clip-input.js';
import { clipFrameIndices, clipSpanFrames, clipStartEndingAt, resolveClipLayout } from '../predict/clip-layout.js';
import type { ClipLayout } from '../predict/clip-layout.js';
import { aggregateClipScores, decide } from '../predict/result.js';
import type { LivenessDecision } from '../predict/result.js';
import { ConfigError, InputError, VidpadError } from '../errors.js';
import { createEmitter } from './events.js';
import type { Handler } from './events.js';
import { createFrameGrabber } from './frame-grab.js';
import { loadWebModel, WEB_MODEL_PRECISIONS } from './web-model.js';
import type { WebModel, WebModelPrecision } from './web-model.js';

/** The ONNX graph's input and outputs (as models/alexnet-2plus1d-onnx.ts writes them). */
const ONNX_IO = { input: 'clip', outputs: ['embedding', 'liveScore'] as const };

export interface LivenessSessionConfig {
  /** Run BlazeFace on every n-th frame, the tracker filling the frames between (predict's default, 3). */
  detectEveryFrames: number;
  /**
   * The frame rate of the videos the model was trained on. The contract
   * records the clip's frame stride, not the rate: SiW (and vidpad's
   * synthetic SiW) are 30 fps.
   */
  trainingFps: number;
  /** The decision is the mean score of the last this many clips against the threshold. */
  decisionWindowClips: number;
  /** Frames waiting to be processed beyond which the page has fallen behind: the run is closed and a new one started. */
  maxQueueFrames: number;
  /** A decision of `no-face` after this many frames in a row without a face. */
  noFaceAfterFrames: number;
  /** onnxruntime-web providers, tried in order. wasm measured fastest here (npm run bench:web). */
  onnxProviders: readonly WebOnnxProvider[];
  /** TensorFlow.js backends for BlazeFace, tried in order. */
  tfBackends: readonly BrowserTfBackend[];
  /** WebAssembly threads for onnxruntime-web (more than 1 needs a cross-origin isolated page); null: its default. */
  onnxThreads: number | null;
}

export const DEFAULT_LIVENESS_SESSION_CONFIG: Readonly<LivenessSessionConfig> = Object.freeze({
  detectEveryFrames: 3,
  trainingFps: 30,
  decisionWindowClips: 6,
  maxQueueFrames: 15,
  noFaceAfterFrames: 30,
  onnxProviders: Object.freeze(['wasm'] as WebOnnxProvider[]),
  tfBackends: Object.freeze(['wasm', 'webgl', 'cpu'] as BrowserTfBackend[]),
  onnxThreads: null,
});

export interface LivenessPipelineOptions extends Partial<LivenessSessionConfig> {
  /** The model folder's URL (serving model.json and model.onnx), or a model already loaded with `loadWebModel`. */
  model: string | WebModel;
  /**
   * URL of the folder holding `ort/` (onnxruntime-web's .wasm and .mjs),
   * `tfjs/` (tfjs-backend-wasm's .wasm files) and `blazeface/`
   * (blazeface.json, .bin), as vidpad's page build lays them out.
   */
  assetsUrl: string;
  /**
   * URL of the folder holding onnxruntime-web's ort-wasm-simd-threaded.jsep.{mjs,wasm}.
   * Default: `ort/` under assetsUrl; null leaves it to onnxruntime-web (beside its own bundle).
   */
  onnxWasmUrl?: string | null;
  /** Overrides the model's threshold (live when the score >= it). */
  threshold?: number;
  /** Which export a model URL is read with: 'fp32' (model.onnx, default) or 'int8' (model.int8.onnx, SHA-256 checked); see `loadWebModel`. */
  precision?: WebModelPrecision;
  /** Hand every clip's source frames to `clip` listeners (for tests and debugging; costs memory). */
  keepFrames?: boolean;
}

/** A face box found on a frame (BlazeFace's, mapped with the model's calibration), in pixels of the processed frame. */
export interface FaceEvent {
  frame: number;
  box: BoxPx | null;
  frameWidth: number;
  frameHeight: number;
}

/** A clip about to be scored: what the model is fed. */
export interface ClipEvent {
  clip: number;
  /** Session frame numbers of the clip's T frames. */
  frames: number[];
  /** The tracked box cropped on each frame (processed-frame pixels). */
  boxes: BoxPx[];
  /** The T crops, sizePx² × 3 RGB bytes each. */
  crops: Uint8Array[];
  /** The model's input, float32 [1, T, S, S, 3], standardised per frame. */
  input: Float32Array;
  /** The frames the crops were cut from (only with `keepFrames`). */
  sourceFrames: RgbFrame[] | null;
}

export interface ScoreEvent {
  clip: number;
  frames: number[];
  /** liveScore of the clip: cosine of its embedding with the live prototype. */
  score: number;
  boxes: BoxPx[];
  /** Time of the model call. */
  modelMs: number;
}

export interface DecisionEvent {
  decision: LivenessDecision;
  /** Mean of the last clips' scores (null for no-face). */
  score: number | null;
  threshold: number;
  /** Clips the score is the mean of. */
  clips: number;
}

export interface StatsEvent {
  /** Frames handled per second (captured, tracked, cropped, scored), over the last 2 s. */
  fps: number;
  /** Frames per second the camera delivers (null without a camera). */
  cameraFps: number | null;
  /** Mean ms per model call and per BlazeFace call, over the last calls. */
  modelMs: number;
  detectMs: number;
  framesProcessed: number;
  clipsScored: number;
  /** Frames dropped: framesMissed + framesBehind. */
  framesDropped: number;
  /** Frames the camera loop never saw (holes in the video's frame times). */
  framesMissed: number;
  /** Frames left out because the pipeline had fallen more than maxQueueFrames behind. */
  framesBehind: number;
  runsRestarted: number;
}

export interface ErrorEvent {
  error: Error;
  /** True when the session stopped because of it. */
  fatal: boolean;
}

export interface LivenessSessionEvents {
  face: FaceEvent;
  clip: ClipEvent;
  score: ScoreEvent;
  decision: DecisionEvent;
  stats: StatsEvent;
  warning: { message: string };
  error: ErrorEvent;
}

/** What a pipeline runs, as loaded. */
export interface LivenessInfo {
  model: Omit<WebModel, 'onnx'>;
  threshold: number;
  config: Readonly<LivenessSessionConfig>;
  /** What runs where: the ONNX provider, BlazeFace's tfjs backend, and why others were skipped. */
  backends: { onnx: WebOnnxProvider; tf: BrowserTfBackend; skipped: string[] };
  /** Warnings about how the input differs from training (boxes, detector). */
  warnings: string[];
}

export interface LivenessPipeline {
  readonly info: LivenessInfo;
  on<K extends keyof LivenessSessionEvents>(name: K, handler: Handler<LivenessSessionEvents[K]>): () => void;
  /** Processes the next frame of the current run; resolves once it is handled (its complete clips scored). */
  pushFrame(frame: RgbFrame): Promise<void>;
  /** Closes the current run: its last frames get their final boxes and its complete clips are scored. */
  flush(): Promise<void>;
  /** Frames (and flushes) queued and not yet handled. */
  pending(): number;
  dispose(): Promise<void>;
}

export function resolveLivenessConfig(o: Partial<LivenessSessionConfig>): Readonly<LivenessSessionConfig> {
  const c: LivenessSessionConfig = { ...DEFAULT_LIVENESS_SESSION_CONFIG };
  for (const key of Object.keys(DEFAULT_LIVENESS_SESSION_CONFIG) as (keyof LivenessSessionConfig)[]) {
    if (o[key] !== undefined) (c as unknown as Record<string, unknown>)[key] = o[key];
  }
  const whole = (name: keyof LivenessSessionConfig, lo: number) => {
    const v = c[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo) throw new ConfigError(`session.${name}`, `expected a whole number >= ${lo}, got ${JSON.stringify(v)}`);
  };
  whole('detectEveryFrames', 1);
  whole('decisionWindowClips', 1);
  whole('maxQueueFrames', 1);
  whole('noFaceAfterFrames', 1);
  if (typeof c.trainingFps !== 'number' || !(c.trainingFps > 0 && c.trainingFps <= 1000)) throw new ConfigError('session.trainingFps', `expected a number in (0, 1000], got ${JSON.stringify(c.trainingFps)}`);
  if (c.onnxThreads !== null) whole('onnxThreads', 1);
  const list = <T extends string>(name: 'onnxProviders' | 'tfBackends', valid: readonly T[]) => {
    const v = c[name] as unknown;
    if (!Array.isArray(v) || v.length === 0) throw new ConfigError(`session.${name}`, `expected a non-empty list of ${valid.join(', ')}`);
    v.forEach((x, i) => {
      if (!valid.includes(x as T)) throw new ConfigError(`session.${name}[${i}]`, `expected one of ${valid.join(', ')}, got ${JSON.stringify(x)}`);
    });
  };
  list('onnxProviders', WEB_ONNX_PROVIDERS);
  list('tfBackends', BROWSER_TF_BACKENDS);
  return Object.freeze(c);
}

/** Running means of the last `n` values. */
export function recentMean(n: number) {
  const values: number[] = [];
  return {
    add(v: number) {
      values.push(v);
      if (values.length > n) values.shift();
    },
    get mean() {
      return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
    },
  };
}

/**
 * Loads the model, BlazeFace and the runtimes. Errors: InputError for a
 * model folder that cannot be fetched or read, ConfigError for bad options,
 * BackendError when no runtime opens here.
 */
export async function createLivenessPipeline(options: LivenessPipelineOptions): Promise<LivenessPipeline> {
  if (!options || typeof options !== 'object') throw new ConfigError('session', 'expected { model, assetsUrl }');
  const config = resolveLivenessConfig(options);
  if (options.threshold !== undefined && (typeof options.threshold !== 'number' || !Number.isFinite(options.threshold))) {
    throw new ConfigError('session.threshold', `expected a finite number, got ${JSON.stringify(options.threshold)}`);
  }
  if (typeof options.assetsUrl !== 'string' || options.assetsUrl === '') throw new ConfigError('session.assetsUrl', 'expected the URL of the folder holding ort/, tfjs/ and blazeface/');
  const assetsUrl = options.assetsUrl.endsWith('/') ? options.assetsUrl : `${options.assetsUrl}/`;
  const precision = options.precision ?? 'fp32';
  if (!(WEB_MODEL_PRECISIONS as readonly string[]).includes(precision)) throw new ConfigError('session.precision', `expected one of ${WEB_MODEL_PRECISIONS.join(', ')}, got ${JSON.stringify(precision)}`);
  const model = typeof options.model === 'string' ? await loadWebModel(options.model, { precision }) : options.model;
  if (!model || typeof model !== 'object' || !(model.onnx instanceof Uint8Array)) throw new ConfigError('session.model', 'expected a model folder URL or a model from loadWebModel');
  // A model already loaded carries its own precision: a different one asked for here is a mistake, not a choice.
  if (options.precision !== undefined && model.precision !== options.precision) {
    throw new ConfigError('session.precision', `${options.precision} asked for, but the model passed was loaded as ${model.precision}; pass its URL, or load it with loadWebModel(url, { precision: '${options.precision}' })`);
  }
  const { contract } = model;
  const threshold = options.threshold ?? model.threshold.value;
  const layout: Readonly<ClipLayout> = resolveClipLayout({ frames: contract.clip.frames, frameStride: contract.clip.frameStride, hopFrames: contract.clip.hopFrames }, 'contract.clip');
  const span = clipSpanFrames(layout);

  const warnings: string[] = [];
  const trainedOnDatasetBoxes = contract.boxes.policy !== 'detector';
  const calibration = trainedOnDatasetBoxes ? (contract.boxes.calibrations.find((c) => c.detector === 'blazeface') ?? null) : null;
  if (trainedOnDatasetBoxes) {
    warnings.push(
      calibration
        ? `the model was trained on the dataset's own face boxes; BlazeFace boxes are mapped to them with the model's calibration (mean IoU ${calibration.meanIouBefore.toFixed(2)} → ${calibration.meanIouAfter.toFixed(2)})`
        : "the model was trained on the dataset's own face boxes and records no BlazeFace calibration: crops may be framed differently from training",
    );
  } else if (contract.boxes.detector !== 'blazeface') {
    warnings.push(`the model's crops were made with ${contract.boxes.detector} boxes; the page runs BlazeFace, which frames faces differently`);
  }
  if (model.threshold.chosenOn === 'test' && options.threshold === undefined) warnings.push("the model's threshold was chosen on its test split (an oracle threshold)");

  const skipped: string[] = [];
  const tfBackend = await initBrowserTfBackend(config.tfBackends, `${assetsUrl}tfjs/`);
  skipped.push(...tfBackend.skipped.map((s) => `tfjs ${s.backend}: ${s.reason}`));
  let detector: FaceDetector | null = null;
  let onnx: WebOnnxSession<(typeof ONNX_IO.outputs)[number]> | null = null;
  try {
    const blazeUrl = `${assetsUrl}blazeface/blazeface.json`;
    let graph: tf.GraphModel;
    try {
      graph = await tf.loadGraphModel(blazeUrl);
    } catch (err) {
      throw new InputError(`${blazeUrl}: cannot load BlazeFace (${(err as Error).message})`, { cause: err });
    }
    detector = createBlazefaceDetectorFromModel(graph, Object.freeze({ ...DEFAULT_FACE_DETECTOR_CONFIG, detector: 'blazeface' as const }), blazeUrl);
    const size = contract.crop.sizePx;
    onnx = await createWebOnnxSession(model.onnx, ONNX_IO, [layout.frames, size, size, 3], {
      ...(options.onnxWasmUrl !== null ? { wasmBaseUrl: options.onnxWasmUrl ?? `${assetsUrl}ort/` } : {}),
      providers: config.onnxProviders,
      ...(config.onnxThreads !== null ? { threads: config.onnxThreads } : {}),
    });
    skipped.push(...onnx.skipped.map((s) => `onnx ${s.provider}: ${s.reason}`));
  } catch (err) {
    detector?.dispose();
    await onnx?.dispose();
    throw err;
  }
  const face = detector;
  const scorer = onnx;

  const emitter = createEmitter<LivenessSessionEvents>((err, name) => {
    if (name === 'error') console.error(err);
    else emitter.emit('error', { error: err instanceof Error ? err : new Error(String(err)), fatal: false });
  });
  const emitError = (err: unknown, fatal: boolean) => {
    const error = err instanceof Error ? err : new VidpadError('E_INPUT', String(err));
    emitter.emit('error', { error, fatal });
  };

  // State of the current run of consecutive frames; `base` numbers its frames in the session.
  const newRun = (base: number) => ({
    base,
    tracker: createFaceTracker(contract.boxes.track),
    next: 0,
    pending: new Map<number, RgbFrame>(),
    crops: new Map<number, { crop: Uint8Array; box: BoxPx }>(),
    sources: new Map<number, RgbFrame>(),
  });
  type Run = ReturnType<typeof newRun>;
  let run = newRun(0);
  let frameCounter = 0;
  let clipCounter = 0;
  let noFaceRun = 0;
  let disposed = false;
  const scores: number[] = [];
  const stats = { framesProcessed: 0, clipsScored: 0, framesDropped: 0, runsRestarted: 0 };
  const modelMs = recentMean(20);
  const detectMs = recentMean(20);
  const doneTimes: number[] = [];

  const emitDecision = () => {
    const window = scores.slice(-config.decisionWindowClips);
    const score = aggregateClipScores(window);
    emitter.emit('decision', { decision: decide(score, threshold), score, threshold, clips: window.length });
  };

  const scoreClip = async (frames: number[], got: { crop: Uint8Array; box: BoxPx }[], sourceFrames: RgbFrame[] | null) => {
    const crops = got.map((g) => g.crop);
    const boxes = got.map((g) => g.box);
    const input = modelInput([clipPixels(crops, contract.crop.sizePx)]);
    const clip = clipCounter++;
    emitter.emit('clip', { clip, frames, boxes, crops, input, sourceFrames });
    const t0 = performance.now();
    const out = await scorer.run(input, 1);
    const ms = performance.now() - t0;
    modelMs.add(ms);
    const score = Math.min(1, Math.max(-1, out.liveScore[0]!));
    stats.clipsScored += 1;
    scores.push(score);
    if (scores.length > config.decisionWindowClips) scores.shift();
    emitter.emit('score', { clip, frames, score, boxes, modelMs: ms });
    emitDecision();
  };

  const onFinal = async (r: Run, t: IndexedTrackedBox) => {
    const frame = r.pending.get(t.index)!;
    r.pending.delete(t.index);
    if (t.box) {
      r.crops.set(t.index, { crop: cropForModel(frame, t.box, contract.crop), box: t.box });
      noFaceRun = 0;
    } else if (++noFaceRun === config.noFaceAfterFrames) {
      scores.length = 0;
      emitter.emit('decision', { decision: 'no-face', score: null, threshold, clips: 0 });
    }
    if (options.keepFrames) r.sources.set(t.index, frame);
    const start = clipStartEndingAt(t.index, layout);
    if (start !== null) {
      const indices = clipFrameIndices(start, layout);
      const got = indices.map((f) => r.crops.get(f));
      if (got.every((g) => g !== undefined)) {
        const sources = options.keepFrames ? indices.map((f) => r.sources.get(f)!) : null;
        await scoreClip(indices.map((f) => r.base + f), got as { crop: Uint8Array; box: BoxPx }[], sources);
      }
    }
    r.crops.delete(t.index - span + 1);
    r.sources.delete(t.index - span + 1);
  };

  // Frames are handled one at a time, in order, on one promise chain.
  let chain: Promise<void> = Promise.resolve();
  let queued = 0;
  const enqueue = (job: () => Promise<void>): Promise<void> => {
    queued += 1;
    const p = chain.then(job).finally(() => {
      queued -= 1;
    });
    chain = p.catch((err) => emitError(err, false));
    return p;
  };

  const processFrame = async (frame: RgbFrame, r: Run) => {
    if (disposed) return;
    const index = r.next++;
    let candidates: { box: BoxPx }[] = [];
    if (index % config.detectEveryFrames === 0) {
      const t0 = performance.now();
      const found = await face.detect(frame);
      detectMs.add(performance.now() - t0);
      const mapped = found.map((d) => ({ box: calibrateBox(d.box, calibration), score: d.score }));
      const choice = chooseBoxByPolicy(null, mapped, frame.width, frame.height, { policy: 'detector' });
      if (choice.box) candidates = [{ box: choice.box }];
      emitter.emit('face', { frame: r.base + index, box: choice.box, frameWidth: frame.width, frameHeight: frame.height });
    }
    r.pending.set(index, frame);
    for (const t of r.tracker.push(candidates)) await onFinal(r, t);
    stats.framesProcessed += 1;
    const now = performance.now();
    doneTimes.push(now);
    while (doneTimes.length > 0 && doneTimes[0]! < now - 2000) doneTimes.shift();
    if (stats.framesProcessed % 10 === 0) emitStats();
  };

  const emitStats = () => {
    const spanSec = doneTimes.length > 1 ? (doneTimes[doneTimes.length - 1]! - doneTimes[0]!) / 1e3 : 0;
    emitter.emit('stats', {
      fps: spanSec > 0 ? (doneTimes.length - 1) / spanSec : 0,
      cameraFps: null,
      framesMissed: 0,
      framesBehind: 0,
      modelMs: modelMs.mean,
      detectMs: detectMs.mean,
      ...stats,
    });
  };

  /** Queues a frame of the current run; returns when it is handled. */
  const pushToRun = (frame: RgbFrame): Promise<void> => {
    const r = run;
    frameCounter += 1;
    return enqueue(() => processFrame(frame, r));
  };

  /** Ends the current run: its pending frames get their final boxes and complete clips are scored. */
  const closeRun = (): Promise<void> => {
    const r = run;
    run = newRun(frameCounter);
    stats.runsRestarted += 1;
    return enqueue(async () => {
      for (const t of r.tracker.finish()) await onFinal(r, t);
    });
  };

  return {
    info: {
      model: { url: model.url, frames: model.frames, inputSize: model.inputSize, loss: model.loss, formatVersion: model.formatVersion, contract, threshold: model.threshold, training: model.training, precision: model.precision, int8: model.int8, weightsSha256: model.weightsSha256 },
      threshold,
      config,
      backends: { onnx: scorer.provider, tf: tfBackend.name, skipped },
      warnings,
    },
    on: (name, handler) => emitter.on(name, handler),
    pushFrame(frame) {
      if (disposed) return Promise.reject(new InputError('this liveness pipeline has been disposed'));
      if (!frame || !(frame.data instanceof Uint8Array) || frame.data.length !== frame.width * frame.height * 3) {
        return Promise.reject(new InputError('pushFrame: expected an RGB frame {width, height, data: Uint8Array of width·height·3 bytes}'));
      }
      return pushToRun(frame);
    },
    flush: closeRun,
    pending: () => queued,
    async dispose() {
      if (disposed) return;
      await chain;
      disposed = true;
      emitter.clear();
      face.dispose();
      await scorer.dispose();
    },
  };
}
