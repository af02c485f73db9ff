/**
 * `vidpad export`: writes a saved model folder's inference graph as ONNX, the
 * file that ONNX Runtime (and users of other stacks) run.
 */
import path from 'node:path';
import type { CliCommand } from '../command.js';
import { DEFAULT_ONNX_GRAPH_FORM, ONNX_GRAPH_FORMS, UsageError, checkOutputFile, exportModelFolderOnnx, initBackend, isVidpadOnnxFile, readModelMeta } from '../../index.js';

const FORMATS = ['onnx'] as const;

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'export a trained model folder to ONNX',
  usage: '--model DIR [--format onnx] [--out FILE] [--graph 2d|3d] [--json]',
  description:
    'Reads DIR/model.json and DIR/weights.safetensors and writes the inference graph as a standard ONNX file\n' +
    '(IR 8, opset 17): input clip float32 [batch, T, H, W, 3] (each frame standardised), outputs embedding [batch, D]\n' +
    'and liveScore [batch] (cosine to the stored live prototype; higher = more likely live). The file is written\n' +
    'atomically, to DIR/model.onnx unless --out is given: a file path in an existing folder; a file already there is\n' +
    'replaced only when vidpad exported it, or with --overwrite. --graph 3d writes Conv3D kernels instead of the default\n' +
    '2D form (frames folded into the batch), which runs faster in onnxruntime.',
  options: [
    { name: 'model', type: 'string', valueName: 'DIR', description: 'the model folder (required)' },
    { name: 'format', type: 'string', valueName: 'onnx', description: 'output format', default: 'onnx' },
    { name: 'out', type: 'string', valueName: 'FILE', description: 'output file (default: DIR/model.onnx)' },
    { name: 'overwrite', type: 'boolean', description: 'replace an existing --out file that vidpad did not write', default: false },
    { name: 'graph', type: 'string', valueName: ONNX_GRAPH_FORMS.join('|'), description: 'how the (2+1)D convolutions are written', default: DEFAULT_ONNX_GRAPH_FORM },
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
