/**
 * `vidpad train`: one protocol fold, the paper's recipe by default, every
 * knob on the command line; a progress bar, a JSONL log, checkpoints and
 * `--resume`.
 */
import type { CliCommand } from '../command.js';
import { createProgressBar, formatDuration } from '../progress.js';
import { DATASET_OPTIONS, chooseSplits, findCropCache, numberOption, pickFold, stringOption } from '../dataset-args.js';
import { trainConfigFromArgs, trainOptions } from '../train-args.js';
import { initBackend, learningCurveTable, trainModel, checkTrainOutput, TRAINING_SUBDIR } from '../../index.js';
import { backendOption, precisionFromArgs, precisionOption } from '../backend-option.js';
import { withFlag } from '../interrupt.js';

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'train AlexNet-(2+1)D on a protocol fold (the paper\'s recipe), with checkpoints and --resume',
  usage: '--root DIR --cache DIR --out MODEL_DIR [--dataset NAME] [--protocol P | --train A,B,C --test D] [--fold K] [--loss NAME] [--frames T] [options]',
  description:
    'Trains on the fold\'s training split from the crop cache, validates each epoch on its validation subjects,\n' +
    `stops after --patience epochs without a better validation EER (--select-by; at most --epochs), keeps the best epoch,\n` +
    'computes the live prototype and chooses the threshold at the EER point of the validation split. Writes the\n' +
    `model folder (model.json, weights.safetensors) to --out, and ${TRAINING_SUBDIR}/ inside it: checkpoint.safetensors\n` +
    '(after every epoch, atomic), best.safetensors and log.jsonl (one line per epoch). After a kill or Ctrl-C, the\n' +
    'same command with --resume continues from the last finished epoch and gives the same weights.\n' +
    '--out must be a new or empty folder, or one vidpad train made: a folder holding a trained model, or files\n' +
    'vidpad did not make, is refused unless --overwrite (which deletes the model and training state there first).\n' +
    'Cross-dataset: --train oulu-npu,casia-fasd,replay-attack --test msu-mfsd trains on the sources and chooses the\n' +
    "threshold on the sources' validation parts only; the target is never read (see docs/data.md).",
  options: [
    ...DATASET_OPTIONS,
    { name: 'out', type: 'string', valueName: 'MODEL_DIR', description: 'model folder to write' },
    ...trainOptions(),
    backendOption(),
    precisionOption(),
    { name: 'resume', type: 'boolean', description: 'continue the checkpoint in --out', default: false },
    { name: 'overwrite', type: 'boolean', description: 'replace a model or checkpoint in --out, or write into a folder vidpad did not make', default: false },
    { name: 'json', type: 'boolean', description: 'print the result as JSON', default: false },
  ],
  async run(args, io) {
    const o = args.options;
    // Everything the command line says is checked before any work: the whole configuration, then where it writes.
    const out = stringOption(args, 'out', 'train');
    const cacheDir = stringOption(args, 'cache', 'train');
    const config = trainConfigFromArgs(args);
    const precision = precisionFromArgs(args);
    const fold = numberOption(args, 'fold', { integer: true, min: 1 });
    const resume = Boolean(o.resume);
    const overwrite = Boolean(o.overwrite);
    await checkTrainOutput(out, { resume, overwrite, option: '--out' });
    const size = config.model!.inputSize!;
    const chosen = await chooseSplits(args, 'train');
    const split = pickFold(chosen.splits, fold);
    const cache = await findCropCache(cacheDir, size, o['cache-key'] as string | undefined);
    const backend = await initBackend(String(o.backend), { precision });
    io.stderr.write(`train: ${split.name} on ${backend.name} (${backend.precision}); ${split.train.length} training, ${split.val.length} validation videos; model → ${out}\n`);
    const checkpoint = `${out}/${TRAINING_SUBDIR}/checkpoint.safetensors`;
    io.interrupt?.set(() => (resume ? `no further epoch had finished; ${checkpoint} is kept: continue with the same command` : 'no epoch had finished, so there is nothing to resume: run the same command again to start over'));
    let bar: ReturnType<typeof createProgressBar> | null = null;
    let barEpoch = -1;
    const result = await trainModel({
      split,
      cache,
      config,
      outDir: out,
      resume,
      overwrite,
      provenance: { dataset: chosen.source },
      onProgress: (p) => {
        if (p.epoch !== barEpoch) {
          barEpoch = p.epoch;
          bar = createProgressBar({ label: `epoch ${p.epoch + 1}/${p.maxEpochs}`, total: p.batches, unit: 'batches', stream: io.stderr as NodeJS.WritableStream });
        }
        bar!.update(p.batch, `loss ${p.loss.toFixed(4)}, ${p.clipsPerSec.toFixed(1)} clips/s${p.phase === 'validate' ? ', validating' : ''}`);
      },
      onEpoch: (r) => {
        (bar as ReturnType<typeof createProgressBar> | null)?.finish(
          `epoch ${r.epoch}: train loss ${r.trainLoss.toFixed(4)}, val loss ${r.valLoss.toFixed(4)}, val EER ${r.valEer === null ? 'n/a' : (100 * r.valEer).toFixed(2) + '%'}, lr ${r.learningRate.toPrecision(3)}, ${r.clipsPerSec.toFixed(1)} clips/s, ${formatDuration(r.seconds)}${r.improved ? ' (best so far)' : ''}`,
        );
        bar = null;
        io.interrupt?.set((commandLine) => `epoch ${r.epoch} is saved in ${checkpoint}; continue with:\n  ${withFlag(commandLine, '--resume')}`);
      },
    });
    io.interrupt?.set(null);
    const summary = {
      model: result.modelDir,
      split: split.name,
      epochs: result.history.length,
      bestEpoch: result.bestEpoch,
      stopReason: result.stopReason,
      threshold: result.threshold?.threshold ?? null,
      valEer: result.threshold?.eer ?? null,
      missingVideos: result.missingVideos.length,
      noFaceClips: result.noFaceClips,
      seconds: result.seconds,
    };
    if (o.json) io.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    else {
      io.stdout.write(`learning curve (* the epoch kept):\n${learningCurveTable(result.history, result.bestEpoch)}\n`);
      io.stdout.write(`model: ${result.modelDir} (best epoch ${result.bestEpoch} of ${result.history.length}, ${result.stopReason})\n`);
      io.stdout.write(`threshold (EER point of the validation split): ${result.threshold?.threshold.toFixed(6)}, validation EER ${((result.threshold?.eer ?? NaN) * 100).toFixed(2)}%\n`);
      if (result.missingVideos.length > 0) io.stdout.write(`warning: ${result.missingVideos.length} split video(s) are not in the crop cache and were left out\n`);
      io.stdout.write(`time: ${formatDuration(result.seconds)}\n`);
    }
    return 0;
  },
};
