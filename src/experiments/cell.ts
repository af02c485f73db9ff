/**
 * One cell of an experiment: train a configuration on a protocol fold (or
 * resume it), score the fold's test split on ONNX Runtime, and record the
 * metrics at the threshold chosen on validation. A finished cell leaves
 * `cell.json` (written last, atomically), so a rerun skips it.
 */
import { readFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ProtocolSplit } from '../data/index.js';
import type { CropCacheLayout } from '../preprocess/index.js';
import { trainModel, hasCheckpoint, TRAINING_SUBDIR } from '../train/index.js';
import type { TrainConfigInput, TrainProgress, EpochRecord } from '../train/index.js';
import { exportModelFolderOnnx, openModelSession, readModelMeta } from '../models/index.js';
import { writeFileAtomic } from '../io/index.js';
import { scoreSplit, scoresToCsv } from '../scoring/index.js';
import { computeMetrics } from '../eval/index.js';
import type { PadMetrics } from '../eval/index.js';
import { aggregateByVideo } from '../eval/index.js';
import { InputError } from '../errors.js';

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
  const meta = await readModelMeta(modelDir);
  if (!meta.threshold) throw new InputError(`${modelDir}: the trained model has no threshold`);
  await exportModelFolderOnnx(modelDir);
  const { session } = await openModelSession(modelDir);
  let scored;
  try {
    scored = await scoreSplit({ session, list: split.test, cache: options.cache });
  } finally {
    await session.dispose();
  }
  if (scored.rows.length === 0) throw new InputError(`${split.name}: no test clip could be scored`);
  const scoresFile = path.join(dir, 'scores.csv');
  await writeFileAtomic(scoresFile, scoresToCsv(scored.rows));
  const threshold = meta.threshold.value;
  const extra = meta.extra as { valEer?: number; bestEpoch?: number };
  const result: CellResult = {
    id: spec.id,
    config: spec.config,
    table: spec.table,
    protocol: spec.protocol,
    fold: spec.fold,
    split: split.name,
    threshold,
    valEer: extra.valEer ?? null,
    clip: computeMetrics(scored.rows, threshold, { attackTypes: split.testAttackTypes }, `${split.name} test clips`),
    video: computeMetrics(aggregateByVideo(scored.rows, `${split.name} test`), threshold, { attackTypes: split.testAttackTypes }, `${split.name} test videos`),
    epochs: epochs || (meta.training.epochs ?? 0),
    bestEpoch: bestEpoch ?? extra.bestEpoch ?? null,
    trainSeconds,
    clipsPerSec,
    testClips: scored.rows.length,
    noFaceClips: scored.noFaceClips,
    missingVideos: scored.missingVideos.length,
    modelDir,
    scoresFile,
  };
  await writeFileAtomic(path.join(dir, CELL_FILE), JSON.stringify(result, null, 2) + '\n');
  return result;
}
