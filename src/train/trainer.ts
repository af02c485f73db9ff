/**
 * The training loop of the paper: Nesterov SGD on balanced batches of
 * augmented clips, the learning rate decayed each epoch, validation loss
 * after each epoch with early stopping, the best epoch's weights kept; then
 * the live prototype and the EER threshold on the validation split, and the
 * model folder. A checkpoint after every epoch makes a killed run resumable
 * bit for bit (same backend).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { tf } from '../engine/index.js';
import type { Tensor1D, Tensor2D, Variable } from '../engine/index.js';
import { ConfigError, InputError } from '../errors.js';
import { createAlexNet2Plus1D, loadFlowNetSWeights, SCRATCH_FLOW_BRANCH } from '../models/index.js';
import type { FlowBranchInfo, NamedTensorData } from '../models/index.js';
import type { AlexNet2Plus1D } from '../models/index.js';
import { saveModelFolder } from '../models/model-files.js';
import type { PrototypeSource } from '../models/model-files.js';
import { writeFileAtomic } from '../io/index.js';
import { createLoss, livePrototypeFor, scoreEmbeddings, ATTACK_LABEL, LIVE_LABEL } from '../losses/index.js';
import type { Loss, PrototypeRule } from '../losses/index.js';
import { childSeed, clipsToBatch, createSeededRandom, planTestClips, planTrainClips } from '../data/index.js';
import type { ProtocolSplit } from '../data/index.js';
import { eerThreshold } from '../eval/index.js';
import type { EerResult, ScoreRow } from '../eval/index.js';
import type { CropCacheLayout } from '../preprocess/index.js';
import { inputContractFor, readCacheSettings } from '../preprocess/contract.js';
import { readCacheCalibrations } from '../preprocess/calibrate.js';
import type { ModelInputContract } from '../models/index.js';
import { resolveTrainConfig } from './config.js';
import type { SelectBy, TrainConfig, TrainConfigInput } from './config.js';
import { makeBatches, shuffled } from './batches.js';
import { cachedSplitVideos, createCropReader, labelClips, loadClipPixels } from '../preprocess/index.js';
import type { CachedVideo, CropReader, LabeledClip } from '../preprocess/index.js';
import { TRAINING_SUBDIR, claimTrainOutput } from './out-dir.js';
import { BEST_FILE, CHECKPOINT_FILE, checkResumeSettings, collectWeights, weightVariables, hasCheckpoint, readBestWeights, readCheckpoint, restoreWeights, writeBestWeights, writeCheckpoint } from './checkpoint.js';
import { createMomentumSgd } from './momentum-sgd.js';
import type { MomentumSgd } from './momentum-sgd.js';
import type { EpochRecord, LoopState } from './checkpoint.js';
import { createWeightAverage } from './weight-average.js';
import type { WeightAverage } from './weight-average.js';
import { formatTrainingLog, TRAINING_LOG_FILE } from './training-log.js';

export interface TrainProgress {
  phase: 'train' | 'validate';
  epoch: number;
  maxEpochs: number;
  batch: number;
  batches: number;
  /** Mean training loss of the epoch so far. */
  loss: number;
  clipsPerSec: number;
}

export interface TrainRunOptions {
  split: ProtocolSplit;
  cache: CropCacheLayout;
  config?: TrainConfigInput;
  /** The model folder; training state goes in its `training/` subfolder. */
  outDir: string;
  /** Continue from `outDir`'s checkpoint. Without it, an existing checkpoint is an error. */
  resume?: boolean;
  /** Replace the model or checkpoint already in `outDir`, or write into a folder vidpad did not make (see out-dir.ts). */
  overwrite?: boolean;
  /** Return after this many epochs of this call, without the final model (for tests and time-boxed jobs). */
  stopAfterEpochs?: number;
  provenance?: { dataset?: string | null; protocol?: string | null; fold?: number | null };
  onProgress?: (p: TrainProgress) => void;
  onEpoch?: (r: EpochRecord) => void;
}

export interface TrainResult {
  /** Null when stopped by `stopAfterEpochs` before the end. */
  modelDir: string | null;
  config: Readonly<TrainConfig>;
  history: EpochRecord[];
  bestEpoch: number | null;
  stopReason: LoopState['stopReason'];
  threshold: EerResult | null;
  /** Split videos absent from the cache. */
  missingVideos: string[];
  /** Clips left out because a frame had no face. */
  noFaceClips: number;
  seconds: number;
}

