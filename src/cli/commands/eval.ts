/**
 * `vidpad eval`: scores a protocol's test split with a trained model on the
 * ONNX inference path, applies the threshold stored in the model (chosen on
 * validation), writes the clip scores (CSV) and the metrics (JSON), and
 * prints the ISO/IEC 30107-3 table at clip and video level.
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { CliCommand } from '../command.js';
import { createProgressBar } from '../progress.js';
import { DATASET_OPTIONS, chooseSplits, findCropCache, numberOption, pickFold, stringOption } from '../dataset-args.js';
import { DEFAULT_BACKEND_REQUEST, evaluateModelOnSplit, formatEvaluationReport, initBackend, readModelMeta, scoresToCsv, writeFileAtomic, rocAuc, aggregateByVideo, checkOutputFolder, claimOutputFolder } from '../../index.js';
import { INFERENCE_PRECISIONS, UsageError } from '../../index.js';
import type { InferencePrecision, OutputFolderOptions } from '../../index.js';

const EVAL_FILES = ['scores.csv', 'metrics.json'];

/** An evaluation folder written before the marker file existed: only eval's two files, metrics.json in eval's shape. */
async function isLegacyEvalFolder(entries: readonly string[], dir: string): Promise<boolean> {
  if (!entries.includes('metrics.json') || !entries.every((e) => EVAL_FILES.includes(e))) return false;
  try {
    const m = JSON.parse(await readFile(path.join(dir, 'metrics.json'), 'utf8')) as Record<string, unknown>;
    return ['model', 'split', 'threshold', 'clip', 'video'].every((k) => k in m);
  } catch {
    return false;
  }
}

