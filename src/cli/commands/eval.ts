/**
 * `vidpad eval`: scores a protocol's test split with a trained model on the
 * ONNX inference path, applies the threshold stored in the model (chosen on
 * validation), writes the clip scores (CSV) and the metrics (JSON), and
 * prints the ISO/IEC 30107-3 table at clip and video level.
 */
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { CliCommand } from '../command.js';
import { createProgressBar } from '../progress.js';
import { DATASET_OPTIONS, chooseSplits, findCropCache, numberOption, pickFold, stringOption } from '../dataset-args.js';
import { DEFAULT_BACKEND_REQUEST, evaluateModelOnSplit, formatEvaluationReport, initBackend, readModelMeta, scoresToCsv, writeFileAtomic, rocAuc, aggregateByVideo } from '../../index.js';

export const evalCommand: CliCommand = {
  name: 'eval',
  summary: "score a protocol's test split with a trained model (ONNX Runtime) and report the metrics",
  usage: '--model DIR --root DIR --cache DIR [--dataset NAME] [--protocol P | --train A,B,C --test D] [--fold K] [--out DIR] [--json]',
  description:
    'Scores every clip of the test split (non-overlapping clips of the model\'s T frames, from the crop cache) with\n' +
    "the model's ONNX export (made first if the folder has none or a stale one), applies the model's stored threshold\n" +
    '(the EER point of its validation split: test scores never choose it), and reports APCER per attack type, BPCER,\n' +
    'ACER, EER, HTER and BPCER at fixed APCER, per clip (the paper\'s level) and per video (mean of its clips).\n' +
    'Writes OUT/scores.csv (video, clip, label, attack_type, score: readable by vidpad metrics) and OUT/metrics.json.\n' +
    'Cross-dataset (--train ... --test TARGET): scores the target and adds its HTER and AUC, the figures those tables report.',
  options: [
    { name: 'model', type: 'string', valueName: 'DIR', description: 'trained model folder' },
    ...DATASET_OPTIONS,
    { name: 'out', type: 'string', valueName: 'DIR', description: 'where to write scores.csv and metrics.json (default: MODEL/eval-<protocol>[-<fold>])' },
    { name: 'hop', type: 'string', valueName: 'N', description: 'frames between clip starts (default: the clip length)' },
    { name: 'threads', type: 'string', valueName: 'N', description: 'ONNX Runtime threads (default: the cores available)' },
    { name: 'json', type: 'boolean', description: 'print the metrics as JSON', default: false },
  ],
  async run(args, io) {
    const o = args.options;
    const modelDir = stringOption(args, 'model', 'eval');
    const meta = await readModelMeta(modelDir);
    const fold = numberOption(args, 'fold', { integer: true, min: 1 });
    const chosen = await chooseSplits(args, 'eval');
    const split = pickFold(chosen.splits, fold);
    const cache = await findCropCache(stringOption(args, 'cache', 'eval'), meta.config.inputSize, o['cache-key'] as string | undefined);
    const threads = numberOption(args, 'threads', { integer: true, min: 1 });
    const hop = numberOption(args, 'hop', { integer: true, min: 1 });
    const bar = createProgressBar({ label: 'eval', total: 0, unit: 'clips', stream: io.stderr as NodeJS.WritableStream });
    const result = await evaluateModelOnSplit({
      modelDir,
      split,
      cache,
      meta,
      ...(threads !== undefined ? { threads } : {}),
      ...(hop !== undefined ? { hop } : {}),
      beforeExport: async () => {
        await initBackend(DEFAULT_BACKEND_REQUEST);
        io.stderr.write(`eval: exporting ${modelDir} to ONNX first\n`);
      },
      onProgress: (done, total) => bar.update(done, `of ${total}`),
    });
    const { scores, clip, video, threshold } = result;
    bar.finish(`eval: ${scores.rows.length} clips scored from ${split.test.length - scores.missingVideos.length} videos${scores.noFaceClips ? `, ${scores.noFaceClips} left out (no face)` : ''}`);
    const outDir = typeof o.out === 'string' ? o.out : path.join(modelDir, `eval-p${chosen.protocolLabel}${split.fold ? `-${split.fold}` : ''}`);
    await mkdir(outDir, { recursive: true });
    await writeFileAtomic(path.join(outDir, 'scores.csv'), scoresToCsv(scores.rows));
    // The cross-dataset tables' figures: HTER at the threshold chosen on the sources, and the threshold-free AUC.
    const cross = split.dataset === 'cross' ? { hter: clip.folds[0]!.metrics.hter, auc: rocAuc(scores.rows, `${split.name} test clips`), videoHter: video.folds[0]!.metrics.hter, videoAuc: rocAuc(aggregateByVideo(scores.rows), `${split.name} test videos`) } : null;
    const report = { model: modelDir, split: split.name, threshold, clips: scores.rows.length, missingVideos: scores.missingVideos, noFaceClips: scores.noFaceClips, clip, video, ...(cross ? { cross } : {}) };
    await writeFileAtomic(path.join(outDir, 'metrics.json'), JSON.stringify(report, null, 2) + '\n');
    if (o.json) io.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else {
      io.stdout.write(`${split.name}: threshold ${threshold.value} (EER point of the ${threshold.chosenOn} split)\n\n`);
      io.stdout.write('Clip level (the paper\'s):\n' + formatEvaluationReport(clip, { test: 'test clips' }) + '\n');
      io.stdout.write('Video level (mean of each video\'s clips):\n' + formatEvaluationReport(video, { test: 'test videos' }) + '\n');
      if (cross) io.stdout.write(`Cross-dataset, on the target: HTER ${(100 * cross.hter).toFixed(2)}%, AUC ${(100 * cross.auc).toFixed(2)}% (clips); HTER ${(100 * cross.videoHter).toFixed(2)}%, AUC ${(100 * cross.videoAuc).toFixed(2)}% (videos)\n\n`);
      io.stdout.write(`scores: ${path.join(outDir, 'scores.csv')}\nmetrics: ${path.join(outDir, 'metrics.json')}\n`);
    }
    return 0;
  },
};
