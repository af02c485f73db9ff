/**
 * One video through the preprocessing stage: decode (scaled by ffmpeg to the
 * working width), find the face in every frame (the dataset's boxes, the
 * detector's, or both under the box policy), track it over time, and crop
 * the square face of every frame to the model's input size.
 */
import { probeVideo, streamFrames } from '../video/index.js';
import type { VideoFrame } from '../video/index.js';
import { chooseBoxByPolicy, createFaceDetector, cropFace, trackFaces } from '../face/index.js';
import type { BoxPx, FaceCandidate, FaceDetector } from '../face/index.js';
import { readFile } from 'node:fs/promises';
import { parseFaceFile } from '../data/datasets/face-file.js';
import type { FaceFileFormat, VideoEntry } from '../data/datasets/types.js';
import { ConfigError, InputError } from '../errors.js';
import { CACHE_FORMAT_VERSION } from './config.js';
import type { PreprocessConfig } from './config.js';
import type { FrameBoxSource, VideoCrops } from './crop-cache.js';

export interface VideoJob {
  videoId: string;
  path: string;
  /** The dataset's face file with a box per frame, when it ships one. */
  faceFile: string | null;
  /** How `faceFile` is written (see data/datasets/face-file.ts); absent means SiW's `.face`. */
  faceFormat?: FaceFileFormat;
}

/** The preprocessing jobs of indexed videos: id, file, and the dataset's face file with its format. */
export function videoJobsOf(videos: readonly VideoEntry[]): VideoJob[] {
  return videos.map((v) => ({ videoId: v.id, path: v.path, faceFile: v.faceFile, ...(v.faceFile && v.faceFormat ? { faceFormat: v.faceFormat } : {}) }));
}

/** A video's crops, and what was wrong with its input without stopping it (recorded as warnings in failures.json). */
export interface PreprocessedVideo extends VideoCrops {
  warnings: string[];
}

/**
 * The dataset's box per frame from the video's face file, with a warning for
 * each thing that makes it less than the video needs: unreadable lines, and
 * fewer boxes than frames (those frames then depend on the detector or the
 * tracker). An unreadable file is an error.
 */
async function readDatasetBoxes(job: VideoJob, frame: { width: number; height: number }, frameCount: number, policy: string, warnings: string[]): Promise<(BoxPx | null)[]> {
  const file = job.faceFile!;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`${file}: cannot read the face file: ${(err as Error).message}`, { cause: err });
  }
  const parsed = parseFaceFile(text, frame, job.faceFormat ?? 'siw');
  if (parsed.problems.length > 0) {
    const first = parsed.problems[0]!;
    warnings.push(`${file}: ${parsed.problems.length} unusable line(s), the first on line ${first.line}: ${first.message}; those frames have no box from the file`);
  }
  const covered = Math.min(parsed.boxes.length, frameCount);
  if (covered < frameCount) {
    const rest = policy === 'dataset' ? 'are filled by tracking where a gap is short, else left without a face' : "take the detector's boxes";
    warnings.push(`${file}: boxes for ${covered} of the video's ${frameCount} frames; frames ${covered + 1}-${frameCount} ${rest}`);
  }
  return parsed.boxes;
}

/** Decoded frames kept in memory between detection and cropping, at most; beyond it the video is decoded twice. */
const FRAME_MEMORY_BUDGET_BYTES = 768 * 1024 * 1024;

function scaleBox(b: BoxPx, sx: number, sy: number): BoxPx {
  return { left: b.left * sx, top: b.top * sy, right: b.right * sx, bottom: b.bottom * sy };
}

/**
 * Returns the crops and their metadata; `onFrames(n)` reports progress in
 * decoded frames. The detector is `config.detector`: pass one already built
 * (a batch reuses it across videos) or leave it out and one is built for
 * this video and disposed after. A detector that is not the one the config
 * names is a ConfigError, so the cache key never describes other boxes than
 * those cropped. None is needed with the `dataset` box policy.
 */
export async function preprocessVideo(
  job: VideoJob,
  config: Readonly<PreprocessConfig>,
  detector?: FaceDetector | null,
  onFrames: (frames: number) => void = () => {},
): Promise<PreprocessedVideo> {
  const needsDetector = config.boxPolicy !== 'dataset';
  if (detector && config.detector !== 'auto' && detector.name !== config.detector) {
    throw new ConfigError('preprocess.detector', `the config names '${config.detector}' but a '${detector.name}' detector was passed; pass a matching detector or none`);
  }
  if (!needsDetector || detector) return cropVideo(job, config, needsDetector ? detector! : null, onFrames);
  const own = await createFaceDetector({ detector: config.detector });
  try {
    return await cropVideo(job, config, own, onFrames);
  } finally {
    own.dispose();
  }
}

