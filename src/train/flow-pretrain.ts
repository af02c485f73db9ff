/**
 * Supervised optical-flow pretraining of FlowNetS on flying shapes, the
 * stand-in for the paper's Flying Chairs pretraining: encoder + decoder,
 * the multi-scale endpoint-error loss of Dosovitskiy et al. (per-scale
 * weights 0.005, 0.01, 0.02, 0.08, 0.32 from flow2 to flow6; targets divided
 * by 20 and area-downsampled to each scale; per-pixel EPE summed over the
 * image and averaged over the batch, as the PyTorch reference does), Adam.
 *
 * Frames are standardised per frame by `standardizeFrameValues`, the very
 * function that standardises the PAD model's clips, so the encoder pretrains
 * on the input distribution the branch will see. A run is resumable: model
 * and Adam state are checkpointed atomically every `checkpointEvery` steps,
 * and the data of step s is a pure function of (seed, s), so a resumed run
 * computes what an unbroken one would.
 * The held-out set has a fixed seed, independent of the run's.
 */
import { createHash } from 'node:crypto';
import { mkdir, access } from 'node:fs/promises';
import path from 'node:path';
import { tf } from '../engine/tf.js';
import type { Tensor, Tensor4D, Variable } from '../engine/tf.js';
import { childSeed, standardizeFrameValues } from '../data/index.js';
import { ConfigError, InputError, ShapeError } from '../errors.js';
import { checkNumber, checkWhole } from '../config-checks.js';
import { createFlowNetS, FLOWNETS_METADATA, saveFlowNetSWeights } from '../models/index.js';
import type { FlowNetS } from '../models/index.js';
import { assignVariables, checkResumeSettings, putVariables, readCheckpointFile, writeCheckpointFile } from './checkpoint.js';
import { generateFlyingShapes } from '../synth/index.js';
import { writeFileAtomic } from '../io/index.js';

type Scalar = tf.Scalar;

export interface FlowPretrainConfig {
  /** Frame side in pixels; a multiple of 64, so every FlowNetS scale is whole. */
  sizePx: number;
  widthMultiplier: number;
  batchSize: number;
  /** Total optimiser steps of the run (a resumed run may raise it). */
  steps: number;
  seed: number;
  learningRate: number;
  adamBeta1: number;
  adamBeta2: number;
  adamEpsilon: number;
  /** Flow targets are divided by this (FlowNet's `div_flow`), keeping the regression targets near unit scale. */
  divFlow: number;
  /** Loss weights of flow2 … flow6, finest first. */
  scaleWeights: readonly number[];
  /** Held-out pairs for the endpoint error. */
  heldOutSize: number;
  /** Steps between checkpoints (a run also checkpoints when it ends). */
  checkpointEvery: number;
}

export const DEFAULT_FLOW_PRETRAIN_CONFIG: Readonly<FlowPretrainConfig> = Object.freeze({
  sizePx: 64,
  widthMultiplier: 0.25,
  batchSize: 8,
  steps: 300,
  seed: 0,
  learningRate: 1e-3,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEpsilon: 1e-8,
  divFlow: 20,
  scaleWeights: Object.freeze([0.005, 0.01, 0.02, 0.08, 0.32]),
  heldOutSize: 64,
  checkpointEvery: 50,
});

/** The held-out stream's seed: fixed, so EPEs of runs with different seeds compare. */
export const FLOW_HELD_OUT_SEED = 20151207;
const FLOW_SCALES = 5;

