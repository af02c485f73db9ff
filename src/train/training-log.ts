/**
 * The learning curve of a run, `training/log.jsonl`: one JSON line per
 * finished epoch (an `EpochRecord`), rewritten atomically after each epoch.
 * Owns its format, reading it back (for reports) and its plain-text table
 * (what `vidpad train` prints at the end).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import type { EpochRecord } from './checkpoint.js';

export const TRAINING_LOG_FILE = 'log.jsonl';

export function formatTrainingLog(history: readonly EpochRecord[]): string {
  return history.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

const NUMBER_FIELDS = ['epoch', 'learningRate', 'trainLoss', 'valLoss'] as const;

/** The epochs logged in `trainingDir`; an empty list when there is no log yet. Errors name the file and line. */
export async function readTrainingLog(trainingDir: string): Promise<EpochRecord[]> {
  const file = path.join(trainingDir, TRAINING_LOG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new InputError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  return text
    .split('\n')
    .map((line, i) => [line.trim(), i + 1] as const)
    .filter(([line]) => line.length > 0)
    .map(([line, n]) => {
      let r: Partial<EpochRecord>;
      try {
        r = JSON.parse(line) as Partial<EpochRecord>;
      } catch (err) {
        throw new InputError(`${file} line ${n}: not JSON (${(err as Error).message})`, { cause: err });
      }
      for (const k of NUMBER_FIELDS) {
        if (typeof r[k] !== 'number') throw new InputError(`${file} line ${n}: '${k}' should be a number, got ${JSON.stringify(r[k])}`);
      }
      return r as EpochRecord;
    });
}

const pct = (v: number | null) => (v === null || !Number.isFinite(v) ? '   n/a' : `${(100 * v).toFixed(1).padStart(5)}%`);

/**
 * The learning curve as a plain-text table: epoch, learning rate, train and
 * validation loss, validation EER with a bar (one `#` per 2.5 points, so a
 * glance shows whether it falls), and a `*` on the best epoch.
 */
export function learningCurveTable(history: readonly EpochRecord[], bestEpoch: number | null): string {
  const lines = ['epoch  learning rate  train loss  val loss  val EER'];
  for (const r of history) {
    const bar = r.valEer === null || !Number.isFinite(r.valEer) ? '' : '#'.repeat(Math.round((100 * r.valEer) / 2.5));
    lines.push(
      `${String(r.epoch).padStart(5)}  ${r.learningRate.toPrecision(3).padStart(13)}  ${r.trainLoss.toFixed(4).padStart(10)}  ${r.valLoss.toFixed(4).padStart(8)}  ${pct(r.valEer)} ${r.epoch === bestEpoch ? '*' : ' '} ${bar}`,
    );
  }
  return lines.join('\n') + '\n';
}
