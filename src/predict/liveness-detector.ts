/**
 * The one pipeline that uses a trained model (DESIGN §6): frames → faces →
 * crops → clips → scores → decision, fed exactly as the model was trained
 * (its folder's input contract: crop, decode width, box policy, detector,
 * tracking, clip layout, standardisation). The CLI's `predict` and
 * `explain`, the library and the HTTP service all go through
 * `createLivenessDetector`, so they cannot drift apart.
 *
 * Frames stream through: a frame is held only until the tracker has seen
 * the few frames after it that fix its box (gap filling and smoothing),
 * crops only until their clips are complete, clips only until their batch is
 * scored; memory does not grow with the video's length.
 */
import type { Readable } from 'node:stream';
import path from 'node:path';
import { ConfigError, InputError } from '../errors.js';
import { calibrateBox, chooseBoxByPolicy, createFaceDetector, createFaceTracker, listFaceDetectors, resizeRgb, scaleBox } from '../face/index.js';
import type { BoxPx, FaceCandidate, FaceDetector, FaceDetectorName, FaceDetectorRequest, IndexedTrackedBox, RgbFrame } from '../face/index.js';
import { ensureBackend, initBackend } from '../engine/index.js';
import { INFERENCE_PRECISIONS, exportModelOnnx, loadModelFolder, modelOnnxStatus, openClipSession, openModelSession, readModelMeta } from '../models/index.js';
import type { InferencePrecision } from '../models/index.js';
import { vidpadVersion } from '../io/index.js';
import type { ClipScorer, ModelInputContract, ModelMeta, ThresholdSpec } from '../models/index.js';
import { createTfjsScorer } from '../scoring/index.js';
import type { ClipPixels } from '../data/index.js';
import { assumedInputContract } from '../preprocess/contract.js';
import { clipPixels, cropForModel, modelInput, stillClip } from './clip-input.js';
import { clipFrameIndices, clipSpanFrames, clipStartEndingAt, resolveClipLayout } from './clip-layout.js';
import type { ClipLayout } from './clip-layout.js';
import { aggregateClipScores, decide, VIDEO_SCORE_RULE } from './result.js';
import type { ClipResult, LivenessResult } from './result.js';
import { openInput } from './inputs.node.js';
import type { FrameSource, InputFrame } from './inputs.node.js';

/**
 * The detector predict uses when the model's contract names none (it was
 * trained on a dataset's own boxes, or its folder predates the contract).
 * Chosen on `npm run bench:predict` (see the README): blazeface keeps up
 * with a 1080p 30 fps video on 2 cores where dlib-hog does not.
 */
export const PREDICT_DEFAULT_DETECTOR: FaceDetectorName = 'blazeface';

/**
 * Detection runs on every 3rd frame by default, the tracker interpolating
 * the boxes between (its gap filling). Measured (npm run bench:predict and
 * bench:predict-boxes): BlazeFace on every frame costs ~51 ms of CPU a frame
 * on a 1080p video, ~20 fps at best on 2 cores; on every 3rd, ~22 ms, ~45 fps;
 * the boxes stay within a mean IoU of 0.990 (min 0.940) of every-frame
 * detection, and the demo model's video scores move by no more than detector
 * noise. `detectEveryFrames: 1` detects on every frame, as preprocessing did.
 */
export const PREDICT_DEFAULT_DETECT_EVERY = 3;

export const SCORERS = ['onnx', 'tfjs'] as const;

/** Decoded frames read ahead of the pipeline (bounded: 8 frames at 640×360 are 5.5 MB). */
const DECODE_AHEAD_FRAMES = 8;
/** Frames whose detection may run while earlier frames are processed (one per core helps dlib). */
const DETECTIONS_IN_FLIGHT = 2;