/** Validates a partial config against the defaults; errors name the field (`pretrainFlow.<field>`). */
export function resolveFlowPretrainConfig(partial: Partial<FlowPretrainConfig> = {}): Readonly<FlowPretrainConfig> {
  const c = { ...DEFAULT_FLOW_PRETRAIN_CONFIG, ...partial };
  const at = (field: string) => `pretrainFlow.${field}`;
  if (checkWhole(at('sizePx'), c.sizePx, 64) % 64 !== 0) throw new ConfigError(at('sizePx'), `expected a multiple of 64 (64, 128, …), got ${c.sizePx}`);
  checkNumber(at('widthMultiplier'), c.widthMultiplier, { min: 0, max: 4, minExclusive: true });
  checkWhole(at('batchSize'), c.batchSize, 1);
  checkWhole(at('steps'), c.steps, 0);
  checkWhole(at('seed'), c.seed, 0);
  checkNumber(at('learningRate'), c.learningRate, { min: 0, minExclusive: true });
  checkNumber(at('adamBeta1'), c.adamBeta1, { min: 0, max: 1, maxExclusive: true });
  checkNumber(at('adamBeta2'), c.adamBeta2, { min: 0, max: 1, maxExclusive: true });
  checkNumber(at('adamEpsilon'), c.adamEpsilon, { min: 0, minExclusive: true });
  checkNumber(at('divFlow'), c.divFlow, { min: 0, minExclusive: true });
  if (!Array.isArray(c.scaleWeights) || c.scaleWeights.length !== FLOW_SCALES) {
    throw new ConfigError(at('scaleWeights'), `expected ${FLOW_SCALES} numbers >= 0 (flow2 … flow6), got ${JSON.stringify(c.scaleWeights)}`);
  }
  c.scaleWeights.forEach((w, i) => checkNumber(at(`scaleWeights[${i}]`), w, { min: 0 }));
  checkWhole(at('heldOutSize'), c.heldOutSize, 1);
  checkWhole(at('checkpointEvery'), c.checkpointEvery, 1);
  return Object.freeze({ ...c, scaleWeights: Object.freeze([...c.scaleWeights]) });
}

/** A batch of frame pairs and their flows. */
export interface FlowBatch {
  /** `[B, H, W, 6]`: frame 1 then frame 2, each standardised. */
  pairs: Tensor4D;
  /** `[B, H, W, 2]`: ground-truth flow in pixels. */
  flow: Tensor4D;
}

/** Samples `start … start+count-1` of the flying-shapes stream `seed`, as tensors. */
export function flyingShapesBatch(seed: number, start: number, count: number, sizePx: number): FlowBatch {
  const n = sizePx;
  const f1 = new Float32Array(count * n * n * 3);
  const f2 = new Float32Array(count * n * n * 3);
  const flow = new Float32Array(count * n * n * 2);
  for (let i = 0; i < count; i++) {
    const s = generateFlyingShapes(seed, start + i, { sizePx: n });
    f1.set(s.frame1, i * n * n * 3);
    f2.set(s.frame2, i * n * n * 3);
    flow.set(s.flow, i * n * n * 2);
  }
  return tf.tidy(() => ({
    pairs: tf.concat([tf.tensor4d(standardizeFrameValues(f1, n * n * 3), [count, n, n, 3]), tf.tensor4d(standardizeFrameValues(f2, n * n * 3), [count, n, n, 3])], 3) as Tensor4D,
    flow: tf.tensor4d(flow, [count, n, n, 2]),
  }));
}

/** Per-pixel endpoint error `[B, h, w]`; a tiny epsilon keeps the gradient finite where the error is 0. */
function endpointError(a: Tensor4D, b: Tensor4D): Tensor {
  return tf.sqrt(tf.add(tf.sum(tf.square(tf.sub(a, b)), 3), 1e-12));
}

/**
 * FlowNet's multi-scale loss: for each prediction (finest first), the target
 * (already divided by divFlow) area-averaged to its size, the per-pixel EPE
 * summed over the image, averaged over the batch, weighted and summed.
 */
export function multiScaleEpeLoss(flows: readonly Tensor4D[], scaledTarget: Tensor4D, weights: readonly number[]): Scalar {
  if (flows.length !== weights.length) throw new ShapeError(`multiScaleEpeLoss: ${flows.length} predictions but ${weights.length} weights`);
  return tf.tidy(() => {
    const [b, h, w] = scaledTarget.shape;
    let total: Tensor = tf.scalar(0);
    flows.forEach((flow, i) => {
      const [, fh, fw] = flow.shape;
      if (h % fh !== 0 || w % fw !== 0 || h / fh !== w / fw) {
        throw new ShapeError(`multiScaleEpeLoss: prediction ${i} is ${fh}×${fw}, not a whole fraction of the ${h}×${w} target`);
      }
      const factor = h / fh;
      const target = factor === 1 ? scaledTarget : (tf.avgPool(scaledTarget, factor, factor, 'valid') as Tensor4D);
      total = tf.add(total, tf.mul(tf.div(tf.sum(endpointError(flow, target)), b), weights[i]!));
    });
    return total as Scalar;
  });
}

