/**
 * `vidpad export`: writes a saved model folder's inference graph as ONNX, the
 * file that ONNX Runtime (and users of other stacks) run.
 */
import path from 'node:path';
import type { CliCommand } from '../command.js';
import { DEFAULT_CALIBRATION_CLIPS, DEFAULT_ONNX_GRAPH_FORM, ONNX_GRAPH_FORMS, UsageError, checkOutputFile, exportModelFolderOnnx, initBackend, isVidpadOnnxFile, quantizeModelOnSplit, readModelMeta } from '../../index.js';
import { DATASET_OPTIONS, chooseSplits, findCropCache, numberOption, pickFold, stringOption } from '../dataset-args.js';

const FORMATS = ['onnx'] as const;
const QUANTIZATIONS = ['int8'] as const;

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'export a trained model folder to ONNX',
  usage: '--model DIR [--format onnx] [--out FILE] [--graph 2d|3d] [--json]\n       --model DIR --quantize int8 --root DIR --cache DIR [--dataset NAME] [--protocol P] [--fold K] [--calibration-clips N]',
  description:
    'Reads DIR/model.json and DIR/weights.safetensors and writes the inference graph as a standard ONNX file\n' +
    '(IR 8, opset 17): input clip float32 [batch, T, H, W, 3] (each frame standardised), outputs embedding [batch, D]\n' +
    'and liveScore [batch] (cosine to the stored live prototype; higher = more likely live). The file is written\n' +
    'atomically, to DIR/model.onnx unless --out is given: a file path in an existing folder; a file already there is\n' +
    'replaced only when vidpad exported it, or with --overwrite. --graph 3d writes Conv3D kernels instead of the default\n' +
    '2D form (frames folded into the batch), which runs faster in onnxruntime.\n' +
    '--quantize int8 writes DIR/model.int8.onnx instead: the convolutions statically quantised (uint8 activations\n' +
    'calibrated on the validation clips of the protocol fold that --root/--cache/--protocol/--fold name, never its\n' +
    'test clips; int8 weights per output channel; the fully connected head stays float32) in the QDQ form that ONNX\n' +
    "Runtime runs on its integer kernels, and records the file's size and SHA-256 in model.json (quantized.int8).\n" +
    "It is used by 'vidpad eval --precision int8' and by anything that opens the folder with precision 'int8'; a later\n" +
    'save of the weights removes it. See docs/precision.md for the speed and accuracy measured.',
  options: [
    { name: 'model', type: 'string', valueName: 'DIR', description: 'the model folder (required)' },
    { name: 'format', type: 'string', valueName: 'onnx', description: 'output format', default: 'onnx' },
    { name: 'out', type: 'string', valueName: 'FILE', description: 'output file (default: DIR/model.onnx)' },
    { name: 'overwrite', type: 'boolean', description: 'replace an existing --out file that vidpad did not write', default: false },
    { name: 'graph', type: 'string', valueName: ONNX_GRAPH_FORMS.join('|'), description: 'how the (2+1)D convolutions are written', default: DEFAULT_ONNX_GRAPH_FORM },
    { name: 'quantize', type: 'string', valueName: QUANTIZATIONS.join('|'), description: 'write the quantised export DIR/model.int8.onnx, calibrated on a validation split (needs --root and --cache)' },
    { name: 'calibration-clips', type: 'string', valueName: 'N', description: 'validation clips that calibrate --quantize', default: String(DEFAULT_CALIBRATION_CLIPS) },
    ...DATASET_OPTIONS,
    { name: 'json', type: 'boolean', description: 'print JSON instead of a line', default: false },
  ],
  async run(args, io) {
    const o = args.options;
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'; give the folder with --model`);
    const dir = o.model as string | undefined;
    if (dir === undefined || dir === '') throw new UsageError("--model DIR is required; see 'vidpad export --help'");
    const format = o.format as string;
    if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format: unknown format '${format}'; expected ${FORMATS.join(', ')}`);
    const form = o.graph as string;
    if (!(ONNX_GRAPH_FORMS as readonly string[]).includes(form)) throw new UsageError(`--graph: unknown form '${form}'; expected ${ONNX_GRAPH_FORMS.join(' or ')}`);
    const out = o.out === undefined ? undefined : path.resolve(o.out as string);
    const overwrite = Boolean(o.overwrite);
    if (o.quantize !== undefined) {
      const q = String(o.quantize);
      if (!(QUANTIZATIONS as readonly string[]).includes(q)) throw new UsageError(`--quantize: unknown quantisation '${q}'; expected ${QUANTIZATIONS.join(', ')}`);
      if (out !== undefined) throw new UsageError(`--quantize writes ${path.join(dir, 'model.int8.onnx')} and records it in model.json; drop --out`);
      if (form !== DEFAULT_ONNX_GRAPH_FORM) throw new UsageError(`--quantize writes the ${DEFAULT_ONNX_GRAPH_FORM} graph; drop --graph ${form}`);
      const maxClips = numberOption(args, 'calibration-clips', { integer: true, min: 1 })!;
      const cacheDir = stringOption(args, 'cache', 'export --quantize');
      const meta = await readModelMeta(dir);
      const chosen = await chooseSplits(args, 'export --quantize');
      const split = pickFold(chosen.splits, numberOption(args, 'fold', { integer: true, min: 1 }));
      const cache = await findCropCache(cacheDir, meta.config.inputSize, o['cache-key'] as string | undefined);
      await initBackend('cpu');
      io.stderr.write(`export: calibrating int8 on up to ${maxClips} validation clips of ${split.name}\n`);
      const result = await quantizeModelOnSplit({ modelDir: dir, split, cache, maxClips });
      if (o.json) io.stdout.write(JSON.stringify({ format, quantize: q, ...result }, null, 2) + '\n');
      else io.stdout.write(`wrote ${result.path} (${(result.bytes / 1e6).toFixed(2)} MB, int8, calibrated on ${result.calibration.clips} clips of the ${result.calibration.source}); recorded in model.json\n`);
      return 0;
    }
    // The model and where it goes are checked before anything is loaded.
    await readModelMeta(dir);
    if (out !== undefined) await checkOutputFile(out, { option: '--out', overwrite, isOurs: isVidpadOnnxFile });
    // Loading only needs the weights' values: the always-there backend does.
    await initBackend('cpu');
    const result = await exportModelFolderOnnx(dir, { form: form as (typeof ONNX_GRAPH_FORMS)[number], ...(out ? { out, overwrite, option: '--out' } : {}) });
    if (o.json) io.stdout.write(JSON.stringify({ format, ...result }, null, 2) + '\n');
    else io.stdout.write(`wrote ${result.file} (${(result.bytes / 1e6).toFixed(2)} MB, ONNX opset 17, ${result.form} graph)\n`);
    return 0;
  },
};
