/**
 * `vidpad experiment`: the paper's experiments over every protocol and fold
 * of a dataset, and the cross-dataset OCIM grid, written as tables (Markdown,
 * HTML with ROC and DET curves). Finished cells are kept, so a rerun resumes;
 * `--shard i/n` runs one share of the cells (cluster arrays) and
 * `--report-only` gathers the finished cells into the report.
 */
import type { CliCommand } from '../command.js';
import { DATASET_OPTIONS, crossOptions, chooseSplits, datasetOption, findCropCache, indexDatasets, isCrossDataset, numberOption, shardOption, stringOption } from '../dataset-args.js';
import { trainConfigInputFromArgs, trainOptions, validateTrainConfigArgs } from '../train-args.js';
import { cellProgress } from '../experiment-progress.js';
import {
  initBackend,
  runExperiment,
  reportExperiment,
  experimentCells,
  gridConfigs,
  baselineResults,
  ocimSplits,
  crossDatasetLabel,
  indexDataset,
  datasetProtocolSplits,
  EXPERIMENT_GRIDS,
  checkOutputFolder,
  experimentFolderOptions,
  OCIM_DATASETS,
  DATASET_PROTOCOLS,
  DATASET_TITLES,
  UsageError,
} from '../../index.js';
import type { BaselineScores, DatasetName, ExperimentGrid, ExperimentResult, ProtocolFold } from '../../index.js';
import { backendOption, precisionFromArgs, precisionOption } from '../backend-option.js';

function parseBaselines(text: string | undefined): BaselineScores[] {
  if (!text) return [];
  return text.split(',').map((item) => {
    const m = /^([^=]+)=([^:]+)(?::(.+))?$/.exec(item.trim());
    if (!m) throw new UsageError(`--baselines: expected NAME=TEST.csv[:VAL.csv], got '${item}'`);
    return { name: m[1]!, testFile: m[2]!, ...(m[3] ? { valFile: m[3] } : {}) };
  });
}

function printResult(result: ExperimentResult, out: NodeJS.WritableStream, outDir: string): void {
  if (result.reportWritten) {
    out.write(`report: ${result.markdownFile}\n        ${result.htmlFile}\nresults: ${result.jsonFile}\n`);
    if (result.missing.length > 0) out.write(`not finished yet (left out of the report): ${result.missing.join(', ')}\n`);
  } else {
    out.write(
      result.missing.length === 0
        ? `shard done; every cell of the experiment is finished: vidpad experiment --report-only --out ${outDir}\n`
        : `shard done; ${result.missing.length} cell(s) of the experiment not finished yet (${result.missing.slice(0, 4).join(', ')}${result.missing.length > 4 ? ', …' : ''}).\n` +
            `When every shard has finished: vidpad experiment --report-only --out ${outDir}\n`,
    );
  }
}