/** flow2 `[B, H/4, W/4, 2]` (divided by divFlow) → full-resolution flow in pixels, bilinear as PyTorch's `align_corners=False`. */
export function upsampleFlow(flow2: Tensor4D, sizePx: number, divFlow: number): Tensor4D {
  return tf.tidy(() => tf.mul(tf.image.resizeBilinear(flow2, [sizePx, sizePx], false, true), divFlow) as Tensor4D);
}

export interface FlowEpe {
  /** Mean endpoint error per pixel of the network's full-resolution flow. */
  epe: number;
  /** The same for a prediction of zero flow: the mean flow magnitude. */
  zeroFlowEpe: number;
  pairs: number;
}

/** Average endpoint error of `model` on `batches` (full resolution, every pixel). */
export function evaluateFlowEpe(model: FlowNetS, batches: readonly FlowBatch[], divFlow: number): FlowEpe {
  let sum = 0;
  let zero = 0;
  let pixels = 0;
  let pairs = 0;
  for (const batch of batches) {
    const [b, h, w] = batch.flow.shape;
    const [e, z] = tf.tidy(() => {
      const flows = model.forwardFlow(batch.pairs);
      const full = upsampleFlow(flows[0]!, h, divFlow);
      return [tf.sum(endpointError(full, batch.flow)).dataSync()[0]!, tf.sum(tf.norm(batch.flow, 'euclidean', 3)).dataSync()[0]!];
    });
    sum += e!;
    zero += z!;
    pixels += b * h * w;
    pairs += b;
  }
  return { epe: sum / pixels, zeroFlowEpe: zero / pixels, pairs };
}

/** Adam with its state in named variables, so a checkpoint can hold it. */
export interface AdamState {
  m: Map<string, Variable>;
  v: Map<string, Variable>;
  dispose(): void;
}

/** Zeroed Adam moments for every parameter. */
export function createAdamState(params: ReadonlyMap<string, Variable>): AdamState {
  const m = new Map<string, Variable>();
  const v = new Map<string, Variable>();
  for (const [name, p] of params) {
    m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
  }
  return { m, v, dispose: () => [...m.values(), ...v.values()].forEach((t) => t.dispose()) };
}

/**
 * One optimiser step on `batch` (step number `t` counts from 1 for Adam's
 * bias correction); returns the loss before the update.
 */
export function flowTrainStep(model: FlowNetS, adam: AdamState, batch: FlowBatch, config: Readonly<FlowPretrainConfig>, t: number): number {
  const names = [...model.variables.keys()];
  const list = names.map((n) => model.variables.get(n)!);
  return tf.tidy(() => {
    const target = tf.div(batch.flow, config.divFlow) as Tensor4D;
    const { value, grads } = tf.variableGrads(() => multiScaleEpeLoss(model.forwardFlow(batch.pairs), target, config.scaleWeights), list);
    const { adamBeta1: b1, adamBeta2: b2 } = config;
    const stepSize = (config.learningRate * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    names.forEach((name, i) => {
      const p = list[i]!;
      const g = grads[p.name];
      if (!g) throw new Error(`internal: no gradient for ${name}`);
      const m = adam.m.get(name)!;
      const v = adam.v.get(name)!;
      m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
      v.assign(tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2)));
      p.assign(tf.sub(p, tf.mul(tf.div(m, tf.add(tf.sqrt(v), config.adamEpsilon)), stepSize)));
    });
    return value.dataSync()[0]!;
  });
}

export interface FlowPretrainProgress {
  step: number;
  steps: number;
  loss: number;
  /** The step this run resumed from (0 for a fresh run), so rates count this run's steps only. */
  resumedFrom: number;
}

