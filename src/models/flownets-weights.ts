/**
 * FlowNetS weights in the layout of the widely used PyTorch checkpoint
 * (`flownets` and `flownets_bn` state dicts saved as safetensors; see
 * docs/flownets.md for the conversion): mapping every tensor name to a vidpad
 * variable, checking it, transposing OIHW / `[in, out, kh, kw]` to tfjs's
 * layouts, and the reverse for writing. Also the `FlowBranchInfo` record that
 * says where a branch's weights came from.
 *
 * `flownets_bn` checkpoints are loaded by folding each BatchNorm (eval-mode
 * running statistics) into the conv before it, so the branch is the plain
 * network either way and fine-tuning starts from the same function PyTorch
 * computes in eval mode.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { tf } from '../engine/tf.js';
import { InputError } from '../errors.js';
import type { FlowNetS, FlowNetSParameterSpec } from './flownets.js';
import { flowNetSParameters, planFlowNetS } from './flownets.js';
import { decodeSafetensors, writeSafetensors } from './safetensors.js';
import type { NamedTensorData } from './safetensors.js';

/** Where a flow branch's weights came from: a user's converted checkpoint (by file hash), a `vidpad pretrain-flow` run, or nothing. */
export type FlowBranchInit = 'scratch' | `pretrained:${string}` | `pretrain-flow:${string}`;

export interface FlowBranchInfo {
  init: FlowBranchInit;
  /** The weights file, when there was one. */
  file?: string;
  /** Which checkpoint layout the file used. */
  variant?: FlowNetSVariant;
}

export const SCRATCH_FLOW_BRANCH: Readonly<FlowBranchInfo> = Object.freeze({ init: 'scratch' });

export type FlowNetSVariant = 'flownets' | 'flownets_bn';

/** PyTorch BatchNorm2d's default epsilon, which the checkpoint was trained with. */
const BN_EPSILON = 1e-5;
/** Metadata keys vidpad writes into the safetensors files it produces. */
export const FLOWNETS_METADATA = Object.freeze({ source: 'vidpad.source', run: 'vidpad.run', widthMultiplier: 'vidpad.widthMultiplier' });

export interface FlowNetSLoadOptions {
  /** Load the encoder only, even into a network with a decoder (e.g. an encoder-only file before flow pretraining). */
  encoderOnly?: boolean;
  /** Fail when the file holds tensors FlowNetS does not have, instead of listing them. */
  strict?: boolean;
}

export interface FlowNetSLoadReport {
  variant: FlowNetSVariant;
  /** Variables set, by name. */
  loaded: string[];
  /** FlowNetS tensors in the file this network does not use (the decoder, for the branch). */
  unused: string[];
  /** Tensors FlowNetS does not have at all (listed, or an error under `strict`). */
  extra: string[];
}

const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;
const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** Says which checkpoint layout `names` use: BatchNorm tensors (`conv1.1.*`) or conv biases (`conv1.0.bias`). */
export function detectFlowNetSVariant(names: Iterable<string>, source: string): FlowNetSVariant {
  const set = new Set(names);
  const bn = set.has('conv1.1.running_mean') || set.has('conv1.1.weight');
  const plain = set.has('conv1.0.bias');
  if (bn && plain) throw new InputError(`${source}: holds both 'conv1.0.bias' (flownets) and 'conv1.1.*' (flownets_bn) tensors; expected one FlowNetS checkpoint`);
  if (bn) return 'flownets_bn';
  if (plain) return 'flownets';
  throw new InputError(
    `${source}: not a FlowNetS checkpoint: found neither 'conv1.0.bias' (flownets) nor 'conv1.1.running_mean' (flownets_bn)` +
      ` among ${set.size} tensor(s)${set.size > 0 ? `, e.g. ${[...set].slice(0, 3).map((n) => `'${n}'`).join(', ')}` : ''}`,
  );
}

/** The names and PyTorch shapes a checkpoint of `variant` holds for these parameters. */
function expectedTensors(specs: readonly FlowNetSParameterSpec[], variant: FlowNetSVariant): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const s of specs) {
    if (variant === 'flownets_bn' && s.part === 'encoder') {
      // The BN model's convs have no bias; BatchNorm's four vectors stand in for it.
      if (s.layout === 'bias') {
        const layer = s.name.slice(0, -'.0.bias'.length);
        for (const field of ['weight', 'bias', 'running_mean', 'running_var']) out.set(`${layer}.1.${field}`, s.torchShape);
        continue;
      }
    }
    out.set(s.name, s.torchShape);
  }
  return out;
}

function hasNonFinite(data: Float32Array): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return i;
  return -1;
}

/**
 * Sets `model`'s variables from PyTorch-layout tensors. Every tensor is
 * checked before any variable changes, so a bad file leaves the model as it
 * was. `source` (a file path) prefixes every error.
 */
