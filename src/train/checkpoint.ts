/**
 * Training checkpoints, for both trainers (the PAD model's and FlowNetS
 * pretraining): one safetensors file holding named weights and optimizer
 * state, with the loop's state as JSON in its metadata, written atomically so
 * a kill at any moment leaves either the previous checkpoint or the new one;
 * restoring checks every tensor's presence and shape; a resume with other
 * settings is refused naming the first field that differs. Below the shared
 * helpers, the PAD trainer's own file (`checkpoint.safetensors`: network and
 * loss weights, the optimizer's momentum buffers, the epoch loop's state) and
 * its best epoch's weights.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { tf } from '../engine/index.js';
import type { Variable } from '../engine/index.js';
import { readSafetensors, writeSafetensors } from '../models/index.js';
import type { NamedTensorData } from '../models/index.js';
import { ConfigError, InputError } from '../errors.js';

/** A tensor's values as float32 (the optimizer's iteration count is an int32 scalar). */
export function tensorData(v: tf.Tensor): NamedTensorData {
  return { shape: v.shape, data: Float32Array.from(v.dataSync()) };
}

/** Named variables' values, each under `prefix + name`, added to `into`. */
export function putVariables(into: Map<string, NamedTensorData>, vars: ReadonlyMap<string, tf.Tensor>, prefix = ''): Map<string, NamedTensorData> {
  for (const [name, v] of vars) into.set(`${prefix}${name}`, tensorData(v));
  return into;
}

/** Assigns saved values (`prefix + name`) back to the variables; every one must be present with its shape. */
export function assignVariables(saved: ReadonlyMap<string, NamedTensorData>, vars: ReadonlyMap<string, Variable>, prefix: string, file: string): void {
  for (const [name, v] of vars) {
    const key = `${prefix}${name}`;
    const t = saved.get(key);
    if (!t) throw new InputError(`${file}: tensor '${key}' is missing (expected shape [${v.shape.join(', ')}])`);
    if (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i])) {
      throw new InputError(`${file}: tensor '${key}' has shape [${t.shape.join(', ')}], expected [${v.shape.join(', ')}]`);
    }
    tf.tidy(() => v.assign(tf.tensor(t.data, [...t.shape], 'float32')));
  }
}

/** Writes tensors plus `state` (as JSON under the metadata key `stateKey`), atomically. */
export async function writeCheckpointFile(file: string, tensors: ReadonlyMap<string, NamedTensorData>, state: unknown, stateKey: string): Promise<void> {
  await writeSafetensors(file, tensors, { [stateKey]: JSON.stringify(state) });
}

/** Reads a file written by `writeCheckpointFile`; `what` names the trainer in errors. */
export async function readCheckpointFile<S>(file: string, stateKey: string, what: string): Promise<{ tensors: Map<string, NamedTensorData>; state: S }> {
  const { tensors, metadata } = await readSafetensors(file);
  const raw = metadata[stateKey];
  if (!raw) throw new InputError(`${file}: not a vidpad ${what} checkpoint (no '${stateKey}' in its metadata)`);
  try {
    return { tensors, state: JSON.parse(raw) as S };
  } catch (err) {
    throw new InputError(`${file}: the checkpoint state is not valid JSON (${(err as Error).message})`, { cause: err });
  }
}

export interface SettingsDifference {
  /** Dotted path of the field, e.g. `model.inputSize`, `scaleWeights[2]`. */
  path: string;
  saved: unknown;
  current: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The first field where two JSON-like settings differ (top-level keys in `skip` ignored), or null when they agree. */
export function firstDifference(saved: unknown, current: unknown, skip: ReadonlySet<string> = new Set(), at = ''): SettingsDifference | null {
  if (Array.isArray(saved) && Array.isArray(current) && saved.length === current.length) {
    for (let i = 0; i < saved.length; i++) {
      const d = firstDifference(saved[i], current[i], new Set(), `${at}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (isRecord(saved) && isRecord(current)) {
    const keys = [...new Set([...Object.keys(current), ...Object.keys(saved)])].filter((k) => !skip.has(k));
    for (const k of keys) {
      const d = firstDifference(saved[k], current[k], new Set(), at ? `${at}.${k}` : k);
      if (d) return d;
    }
    return null;
  }
  return JSON.stringify(saved) === JSON.stringify(current) ? null : { path: at || '(the whole settings)', saved, current };
}

/**
 * Refuses to resume `file` when the run's settings differ from the saved
 * ones: a ConfigError at `scope.<field>` that names the field and both values.
 */
export function checkResumeSettings(file: string, scope: string, saved: unknown, current: unknown, skip?: ReadonlySet<string>): void {
  const d = firstDifference(saved, current, skip);
  if (!d) return;
  throw new ConfigError(
    `${scope}.${d.path}`,
    `the checkpoint ${file} was made with different settings: ${d.path} = ${JSON.stringify(d.saved) ?? 'nothing'} but this run asks for ${JSON.stringify(d.current) ?? 'nothing'}; resume with the same settings, or choose another --out`,
  );
}

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

/** The network's variables (`model.<name>`: its whole state, BatchNorm's running statistics included) and the loss's (its own `loss.*` names) under their checkpoint names. */
export function weightVariables(modelVars: ReadonlyMap<string, Variable>, lossVars: ReadonlyMap<string, Variable>): Map<string, Variable> {
  return new Map([...[...modelVars].map(([name, v]) => [`model.${name}`, v] as const), ...lossVars]);
}

/** The values of `weightVariables`, by the same names. */
export function collectWeights(modelVars: ReadonlyMap<string, Variable>, lossVars: ReadonlyMap<string, Variable>): Map<string, NamedTensorData> {
  return putVariables(new Map(), weightVariables(modelVars, lossVars));
}

/** Assigns saved weights back to the network and the loss; every variable must be present with its shape. */
export function restoreWeights(saved: ReadonlyMap<string, NamedTensorData>, modelVars: ReadonlyMap<string, Variable>, lossVars: ReadonlyMap<string, Variable>, file: string): void {
  assignVariables(saved, weightVariables(modelVars, lossVars), '', file);
}

const STATE_KEY = 'state';
const OPTIMIZER_PREFIX = 'optimizer.';

export async function writeCheckpoint(dir: string, weights: Map<string, NamedTensorData>, optimizerSlots: readonly tf.Tensor[], state: LoopState): Promise<void> {
  const all = new Map(weights);
  optimizerSlots.forEach((t, i) => all.set(`${OPTIMIZER_PREFIX}${String(i).padStart(4, '0')}`, tensorData(t)));
  await writeCheckpointFile(path.join(dir, CHECKPOINT_FILE), all, state, STATE_KEY);
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
  const { tensors, state } = await readCheckpointFile<LoopState>(path.join(dir, CHECKPOINT_FILE), STATE_KEY, 'training');
  const weights = new Map<string, NamedTensorData>();
  const optimizerSlots: NamedTensorData[] = [];
  for (const [name, t] of [...tensors].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (name.startsWith(OPTIMIZER_PREFIX)) optimizerSlots.push(t);
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