export { TRAINING_SUBDIR };

/** The losses' class index of a clip: LIVE_LABEL or ATTACK_LABEL. */
const labelOf = (c: LabeledClip): number => (c.label === 'live' ? LIVE_LABEL : ATTACK_LABEL);

/** Validation clips: up to k per video, evenly spread, fixed for the whole run, mixed so pair losses see both classes per batch. */
function planValidation(videos: readonly CachedVideo[], config: Readonly<TrainConfig>): LabeledClip[] {
  const all = planTestClips(videos, config.clip).clips;
  const byVideo = new Map<string, typeof all>();
  for (const c of all) byVideo.set(c.videoId, [...(byVideo.get(c.videoId) ?? []), c]);
  const picked = [...byVideo.values()].flatMap((list) => {
    const k = Math.min(config.valClipsPerVideo, list.length);
    return Array.from({ length: k }, (_, i) => list[k === 1 ? 0 : Math.round((i * (list.length - 1)) / (k - 1))]!);
  });
  return shuffled(labelClips(videos, picked).clips, createSeededRandom(childSeed(config.seed, 'validation')));
}

interface EmbeddingPass {
  embeddings: Float32Array;
  labels: Int32Array;
  meanLoss: number;
}

/** Embeddings (and, with a loss, its mean) of clips in batches, no augmentation, no dropout. */
async function embedClips(model: AlexNet2Plus1D, loss: Loss | null, reader: CropReader, clips: readonly LabeledClip[], batchSize: number): Promise<EmbeddingPass> {
  const d = model.plan.config.embeddingSize;
  const embeddings = new Float32Array(clips.length * d);
  const labels = Int32Array.from(clips, labelOf);
  let lossSum = 0;
  for (let i = 0; i < clips.length; i += batchSize) {
    const batch = clips.slice(i, i + batchSize);
    const x = clipsToBatch(await loadClipPixels(reader, batch, null));
    const y = tf.tensor1d(labels.subarray(i, i + batch.length), 'int32');
    try {
      const [emb, l] = tf.tidy(() => {
        const e = model.forward(x);
        return [e.dataSync() as Float32Array, loss ? loss.compute(e, y).dataSync()[0]! : 0];
      });
      embeddings.set(emb, i * d);
      lossSum += l * batch.length;
    } finally {
      tf.dispose([x, y]);
    }
  }
  return { embeddings, labels, meanLoss: clips.length > 0 ? lossSum / clips.length : NaN };
}

/** The live prototype by the loss's rule; `pass` holds the live training embeddings the `live-mean` rule averages. */
function livePrototype(loss: Loss, pass: EmbeddingPass | null, d: number): Float32Array {
  return tf.tidy(() =>
    livePrototypeFor(loss, pass ? { embeddings: tf.tensor2d(pass.embeddings, [pass.labels.length, d]) as Tensor2D, labels: tf.tensor1d(pass.labels, 'int32') as Tensor1D } : undefined),
  );
}

function scoreRows(pass: EmbeddingPass, clips: readonly LabeledClip[], prototype: Float32Array, d: number): ScoreRow[] {
  const scores = tf.tidy(() => scoreEmbeddings(tf.tensor2d(pass.embeddings, [clips.length, d]) as Tensor2D, prototype));
  return clips.map((c, i) => ({ label: c.label === 'live' ? 'live' : 'attack', attackType: c.attackType ?? '', liveScore: scores[i]!, video: c.videoId }));
}

/** The EER on validation rows, or null where one class is missing. */
function safeEer(rows: ScoreRow[]): EerResult | null {
  return rows.some((r) => r.label === 'live') && rows.some((r) => r.label === 'attack') ? eerThreshold(rows, 'validation scores') : null;
}

function freshState(configJson: string): LoopState {
  return { epochsDone: 0, bestValLoss: null, bestEpoch: null, epochsWithoutImprovement: 0, stopReason: null, history: [], configJson };
}

/** What the loop reads from the crop cache: fixed for the whole run. */
interface TrainingData {
  reader: CropReader;
  train: { videos: CachedVideo[]; missing: string[] };
  val: { videos: CachedVideo[]; missing: string[] };
  /** Fixed validation clips (see planValidation). */
  valClips: LabeledClip[];
  /** Live training clips the `live-mean` prototype averages. */
  prototypeClips: LabeledClip[];
}

