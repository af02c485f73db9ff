/**
 * Where `trainModel` may write its model folder: the shared output check
 * (io/output-location.ts: a new or empty folder, or one vidpad made as a
 * model folder) plus the rules of a model folder: a folder holding a trained
 * model (model.json) or a training checkpoint is replaced only on request
 * (`overwrite`), and a checkpoint is continued only with `resume`.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { OutputError } from '../errors.js';
import { checkOutputFolder, claimOutputFolder } from '../io/index.js';
import type { OutputFolderStatus } from '../io/index.js';
import { MODEL_JSON_FILE, MODEL_ONNX_FILE, MODEL_WEIGHTS_FILE } from '../models/index.js';
import { BEST_FILE, CHECKPOINT_FILE, hasCheckpoint } from './checkpoint.js';

/** The model folder's subfolder of training state (checkpoint, best weights, log). */
export const TRAINING_SUBDIR = 'training';

export interface TrainOutputOptions {
  /** Continue the checkpoint in the folder. */
  resume?: boolean;
  /** Replace a model or checkpoint in the folder, or write into a folder vidpad did not make. */
  overwrite?: boolean;
  /** How the user named the folder, for messages (`--out`). */
  option?: string;
}

// A model folder made before the marker file existed: vidpad train left its training/ subfolder in it.
const legacy = (entries: readonly string[]) => entries.includes(TRAINING_SUBDIR);

function applyModelRules(outDir: string, status: OutputFolderStatus, options: TrainOutputOptions): void {
  if (status.state === 'absent' || status.state === 'empty' || options.overwrite) return;
  const named = options.option ? `${options.option} ${outDir}` : outDir;
  const checkpoint = hasCheckpoint(path.join(outDir, TRAINING_SUBDIR));
  if (status.entries.includes(MODEL_JSON_FILE) && !(options.resume && checkpoint)) {
    throw new OutputError(outDir, `${named}: holds a trained model (${MODEL_JSON_FILE}); choose another --out, or pass --overwrite to replace it`);
  }
  if (checkpoint && !options.resume) {
    throw new OutputError(outDir, `${named}: holds the checkpoint of an unfinished training run: pass --resume to continue it, --overwrite to start again, or choose another --out`);
  }
}

/** Checks `outDir` for a training run without changing anything: an OutputError naming the reason when refused. */
export async function checkTrainOutput(outDir: string, options: TrainOutputOptions = {}): Promise<OutputFolderStatus> {
  const status = await checkOutputFolder(outDir, { kind: 'model', legacy, ...(options.option ? { option: options.option } : {}), ...(options.overwrite ? { overwrite: true } : {}) });
  applyModelRules(outDir, status, options);
  return status;
}

/**
 * Checks `outDir`, then makes it vidpad's model folder. With `overwrite` (and
 * no `resume`), the model and training state already there are deleted first,
 * so an interrupted new run never leaves the old model.json describing new
 * weights.
 */
export async function claimTrainOutput(outDir: string, options: TrainOutputOptions = {}): Promise<void> {
  const status = await checkTrainOutput(outDir, options);
  await claimOutputFolder(outDir, { kind: 'model', legacy, overwrite: true, ...(options.option ? { option: options.option } : {}) });
  if (options.overwrite && !options.resume && status.state !== 'absent' && status.state !== 'empty') {
    for (const name of [MODEL_JSON_FILE, MODEL_WEIGHTS_FILE, MODEL_ONNX_FILE]) await rm(path.join(outDir, name), { force: true });
    for (const name of [CHECKPOINT_FILE, BEST_FILE, 'log.jsonl']) await rm(path.join(outDir, TRAINING_SUBDIR, name), { force: true });
  }
}
