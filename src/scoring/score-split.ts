/**
 * Scores every clip of a split with a trained model on ONNX Runtime: the
 * batch-evaluation path of `vidpad eval` and the experiments. Clips come from
 * the crop cache; clips touching a frame without a face are left out and
 * counted, never scored from garbage.
 */
import { planTestClips, resolveClipSpec } from '../data/index.js';
import type { SplitVideo } from '../data/index.js';
import { cachedSplitVideos, createCropReader, labelClips, loadClipPixels } from '../preprocess/index.js';
import type { CropCacheLayout, LabeledClip } from '../preprocess/index.js';
import type { ClipScorer } from '../models/index.js';
import type { ScoreRow } from '../eval/index.js';
import { InputError } from '../errors.js';
import { standardizeClips } from '../data/index.js';

export interface ClipScore extends ScoreRow {
  video: string;
  /** First frame of the clip. */
  clipStart: number;
}

export interface ScoreSplitOptions {
  /** An ONNX Runtime session (`openModelSession`) or a tfjs scorer (`createTfjsScorer`). */
  session: ClipScorer;
  list: readonly SplitVideo[];
  cache: CropCacheLayout;
  /** Frames between clip starts; default the clip's length (non-overlapping clips). */
  hop?: number;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SplitScores {
  rows: ClipScore[];
  /** Split videos absent from the cache. */
  missingVideos: string[];
  /** Clips left out because a frame had no face. */
  noFaceClips: number;
}

export async function scoreSplit(options: ScoreSplitOptions): Promise<SplitScores> {
  const { session } = options;
  const [frames, size] = session.clipShape;
  const spec = resolveClipSpec({ length: frames as 2 | 3 | 5, stride: 1 });
  const reader = createCropReader(options.cache);
  const { videos, missing } = await cachedSplitVideos(options.list, options.cache, reader);
  if (videos.length > 0) {
    const cached = (await reader.read(videos[0]!.id)).meta.cropSizePx;
    if (cached !== size) throw new InputError(`the crop cache ${options.cache.root} holds ${cached}px crops, the model takes ${size}px`);
  }
  const { clips, noFace } = labelClips(videos, planTestClips(videos, spec, options.hop).clips);
  const batchSize = options.batchSize ?? 16;
  const rows: ClipScore[] = [];
  for (let i = 0; i < clips.length; i += batchSize) {
    const batch: LabeledClip[] = clips.slice(i, i + batchSize);
    const input = standardizeClips(await loadClipPixels(reader, batch, null));
    const { liveScore } = await session.run(input, batch.length);
    batch.forEach((c, j) =>
      rows.push({ label: c.label === 'live' ? 'live' : 'attack', attackType: c.attackType ?? '', liveScore: liveScore[j]!, video: c.videoId, clipStart: c.frames[0]! }),
    );
    options.onProgress?.(Math.min(i + batchSize, clips.length), clips.length);
  }
  return { rows, missingVideos: missing, noFaceClips: noFace };
}

/** The score file of `vidpad eval`: video, clip, label, attack_type, score (readable by `vidpad metrics`). */
export function scoresToCsv(rows: readonly ClipScore[]): string {
  const quote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = ['video,clip,label,attack_type,score'];
  for (const r of rows) lines.push([quote(r.video), String(r.clipStart), r.label, quote(r.attackType), String(r.liveScore)].join(','));
  return lines.join('\n') + '\n';
}
