/**
 * Small synthetic presentation videos for the predict tests, written as a
 * dataset in the folder layout (ROOT/live/<subject>/, ROOT/spoof/<type>/<subject>/):
 * each subject's live video is the project's synthetic face (the synth
 * renderer: a person in a room, blinking and moving); its print and replay
 * attacks are the same frames with their medium's cues made strong (see
 * `withCue`), so that a tiny model learns them in seconds. The synth generator's own attacks
 * carry subtler cues that take the demo's minutes of training.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatFaceFile, planSynthSiw, renderSynthVideo } from '../../src/synth/index.js';
import {
  cacheLayout,
  createAlexNet2Plus1D,
  folderProtocolSplits,
  indexFolder,
  initBackend,
  inputContractFor,
  resolvePreprocessConfig,
  runPreprocess,
  saveModelFolder,
  trainModel,
} from '../../src/index.js';
import type { BoxPx, CropCacheLayout } from '../../src/index.js';

export const FIXTURE_SIZE = { width: 160, height: 120 };
export const KINDS = ['live', 'print', 'replay'] as const;
export type Kind = (typeof KINDS)[number];

/**
 * The frame with `kind`'s cue applied (a new array): a print's washed-out,
 * yellowish colours over a faint halftone grid; a screen's blue cast over
 * faint scan lines, flickering from frame to frame. Colour cues survive the
 * per-frame standardisation (a statistic over all three channels) and leave
 * the face easy for a detector to find.
 */
export function withCue(rgb: Uint8Array, width: number, height: number, kind: Kind, frame: number): Uint8Array {
  if (kind === 'live') return rgb;
  const out = new Uint8Array(rgb.length);
  const tint = kind === 'print' ? [1.05, 1.0, 0.9] : [0.7, 0.9, 1.35];
  const flicker = kind === 'replay' ? 1 + 0.04 * Math.sin(frame * 2.1) : 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const texture = kind === 'print' ? (((x >> 1) + (y >> 1)) & 1 ? 1.05 : 0.95) : x % 3 === 0 ? 0.9 : 1;
      const gray = 0.299 * rgb[i]! + 0.587 * rgb[i + 1]! + 0.114 * rgb[i + 2]!;
      const keep = kind === 'print' ? 0.1 : 1;
      for (let c = 0; c < 3; c++) {
        const v = (keep * rgb[i + c]! + (1 - keep) * gray) * tint[c]! * texture * flicker;
        out[i + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return out;
}

/** Encodes raw RGB frames to an H.264 file (yuv444p, near lossless, so the cues survive). */
export function encodeFrames(file: string, frames: readonly Uint8Array[], width: number, height: number, fps = 30): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '8', '-pix_fmt', 'yuv444p', file];
    const child = spawn('ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += String(b)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg failed on ${file}: ${err}`))));
    for (const f of frames) child.stdin.write(f);
    child.stdin.end();
  });
}

/** The live frames of synthetic subject `index` (0-based): session 1, sensor 1. */
export function liveFrames(subjects: number, index: number, frames: number, seed = 11): { rgb: Uint8Array; box: BoxPx | null }[] {
  const plan = planSynthSiw({ subjects, seed });
  const live = plan.videos.filter((v) => v.type === 1 && v.session === 1 && v.sensor === 1);
  const spec = live[index]!;
  return [...renderSynthVideo(spec, { seed, width: FIXTURE_SIZE.width, height: FIXTURE_SIZE.height, frames, fps: 30 })];
}

export interface FixtureVideo {
  file: string;
  kind: Kind;
  subject: string;
}

/**
 * Writes `subjects` subjects × live/print/replay to ROOT in the folder layout,
 * each video with the renderer's face boxes in a `.face` file beside it
 * (`faceFiles: false` leaves them out, as a user's video has none); returns the videos.
 */
export async function writeFolderDataset(root: string, subjects: number, frames: number, options: { seed?: number; faceFiles?: boolean; only?: readonly number[] } = {}): Promise<FixtureVideo[]> {
  const out: FixtureVideo[] = [];
  const { width, height } = FIXTURE_SIZE;
  for (let s = 0; s < subjects; s++) {
    if (options.only && !options.only.includes(s)) continue;
    const subject = `s${String(s + 1).padStart(2, '0')}`;
    const base = liveFrames(subjects, s, frames, options.seed ?? 11);
    for (const kind of KINDS) {
      const dir = kind === 'live' ? path.join(root, 'live', subject) : path.join(root, 'spoof', kind, subject);
      await mkdir(dir, { recursive: true });
      const file = path.join(dir, `${subject}-${kind}.mp4`);
      await encodeFrames(file, base.map((f, i) => withCue(f.rgb, width, height, kind, i)), width, height);
      if (options.faceFiles ?? true) await writeFile(file.replace(/\.mp4$/, '.face'), formatFaceFile(base.map((f) => f.box)));
      out.push({ file, kind, subject });
    }
  }
  return out;
}