/**
 * Pulls up to `ahead` items from `source` before the consumer asks for them,
 * so a producer on another process (ffmpeg) keeps working while the consumer
 * does. Errors surface at the item where they happened.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, ahead: number): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  const queue: Promise<IteratorResult<T>>[] = [];
  let done = false;
  const fill = () => {
    while (!done && queue.length < ahead) {
      const p = it.next();
      queue.push(p);
      p.then((r) => {
        if (r.done) done = true;
      }, () => {
        done = true;
      });
    }
  };
  try {
    for (;;) {
      fill();
      const r = await queue.shift()!;
      if (r.done) return;
      yield r.value;
    }
  } finally {
    // Stop the producer (e.g. kill ffmpeg) when the consumer leaves early.
    await it.return?.();
  }
}
export type ScorerName = (typeof SCORERS)[number];

export interface LivenessDetectorOptions {
  /** The trained model folder (model.json, weights.safetensors, model.onnx). */
  model: string;
  /**
   * A face detector name (`dlib-hog`, `blazeface`, `auto`) or a built one
   * (which the caller keeps owning). Default: the detector the model's crops
   * were made with, else PREDICT_DEFAULT_DETECTOR.
   */
  detector?: FaceDetectorRequest | FaceDetector;
  /** The tfjs backend for blazeface and the tfjs scorer (`auto`, `native`, `wasm`, `cpu`). Default: the current one, else `auto`. */
  backend?: string;
  /** Frames between clip starts. Default: the model's evaluation layout (non-overlapping clips). */
  clipStride?: number;
  /** Run the detector on every n-th frame only, tracking in between. Default PREDICT_DEFAULT_DETECT_EVERY (3); 1 detects on every frame. */
  detectEveryFrames?: number;
  /** `onnx` (default: ONNX Runtime, the model's model.onnx or an in-memory export) or `tfjs`. */
  scorer?: ScorerName;
  /** ONNX Runtime threads (default: the cores available). */
  threads?: number;
  /** The onnx scorer's export: 'fp32' (default: model.onnx) or 'int8' (model.int8.onnx from `vidpad export --quantize int8`; see docs/precision.md). */
  precision?: InferencePrecision;
  /** Clips scored per model run. Default 8. */
  batchClips?: number;
  /** Overrides the model's threshold (live when score >= threshold). */
  threshold?: number;
}

/** What `onClip` hands over for each scored clip (e.g. to explain it). */
export interface ScoredClip {
  /** 0, 1, ... in order of the input. */
  index: number;
  frames: number[];
  /** The T crops as the model saw them before standardisation. */
  pixels: ClipPixels;
  score: number;
}

export interface PredictOptions {
  /** Read at most this many seconds of a video. */
  maxSeconds?: number | null;
  /** Called with every clip once scored, in order. */
  onClip?: (clip: ScoredClip) => void | Promise<void>;
  /** Called with the frames handled so far and the frames to handle. */
  onFrames?: (done: number, total: number) => void;
}

export interface LivenessDetector {
  /** The model's model.json, as read. */
  readonly meta: ModelMeta;
  /** The input contract in force (recorded by training, or assumed for an older folder). */
  readonly contract: ModelInputContract;
  readonly contractSource: 'recorded' | 'assumed';
  readonly clipLayout: Readonly<ClipLayout>;
  readonly threshold: ThresholdSpec & { source: 'model' | 'option' };
  /** The face detector's name. */
  readonly detectorName: FaceDetectorName;
  /** A video file, an image, a folder of frames, `-` (standard input) or a readable stream. */
  predictVideo(input: string | Readable, options?: PredictOptions): Promise<LivenessResult>;
  /** Frames already decoded (RGB, upright, all one size), as one video. */
  predictFrames(frames: readonly RgbFrame[], options?: Omit<PredictOptions, 'maxSeconds'>): Promise<LivenessResult>;
  dispose(): Promise<void>;
}

/** The ONNX session of a folder: its model.onnx when current, else exported in memory from the weights. */
async function openOnnxScorer(dir: string, meta: ModelMeta, threads: number | undefined, warnings: string[]): Promise<ClipScorer> {
  const status = await modelOnnxStatus(dir, meta);
  if (status.present && status.matchesModel !== false) return (await openModelSession(dir, threads !== undefined ? { threads } : {})).session;
  warnings.push(`${dir} has ${status.present ? 'a stale' : 'no'} model.onnx: exported in memory for this run (run 'vidpad export --model ${dir} --format onnx' to save the step)`);
  await ensureBackend('auto');
  const { model } = await loadModelFolder(dir);
  let bytes: Uint8Array;
  try {
    bytes = exportModelOnnx(model, meta.liveScore.prototype, { producerVersion: vidpadVersion() });
  } finally {
    model.dispose();
  }
  return openClipSession(bytes, threads !== undefined ? { threads } : {});
}

