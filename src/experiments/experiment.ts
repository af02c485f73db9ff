/**
 * The paper's experiments over protocols and folds: which cells a grid holds
 * (Table II: frames 2/3/5; Table III: the eight losses; Table IV: the chosen
 * model beside baseline score files; OCIM: the four leave-one-dataset-out
 * directions over OULU-NPU, CASIA-FASD, Replay-Attack and MSU-MFSD), running
 * them (finished cells are skipped, so an experiment resumes; `shard` runs
 * one share of the cells, see plan.ts), and writing results.json, report.md
 * and report.html (`reportExperiment` gathers the cells finished so far).
 */
import path from 'node:path';
import type { ProtocolSplit } from '../data/index.js';
import type { CropCacheLayout } from '../preprocess/index.js';
import type { TrainConfigInput, TrainProgress, EpochRecord } from '../train/index.js';
import { LOSS_NAMES } from '../losses/index.js';
import { loadScoresCsv, computeMetrics, eerThreshold, aggregateByVideo } from '../eval/index.js';
import { claimOutputFolder, writeFileAtomic } from '../io/index.js';
import type { OutputFolderOptions } from '../io/index.js';
import { ConfigError, InputError } from '../errors.js';
import { readCellResult, runCell } from './cell.js';
import type { CellResult, CellSpec } from './cell.js';
import { claimExperimentPlan, lockCell, readExperimentPlan, selectCellShard, PLAN_FILE } from './plan.js';
import type { Shard } from '../preprocess/index.js';
import { renderHtml, renderMarkdown, summarizeCells } from './report.js';
import type { ExtraImage } from './report.js';

export const EXPERIMENT_GRIDS = ['frames', 'loss', 'compare', 'ocim'] as const;
export type ExperimentGrid = (typeof EXPERIMENT_GRIDS)[number];

export interface ProtocolFold {
  protocol: string;
  split: ProtocolSplit;
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase();
}

/** `frames-t-5-p2-f3`; a cross-dataset protocol `O&C&I→M` becomes `po-c-i-to-m`. */
function cellId(table: string, config: string, protocol: string, fold: number | null): string {
  return `${table}-${slug(config)}-p${slug(protocol.replace('→', '-to-'))}${fold === null ? '' : `-f${fold}`}`;
}

/** The configurations of a grid: a row name and its training settings over `base`. */
export function gridConfigs(grid: ExperimentGrid, base: TrainConfigInput): Array<{ config: string; train: TrainConfigInput }> {
  if (grid === 'frames') {
    // Table II: 2, 3 and 5 frames, each without and with the FlowNetS branch.
    return [false, true].flatMap((flow) =>
      [2, 3, 5].map((t) => ({
        config: `T=${t}${flow ? ' + flow' : ''}`,
        train: { ...base, clip: { length: t as 2 | 3 | 5, stride: 1 }, model: { ...base.model, frames: t, flowBranch: flow }, ...(flow ? {} : { flowWeights: null }) },
      })),
    );
  }
  if (grid === 'loss') return LOSS_NAMES.map((loss) => ({ config: loss, train: { ...base, loss } }));
  // compare and ocim: the model the options describe.
  return [{ config: `AlexNet-(2+1)D ${base.loss ?? 'arcface'} (vidpad)`, train: base }];
}

export function experimentCells(table: string, configs: ReadonlyArray<{ config: string; train: TrainConfigInput }>, folds: readonly ProtocolFold[]): CellSpec[] {
  return configs.flatMap(({ config, train }) =>
    folds.map(({ protocol, split }) => ({ id: cellId(table, config, protocol, split.fold), config, table, protocol, fold: split.fold, train })),
  );
}

export interface BaselineScores {
  /** Row name in Table IV. */
  name: string;
  /** Test scores with a `fold` column naming the split: `P1`, `P2-3`, `P3-1`, … */
  testFile: string;
  /** Validation scores in the same form; without them the threshold is the test EER point (an oracle, marked). */
  valFile?: string;
}

