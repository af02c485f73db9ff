/**
 * `vidpad experiment`: the paper's experiments over every protocol and fold
 * of a dataset, written as the paper's tables (Markdown, HTML with ROC and
 * DET curves). Finished cells are kept, so a rerun resumes.
 */
import type { CliCommand } from '../command.js';
import { DATASET_OPTIONS, findCropCache, indexDataset, numberOption, protocolSplits, stringOption } from '../dataset-args.js';
import { trainConfigFromArgs, trainOptions } from '../train-args.js';
import { cellProgress } from '../experiment-progress.js';
import { initBackend, runExperiment, experimentCells, gridConfigs, baselineResults, EXPERIMENT_GRIDS, UsageError } from '../../index.js';
import type { BaselineScores, ExperimentGrid, ProtocolFold } from '../../index.js';
import { backendOption } from '../backend-option.js';

function parseBaselines(text: string | undefined): BaselineScores[] {
  if (!text) return [];
  return text.split(',').map((item) => {
    const m = /^([^=]+)=([^:]+)(?::(.+))?$/.exec(item.trim());
    if (!m) throw new UsageError(`--baselines: expected NAME=TEST.csv[:VAL.csv], got '${item}'`);
    return { name: m[1]!, testFile: m[2]!, ...(m[3] ? { valFile: m[3] } : {}) };
  });
}

export const experimentCommand: CliCommand = {
  name: 'experiment',
  summary: "run the paper's experiments over protocols and folds and write its tables (Markdown, HTML)",
  usage: '--root DIR --cache DIR --out DIR --grid frames|loss|compare [--protocols 1,2,3] [--fold K] [training options]',
  description:
    'Grids: frames (Table II: T = 2, 3, 5), loss (Table III: the eight losses), compare (Table IV: the model\n' +
    'given by the training options beside baseline methods\' score files, --baselines NAME=TEST.csv[:VAL.csv],...,\n' +
    'whose fold column names the split: P1, P2-1 … P2-4, P3-1, P3-2). Each cell trains on a fold, chooses the\n' +
    'threshold on its validation split and scores its test split; OUT/cells/<cell>/ keeps the model, the scores\n' +
    'and cell.json, so a rerun skips finished cells. Writes OUT/report.md, OUT/report.html and OUT/results.json.',
  options: [
    ...DATASET_OPTIONS,
    { name: 'out', type: 'string', valueName: 'DIR', description: 'experiment folder' },
    { name: 'grid', type: 'string', valueName: 'NAME', description: `one of ${EXPERIMENT_GRIDS.join(', ')}` },
    { name: 'protocols', type: 'string', valueName: 'LIST', description: 'protocols to run (SiW: 1,2,3; folder: all or cross)', default: '1,2,3' },
    { name: 'baselines', type: 'string', valueName: 'LIST', description: 'compare grid: NAME=TEST.csv[:VAL.csv],…' },
    ...trainOptions(),
    backendOption('compute backend for training'),
  ],
  async run(args, io) {
    const o = args.options;
    const grid = stringOption(args, 'grid', 'experiment');
    if (!EXPERIMENT_GRIDS.includes(grid as ExperimentGrid)) throw new UsageError(`--grid must be one of ${EXPERIMENT_GRIDS.join(', ')}, got '${grid}'`);
    const base = trainConfigFromArgs(args);
    const index = await indexDataset(String(o.dataset), stringOption(args, 'root', 'experiment'));
    const onlyFold = numberOption(args, 'fold', { integer: true, min: 1 });
    const folds: ProtocolFold[] = String(o.protocols)
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p.length > 0)
      .flatMap((protocol) => protocolSplits(index, protocol, o['val-subjects'] as string | undefined).map((split) => ({ protocol, split })))
      .filter((f) => onlyFold === undefined || (f.split.fold ?? 1) === onlyFold);
    const cache = await findCropCache(stringOption(args, 'cache', 'experiment'), base.model!.inputSize!, o['cache-key'] as string | undefined);
    const backend = await initBackend(String(o.backend));
    const cells = experimentCells(grid, gridConfigs(grid as ExperimentGrid, base), folds);
    io.stderr.write(`experiment ${grid}: ${cells.length} cell(s) on ${backend.name}\n`);
    const result = await runExperiment({
      cells,
      folds,
      cache,
      outDir: stringOption(args, 'out', 'experiment'),
      intro: `vidpad experiment '${grid}' on ${String(o.dataset)} at ${stringOption(args, 'root', 'experiment')}.`,
      extraResults: grid === 'compare' ? await baselineResults(parseBaselines(o.baselines as string | undefined), folds) : [],
      ...cellProgress(io.stderr),
    });
    io.stdout.write(`report: ${result.markdownFile}\n        ${result.htmlFile}\nresults: ${result.jsonFile}\n`);
    return 0;
  },
};