async function cropVideo(job: VideoJob, config: Readonly<PreprocessConfig>, detector: FaceDetector | null, onFrames: (frames: number) => void): Promise<PreprocessedVideo> {
  const t0 = performance.now();
  const info = await probeVideo(job.path);
  const frameCount = config.maxFrames === null ? info.frameCount : Math.min(config.maxFrames, info.frameCount);
  if (frameCount === 0) throw new InputError(`${job.path}: the video has no frames`);
  const workWidth = Math.min(config.workWidthPx, info.width);
  const read = { info, start: 0, end: frameCount, width: workWidth };
  const useDataset = config.boxPolicy !== 'detector' && job.faceFile !== null;
  const useDetector = config.boxPolicy !== 'dataset';
  if (useDetector && !detector) throw new InputError(`${job.path}: box policy '${config.boxPolicy}' needs a face detector`);
  const warnings: string[] = [];
  const datasetBoxes: (BoxPx | null)[] = useDataset ? await readDatasetBoxes(job, { width: info.width, height: info.height }, frameCount, config.boxPolicy, warnings) : [];

  // Pass 1: a face choice per frame, in source pixels.
  const perFrame: FaceCandidate[][] = [];
  const choiceSources: ('dataset' | 'detector' | 'none')[] = [];
  const kept: VideoFrame[] = [];
  let workSize = { width: workWidth, height: 0 };
  let keepFrames = true;
  for await (const frame of streamFrames(job.path, read)) {
    workSize = { width: frame.width, height: frame.height };
    const sx = info.width / frame.width;
    const sy = info.height / frame.height;
    const detections = useDetector ? (await detector!.detect(frame)).map((d) => ({ box: scaleBox(d.box, sx, sy), score: d.score })) : [];
    const choice = chooseBoxByPolicy(datasetBoxes[frame.index] ?? null, detections, info.width, info.height, { policy: config.boxPolicy });
    perFrame.push(choice.box ? [{ box: choice.box }] : []);
    choiceSources.push(choice.source);
    if (keepFrames) {
      kept.push(frame);
      keepFrames = kept.length * frame.data.length <= FRAME_MEMORY_BUDGET_BYTES;
      if (!keepFrames) kept.length = 0;
    }
    onFrames(1);
  }
  if (perFrame.length !== frameCount) throw new InputError(`${job.path}: decoded ${perFrame.length} frames, expected ${frameCount}`);
  const track = trackFaces(perFrame, config.track);
  // A video without a single face would be cached as all-zero crops that nothing can learn from: it fails instead.
  if (track.every((t) => !t.box)) {
    const why = useDetector
      ? `the detector ${detector!.name} found no face in any of its ${frameCount} frames${useDataset ? ', nor does its face file give a usable box' : ''}`
      : job.faceFile === null
        ? `box policy 'dataset' but the video has no face file (use --boxes detector or dataset-then-detector)`
        : `its face file ${job.faceFile} gives no usable box for any of its ${frameCount} frames${warnings.length > 0 ? ` (${warnings[0]!.replace(`${job.faceFile}: `, '')})` : ''}`;
    throw new InputError(`${job.path}: ${why}`);
  }

  // Pass 2: crops (from memory, or a second decode for long videos).
  const side = config.cropSizePx;
  const frameBytes = side * side * 3;
  const crops = new Uint8Array(frameCount * frameBytes);
  const cropOne = (frame: VideoFrame) => {
    const t = track[frame.index]!;
    if (!t.box) return;
    const box = scaleBox(t.box, frame.width / info.width, frame.height / info.height);
    const crop = cropFace({ width: frame.width, height: frame.height, data: frame.data }, box, { sizePx: side, marginFrac: config.marginFrac, edge: config.edge });
    crops.set(crop.frame.data, frame.index * frameBytes);
  };
  if (kept.length === frameCount) kept.forEach(cropOne);
  else for await (const frame of streamFrames(job.path, read)) cropOne(frame);

  const boxSources: FrameBoxSource[] = track.map((t, i) => (t.source === 'detected' ? (choiceSources[i] === 'none' ? 'none' : choiceSources[i]!) : t.source === 'filled' ? 'filled' : 'none'));
  const round = (b: BoxPx | null) => (b ? { left: +b.left.toFixed(2), top: +b.top.toFixed(2), right: +b.right.toFixed(2), bottom: +b.bottom.toFixed(2) } : null);
  return {
    crops,
    meta: {
      formatVersion: CACHE_FORMAT_VERSION,
      videoId: job.videoId,
      sourcePath: job.path,
      frameCount,
      fps: info.fps,
      sourceSize: { width: info.width, height: info.height },
      workSize,
      cropSizePx: side,
      boxes: track.map((t) => round(t.box)),
      boxSources,
      detector: useDetector ? detector!.name : 'none',
      // No timings here: meta.json describes the cache's content, the same for a resumed and an uninterrupted run.
    },
    warnings,
  };
}