export interface FlowPretrainOptions {
  outDir: string;
  config?: Partial<FlowPretrainConfig>;
  /** Continue from `outDir/checkpoint.safetensors` when it exists. */
  resume?: boolean;
  /** Called once before the first step of this run (after any resume), so rates can be timed from there. */
  onStart?: (p: { resumedFrom: number; steps: number }) => void;
  onProgress?: (p: FlowPretrainProgress) => void;
  /** One-line notes (held-out EPE, checkpoints). */
  onLog?: (line: string) => void;
}

export interface FlowPretrainResult {
  config: Readonly<FlowPretrainConfig>;
  runId: string;
  steps: number;
  resumedFromStep: number;
  epe: { zeroFlow: number; start: number; end: number; heldOutPairs: number; heldOutSeed: number };
  /** Loss of every step, first to last (across resumes). */
  losses: number[];
  trainSeconds: number;
  files: { encoder: string; full: string; report: string; checkpoint: string };
}

export const FLOW_PRETRAIN_FILES = Object.freeze({
  encoder: 'flownets-encoder.safetensors',
  full: 'flownets.safetensors',
  report: 'pretrain.json',
  checkpoint: 'checkpoint.safetensors',
});

const CHECKPOINT_STATE_KEY = 'vidpad.pretrainFlow.state';
/** Config fields a resumed run may change without changing what it computes. */
const RESUMABLE_FIELDS: ReadonlySet<string> = new Set(['steps', 'checkpointEvery']);

interface CheckpointState {
  step: number;
  config: FlowPretrainConfig;
  zeroFlowEpe: number;
  startEpe: number;
  losses: number[];
  trainSeconds: number;
}