/** Table IV rows of other methods, from their score files (no curves). */
export async function baselineResults(baselines: readonly BaselineScores[], folds: readonly ProtocolFold[]): Promise<CellResult[]> {
  const out: CellResult[] = [];
  for (const b of baselines) {
    const test = (await loadScoresCsv(b.testFile)).rows;
    const val = b.valFile ? (await loadScoresCsv(b.valFile)).rows : null;
    for (const { protocol, split } of folds) {
      const key = `P${protocol}${split.fold === null ? '' : `-${split.fold}`}`;
      const rows = test.filter((r) => r.fold === key);
      if (rows.length === 0) continue;
      const valRows = val?.filter((r) => r.fold === key) ?? [];
      if (val && valRows.length === 0) throw new InputError(`${b.valFile}: no rows with fold ${key}, but ${b.testFile} has some`);
      const threshold = val ? eerThreshold(valRows, `${b.valFile} ${key}`).threshold : eerThreshold(rows, `${b.testFile} ${key}`).threshold;
      const config = val ? b.name : `${b.name} (oracle threshold)`;
      out.push({
        id: cellId('compare', config, protocol, split.fold), config, table: 'compare', protocol, fold: split.fold, split: split.name, threshold, valEer: null,
        clip: computeMetrics(rows, threshold, {}, `${b.testFile} ${key}`),
        video: computeMetrics(rows.some((r) => r.video) ? aggregateByVideo(rows) : rows, threshold, {}, `${b.testFile} ${key}`),
        epochs: 0, bestEpoch: null, trainSeconds: 0, clipsPerSec: null, testClips: rows.length, noFaceClips: 0, missingVideos: 0, modelDir: '', scoresFile: '',
      });
    }
  }
  return out;
}

export interface RunExperimentOptions {
  cells: readonly CellSpec[];
  folds: readonly ProtocolFold[];
  cache: CropCacheLayout;
  outDir: string;
  /** Write into an `outDir` vidpad did not make (see io/output-location.ts); without it such a folder is refused. */
  overwrite?: boolean;
  intro: string;
  /** Run only this share of the cells (1-based i of n); the report is then left to `reportExperiment`. */
  shard?: Shard | null;
  /** Called for a cell another process holds the lock of (it is skipped). */
  onCellLocked?: (spec: CellSpec, heldBy: string) => void;
  extraResults?: readonly CellResult[];
  images?: readonly ExtraImage[];
  onCellStart?: (spec: CellSpec, index: number, total: number) => void;
  onCellDone?: (result: CellResult, index: number, total: number) => void;
  onProgress?: (p: TrainProgress) => void;
  onEpoch?: (r: EpochRecord) => void;
}

export interface ExperimentResult {
  results: CellResult[];
  markdownFile: string;
  htmlFile: string;
  jsonFile: string;
  /** Planned cells without a result (another shard's, not finished yet, or locked elsewhere). */
  missing: string[];
  /** False for a shard of several, which leaves the report to `reportExperiment`. */
  reportWritten: boolean;
}

const cellDir = (outDir: string, id: string) => path.join(outDir, 'cells', id);

/** Where an experiment may write: new, empty, or vidpad's experiment folder (one with a plan, from before the marker file). */
export function experimentFolderOptions(options: { overwrite?: boolean; option?: string } = {}): OutputFolderOptions {
  return { kind: 'experiment', legacy: (entries) => entries.includes(PLAN_FILE), ...(options.overwrite ? { overwrite: true } : {}), ...(options.option ? { option: options.option } : {}) };
}