/** The things a run builds and must dispose. */
interface TrainingRun {
  model: AlexNet2Plus1D;
  loss: Loss;
  optimizer: MomentumSgd;
  /** The network's and the loss's variables, in a fixed order (the optimizer's velocity follows it). */
  variables: Variable[];
  flowInfo: FlowBranchInfo | null;
  /** The weights' moving average (config.emaDecay > 0), made by resumeOrStart. */
  average: WeightAverage | null;
}

/** Step 1: the training folder (see out-dir.ts): an existing checkpoint needs `resume`, a model or a foreign folder `overwrite`. */
async function prepareTrainingDir(options: TrainRunOptions): Promise<string> {
  const trainingDir = path.join(options.outDir, TRAINING_SUBDIR);
  // The folder must be new, empty or vidpad's own, and a model or checkpoint in it is replaced only on request.
  await claimTrainOutput(options.outDir, { resume: options.resume ?? false, overwrite: options.overwrite ?? false });
  await mkdir(trainingDir, { recursive: true });
  return trainingDir;
}

/** Step 2: the split's videos in the cache, checked against the model's input size, and the fixed clip plans. */
async function loadTrainingData(options: TrainRunOptions, config: Readonly<TrainConfig>): Promise<TrainingData> {
  const reader = createCropReader(options.cache);
  const train = await cachedSplitVideos(options.split.train, options.cache, reader);
  const val = await cachedSplitVideos(options.split.val, options.cache, reader);
  if (train.videos.length === 0) throw new InputError(`${options.split.name}: none of the ${options.split.train.length} training videos is in the crop cache ${options.cache.root}; run 'vidpad preprocess' first`);
  if (val.videos.length === 0) throw new InputError(`${options.split.name}: none of the ${options.split.val.length} validation videos is in the crop cache ${options.cache.root}`);
  const cropSize = (await reader.read(train.videos[0]!.id)).meta.cropSizePx;
  if (cropSize !== config.model.inputSize) {
    throw new ConfigError('train.model.inputSize', `${config.model.inputSize} differs from the cached crops' size ${cropSize} (preprocess with --size ${config.model.inputSize}, or train with that size)`);
  }
  const prototypeClips = labelClips(train.videos, planTrainClips(train.videos, config.clip, 1, config.seed, 0).clips).clips.filter((c) => c.label === 'live').slice(0, config.prototypeClips);
  return { reader, train, val, valClips: planValidation(val.videos, config), prototypeClips };
}

