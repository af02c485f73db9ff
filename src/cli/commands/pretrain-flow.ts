/**
 * `vidpad pretrain-flow`: supervised optical-flow pretraining of FlowNetS on
 * procedurally generated flying shapes, resumable, writing the encoder the
 * AlexNet-(2+1)D flow branch loads.
 */
import type { CliCommand } from '../command.js';
import { createProgressBar } from '../progress.js';
import { DEFAULT_FLOW_PRETRAIN_CONFIG, FLOW_PRETRAIN_FILES, claimOutputFolder, initBackend, resolveFlowPretrainConfig, runFlowPretraining, UsageError } from '../../index.js';
import { numberOption } from '../dataset-args.js';
import type { FlowPretrainConfig } from '../../index.js';
import { backendOption, precisionFromArgs, precisionOption } from '../backend-option.js';
import { withFlag } from '../interrupt.js';

const d = DEFAULT_FLOW_PRETRAIN_CONFIG;

export const pretrainFlowCommand: CliCommand = {
  name: 'pretrain-flow',
  summary: 'pretrain the FlowNetS flow branch on generated flying shapes (resumable)',
  usage: '--out DIR [--steps N] [--size 64] [--width 0.25] [--batch 8] [--seed S] [--resume] [options]',
  description:
    'Trains FlowNetS (encoder + decoder) to predict optical flow on flying shapes: textured ellipses and polygons\n' +
    'moving over a textured background, rendered with exact ground-truth flow. Loss: the multi-scale endpoint error\n' +
    '(weights 0.005, 0.01, 0.02, 0.08, 0.32 from the finest scale), Adam. Reports the average endpoint error (EPE,\n' +
    'pixels) on a fixed held-out set against predicting zero flow, before and after. Writes DIR/' + FLOW_PRETRAIN_FILES.encoder + '\n' +
    '(encoder, PyTorch FlowNetS names, OIHW: what the flow branch loads), DIR/' + FLOW_PRETRAIN_FILES.full + ' (encoder + decoder),\n' +
    'DIR/' + FLOW_PRETRAIN_FILES.report + ' (config, steps, EPEs, losses) and DIR/' + FLOW_PRETRAIN_FILES.checkpoint + ' every --checkpoint-every steps;\n' +
    '--resume continues a stopped run (and may raise --steps). DIR must be new, empty or made by pretrain-flow\n' +
    '(--overwrite to write into another folder).',
  options: [
    { name: 'out', type: 'string', valueName: 'DIR', description: 'output folder (created if missing)' },
    { name: 'overwrite', type: 'boolean', description: 'write into --out even if vidpad did not make it', default: false },
    { name: 'steps', type: 'string', valueName: 'N', description: 'optimiser steps', default: String(d.steps) },
    { name: 'size', type: 'string', valueName: 'PX', description: 'frame side in pixels, a multiple of 64', default: String(d.sizePx) },
    { name: 'width', type: 'string', valueName: 'M', description: 'width multiplier of FlowNetS (1 = the paper)', default: String(d.widthMultiplier) },
    { name: 'batch', type: 'string', valueName: 'N', description: 'frame pairs per step', default: String(d.batchSize) },
    { name: 'seed', type: 'string', valueName: 'S', description: 'seed of the initialisation and the training data', default: String(d.seed) },
    { name: 'lr', type: 'string', valueName: 'RATE', description: 'Adam learning rate', default: String(d.learningRate) },
    { name: 'held-out', type: 'string', valueName: 'N', description: 'held-out pairs for the EPE (fixed seed)', default: String(d.heldOutSize) },
    { name: 'checkpoint-every', type: 'string', valueName: 'N', description: 'steps between checkpoints', default: String(d.checkpointEvery) },
    backendOption(),
    precisionOption(),
    { name: 'resume', type: 'boolean', description: 'continue from DIR/' + FLOW_PRETRAIN_FILES.checkpoint + ' if it exists', default: false },
    { name: 'json', type: 'boolean', description: 'print the result as JSON', default: false },
  ],
  async run(args, io) {
    const o = args.options;
    if (typeof o.out !== 'string' || o.out.length === 0) throw new UsageError(`--out is required; see 'vidpad pretrain-flow --help'`);
    const config: Partial<FlowPretrainConfig> = {
      steps: numberOption(args, 'steps')!,
      sizePx: numberOption(args, 'size')!,
      widthMultiplier: numberOption(args, 'width')!,
      batchSize: numberOption(args, 'batch')!,
      seed: numberOption(args, 'seed')!,
      learningRate: numberOption(args, 'lr')!,
      heldOutSize: numberOption(args, 'held-out')!,
      checkpointEvery: numberOption(args, 'checkpoint-every')!,
    };
    resolveFlowPretrainConfig(config);
    const precision = precisionFromArgs(args);
    // Written only into a new or empty folder, or one pretrain-flow made (its files, from before the marker file).
    await claimOutputFolder(o.out, {
      kind: 'flow-pretrain',
      option: '--out',
      overwrite: o.overwrite === true,
      legacy: (entries) => Object.values(FLOW_PRETRAIN_FILES).some((f) => entries.includes(f)),
    });
    const backend = await initBackend(o.backend as string, { precision });
    io.stderr.write(`pretrain-flow: backend ${backend.name} (${backend.precision}), output ${o.out}\n`);
    io.interrupt?.set((commandLine) => `the last checkpoint in ${o.out} is kept; continue with:\n  ${withFlag(commandLine, '--resume')}`);
    const stream = io.stderr as NodeJS.WritableStream & { isTTY?: boolean };
    let bar: ReturnType<typeof createProgressBar> | undefined;
    const result = await runFlowPretraining({
      outDir: o.out,
      config,
      resume: o.resume === true,
      onLog: (line) => io.stderr.write(`pretrain-flow: ${line}\n`),
      // The bar counts this run's steps, so its rate and ETA stay right after a resume.
      onStart: (s) => {
        bar = createProgressBar({ label: 'pretrain-flow', total: s.steps - s.resumedFrom, unit: 'steps', stream });
      },
      onProgress: (p) => bar?.update(p.step - p.resumedFrom, `step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)}`),
    });
    bar?.finish();
    const { epe } = result;
    if (o.json) {
      io.stdout.write(JSON.stringify({ ...result, losses: undefined, backend: backend.name }, null, 2) + '\n');
    } else {
      io.stdout.write(
        `held-out EPE (${epe.heldOutPairs} pairs): ${epe.end.toFixed(3)} px after ${result.steps} steps ` +
          `(${epe.start.toFixed(3)} px at the start; zero flow ${epe.zeroFlow.toFixed(3)} px)\n` +
          `train time ${result.trainSeconds.toFixed(1)} s; run ${result.runId}\n` +
          `encoder: ${result.files.encoder}\nreport: ${result.files.report}\n`,
      );
    }
    return 0;
  },
};