function wholeOption(name: string, v: number | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ConfigError(`predict.${name}`, `expected a whole number >= ${min}, got ${JSON.stringify(v)}`);
  return v;
}

/** Which detector to run, and why (a warning when it is not the one the model was trained with). */
function chooseDetectorName(contract: ModelInputContract, requested: FaceDetectorRequest | undefined, warnings: string[]): FaceDetectorRequest {
  const trained = contract.boxes.detector;
  if (requested !== undefined) {
    if (trained !== 'none' && requested !== 'auto' && requested !== trained) {
      warnings.push(`the model's crops were made with ${trained} boxes; ${requested} frames faces differently, so crops may differ from training`);
    }
    return requested;
  }
  if (trained === 'none') return PREDICT_DEFAULT_DETECTOR;
  const probe = listFaceDetectors().find((p) => p.name === trained);
  if (probe?.available) return trained;
  warnings.push(`the model's crops were made with ${trained} boxes, which cannot run here (${probe?.reason ?? 'unavailable'}); using ${PREDICT_DEFAULT_DETECTOR}`);
  return PREDICT_DEFAULT_DETECTOR;
}

/**
 * Loads a model folder once and returns the detector that scores videos with
 * it. Errors: InputError for a missing, incomplete or damaged folder (naming
 * the file), ConfigError for a model.json of another format version or bad
 * options, BackendError for a detector or backend that cannot run here.
 */
