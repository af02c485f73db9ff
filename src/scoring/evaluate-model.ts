/**
 * Evaluating a trained model folder on a split's test videos: the one
 * implementation that `vidpad eval` and the experiments' cells call. It
 * checks that the model has a threshold chosen on validation, exports
 * `model.onnx` only when there is none or it is stale, scores every clip on
 * ONNX Runtime (the session closed on every path), and computes the metrics
 * at clip level and at video level against the split's attack types. Callers
 * only write files and print.
 */
import type { ProtocolSplit } from '../data/index.js';
import type { CropCacheLayout } from '../preprocess/index.js';
import { exportModelFolderOnnx, modelOnnxStatus, openModelSession, readModelMeta } from '../models/index.js';
import type { InferencePrecision, ModelMeta, ThresholdSpec } from '../models/index.js';
import { evaluateScores } from '../eval/index.js';
import type { EvaluationReport } from '../eval/index.js';
import { InputError } from '../errors.js';
import { scoreSplit } from './score-split.js';
import type { SplitScores } from './score-split.js';

export interface EvaluateModelOptions {
  modelDir: string;
  /** Its `test` videos are scored; its `testAttackTypes` are the types APCER is reported for. */
  split: ProtocolSplit;
  cache: CropCacheLayout;
  /** model.json when the caller has read it already. */
  meta?: ModelMeta;
  /** Frames between clip starts; default the clip's length (non-overlapping clips). */
  hop?: number;
  /** Which export scores: 'fp32' (model.onnx, made if absent or stale) or 'int8' (model.int8.onnx, which must exist: `vidpad export --quantize int8`). */
  precision?: InferencePrecision;
  /** ONNX Runtime threads; default the cores available. */
  threads?: number;
  batchSize?: number;
  /** Called before a fresh ONNX export is made (none or a stale one in the folder); the export needs a tfjs backend. */
  beforeExport?: () => Promise<void> | void;
  onProgress?: (done: number, total: number) => void;
}

export interface ModelEvaluation {
  modelDir: string;
  meta: ModelMeta;
  /** The split's name, e.g. `SiW P2 fold 3`. */
  split: string;
  /** The model's stored threshold (chosen on validation), applied to every level. */
  threshold: ThresholdSpec;
  /** Whether this call wrote a fresh `model.onnx`. */
  exported: boolean;
  /** What is wrong in the model folder without stopping the scoring (see `openModelSession`); print them. */
  warnings: string[];
  scores: SplitScores;
  /** The paper's level: every clip scored on its own. */
  clip: EvaluationReport;
  /** Each video's score is the mean of its clips'. */
  video: EvaluationReport;
}

/** Scores `split.test` with the model folder on ONNX Runtime and evaluates it at its stored threshold. */
export async function evaluateModelOnSplit(options: EvaluateModelOptions): Promise<ModelEvaluation> {
  const { modelDir, split } = options;
  const meta = options.meta ?? (await readModelMeta(modelDir));
  if (!meta.threshold) throw new InputError(`${modelDir}: model.json has no threshold; train it with 'vidpad train' (which chooses one on validation)`);
  const precision = options.precision ?? 'fp32';
  const status = precision === 'fp32' ? await modelOnnxStatus(modelDir, meta) : null;
  const exported = status !== null && (!status.present || status.matchesModel === false);
  if (exported) {
    await options.beforeExport?.();
    await exportModelFolderOnnx(modelDir);
  }
  const { session, warnings } = await openModelSession(modelDir, { precision, ...(options.threads !== undefined ? { threads: options.threads } : {}) });
  let scores: SplitScores;
  try {
    scores = await scoreSplit({
      session,
      list: split.test,
      cache: options.cache,
      ...(options.hop !== undefined ? { hop: options.hop } : {}),
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  } finally {
    await session.dispose();
  }
  if (scores.rows.length === 0) {
    throw new InputError(`${split.name}: no test clip could be scored (${scores.missingVideos.length} videos missing from the cache, ${scores.noFaceClips} clips without a face)`);
  }
  const threshold = meta.threshold.value;
  const evaluate = (level: 'clip' | 'video') => evaluateScores(scores.rows, { level, threshold, attackTypes: split.testAttackTypes });
  return { modelDir, meta, split: split.name, threshold: meta.threshold, exported, warnings, scores, clip: evaluate('clip'), video: evaluate('video') };
}
