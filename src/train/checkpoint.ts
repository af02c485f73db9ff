/**
 * Training checkpoints: one safetensors file holding the network's and the
 * loss's weights, the optimizer's momentum buffers and, in its metadata, the
 * loop's state (epoch, learning rate, best validation loss, history). One
 * file written atomically, so a kill at any moment leaves either the previous
 * checkpoint or the new one, and `--resume` continues bit for bit.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { tf } from '../engine/index.js';
import type { Variable } from '../engine/index.js';
import { readSafetensors, writeSafetensors } from '../models/safetensors.js';
import type { NamedTensorData } from '../models/safetensors.js';
import { InputError } from '../errors.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
export const BEST_FILE = 'best.safetensors';

/** What one epoch did; also a line of the JSONL log. */
export interface EpochRecord {
  epoch: number;
  learningRate: number;
  trainLoss: number;
  valLoss: number;
  /** EER on the validation clips against the epoch's live prototype. */
  valEer: number | null;
  trainClips: number;
  seconds: number;
  clipsPerSec: number;
  improved: boolean;
}

export interface LoopState {
  /** Epochs finished; the next one to run has this index. */
  epochsDone: number;
  bestValLoss: number | null;
  bestEpoch: number | null;
  epochsWithoutImprovement: number;
  stopReason: 'early-stop' | 'max-epochs' | null;
  history: EpochRecord[];
  /** The training config, to refuse resuming a different run. */
  configJson: string;
}

function toData(v: tf.Tensor): NamedTensorData {
  // Copied to float32: the optimizer's iteration count is an int32 scalar.
  return { shape: v.shape, data: Float32Array.from(v.dataSync()) };
}

/** Named weights of the network (`model.<name>`) and the loss (its own `loss.*` names). */
export function collectWeights(modelVars: ReadonlyMap<string, Variable>, lossVars: ReadonlyMap<string, Variable>): Map<string, NamedTensorData> {
  const out = new Map<string, NamedTensorData>();
  for (const [name, v] of modelVars) out.set(`model.${name}`, toData(v));
  for (const [name, v] of lossVars) out.set(name, toData(v));
  return out;
}

/** Assigns saved values back; every variable must be present with its shape. */
export function restoreWeights(saved: ReadonlyMap<string, NamedTensorData>, modelVars: ReadonlyMap<string, Variable>, lossVars: ReadonlyMap<string, Variable>, file: string): void {
  const assign = (key: string, v: Variable) => {
    const t = saved.get(key);
    if (!t) throw new InputError(`${file}: tensor '${key}' is missing`);
    if (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i])) {
      throw new InputError(`${file}: tensor '${key}' has shape [${t.shape.join(', ')}], expected [${v.shape.join(', ')}]`);
    }
    tf.tidy(() => v.assign(tf.tensor(t.data, [...t.shape], 'float32')));
  };
  for (const [name, v] of modelVars) assign(`model.${name}`, v);
  for (const [name, v] of lossVars) assign(name, v);
}

export async function writeCheckpoint(dir: string, weights: Map<string, NamedTensorData>, optimizerSlots: readonly tf.Tensor[], state: LoopState): Promise<void> {
  const all = new Map(weights);
  optimizerSlots.forEach((t, i) => all.set(`optimizer.${String(i).padStart(4, '0')}`, toData(t)));
  await writeSafetensors(path.join(dir, CHECKPOINT_FILE), all, { state: JSON.stringify(state) });
}

export interface LoadedCheckpoint {
  weights: Map<string, NamedTensorData>;
  optimizerSlots: NamedTensorData[];
  state: LoopState;
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(path.join(dir, CHECKPOINT_FILE));
}

export async function readCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const file = path.join(dir, CHECKPOINT_FILE);
  const { tensors, metadata } = await readSafetensors(file);
  if (!metadata.state) throw new InputError(`${file}: not a vidpad training checkpoint (no 'state' in its metadata)`);
  const state = JSON.parse(metadata.state) as LoopState;
  const weights = new Map<string, NamedTensorData>();
  const optimizerSlots: NamedTensorData[] = [];
  for (const [name, t] of [...tensors].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (name.startsWith('optimizer.')) optimizerSlots.push(t);
    else weights.set(name, t);
  }
  return { weights, optimizerSlots, state };
}

export async function writeBestWeights(dir: string, weights: Map<string, NamedTensorData>, epoch: number): Promise<void> {
  await writeSafetensors(path.join(dir, BEST_FILE), weights, { epoch: String(epoch) });
}

export async function readBestWeights(dir: string): Promise<Map<string, NamedTensorData>> {
  return (await readSafetensors(path.join(dir, BEST_FILE))).tensors;
}