export async function createLivenessDetector(options: LivenessDetectorOptions): Promise<LivenessDetector> {
  if (!options || typeof options.model !== 'string' || options.model === '') throw new ConfigError('predict.model', 'expected the path of a trained model folder');
  const dir = options.model;
  const scorerName = options.scorer ?? 'onnx';
  if (!SCORERS.includes(scorerName)) throw new ConfigError('predict.scorer', `expected one of ${SCORERS.join(', ')}, got ${JSON.stringify(scorerName)}`);
  const every = wholeOption('detectEveryFrames', options.detectEveryFrames, 1) ?? PREDICT_DEFAULT_DETECT_EVERY;
  const batchClips = wholeOption('batchClips', options.batchClips, 1) ?? 8;
  wholeOption('clipStride', options.clipStride, 1);
  wholeOption('threads', options.threads, 1);
  const precision = options.precision ?? 'fp32';
  if (!INFERENCE_PRECISIONS.includes(precision)) throw new ConfigError('predict.precision', `expected one of ${INFERENCE_PRECISIONS.join(', ')}, got ${JSON.stringify(precision)}`);
  if (precision === 'int8' && scorerName !== 'onnx') throw new ConfigError('predict.precision', "int8 runs on the onnx scorer (model.int8.onnx); the tfjs scorer computes in fp32");
  if (options.threshold !== undefined && (typeof options.threshold !== 'number' || !Number.isFinite(options.threshold))) {
    throw new ConfigError('predict.threshold', `expected a finite number, got ${JSON.stringify(options.threshold)}`);
  }
  const setupWarnings: string[] = [];
  const meta = await readModelMeta(dir);
  const contractSource = meta.contract ? 'recorded' : 'assumed';
  const contract = meta.contract ?? assumedInputContract(meta.config.inputSize, meta.config.frames);
  if (!meta.contract) {
    setupWarnings.push(
      `${path.join(dir, 'model.json')} records no input contract (format ${meta.formatVersion}): assuming vidpad's preprocessing defaults ` +
        `(${contract.crop.sizePx}px crop, margin ${contract.crop.marginFrac}, ${contract.crop.edge} edges, frames decoded at most ${contract.decodeWidthPx}px wide, detector boxes); retrain to record it`,
    );
  }
  let threshold: ThresholdSpec & { source: 'model' | 'option' };
  if (options.threshold !== undefined) threshold = { value: options.threshold, chosenOn: 'manual', rule: 'manual', source: 'option' };
  else if (meta.threshold) threshold = { ...meta.threshold, source: 'model' };
  else throw new InputError(`${path.join(dir, 'model.json')}: the model has no threshold; train it with 'vidpad train' (which chooses one on validation) or pass a threshold`);
  if (threshold.source === 'model' && threshold.chosenOn === 'test') setupWarnings.push('the model\'s threshold was chosen on its test split (an oracle threshold): decisions look better than they are');
  const clipLayout = resolveClipLayout(
    { frames: contract.clip.frames, frameStride: contract.clip.frameStride, hopFrames: options.clipStride ?? contract.clip.hopFrames },
    'predict',
  );

  const built: { detector: FaceDetector | null; scorer: ClipScorer | null } = { detector: null, scorer: null };
  const ownsDetector = typeof options.detector !== 'object' || options.detector === null;
  try {
    if (options.backend !== undefined) await initBackend(options.backend);
    if (ownsDetector) {
      const name = chooseDetectorName(contract, options.detector as FaceDetectorRequest | undefined, setupWarnings);
      built.detector = await createFaceDetector({ detector: name, backend: options.backend ?? null });
    } else {
      built.detector = options.detector as FaceDetector;
      chooseDetectorName(contract, built.detector.name, setupWarnings);
    }
    if (scorerName === 'tfjs') {
      await ensureBackend(options.backend ?? 'auto');
      built.scorer = (await createTfjsScorer(dir)).scorer;
    } else {
      // int8 has no in-memory fallback: the quantised export needs its calibration clips, so it must exist.
      built.scorer =
        precision === 'int8'
          ? (await openModelSession(dir, { precision, ...(options.threads !== undefined ? { threads: options.threads } : {}) })).session
          : await openOnnxScorer(dir, meta, options.threads, setupWarnings);
    }
  } catch (err) {
    if (ownsDetector) built.detector?.dispose();
    await built.scorer?.dispose();
    throw err;
  }
  const detector = built.detector;
  const scorer = built.scorer;
  let disposed = false;

  const run = async (source: FrameSource, po: PredictOptions): Promise<LivenessResult> => {
    if (disposed) throw new InputError('this liveness detector has been disposed');
    const t0 = performance.now();
    const warnings = [...setupWarnings];
    const timings = { decodeMs: 0, detectMs: 0, cropMs: 0, scoreMs: 0 };
    const span = clipSpanFrames(clipLayout);
    const still = source.kind === 'image';
    if (!still && source.frameCount < span) {
      const limited = source.frameCount < source.totalFrames ? ` (${source.totalFrames} in all; --max-seconds kept ${source.frameCount})` : '';
      throw new InputError(`${source.input}: too few frames: ${source.frameCount}${limited}, but one clip of this model spans ${span} frames (T = ${clipLayout.frames})`);
    }
    if (still) warnings.push('a still image is scored as a clip of one frame repeated: the motion cues the model learned from video are absent, so the score is less reliable');
    if (source.frameCount < source.totalFrames) warnings.push(`only the first ${source.frameCount} of ${source.totalFrames} frames were read (maxSeconds)`);

    // Boxes: the dataset's own (a .face file beside the video) under the model's policy, else the detector's.
    const trainedOnDatasetBoxes = contract.boxes.policy !== 'detector';
    const datasetBoxes = trainedOnDatasetBoxes ? await source.datasetBoxes() : null;
    const policy = datasetBoxes ? contract.boxes.policy : 'detector';
    const runDetector = policy !== 'dataset';
    const detectEvery = policy === 'detector' ? every : 1;
    const calibration = policy === 'detector' && trainedOnDatasetBoxes ? (contract.boxes.calibrations.find((c) => c.detector === detector.name) ?? null) : null;
    if (policy === 'detector' && trainedOnDatasetBoxes && contractSource === 'recorded') {
      warnings.push(
        calibration
          ? `the model was trained on the dataset's own face boxes; this input has none, so ${detector.name} boxes are mapped to them with the model's calibration (mean IoU ${calibration.meanIouBefore.toFixed(2)} → ${calibration.meanIouAfter.toFixed(2)})`
          : `the model was trained on the dataset's own face boxes; this input has none, so ${detector.name} boxes are used: crops may be framed differently from training`,
      );
    }

    const decode = source.decodeSize(contract.decodeWidthPx);
    const toDecode = decode.width / source.width;
    const tracker = createFaceTracker(contract.boxes.track);
    const pending = new Map<number, InputFrame>();
    const crops = new Map<number, { crop: Uint8Array; box: BoxPx }>();
    let batch: { frames: number[]; pixels: ClipPixels; boxes: BoxPx[] }[] = [];
    const clips: ClipResult[] = [];
    let withFace = 0;
    let clipsWithoutFace = 0;
    let read = 0;
    let anyDetected = false;

    const scoreBatch = async () => {
      if (batch.length === 0) return;
      const current = batch;
      batch = [];
      const tc = performance.now();
      const input = modelInput(current.map((c) => c.pixels));
      timings.cropMs += performance.now() - tc;
      const ts = performance.now();
      const { liveScore } = await scorer.run(input, current.length);
      timings.scoreMs += performance.now() - ts;
      for (const [i, c] of current.entries()) {
        const score = Math.min(1, Math.max(-1, liveScore[i]!));
        const round = (b: BoxPx): BoxPx => ({ left: +b.left.toFixed(2), top: +b.top.toFixed(2), right: +b.right.toFixed(2), bottom: +b.bottom.toFixed(2) });
        clips.push({ frames: c.frames, startFrame: c.frames[0]!, endFrame: c.frames[c.frames.length - 1]! + 1, score, boxes: c.boxes.map(round) });
        await po.onClip?.({ index: clips.length - 1, frames: c.frames, pixels: c.pixels, score });
      }
    };

    const onFinal = async (t: IndexedTrackedBox) => {
      const frame = pending.get(t.index)!;
      pending.delete(t.index);
      if (t.box) {
        const tc = performance.now();
        crops.set(t.index, { crop: cropForModel(frame, scaleBox(t.box, toDecode), contract.crop), box: t.box });
        timings.cropMs += performance.now() - tc;
        withFace += 1;
      }
      if (still) {
        const c = crops.get(0);
        if (c) batch.push({ frames: Array.from({ length: clipLayout.frames }, () => 0), pixels: stillClip(c.crop, clipLayout.frames, contract.crop.sizePx), boxes: [c.box] });
      } else {
        const start = clipStartEndingAt(t.index, clipLayout);
        if (start !== null) {
          const frames = clipFrameIndices(start, clipLayout);
          const got = frames.map((f) => crops.get(f));
          if (got.every((g) => g !== undefined)) {
            batch.push({ frames, pixels: clipPixels(got.map((g) => g!.crop), contract.crop.sizePx), boxes: got.map((g) => g!.box) });
          } else clipsWithoutFace += 1;
        }
        // A clip ending later starts after t.index - span + 1: older crops are done with.
        crops.delete(t.index - span + 1);
      }
      if (batch.length >= batchClips) await scoreBatch();
    };

    // Overlap: ffmpeg decodes a few frames ahead, and the detector works on the
    // next frames (dlib on libuv's threads) while earlier ones are tracked,
    // cropped and scored; results are still taken in frame order.
    const inFlight: { frame: InputFrame; detections: Promise<FaceCandidate[]> }[] = [];
    const detectScaled = async (frame: InputFrame): Promise<FaceCandidate[]> => {
      const sx = source.width / frame.width;
      const sy = source.height / frame.height;
      const found = await detector.detect(frame);
      return found.map((d) => ({ box: calibrateBox({ left: d.box.left * sx, top: d.box.top * sy, right: d.box.right * sx, bottom: d.box.bottom * sy }, calibration), score: d.score }));
    };
    const settle = async (item: { frame: InputFrame; detections: Promise<FaceCandidate[]> }) => {
      const tdet = performance.now();
      const detections = await item.detections;
      timings.detectMs += performance.now() - tdet;
      const { frame } = item;
      const choice = chooseBoxByPolicy(datasetBoxes?.[frame.index] ?? null, detections, source.width, source.height, { policy });
      if (choice.box) anyDetected = true;
      pending.set(frame.index, frame);
      for (const t of tracker.push(choice.box ? [{ box: choice.box }] : [])) await onFinal(t);
      po.onFrames?.(frame.index + 1, source.frameCount);
    };
    let iterator: AsyncIterator<InputFrame> | undefined;
    try {
      iterator = readAhead(source.frames(contract.decodeWidthPx), DECODE_AHEAD_FRAMES)[Symbol.asyncIterator]();
      for (;;) {
        const td = performance.now();
        const next = await iterator.next();
        timings.decodeMs += performance.now() - td;
        if (next.done) break;
        const frame = next.value;
        read += 1;
        // A detector's synchronous part (BlazeFace runs its network here) counts as detection too.
        const tdet = performance.now();
        const detections = runDetector && frame.index % detectEvery === 0 ? detectScaled(frame) : Promise.resolve([]);
        timings.detectMs += performance.now() - tdet;
        // A rejected detection is awaited in settle(); keep Node from calling it unhandled meanwhile.
        detections.catch(() => {});
        inFlight.push({ frame, detections });
        while (inFlight.length > DETECTIONS_IN_FLIGHT) await settle(inFlight.shift()!);
      }
      while (inFlight.length > 0) await settle(inFlight.shift()!);
      for (const t of tracker.finish()) await onFinal(t);
      await scoreBatch();
    } finally {
      // Stop reading (ffmpeg) when an error leaves frames behind.
      await iterator?.return?.();
    }

    const score = aggregateClipScores(clips.map((c) => c.score));
    const decision = decide(score, threshold.value);
    let reason: string | null = null;
    if (decision === 'no-face') {
      reason = !anyDetected
        ? `no face found in any of the ${read} frame${read === 1 ? '' : 's'} read`
        : `a face in ${withFace} of ${read} frames, but no ${clipLayout.frames} clip frames in a row (${span} frames) all with a face`;
    }
    const totalMs = performance.now() - t0;
    const usedDetector = runDetector ? detector.name : 'dataset';
    return {
      input: source.input,
      kind: source.kind,
      decision,
      score,
      scoreRule: VIDEO_SCORE_RULE,
      threshold,
      clips,
      frames: {
        read,
        withFace,
        clipsWithoutFace,
        width: source.width,
        height: source.height,
        decodeWidth: decode.width,
        decodeHeight: decode.height,
        fps: source.fps,
      },
      detector: { name: usedDetector, everyFrames: runDetector ? detectEvery : 1, calibrated: calibration !== null },
      clipLayout: { ...clipLayout },
      model: { dir, loss: meta.loss, inputSize: meta.config.inputSize, formatVersion: meta.formatVersion, contract: contractSource },
      reason,
      warnings,
      timings: { ...timings, totalMs, framesPerSec: read / Math.max(totalMs / 1e3, 1e-9) },
    };
  };

  return {
    meta,
    contract,
    contractSource,
    clipLayout,
    threshold,
    detectorName: detector.name,
    async predictVideo(input, po = {}) {
      if (disposed) throw new InputError('this liveness detector has been disposed');
      const source = await openInput(input, { maxSeconds: po.maxSeconds ?? null });
      try {
        return await run(source, po);
      } finally {
        await source.close();
      }
    },
    async predictFrames(frames, po = {}) {
      if (!Array.isArray(frames) || frames.length === 0) throw new InputError('predictFrames: expected a non-empty array of RGB frames');
      const { width, height } = frames[0]!;
      frames.forEach((f, i) => {
        if (!f || !(f.data instanceof Uint8Array) || f.width !== width || f.height !== height || f.data.length !== width * height * 3) {
          throw new InputError(`predictFrames: frame ${i} is not a ${width}×${height} RGB frame like frame 0 (expected {width, height, data: Uint8Array of width·height·3 bytes})`);
        }
      });
      const size = (maxWidthPx: number) => (width <= maxWidthPx ? { width, height } : { width: maxWidthPx, height: Math.max(1, Math.round((height * maxWidthPx) / width)) });
      const source: FrameSource = {
        input: 'frames',
        kind: frames.length === 1 ? 'image' : 'frames',
        width,
        height,
        frameCount: frames.length,
        totalFrames: frames.length,
        fps: null,
        media: null,
        faceFile: null,
        decodeSize: size,
        async *frames(maxWidthPx) {
          const s = size(maxWidthPx);
          for (const [index, f] of frames.entries()) yield { index, ...(s.width === width ? f : resizeRgb(f, s.width, s.height)) };
        },
        datasetBoxes: async () => null,
        close: async () => {},
      };
      return run(source, po);
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      if (ownsDetector) detector.dispose();
      await scorer.dispose();
    },
  };
}