export const experimentCommand: CliCommand = {
  name: 'experiment',
  summary: "run the paper's experiments (and the cross-dataset OCIM grid) over protocols and folds; Markdown and HTML tables",
  usage: '--root DIR --cache DIR --out DIR --grid frames|loss|compare|ocim [--dataset NAME] [--protocols LIST] [--fold K] [--shard i/n] [training options] | --report-only --out DIR',
  description:
    'Grids: frames (Table II: T = 2, 3, 5, each without and with the FlowNetS branch; the grid sets --frames and\n' +
    "--flow per row, and --flow-weights initialises the flow rows' encoder), loss (Table III: the eight losses),\n" +
    "compare (Table IV: the model given by the training options beside baseline methods' score files, --baselines\n" +
    'NAME=TEST.csv[:VAL.csv],..., whose fold column names the split: P1, P2-1 … P2-4, P3-1, P3-2), ocim (the four\n' +
    'cross-dataset directions O&C&I→M, O&I&M→C, O&C&M→I, C&I&M→O over OULU-NPU, CASIA-FASD, Replay-Attack and\n' +
    'MSU-MFSD: --root holds oulu-npu/, casia-fasd/, replay-attack/, msu-mfsd/, or give --root NAME=DIR,…; reported\n' +
    "as HTER and AUC on the target beside APCER/BPCER/ACER, the threshold chosen on the sources' validation parts\n" +
    'only). Each cell trains on a fold, chooses the threshold on its validation split and scores its test split;\n' +
    'OUT/cells/<cell>/ keeps the model, the scores and cell.json, so a rerun skips finished cells. Writes\n' +
    'OUT/report.md, OUT/report.html and OUT/results.json. OUT/experiment.json records the planned cells: every run\n' +
    'and shard must plan the same. --shard i/n runs every n-th cell only (Slurm arrays, Kubernetes indexed Jobs;\n' +
    'see docs/cluster.md): shards never share a cell, each cell is locked while it trains, and a shard leaves the\n' +
    'report to --report-only, which needs only --out and gathers whatever cells have finished, wherever they ran.\n' +
    'OUT must be new, empty or an experiment folder vidpad made (--overwrite to write into another folder). After a\n' +
    'kill or Ctrl-C, the same command continues: finished cells are kept and the cell in training resumes from its\n' +
    'last finished epoch.',
  options: [
    ...DATASET_OPTIONS,
    { name: 'out', type: 'string', valueName: 'DIR', description: 'experiment folder' },
    { name: 'grid', type: 'string', valueName: 'NAME', description: `one of ${EXPERIMENT_GRIDS.join(', ')}` },
    { name: 'protocols', type: 'string', valueName: 'LIST', description: "protocols to run (default: all of the dataset's, e.g. SiW 1,2,3; OULU-NPU 1,2,3,4)" },
    { name: 'baselines', type: 'string', valueName: 'LIST', description: 'compare grid: NAME=TEST.csv[:VAL.csv],…' },
    { name: 'shard', type: 'string', valueName: 'i/n', description: 'run only shard i of n of the cells (every n-th cell in id order)' },
    { name: 'report-only', type: 'boolean', description: 'write the report from the finished cells in --out and stop (no training; needs only --out)', default: false },
    { name: 'overwrite', type: 'boolean', description: 'write into --out even if vidpad did not make it', default: false },
    ...trainOptions(),
    backendOption('compute backend for training'),
    precisionOption(),
  ],
  async run(args, io) {
    const o = args.options;
    const outDir = stringOption(args, 'out', 'experiment');
    if (o['report-only']) {
      if (o.shard !== undefined) throw new UsageError('--report-only gathers every shard\'s cells; drop --shard');
      const result = await reportExperiment(outDir);
      printResult(result, io.stdout, outDir);
      return 0;
    }
    const grid = stringOption(args, 'grid', 'experiment');
    if (!EXPERIMENT_GRIDS.includes(grid as ExperimentGrid)) throw new UsageError(`--grid must be one of ${EXPERIMENT_GRIDS.join(', ')}, got '${grid}'`);
    const shard = shardOption(args);
    // Not validated as it stands: the frames grid sets the clip length and the flow branch per row (so
    // --flow-weights without --flow is right there); every row's configuration is checked instead.
    const base = trainConfigInputFromArgs(args);
    const precision = precisionFromArgs(args);
    // Every cell's configuration is valid before the first one trains.
    for (const c of gridConfigs(grid as ExperimentGrid, base)) validateTrainConfigArgs(args, c.train);
    const root = stringOption(args, 'root', 'experiment');
    const cacheDir = stringOption(args, 'cache', 'experiment');
    const onlyFold = numberOption(args, 'fold', { integer: true, min: 1 });
    const overwrite = Boolean(o.overwrite);
    await checkOutputFolder(outDir, experimentFolderOptions({ overwrite, option: '--out' }));
    let folds: ProtocolFold[];
    let intro: string;
    if (grid === 'ocim') {
      if (typeof o.train === 'string') throw new UsageError('--grid ocim trains on the other three datasets in turn; --test TARGET alone chooses one direction');
      const indexes = await indexDatasets(OCIM_DATASETS, root);
      const target = typeof o.test === 'string' ? datasetOption(o.test, 'test') : null;
      folds = ocimSplits(indexes, crossOptions(args))
        .filter(({ split }) => target === null || split.test[0]?.video.dataset === target)
        .map(({ label, split }) => ({ protocol: label, split }));
      const c = crossOptions(args);
      intro =
        `vidpad experiment 'ocim' on ${OCIM_DATASETS.map((d) => DATASET_TITLES[d]).join(', ')} at ${root}: each direction trains on three datasets ` +
        `(their ${c.sourceParts} parts), chooses the threshold on their validation parts, and tests on the fourth (its ${c.targetParts} parts).`;
    } else if (isCrossDataset(args)) {
      const chosen = await chooseSplits(args, 'experiment');
      const split = chosen.splits[0]!;
      const sources = [...new Set(split.train.map((s) => s.video.dataset!))] as DatasetName[];
      const label = crossDatasetLabel(sources, split.test[0]!.video.dataset!);
      folds = [{ protocol: label, split }];
      intro = `vidpad experiment '${grid}' on the cross-dataset protocol ${label} (${chosen.source}) at ${root}.`;
    } else {
      const dataset = datasetOption(String(o.dataset ?? 'siw'));
      const index = await indexDataset(dataset, root);
      const list = typeof o.protocols === 'string' ? o.protocols : DATASET_PROTOCOLS[dataset].join(',');
      const valSubjects = (o['val-subjects'] as string | undefined)?.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
      folds = list
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p.length > 0)
        .flatMap((protocol) => {
          if (!DATASET_PROTOCOLS[dataset].includes(protocol)) throw new UsageError(`--protocols: '${protocol}' is not a ${dataset} protocol; expected some of ${DATASET_PROTOCOLS[dataset].join(', ')}`);
          return datasetProtocolSplits(index, protocol, valSubjects && valSubjects.length > 0 ? { valSubjects } : {}).map((split) => ({ protocol, split }));
        });
      intro = `vidpad experiment '${grid}' on ${dataset} at ${root}.`;
    }
    folds = folds.filter((f) => onlyFold === undefined || (f.split.fold ?? 1) === onlyFold);
    const cache = await findCropCache(cacheDir, base.model!.inputSize!, o['cache-key'] as string | undefined);
    const backend = await initBackend(String(o.backend), { precision });
    const cells = experimentCells(grid, gridConfigs(grid as ExperimentGrid, base), folds);
    io.stderr.write(`experiment ${grid}: ${cells.length} cell(s)${shard ? `, shard ${shard.index}/${shard.count}` : ''} on ${backend.name} (${backend.precision})\n`);
    io.interrupt?.set(() => 'finished cells are kept, and the cell in training resumes from its last finished epoch: run the same command again to continue');
    const result = await runExperiment({
      cells,
      folds,
      cache,
      outDir,
      overwrite,
      intro,
      shard,
      extraResults: grid === 'compare' ? await baselineResults(parseBaselines(o.baselines as string | undefined), folds) : [],
      ...cellProgress(io.stderr),
    });
    printResult(result, io.stdout, outDir);
    return 0;
  },
};