export interface TrainedFixture {
  root: string;
  modelDir: string;
  /** Held-out subjects' videos, written without `.face` files (as a user's are). */
  inputs: FixtureVideo[];
  /** The crop cache the model was trained from, and the dataset's videos in it (with `.face` files). */
  cache: CropCacheLayout;
  videos: { id: string; path: string }[];
}

/** Frames per fixture video and the crop size of the fixture model. */
export const FIXTURE_FRAMES = 12;
export const FIXTURE_CROP_PX = 64;

/**
 * A tiny model trained on the fixture dataset (6 subjects: 3 train, 1
 * validation, 2 test by the folder layout's rule), with the dataset's own
 * boxes as the demo does; plus the test subjects' videos without `.face`
 * files. About half a minute on 2 cores.
 */
export async function trainFixtureModel(root: string): Promise<TrainedFixture> {
  const data = path.join(root, 'data');
  await writeFolderDataset(data, 6, FIXTURE_FRAMES);
  const index = await indexFolder(data);
  const split = folderProtocolSplits(index, 'all')[0]!;
  const testSubjects = [...new Set(split.test.map((v) => v.video.subject))].sort();
  const only = testSubjects.map((s) => Number(s.slice(1)) - 1);
  const inputs = await writeFolderDataset(path.join(root, 'inputs'), 6, FIXTURE_FRAMES, { faceFiles: false, only });
  const cacheDir = path.join(root, 'cache');
  const pre = await runPreprocess({
    videos: index.videos.map((v) => ({ videoId: v.id, path: v.path, faceFile: v.faceFile })),
    cacheDir,
    config: { boxPolicy: 'dataset', cropSizePx: FIXTURE_CROP_PX },
    workers: 1,
  });
  if (pre.failed.length > 0) throw new Error(`fixture preprocessing failed: ${JSON.stringify(pre.failed)}`);
  await initBackend('wasm');
  const modelDir = path.join(root, 'model');
  await trainModel({
    split,
    cache: cacheLayout(cacheDir, pre.key),
    outDir: modelDir,
    config: {
      loss: 'ce',
      model: { inputSize: FIXTURE_CROP_PX, widthMultiplier: 0.125, fcWidth: 128, embeddingSize: 16, dropoutRate: 0 },
      clip: { length: 2, stride: 1 },
      augment: { erasing: null },
      batchSize: 8,
      clipsPerVideo: 16,
      valClipsPerVideo: 3,
      learningRate: 0.01,
      maxEpochs: 6,
      patienceEpochs: 6,
      seed: 3,
    },
  });
  return { root, modelDir, inputs, cache: cacheLayout(cacheDir, pre.key), videos: index.videos.map((v) => ({ id: v.id, path: v.path })) };
}

/**
 * A model folder with random weights (nothing learnt) and an input contract:
 * enough for tests of the plumbing (CLI, explain, the README's snippets).
 */
export async function randomModelFolder(dir: string, options: { frames?: 2 | 3 | 5; size?: number; loss?: string; threshold?: number; norm?: 'batch' | 'none' } = {}): Promise<string> {
  const frames = options.frames ?? 2;
  const size = options.size ?? FIXTURE_CROP_PX;
  const model = createAlexNet2Plus1D({ frames, inputSize: size, widthMultiplier: 0.0625, fcWidth: 64, embeddingSize: 8, seed: 2, ...(options.norm ? { norm: options.norm } : {}) });
  try {
    const prototype = Float32Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? 1 : -0.5));
    await saveModelFolder(dir, {
      model,
      meta: {
        liveScore: { prototype, source: 'mean-live-embedding' },
        loss: options.loss ?? 'triplet',
        threshold: { value: options.threshold ?? 0, chosenOn: 'val', rule: 'eer' },
        contract: inputContractFor(resolvePreprocessConfig({ cropSizePx: size, boxPolicy: 'detector', detector: 'blazeface' }), 'blazeface', { length: frames, stride: 1 }),
      },
    });
  } finally {
    model.dispose();
  }
  return dir;
}
