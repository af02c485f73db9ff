/**
 * One cell of an experiment: train a configuration on a protocol fold (or
 * resume it), evaluate it on the fold's test split (`evaluateModelOnSplit`,
 * the same as `vidpad eval`), and record the metrics at the threshold chosen
 * on validation. A finished cell leaves
 * `cell.json` (written last, atomically), so a rerun skips it.
 */
import { readFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ProtocolSplit } from '../data/index.js';
import type { CropCacheLayout } from '../preprocess/index.js';
import { trainModel, hasCheckpoint, TRAINING_SUBDIR } from '../train/index.js';
import type { TrainConfigInput, TrainProgress, EpochRecord } from '../train/index.js';
import { readModelMeta } from '../models/index.js';
import { writeFileAtomic } from '../io/index.js';
import { evaluateModelOnSplit, scoresToCsv } from '../scoring/index.js';
import type { PadMetrics } from '../eval/index.js';
import { aggregateByVideo, rocAuc } from '../eval/index.js';

export interface CellSpec {
  /** Folder-safe id, unique in the experiment, e.g. `frames-T5-p2-f3`. */
  id: string;
  /** The configuration's row name in a table, e.g. `T=5`. */
  config: string;
  /** Which table the cell belongs to. */
  table: string;
  protocol: string;
  fold: number | null;
  train: TrainConfigInput;
}

export interface CellResult {
  id: string;
  config: string;
  table: string;
  protocol: string;
  fold: number | null;
  split: string;
  threshold: number;
  valEer: number | null;
  clip: PadMetrics;
  video: PadMetrics;
  /** Area under the ROC curve of the test clips and videos (cells written before it existed lack it). */
  auc?: number;
  videoAuc?: number;
  epochs: number;
  bestEpoch: number | null;
  trainSeconds: number;
  clipsPerSec: number | null;
  testClips: number;
  noFaceClips: number;
  missingVideos: number;
  modelDir: string;
  scoresFile: string;
}

export const CELL_FILE = 'cell.json';

export interface RunCellOptions {
  spec: CellSpec;
  split: ProtocolSplit;
  cache: CropCacheLayout;
  /** The cell's folder: model/, scores.csv, cell.json. */
  dir: string;
  onProgress?: (p: TrainProgress) => void;
  onEpoch?: (r: EpochRecord) => void;
}

export async function readCellResult(dir: string): Promise<CellResult | null> {
  try {
    return JSON.parse(await readFile(path.join(dir, CELL_FILE), 'utf8')) as CellResult;
  } catch {
    return null;
  }
}

export async function runCell(options: RunCellOptions): Promise<CellResult> {
  const { spec, split, dir } = options;
  const done = await readCellResult(dir);
  if (done) return done;
  await mkdir(dir, { recursive: true });
  const modelDir = path.join(dir, 'model');
  let trainSeconds = 0;
  let clipsPerSec: number | null = null;
  let epochs = 0;
  let bestEpoch: number | null = null;
  const trained = await readModelMeta(modelDir).then(
    () => true,
    () => false,
  );
  if (!trained) {
    const result = await trainModel({
      split,
      cache: options.cache,
      config: spec.train,
      outDir: modelDir,
      resume: hasCheckpoint(path.join(modelDir, TRAINING_SUBDIR)),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.onEpoch ? { onEpoch: options.onEpoch } : {}),
    });
    trainSeconds = result.seconds;
    epochs = result.history.length;
    bestEpoch = result.bestEpoch;
    const speeds = result.history.map((h) => h.clipsPerSec);
    clipsPerSec = speeds.length > 0 ? speeds.reduce((a, b) => a + b, 0) / speeds.length : null;
  }
  const evaluation = await evaluateModelOnSplit({ modelDir, split, cache: options.cache });
  const { meta, scores } = evaluation;
  const scoresFile = path.join(dir, 'scores.csv');
  await writeFileAtomic(scoresFile, scoresToCsv(scores.rows));
  const extra = meta.extra as { valEer?: number; bestEpoch?: number };
  const result: CellResult = {
    id: spec.id,
    config: spec.config,
    table: spec.table,
    protocol: spec.protocol,
    fold: spec.fold,
    split: split.name,
    threshold: evaluation.threshold.value,
    valEer: extra.valEer ?? null,
    clip: evaluation.clip.folds[0]!.metrics,
    video: evaluation.video.folds[0]!.metrics,
    auc: rocAuc(scores.rows, `${split.name} test clips`),
    videoAuc: rocAuc(aggregateByVideo(scores.rows, `${split.name} test`), `${split.name} test videos`),
    epochs: epochs || (meta.training.epochs ?? 0),
    bestEpoch: bestEpoch ?? extra.bestEpoch ?? null,
    trainSeconds,
    clipsPerSec,
    testClips: scores.rows.length,
    noFaceClips: scores.noFaceClips,
    missingVideos: scores.missingVideos.length,
    modelDir,
    scoresFile,
  };
  await writeFileAtomic(path.join(dir, CELL_FILE), JSON.stringify(result, null, 2) + '\n');
  return result;
}