export const evalCommand: CliCommand = {
  name: 'eval',
  summary: "score a protocol's test split with a trained model (ONNX Runtime) and report the metrics",
  usage: '--model DIR --root DIR --cache DIR [--dataset NAME] [--protocol P | --train A,B,C --test D] [--fold K] [--out DIR] [--json]',
  description:
    'Scores every clip of the test split (non-overlapping clips of the model\'s T frames, from the crop cache) with\n' +
    "the model's ONNX export (made first if the folder has none or a stale one), applies the model's stored threshold\n" +
    '(the EER point of its validation split: test scores never choose it), and reports APCER per attack type, BPCER,\n' +
    'ACER, EER, HTER and BPCER at fixed APCER, per clip (the paper\'s level) and per video (mean of its clips).\n' +
    'Writes OUT/scores.csv (video, clip, label, attack_type, score: readable by vidpad metrics) and OUT/metrics.json;\n' +
    'OUT must be new, empty or an earlier vidpad eval folder (checked before scoring; --overwrite to write elsewhere).\n' +
    'A missing or damaged weights file beside a current model.onnx is reported; a damaged model.onnx is an error.\n' +
    'Cross-dataset (--train ... --test TARGET): scores the target and adds its HTER and AUC, the figures those tables report.',
  options: [
    { name: 'model', type: 'string', valueName: 'DIR', description: 'trained model folder' },
    ...DATASET_OPTIONS,
    { name: 'out', type: 'string', valueName: 'DIR', description: 'where to write scores.csv and metrics.json (default: MODEL/eval-<protocol>[-<fold>])' },
    { name: 'hop', type: 'string', valueName: 'N', description: 'frames between clip starts (default: the clip length)' },
    { name: 'threads', type: 'string', valueName: 'N', description: 'ONNX Runtime threads (default: the cores available)' },
    { name: 'precision', type: 'string', valueName: 'fp32|int8', description: "which export scores: model.onnx (fp32) or model.int8.onnx (int8, made by 'vidpad export --quantize int8')", default: 'fp32' },
    { name: 'overwrite', type: 'boolean', description: 'write into --out even if vidpad did not make it (replacing its scores.csv and metrics.json)', default: false },
    { name: 'json', type: 'boolean', description: 'print the metrics as JSON', default: false },
  ],
  async run(args, io) {
    const o = args.options;
    const modelDir = stringOption(args, 'model', 'eval');
    const cacheDir = stringOption(args, 'cache', 'eval');
    const fold = numberOption(args, 'fold', { integer: true, min: 1 });
    const threads = numberOption(args, 'threads', { integer: true, min: 1 });
    const hop = numberOption(args, 'hop', { integer: true, min: 1 });
    const precision = String(o.precision ?? 'fp32');
    if (!(INFERENCE_PRECISIONS as readonly string[]).includes(precision)) throw new UsageError(`--precision must be one of ${INFERENCE_PRECISIONS.join(', ')}, got '${precision}'`);
    const meta = await readModelMeta(modelDir);
    const chosen = await chooseSplits(args, 'eval');
    const split = pickFold(chosen.splits, fold);
    // Where the results go is checked before a single clip is scored.
    const outDir = typeof o.out === 'string' ? o.out : path.join(modelDir, `eval-p${chosen.protocolLabel}${split.fold ? `-${split.fold}` : ''}`);
    const outOptions: OutputFolderOptions = { kind: 'eval', option: typeof o.out === 'string' ? '--out' : 'eval folder', overwrite: Boolean(o.overwrite), legacy: isLegacyEvalFolder };
    await checkOutputFolder(outDir, outOptions);
    const cache = await findCropCache(cacheDir, meta.config.inputSize, o['cache-key'] as string | undefined);
    io.interrupt?.set(() => 'no scores or metrics were written yet; run the same command again');
    // The clip count is known once the split's cached videos are read: the bar takes it from the first report.
    const bar = createProgressBar({ label: 'eval', total: null, unit: 'clips', stream: io.stderr as NodeJS.WritableStream });
    const result = await evaluateModelOnSplit({
      modelDir,
      split,
      cache,
      meta,
      precision: precision as InferencePrecision,
      ...(threads !== undefined ? { threads } : {}),
      ...(hop !== undefined ? { hop } : {}),
      beforeExport: async () => {
        await initBackend(DEFAULT_BACKEND_REQUEST);
        io.stderr.write(`eval: exporting ${modelDir} to ONNX first\n`);
      },
      onProgress: (done, total) => {
        bar.setTotal(total);
        bar.update(done);
      },
    });
    const { scores, clip, video, threshold } = result;
    bar.finish(`eval: ${scores.rows.length} clips scored from ${split.test.length - scores.missingVideos.length} videos${scores.noFaceClips ? `, ${scores.noFaceClips} left out (no face)` : ''}`);
    for (const w of result.warnings) io.stderr.write(`warning: ${w}\n`);
    await claimOutputFolder(outDir, outOptions);
    await writeFileAtomic(path.join(outDir, 'scores.csv'), scoresToCsv(scores.rows));
    // The cross-dataset tables' figures: HTER at the threshold chosen on the sources, and the threshold-free AUC.
    const cross = split.dataset === 'cross' ? { hter: clip.folds[0]!.metrics.hter, auc: rocAuc(scores.rows, `${split.name} test clips`), videoHter: video.folds[0]!.metrics.hter, videoAuc: rocAuc(aggregateByVideo(scores.rows), `${split.name} test videos`) } : null;
    const report = { model: modelDir, precision, split: split.name, threshold, clips: scores.rows.length, ...(result.warnings.length > 0 ? { warnings: result.warnings } : {}), missingVideos: scores.missingVideos, noFaceClips: scores.noFaceClips, clip, video, ...(cross ? { cross } : {}) };
    await writeFileAtomic(path.join(outDir, 'metrics.json'), JSON.stringify(report, null, 2) + '\n');
    if (o.json) io.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else {
      io.stdout.write(`${split.name} (${precision === 'int8' ? 'model.int8.onnx' : 'model.onnx'}): threshold ${threshold.value} (EER point of the ${threshold.chosenOn} split)\n\n`);
      io.stdout.write('Clip level (the paper\'s):\n' + formatEvaluationReport(clip, { test: 'test clips' }) + '\n');
      io.stdout.write('Video level (mean of each video\'s clips):\n' + formatEvaluationReport(video, { test: 'test videos' }) + '\n');
      if (cross) io.stdout.write(`Cross-dataset, on the target: HTER ${(100 * cross.hter).toFixed(2)}%, AUC ${(100 * cross.auc).toFixed(2)}% (clips); HTER ${(100 * cross.videoHter).toFixed(2)}%, AUC ${(100 * cross.videoAuc).toFixed(2)}% (videos)\n\n`);
      io.stdout.write(`scores: ${path.join(outDir, 'scores.csv')}\nmetrics: ${path.join(outDir, 'metrics.json')}\n`);
    }
    return 0;
  },
};