export async function runExperiment(options: RunExperimentOptions): Promise<ExperimentResult> {
  if (options.cells.length === 0) throw new ConfigError('experiment', 'no cell to run: check the protocols and folds');
  const ids = options.cells.map((c) => c.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new ConfigError('experiment', `two cells share the id ${dup}`);
  await claimOutputFolder(options.outDir, experimentFolderOptions({ overwrite: options.overwrite ?? false }));
  await claimExperimentPlan(options.outDir, { intro: options.intro, cells: [...options.cells], extraResults: [...(options.extraResults ?? [])] });
  const shard = options.shard ?? null;
  const mine = new Set(selectCellShard(options.cells, shard).map((c) => c.id));
  // The grid's own order for running and progress, restricted to this shard's cells.
  const todo = options.cells.filter((c) => mine.has(c.id));
  const results: CellResult[] = [];
  for (const [i, spec] of todo.entries()) {
    const fold = options.folds.find((f) => f.protocol === spec.protocol && f.split.fold === spec.fold);
    if (!fold) throw new ConfigError('experiment', `cell ${spec.id}: protocol ${spec.protocol} fold ${spec.fold} is not in the dataset's splits`);
    const dir = cellDir(options.outDir, spec.id);
    const done = await readCellResult(dir);
    if (done) {
      results.push(done);
      continue;
    }
    const lock = await lockCell(dir);
    if ('heldBy' in lock) {
      options.onCellLocked?.(spec, lock.heldBy);
      continue;
    }
    try {
      options.onCellStart?.(spec, i, todo.length);
      const result = await runCell({
        spec,
        split: fold.split,
        cache: options.cache,
        dir,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.onEpoch ? { onEpoch: options.onEpoch } : {}),
      });
      results.push(result);
      options.onCellDone?.(result, i, todo.length);
    } finally {
      await lock.release();
    }
  }
  if (shard && shard.count > 1) {
    const missing = await missingCells(options.outDir, options.cells);
    return { results, ...reportFiles(options.outDir), missing, reportWritten: false };
  }
  return writeReport(options.outDir, options.cells, options.extraResults ?? [], options.intro, options.images ?? []);
}

function reportFiles(outDir: string): { markdownFile: string; htmlFile: string; jsonFile: string } {
  return { markdownFile: path.join(outDir, 'report.md'), htmlFile: path.join(outDir, 'report.html'), jsonFile: path.join(outDir, 'results.json') };
}

async function missingCells(outDir: string, cells: readonly CellSpec[]): Promise<string[]> {
  const out: string[] = [];
  for (const c of cells) if (!(await readCellResult(cellDir(outDir, c.id)))) out.push(c.id);
  return out;
}

/** Gathers every planned cell's result that exists and writes results.json, report.md and report.html. */
async function writeReport(outDir: string, cells: readonly CellSpec[], extra: readonly CellResult[], intro: string, images: readonly ExtraImage[]): Promise<ExperimentResult> {
  const results: CellResult[] = [];
  const missing: string[] = [];
  for (const c of cells) {
    const r = await readCellResult(cellDir(outDir, c.id));
    if (r) results.push(r);
    else missing.push(c.id);
  }
  if (results.length === 0 && extra.length === 0) throw new InputError(`${outDir}: no finished cell yet (planned: ${cells.length}); nothing to report`);
  const note = missing.length > 0 ? `\n\n${results.length} of ${cells.length} cells finished; not yet in this report: ${missing.join(', ')}.` : '';
  const all = [...results, ...extra];
  const rows = summarizeCells(all);
  const files = reportFiles(outDir);
  await writeFileAtomic(files.jsonFile, JSON.stringify({ rows, cells: all, missing }, null, 2) + '\n');
  await writeFileAtomic(files.markdownFile, renderMarkdown(rows, intro + note));
  await writeFileAtomic(files.htmlFile, await renderHtml(results, rows, intro + note, images));
  return { results: all, ...files, missing, reportWritten: true };
}

/**
 * The report of an experiment from what its folder holds: the plan
 * (`experiment.json`) and every finished cell, whichever machine ran it.
 * Needs no dataset, cache or backend. Cells not finished yet are listed in
 * the report and in `missing`.
 */
export async function reportExperiment(outDir: string, options: { images?: readonly ExtraImage[] } = {}): Promise<ExperimentResult> {
  const plan = await readExperimentPlan(outDir);
  if (!plan) throw new InputError(`${path.join(outDir, PLAN_FILE)}: no experiment plan; run 'vidpad experiment' (or one of its shards) with --out ${outDir} first`);
  return writeReport(outDir, plan.cells, plan.extraResults, plan.intro, options.images ?? []);
}