/** A short stable id of what a run computes: its config (less the resumable fields) and its step count. */
export function flowPretrainRunId(config: Readonly<FlowPretrainConfig>, steps: number): string {
  const fixed = Object.fromEntries(Object.entries(config).filter(([k]) => !RESUMABLE_FIELDS.has(k)));
  return `${createHash('sha256').update(JSON.stringify(fixed)).digest('hex').slice(0, 12)}-step${steps}`;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

async function writeCheckpoint(file: string, model: FlowNetS, adam: AdamState, state: CheckpointState): Promise<void> {
  const tensors = putVariables(putVariables(putVariables(new Map(), model.variables, 'model/'), adam.m, 'adam.m/'), adam.v, 'adam.v/');
  await writeCheckpointFile(file, tensors, state, CHECKPOINT_STATE_KEY);
}

async function readCheckpoint(file: string, model: FlowNetS, adam: AdamState, config: Readonly<FlowPretrainConfig>): Promise<CheckpointState> {
  const { tensors, state } = await readCheckpointFile<CheckpointState>(file, CHECKPOINT_STATE_KEY, 'pretrain-flow');
  checkResumeSettings(file, 'pretrainFlow', state.config, config, RESUMABLE_FIELDS);
  assignVariables(tensors, model.variables, 'model/', file);
  assignVariables(tensors, adam.m, 'adam.m/', file);
  assignVariables(tensors, adam.v, 'adam.v/', file);
  return state;
}

/**
 * Runs (or resumes) flow pretraining into `outDir`: checkpoints, then
 * `flownets-encoder.safetensors` (encoder, PyTorch names, OIHW),
 * `flownets.safetensors` (encoder + decoder) and `pretrain.json`.
 */
export async function runFlowPretraining(options: FlowPretrainOptions): Promise<FlowPretrainResult> {
  const config = resolveFlowPretrainConfig(options.config);
  const log = options.onLog ?? (() => undefined);
  const dir = options.outDir;
  const files = {
    encoder: path.join(dir, FLOW_PRETRAIN_FILES.encoder),
    full: path.join(dir, FLOW_PRETRAIN_FILES.full),
    report: path.join(dir, FLOW_PRETRAIN_FILES.report),
    checkpoint: path.join(dir, FLOW_PRETRAIN_FILES.checkpoint),
  };
  await mkdir(dir, { recursive: true });
  const hasCheckpoint = await exists(files.checkpoint);
  if (hasCheckpoint && !options.resume) {
    throw new InputError(`${files.checkpoint}: ${dir} already holds a pretrain-flow run; pass --resume to continue it or choose another --out`);
  }

  const model = createFlowNetS({ widthMultiplier: config.widthMultiplier, decoder: true, seed: config.seed });
  const adam = createAdamState(model.variables);
  const heldOut: FlowBatch[] = [];
  try {
    for (let start = 0; start < config.heldOutSize; start += config.batchSize) {
      heldOut.push(flyingShapesBatch(FLOW_HELD_OUT_SEED, start, Math.min(config.batchSize, config.heldOutSize - start), config.sizePx));
    }
    let state: CheckpointState;
    if (hasCheckpoint) {
      state = await readCheckpoint(files.checkpoint, model, adam, config);
      log(`resuming from step ${state.step} (${files.checkpoint})`);
    } else {
      const before = evaluateFlowEpe(model, heldOut, config.divFlow);
      state = { step: 0, config: { ...config }, zeroFlowEpe: before.zeroFlowEpe, startEpe: before.epe, losses: [], trainSeconds: 0 };
    }
    log(`held-out EPE at step 0: ${state.startEpe.toFixed(3)} px (zero flow: ${state.zeroFlowEpe.toFixed(3)} px, ${config.heldOutSize} pairs of ${config.sizePx}²)`);
    const resumedFrom = state.step;
    const trainSeed = childSeed(config.seed, 'pretrain-flow', 'train');
    options.onStart?.({ resumedFrom, steps: config.steps });
    let clock = performance.now();
    const save = async () => {
      const now = performance.now();
      state.trainSeconds += (now - clock) / 1e3;
      clock = now;
      state.config = { ...config };
      await writeCheckpoint(files.checkpoint, model, adam, state);
      clock = performance.now();
    };
    while (state.step < config.steps) {
      const batch = flyingShapesBatch(trainSeed, state.step * config.batchSize, config.batchSize, config.sizePx);
      let loss: number;
      try {
        loss = flowTrainStep(model, adam, batch, config, state.step + 1);
      } finally {
        tf.dispose([batch.pairs, batch.flow]);
      }
      if (!Number.isFinite(loss)) throw new InputError(`pretrain-flow: the loss became ${loss} at step ${state.step + 1}; lower --lr`);
      state.step += 1;
      state.losses.push(loss);
      options.onProgress?.({ step: state.step, steps: config.steps, loss, resumedFrom });
      if (state.step % config.checkpointEvery === 0 || state.step === config.steps) await save();
    }
    if (state.step === resumedFrom) await save();

    const after = evaluateFlowEpe(model, heldOut, config.divFlow);
    const runId = flowPretrainRunId(config, state.step);
    const metadata = { [FLOWNETS_METADATA.source]: 'pretrain-flow', [FLOWNETS_METADATA.run]: runId };
    await saveFlowNetSWeights(model, files.encoder, 'encoder', metadata);
    await saveFlowNetSWeights(model, files.full, 'all', metadata);
    const result: FlowPretrainResult = {
      config,
      runId,
      steps: state.step,
      resumedFromStep: resumedFrom,
      epe: { zeroFlow: state.zeroFlowEpe, start: state.startEpe, end: after.epe, heldOutPairs: after.pairs, heldOutSeed: FLOW_HELD_OUT_SEED },
      losses: state.losses,
      trainSeconds: state.trainSeconds,
      files,
    };
    const report = {
      format: 'vidpad-pretrain-flow',
      version: 1,
      runId,
      backend: tf.getBackend(),
      config,
      steps: state.step,
      resumedFromStep: resumedFrom,
      epe: result.epe,
      trainSeconds: state.trainSeconds,
      stepsPerSec: state.trainSeconds > 0 ? state.step / state.trainSeconds : null,
      losses: state.losses,
      files: { encoder: FLOW_PRETRAIN_FILES.encoder, full: FLOW_PRETRAIN_FILES.full, checkpoint: FLOW_PRETRAIN_FILES.checkpoint },
    };
    await writeFileAtomic(files.report, JSON.stringify(report, null, 2) + '\n');
    log(`held-out EPE at step ${state.step}: ${after.epe.toFixed(3)} px (zero flow: ${state.zeroFlowEpe.toFixed(3)} px)`);
    return result;
  } finally {
    for (const b of heldOut) tf.dispose([b.pairs, b.flow]);
    adam.dispose();
    model.dispose();
  }
}
