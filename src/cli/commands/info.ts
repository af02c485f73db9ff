/**
 * `vidpad info`: what a saved model folder holds: its config and input, size,
 * parameters and FLOPs per clip, live prototype and threshold, training
 * provenance, and whether its ONNX export is present and current.
 */
import path from 'node:path';
import type { CliCommand } from '../command.js';
import { UsageError, checkModelFolder, estimateCost, modelFolderFiles, planAlexNet2Plus1D, readModelMeta } from '../../index.js';

const mb = (bytes: number | null) => (bytes === null ? 'absent' : `${(bytes / 1e6).toFixed(2)} MB`);
const orDash = (v: unknown) => (v === null || v === undefined ? '-' : String(v));

export const infoCommand: CliCommand = {
  name: 'info',
  summary: "a model folder's config, size, FLOPs and provenance",
  usage: '--model DIR [--json]',
  description:
    'Reads DIR/model.json (and the sizes of the files beside it) and prints the model config, input spec, parameter\n' +
    'count, forward FLOPs per clip, size on disk, how liveScore is computed, the threshold and the split it was chosen\n' +
    'on, the loss, the training provenance, and checks the files against what model.json records: the weights\n' +
    "file's size, header and SHA-256, and whether DIR/model.onnx decodes and was exported from those weights. Each\n" +
    'problem is one line naming the file; the exit status is then 1.',
  options: [
    { name: 'model', type: 'string', valueName: 'DIR', description: 'the model folder (required)' },
    { name: 'json', type: 'boolean', description: 'print JSON instead of a table', default: false },
  ],
  async run(args, io) {
    const o = args.options;
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'; give the folder with --model`);
    const dir = o.model as string | undefined;
    if (dir === undefined || dir === '') throw new UsageError("--model DIR is required; see 'vidpad info --help'");
    const meta = await readModelMeta(dir);
    const plan = planAlexNet2Plus1D(meta.config);
    const cost = estimateCost(plan);
    const files = await modelFolderFiles(dir);
    const check = await checkModelFolder(dir, meta);
    const onnx = check.onnx;
    const onDisk = files.json + (files.weights ?? 0) + (files.onnx ?? 0) + (files.int8Onnx ?? 0);
    const int8 = meta.quantized?.int8;
    if (o.json) {
      const report = {
        model: path.resolve(dir),
        ...meta,
        parameters: cost.parameters,
        forwardFlopsPerClip: cost.forwardFlops,
        files: { 'model.json': files.json, 'weights.safetensors': files.weights, 'model.onnx': files.onnx, 'model.int8.onnx': files.int8Onnx, total: onDisk },
        onnx: { present: onnx.present, matchesModel: onnx.matchesModel, state: onnx.state },
        weightsCheck: { state: check.weights.state, verified: check.weights.verified },
        problems: check.problems,
      };
      io.stdout.write(JSON.stringify(report, null, 2) + '\n');
      return check.problems.length > 0 ? 1 : 0;
    }
    const c = meta.config;
    const t = meta.training;
    const rows: Array<[string, string]> = [
      ['model', path.resolve(dir)],
      ['architecture', `${meta.architecture} (model format ${meta.formatVersion})`],
      ['input', `[batch, ${c.frames}, ${c.inputSize}, ${c.inputSize}, 3] ${meta.input.layout}, RGB, ${meta.input.normalization}`],
      ['config', Object.entries(c).map(([k, v]) => `${k} ${String(v)}`).join(', ')],
      ['parameters', `${(cost.parameters / 1e6).toFixed(3)} M (${cost.parameters})`],
      ['FLOPs/clip', `${(cost.forwardFlops / 1e9).toFixed(3)} GFLOP forward`],
      ['size on disk', `${mb(onDisk)}: weights ${mb(files.weights)}, model.json ${mb(files.json)}, model.onnx ${mb(files.onnx)}`],
      ['liveScore', `cosine to the live prototype (${meta.liveScore.source}, ${meta.liveScore.prototype.length} values)`],
      ['threshold', meta.threshold ? `${meta.threshold.value} (${meta.threshold.rule} on ${meta.threshold.chosenOn}${meta.threshold.chosenOn === 'test' ? ', an oracle' : ''})` : 'none'],
      ['int8', int8 ? `${int8.file}, ${mb(int8.bytes)}, calibrated on ${int8.calibration.clips} clips of the ${int8.calibration.source}${files.int8Onnx === null ? ' (the file is missing)' : ''}` : `none (vidpad export --model ${dir} --quantize int8 --root … --cache …)`],
      ['loss', meta.loss],
      ['training', `dataset ${orDash(t.dataset)}, protocol ${orDash(t.protocol)}, fold ${orDash(t.fold)}, seed ${orDash(t.seed)}, epochs ${orDash(t.epochs)}`],
      ['versions', `vidpad ${t.versions.vidpad}, tfjs ${t.versions.tfjs}, node ${t.versions.node}`],
      [
        'weights',
        check.weights.problem ?? `ok (${check.weights.verified ? `size and SHA-256 as ${'model.json'} records` : 'a valid safetensors file; model.json records no size or SHA-256 to check it against'})`,
      ],
      [
        'onnx',
        onnx.state === 'absent'
          ? `absent (vidpad export --model ${dir})`
          : onnx.state === 'invalid' || onnx.state === 'stale'
            ? onnx.problem!
            : onnx.state === 'current'
              ? `present, exported from the weights model.json records${check.weights.state === 'ok' ? '' : ` (but ${check.weights.file} is ${check.weights.state})`}`
              : 'present (it records no weights hash to check it against)',
      ],
    ];
    if (Object.keys(meta.extra).length > 0) rows.push(['extra', JSON.stringify(meta.extra)]);
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) io.stdout.write(`${k.padEnd(width)}  ${v}\n`);
    for (const p of check.problems) io.stderr.write(`vidpad: problem: ${p}\n`);
    return check.problems.length > 0 ? 1 : 0;
  },
};