/** Step 3: network (with pretrained flow weights when given), loss and optimizer. */
async function createTrainingRun(config: Readonly<TrainConfig>): Promise<TrainingRun> {
  const model = createAlexNet2Plus1D({ ...config.model, seed: config.seed });
  try {
    const flowInfo: FlowBranchInfo | null = !model.flowBranch ? null : config.flowWeights ? (await loadFlowNetSWeights(model.flowBranch, config.flowWeights)).info : SCRATCH_FLOW_BRANCH;
    const loss = createLoss(config.loss, { ...config.lossConfig, embeddingSize: config.model.embeddingSize, seed: config.seed });
    const optimizer = createMomentumSgd({ learningRate: config.learningRate, momentum: config.momentum, nesterov: config.nesterov, weightDecay: config.weightDecay });
    return { model, loss, optimizer, variables: [...model.variables.values(), ...loss.variables.values()], flowInfo, average: null };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

function disposeTrainingRun(run: TrainingRun): void {
  run.average?.dispose();
  run.optimizer.dispose();
  run.loss.dispose();
  run.model.dispose();
}

/** Settings newer than some checkpoints: a checkpoint without one was made with this value. */
const FIELDS_ADDED_LATER: Readonly<Partial<TrainConfig>> = { weightDecay: 0, emaDecay: 0 };

/**
 * Step 4: a fresh loop state, or the checkpoint's weights, optimizer state,
 * weight average and loop state (same settings only).
 */
async function resumeOrStart(run: TrainingRun, trainingDir: string, config: Readonly<TrainConfig>, configJson: string, resume: boolean): Promise<LoopState> {
  if (config.emaDecay > 0) run.average = createWeightAverage(weightVariables(run.model.state, run.loss.variables), config.emaDecay);
  if (!resume || !hasCheckpoint(trainingDir)) return freshState(configJson);
  const ckpt = await readCheckpoint(trainingDir);
  const file = path.join(trainingDir, CHECKPOINT_FILE);
  checkResumeSettings(file, 'train', { ...FIELDS_ADDED_LATER, ...(JSON.parse(ckpt.state.configJson) as object) }, JSON.parse(configJson));
  restoreWeights(ckpt.weights, run.model.state, run.loss.variables, file);
  run.optimizer.restoreSlots(ckpt.optimizerSlots, file);
  run.average?.restore(ckpt.weights, file);
  return ckpt.state;
}

interface EpochTraining {
  learningRate: number;
  meanLoss: number;
  clips: number;
  seconds: number;
  noFaceClips: number;
}

/**
 * The learning rate of step `step` (from 0, counted over the whole run) under
 * a linear warm-up of `warmupSteps` steps: `learningRate`·(step + 1)/warmupSteps,
 * then `learningRate` itself. The step is counted as epoch × this epoch's
 * batch count + batch (epochs differ by a batch at most, where clips with a
 * frame without a face drop out), so a resumed run ramps exactly alike.
 */
export function warmupLearningRate(learningRate: number, step: number, warmupSteps: number): number {
  return warmupSteps > 0 && step < warmupSteps ? (learningRate * (step + 1)) / warmupSteps : learningRate;
}

/** Step 5a: one epoch of optimizer steps over freshly drawn, augmented, balanced batches. */
async function trainEpoch(run: TrainingRun, data: TrainingData, config: Readonly<TrainConfig>, epoch: number, onProgress: TrainRunOptions['onProgress']): Promise<EpochTraining> {
  const t0 = performance.now();
  const learningRate = config.learningRate * config.lrDecayPerEpoch ** epoch;
  run.optimizer.setLearningRate(learningRate);
  const planned = labelClips(data.train.videos, planTrainClips(data.train.videos, config.clip, config.clipsPerVideo, config.seed, epoch).clips);
  const batches = makeBatches(planned.clips, config.batchSize, config.balance, config.seed, epoch);
  let lossSum = 0;
  let clips = 0;
  for (const [b, batch] of batches.entries()) {
    if (config.warmupSteps > 0) run.optimizer.setLearningRate(warmupLearningRate(learningRate, epoch * batches.length + b, config.warmupSteps));
    const pixels = await loadClipPixels(data.reader, batch, { config: config.augment, seed: config.seed, epoch, batch: b });
    const x = clipsToBatch(pixels);
    const y = tf.tensor1d(batch.map(labelOf), 'int32');
    let value: number;
    try {
      const dropoutSeed = childSeed(config.seed, 'dropout', epoch, b);
      value = run.optimizer.minimize(() => run.loss.compute(run.model.forward(x, { training: true, seed: dropoutSeed }), y), run.variables);
    } finally {
      tf.dispose([x, y]);
    }
    if (!Number.isFinite(value)) throw new InputError(`training diverged at epoch ${epoch + 1}, batch ${b + 1}: loss ${value}; try a lower learning rate`);
    run.average?.update();
    lossSum += value * batch.length;
    clips += batch.length;
    const sec = (performance.now() - t0) / 1e3;
    onProgress?.({ phase: 'train', epoch, maxEpochs: config.maxEpochs, batch: b + 1, batches: batches.length, loss: lossSum / clips, clipsPerSec: clips / sec });
  }
  const seconds = (performance.now() - t0) / 1e3;
  onProgress?.({ phase: 'validate', epoch, maxEpochs: config.maxEpochs, batch: batches.length, batches: batches.length, loss: lossSum / clips, clipsPerSec: clips / seconds });
  return { learningRate, meanLoss: lossSum / clips, clips, seconds, noFaceClips: planned.noFace };
}

interface EpochValidation {
  valLoss: number;
  valEer: number | null;
  /** The weights validated (the average's, with one): what best.safetensors keeps if the epoch is the best. */
  weights: Map<string, NamedTensorData>;
}

/** Step 5b: validation of the epoch's weights, or of their moving average with one. */
async function validateEpoch(run: TrainingRun, data: TrainingData, config: Readonly<TrainConfig>): Promise<EpochValidation> {
  const validate = async (): Promise<EpochValidation> => ({ ...(await validationFigures(run, data, config)), weights: collectWeights(run.model.state, run.loss.variables) });
  return run.average ? run.average.withAverage(validate) : validate();
}

/** Validation loss, and the validation EER against the current weights' live prototype. */
async function validationFigures(run: TrainingRun, data: TrainingData, config: Readonly<TrainConfig>): Promise<{ valLoss: number; valEer: number | null }> {
  const d = config.model.embeddingSize;
  const valPass = await embedClips(run.model, run.loss, data.reader, data.valClips, config.batchSize);
  const protoPass = run.loss.prototypeRule === 'live-mean' ? await embedClips(run.model, null, data.reader, data.prototypeClips, config.batchSize) : null;
  const valEer = safeEer(scoreRows(valPass, data.valClips, livePrototype(run.loss, protoPass, d), d));
  return { valLoss: valPass.meanLoss, valEer: valEer?.eer ?? null };
}

/**
 * Whether an epoch's validation figures beat the kept epoch's (`best`, null
 * before the first): by EER (ties and missing EERs by loss) or by loss.
 */
export function isBetterEpoch(selectBy: SelectBy, epoch: { valLoss: number; valEer: number | null }, best: { valLoss: number; valEer: number | null } | null): boolean {
  if (best === null) return true;
  if (selectBy === 'val-eer' && epoch.valEer !== null && best.valEer !== null && epoch.valEer !== best.valEer) return epoch.valEer < best.valEer;
  return epoch.valLoss < best.valLoss;
}

/**
 * Step 5c: the epoch's record, the best weights when the `selectBy` figure
 * improved, the stop decision, then the checkpoint and the log (each
 * atomic), so a kill after this point resumes at the next epoch.
 */
async function recordEpoch(run: TrainingRun, trainingDir: string, config: Readonly<TrainConfig>, state: LoopState, trained: EpochTraining, validated: EpochValidation, startedMs: number): Promise<{ state: LoopState; record: EpochRecord }> {
  const epoch = state.epochsDone;
  const improved = isBetterEpoch(config.selectBy, validated, state.bestEpoch === null ? null : state.history[state.bestEpoch - 1]!);
  const record: EpochRecord = {
    epoch: epoch + 1,
    learningRate: trained.learningRate,
    trainLoss: trained.meanLoss,
    valLoss: validated.valLoss,
    valEer: validated.valEer,
    trainClips: trained.clips,
    seconds: (performance.now() - startedMs) / 1e3,
    clipsPerSec: trained.clips / trained.seconds,
    improved,
  };
  if (improved) await writeBestWeights(trainingDir, validated.weights, epoch + 1);
  // The checkpoint holds the trained weights (the optimizer goes on from them; without an average they are the ones validated) and the average beside them.
  const weights = run.average ? new Map([...collectWeights(run.model.state, run.loss.variables), ...run.average.slots()]) : validated.weights;
  const next: LoopState = {
    ...state,
    epochsDone: epoch + 1,
    bestValLoss: improved ? validated.valLoss : state.bestValLoss,
    bestEpoch: improved ? epoch + 1 : state.bestEpoch,
    epochsWithoutImprovement: improved ? 0 : state.epochsWithoutImprovement + 1,
    history: [...state.history, record],
  };
  if (next.epochsWithoutImprovement >= config.patienceEpochs) next.stopReason = 'early-stop';
  else if (next.epochsDone >= config.maxEpochs) next.stopReason = 'max-epochs';
  const slots = run.optimizer.slots();
  try {
    await writeCheckpoint(trainingDir, weights, slots, next);
  } finally {
    // The first slot (the step count) is a fresh tensor; the rest are the optimizer's own variables.
    slots[0]?.dispose();
  }
  await writeFileAtomic(path.join(trainingDir, TRAINING_LOG_FILE), formatTrainingLog(next.history));
  return { state: next, record };
}

/**
 * The input contract to record: the crop cache's own settings (its
 * config.json, written by preprocessing) and the clip layout trained on.
 * A cache without settings (made by hand, as in some tests) records none.
 */
async function recordedContract(cache: CropCacheLayout, config: Readonly<TrainConfig>): Promise<ModelInputContract | null> {
  let settings;
  try {
    settings = await readCacheSettings(cache);
  } catch {
    return null;
  }
  return inputContractFor(settings.config, settings.detector, config.clip, { calibrations: (await readCacheCalibrations(cache)) ?? [] });
}

/** A cross-entropy loss's linear head, kept in the model folder for Grad-CAM's live-logit target. */
function linearHead(loss: Loss): { weight: Float32Array; bias: Float32Array; classes: number } | null {
  const weight = loss.variables.get('loss.head.weight');
  const bias = loss.variables.get('loss.head.bias');
  if (!weight || !bias) return null;
  return { weight: weight.dataSync() as Float32Array, bias: bias.dataSync() as Float32Array, classes: bias.shape[0]! };
}

/** How model.json names where a loss's prototype came from. */
const PROTOTYPE_SOURCE_OF_RULE: Readonly<Record<PrototypeRule, PrototypeSource>> = { 'class-weight': 'class-weight', 'head-direction': 'head-direction', 'live-mean': 'mean-live-embedding' };

/** Step 6: the best epoch's weights, its live prototype, the threshold chosen on validation only, and the model folder. */
async function finishModel(run: TrainingRun, data: TrainingData, config: Readonly<TrainConfig>, configJson: string, trainingDir: string, state: LoopState, options: TrainRunOptions): Promise<EerResult> {
  const { model, loss } = run;
  const d = config.model.embeddingSize;
  restoreWeights(await readBestWeights(trainingDir), model.state, loss.variables, path.join(trainingDir, BEST_FILE));
  const protoPass = loss.prototypeRule === 'live-mean' ? await embedClips(model, null, data.reader, data.prototypeClips, config.batchSize) : null;
  const prototype = livePrototype(loss, protoPass, d);
  const valRows = scoreRows(await embedClips(model, null, data.reader, data.valClips, config.batchSize), data.valClips, prototype, d);
  const threshold = safeEer(valRows);
  if (!threshold) throw new InputError(`${options.split.name}: the validation clips need both live and attack presentations to choose a threshold`);
  await saveModelFolder(options.outDir, {
    model,
    meta: {
      liveScore: { prototype, source: PROTOTYPE_SOURCE_OF_RULE[loss.prototypeRule] },
      loss: config.loss,
      threshold: { value: threshold.threshold, chosenOn: 'val', rule: 'eer' },
      contract: await recordedContract(options.cache, config),
      head: linearHead(loss),
      training: {
        dataset: options.provenance?.dataset ?? options.split.dataset,
        protocol: options.provenance?.protocol ?? options.split.protocol,
        fold: options.provenance?.fold ?? options.split.fold,
        seed: config.seed,
        epochs: state.epochsDone,
      },
      extra: { split: options.split.name, ...(run.flowInfo ? { flowBranch: run.flowInfo } : {}), bestEpoch: state.bestEpoch, stopReason: state.stopReason, valEer: threshold.eer, trainConfig: JSON.parse(configJson) as unknown },
    },
  });
  return threshold;
}

/**
 * Trains on `options.split` from the crop cache and writes the model folder:
 * prepare the folder, load the data, build the run, resume or start, then per
 * epoch train, validate and record (checkpoint), until early stop or the last
 * epoch; finally the best epoch's model with its prototype and threshold.
 */
export async function trainModel(options: TrainRunOptions): Promise<TrainResult> {
  const t0 = performance.now();
  const config = resolveTrainConfig(options.config);
  const configJson = JSON.stringify(config);
  const trainingDir = await prepareTrainingDir(options);
  const data = await loadTrainingData(options, config);
  const missingVideos = () => [...data.train.missing, ...data.val.missing];
  const run = await createTrainingRun(config);
  try {
    let state = await resumeOrStart(run, trainingDir, config, configJson, options.resume ?? false);
    let noFaceClips = 0;
    let epochsThisCall = 0;
    while (state.stopReason === null) {
      const startedMs = performance.now();
      const trained = await trainEpoch(run, data, config, state.epochsDone, options.onProgress);
      noFaceClips = trained.noFaceClips;
      const validated = await validateEpoch(run, data, config);
      const recorded = await recordEpoch(run, trainingDir, config, state, trained, validated, startedMs);
      state = recorded.state;
      options.onEpoch?.(recorded.record);
      epochsThisCall += 1;
      if (state.stopReason === null && options.stopAfterEpochs !== undefined && epochsThisCall >= options.stopAfterEpochs) {
        return { modelDir: null, config, history: state.history, bestEpoch: state.bestEpoch, stopReason: null, threshold: null, missingVideos: missingVideos(), noFaceClips, seconds: (performance.now() - t0) / 1e3 };
      }
    }
    const threshold = await finishModel(run, data, config, configJson, trainingDir, state, options);
    return { modelDir: options.outDir, config, history: state.history, bestEpoch: state.bestEpoch, stopReason: state.stopReason, threshold, missingVideos: missingVideos(), noFaceClips, seconds: (performance.now() - t0) / 1e3 };
  } finally {
    disposeTrainingRun(run);
  }
}
