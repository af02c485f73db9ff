/**
 * The paper's experiments over protocols and folds: which cells a grid holds
 * (Table II: frames 2/3/5; Table III: the eight losses; Table IV: the chosen
 * model beside baseline score files), running them (finished cells are
 * skipped, so an experiment resumes), and writing results.json, report.md
 * and report.html.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ProtocolSplit } from '../data/index.js';
import type { CropCacheLayout } from '../preprocess/index.js';
import type { TrainConfigInput, TrainProgress, EpochRecord } from '../train/index.js';
import { LOSS_NAMES } from '../losses/index.js';
import { loadScoresCsv, computeMetrics, eerThreshold, aggregateByVideo } from '../eval/index.js';
import { writeFileAtomic } from '../io/index.js';
import { ConfigError, InputError } from '../errors.js';
import { runCell } from './cell.js';
import type { CellResult, CellSpec } from './cell.js';
import { renderHtml, renderMarkdown, summarizeCells } from './report.js';
import type { ExtraImage } from './report.js';

export const EXPERIMENT_GRIDS = ['frames', 'loss', 'compare'] as const;
export type ExperimentGrid = (typeof EXPERIMENT_GRIDS)[number];

export interface ProtocolFold {
  protocol: string;
  split: ProtocolSplit;
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase();
}

function cellId(table: string, config: string, protocol: string, fold: number | null): string {
  return `${table}-${slug(config)}-p${protocol}${fold === null ? '' : `-f${fold}`}`;
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
  intro: string;
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
}

export async function runExperiment(options: RunExperimentOptions): Promise<ExperimentResult> {
  if (options.cells.length === 0) throw new ConfigError('experiment', 'no cell to run: check the protocols and folds');
  await mkdir(options.outDir, { recursive: true });
  const results: CellResult[] = [];
  for (const [i, spec] of options.cells.entries()) {
    const fold = options.folds.find((f) => f.protocol === spec.protocol && f.split.fold === spec.fold);
    if (!fold) throw new ConfigError('experiment', `cell ${spec.id}: protocol ${spec.protocol} fold ${spec.fold} is not in the dataset's splits`);
    options.onCellStart?.(spec, i, options.cells.length);
    const result = await runCell({
      spec,
      split: fold.split,
      cache: options.cache,
      dir: path.join(options.outDir, 'cells', spec.id),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.onEpoch ? { onEpoch: options.onEpoch } : {}),
    });
    results.push(result);
    options.onCellDone?.(result, i, options.cells.length);
  }
  const all = [...results, ...(options.extraResults ?? [])];
  const rows = summarizeCells(all);
  const markdownFile = path.join(options.outDir, 'report.md');
  const htmlFile = path.join(options.outDir, 'report.html');
  const jsonFile = path.join(options.outDir, 'results.json');
  await writeFileAtomic(jsonFile, JSON.stringify({ rows, cells: all }, null, 2) + '\n');
  await writeFileAtomic(markdownFile, renderMarkdown(rows, options.intro));
  await writeFileAtomic(htmlFile, await renderHtml(results.concat(), rows, options.intro, options.images ?? []));
  return { results: all, markdownFile, htmlFile, jsonFile };
}