export function applyFlowNetSTensors(
  model: FlowNetS,
  tensors: ReadonlyMap<string, NamedTensorData>,
  source: string,
  options: FlowNetSLoadOptions = {},
): FlowNetSLoadReport {
  const variant = detectFlowNetSVariant(tensors.keys(), source);
  const all = flowNetSParameters(planFlowNetS({ ...model.config, decoder: true }, 64));
  const allNames = new Set(expectedTensors(all, variant).keys());
  const used = all.filter((s) => model.variables.has(s.name) && !(options.encoderOnly && s.part === 'decoder'));
  const expected = expectedTensors(used, variant);
  const width = model.config.widthMultiplier;
  for (const [name, shape] of expected) {
    const t = tensors.get(name);
    const layout = name.includes('.1.') ? 'BatchNorm vector' : shape.length === 4 ? (name.startsWith('deconv') || name.startsWith('upsampled') ? '[in, out, kh, kw]' : 'OIHW') : 'vector';
    if (!t) throw new InputError(`${source}: missing tensor '${name}' (expected shape ${shapeText(shape)}, ${layout}, for ${variant} at widthMultiplier ${width})`);
    if (!sameShape(t.shape, shape)) {
      throw new InputError(`${source}: tensor '${name}' has shape ${shapeText(t.shape)} but FlowNetS at widthMultiplier ${width} expects ${shapeText(shape)} (${layout})`);
    }
    const bad = hasNonFinite(t.data);
    if (bad >= 0) throw new InputError(`${source}: tensor '${name}' holds a non-finite value (${t.data[bad]}) at flat index ${bad}`);
  }
  const extra = [...tensors.keys()].filter((n) => !allNames.has(n)).sort();
  if (options.strict && extra.length > 0) throw new InputError(`${source}: ${extra.length} tensor(s) that FlowNetS does not have: ${extra.map((n) => `'${n}'`).join(', ')}`);
  const unused = [...tensors.keys()].filter((n) => allNames.has(n) && !expected.has(n)).sort();

  const get = (name: string): NamedTensorData => tensors.get(name)!;
  const loaded: string[] = [];
  for (const s of used) {
    const target = model.variables.get(s.name)!;
    let data = get(s.name)?.data;
    if (variant === 'flownets_bn' && s.part === 'encoder') {
      const layer = s.name.slice(0, s.name.indexOf('.'));
      const gamma = get(`${layer}.1.weight`).data;
      const beta = get(`${layer}.1.bias`).data;
      const mean = get(`${layer}.1.running_mean`).data;
      const variance = get(`${layer}.1.running_var`).data;
      const scale = Float32Array.from(gamma, (g, o) => g / Math.sqrt(variance[o]! + BN_EPSILON));
      if (s.layout === 'bias') {
        data = Float32Array.from(beta, (b, o) => b - mean[o]! * scale[o]!);
      } else {
        const w = get(s.name).data;
        const perOut = w.length / scale.length;
        data = Float32Array.from(w, (x, i) => x * scale[Math.floor(i / perOut)]!);
      }
    }
    tf.tidy(() => {
      const torch = tf.tensor(data!, s.torchShape, 'float32');
      target.assign(s.layout === 'bias' ? torch : tf.transpose(torch, [2, 3, 1, 0]));
    });
    loaded.push(s.name);
  }
  return { variant, loaded, unused, extra };
}

/**
 * Loads a FlowNetS safetensors file into `model` and says where the weights
 * came from: files written by `vidpad pretrain-flow` carry their run id, any
 * other file is identified by its SHA-256.
 */
export async function loadFlowNetSWeights(model: FlowNetS, file: string, options: FlowNetSLoadOptions = {}): Promise<{ info: FlowBranchInfo; report: FlowNetSLoadReport }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`${file}: cannot read the FlowNetS weights (${code === 'ENOENT' ? 'no such file' : (err as Error).message})`, { cause: err });
  }
  const { tensors, metadata } = decodeSafetensors(bytes, file);
  const report = applyFlowNetSTensors(model, tensors, file, options);
  const run = metadata[FLOWNETS_METADATA.run];
  const init: FlowBranchInit =
    metadata[FLOWNETS_METADATA.source] === 'pretrain-flow' && run ? `pretrain-flow:${run}` : `pretrained:${createHash('sha256').update(bytes).digest('hex')}`;
  return { info: { init, file, variant: report.variant }, report };
}

/**
 * The model's weights as PyTorch-layout tensors under the checkpoint's names
 * (plain `flownets` layout), in `state_dict` order: what `torch.load` users
 * and `applyFlowNetSTensors` read.
 */
export function flowNetSToTorchTensors(model: FlowNetS, part: 'encoder' | 'all' = 'all'): Map<string, NamedTensorData> {
  const specs = flowNetSParameters(planFlowNetS(model.config, 64)).filter((s) => part === 'all' || s.part === 'encoder');
  const out = new Map<string, NamedTensorData>();
  for (const s of specs) {
    const variable = model.variables.get(s.name)!;
    const data = tf.tidy(() => (s.layout === 'bias' ? variable : tf.transpose(variable, [3, 2, 0, 1])).dataSync() as Float32Array);
    out.set(s.name, { shape: s.torchShape, data: Float32Array.from(data) });
  }
  return out;
}

/** Writes the model's weights (PyTorch names and layouts) as a safetensors file, atomically. */
export async function saveFlowNetSWeights(model: FlowNetS, file: string, part: 'encoder' | 'all', metadata: Record<string, string> = {}): Promise<void> {
  await writeSafetensors(file, flowNetSToTorchTensors(model, part), { [FLOWNETS_METADATA.widthMultiplier]: String(model.config.widthMultiplier), ...metadata });
}
