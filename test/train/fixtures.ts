/**
 * A tiny crop cache written directly (no ffmpeg, no detector): live videos
 * are smooth gradients with independent noise per frame, attacks carry a
 * fine stripe pattern; enough for a small network to separate in a few steps.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cacheLayout, writeVideoCrops, createSeededRandom } from '../../src/index.js';
import type { CropCacheLayout, ProtocolSplit, SplitVideo, VideoEntry } from '../../src/index.js';

export const SIDE = 64;

export function renderVideo(kind: 'live' | 'print' | 'replay', frames: number, seed: number): Uint8Array {
  const rng = createSeededRandom(seed);
  const out = new Uint8Array(frames * SIDE * SIDE * 3);
  const base = rng.uniform(60, 160);
  for (let f = 0; f < frames; f++) {
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) {
        const i = ((f * SIDE + y) * SIDE + x) * 3;
        const smooth = base + 0.8 * (x + y);
        const stripe = kind === 'replay' ? 40 * ((x >> 1) & 1) : kind === 'print' ? 40 * (((x + y) >> 1) & 1) : 0;
        const noise = kind === 'live' ? rng.uniform(-12, 12) : 0;
        for (let c = 0; c < 3; c++) out[i + c] = Math.max(0, Math.min(255, Math.round(smooth + stripe + noise + c * 10)));
      }
    }
  }
  return out;
}

export interface TinyDataset {
  cacheDir: string;
  layout: CropCacheLayout;
  split: ProtocolSplit;
}

export async function makeTinyDataset(options: { frames?: number; testVariant?: number } = {}): Promise<TinyDataset> {
  const frames = options.frames ?? 8;
  const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-train-'));
  const layout = cacheLayout(cacheDir, 'k');
  const lists: Record<'train' | 'val' | 'test', SplitVideo[]> = { train: [], val: [], test: [] };
  let seed = 1;
  for (const part of ['train', 'val', 'test'] as const) {
    const subjects = part === 'train' ? ['001', '002', '003'] : part === 'val' ? ['004', '005'] : ['006', '007'];
    for (const subject of subjects) {
      for (const kind of ['live', 'print', 'replay'] as const) {
        const id = `${part}/${subject}-${kind}`;
        const crops = renderVideo(kind, frames, part === 'test' ? seed++ + 1000 * (options.testVariant ?? 0) : seed++);
        await writeVideoCrops(layout, {
          crops,
          meta: {
            formatVersion: 1, videoId: id, sourcePath: `${id}.mov`, frameCount: frames, fps: 30,
            sourceSize: { width: SIDE, height: SIDE }, workSize: { width: SIDE, height: SIDE }, cropSizePx: SIDE,
            boxes: Array.from({ length: frames }, () => ({ left: 0, top: 0, right: SIDE, bottom: SIDE })),
            boxSources: Array.from({ length: frames }, () => 'dataset' as const), detector: 'none', seconds: 0,
          },
        });
        const video: VideoEntry = { id, path: `${id}.mov`, label: kind === 'live' ? 'live' : 'spoof', attackType: kind === 'live' ? null : `${kind}/1`, subject, sourceSplit: part === 'test' ? 'test' : 'train', faceFile: null, frameCount: frames };
        lists[part].push({ video, frames: { kind: 'all' } });
      }
    }
  }
  const split: ProtocolSplit = {
    dataset: 'siw', protocol: '1', fold: null, name: 'tiny', trainAttackTypes: ['print/1', 'replay/1'], testAttackTypes: ['print/1', 'replay/1'],
    valSubjects: ['004', '005'], train: lists.train, val: lists.val, test: lists.test,
  };
  return { cacheDir, layout, split };
}

export const TINY_TRAIN_CONFIG = {
  model: { inputSize: SIDE, widthMultiplier: 0.0625, fcWidth: 64, embeddingSize: 8, dropoutRate: 0 },
  clip: { length: 2 as const, stride: 1 },
  batchSize: 6,
  clipsPerVideo: 2,
  valClipsPerVideo: 2,
  learningRate: 0.001,
  maxEpochs: 3,
  patienceEpochs: 4,
  seed: 5,
};
