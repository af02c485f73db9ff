/**
 * `vidpad predict`: is the face in each input live? Loads the model once,
 * scores every input through the one liveness pipeline, prints a verdict line
 * per input (or the library's result as JSON), optionally a CSV and Grad-CAM
 * strips. Every output location is checked before the model is loaded and
 * claimed before the first input is scored (docs/reliability.md). A bad input
 * is reported and the batch goes on; the exit code says whether any input
 * failed.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { checkOutputFile, checkOutputFolder, claimOutputFolder, writeFileAtomic } from '../../io/index.js';
import type { CliCommand } from '../command.js';
import { createProgressBar } from '../progress.js';
import { optionalBackend } from '../backend-option.js';
import { numberOption, stringOption } from '../dataset-args.js';
import {
  createLivenessDetector,
  createClipExplainer,
  createCamReportWriter,
  formatVerdict,
  resultCsvRow,
  RESULT_CSV_HEADER,
  FACE_DETECTOR_NAMES,
  PREDICT_DEFAULT_DETECTOR,
  PREDICT_DEFAULT_DETECT_EVERY,
  SCORERS,
  INFERENCE_PRECISIONS,
  UsageError,
  VidpadError,
} from '../../index.js';
import type { CamReportWriter, ClipExplainer, FaceDetectorRequest, InferencePrecision, LivenessResult, ScorerName } from '../../index.js';

/** True when `file` begins with predict's CSV header: a verdict file vidpad wrote, which a new run may replace. */
export async function isPredictCsv(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(RESULT_CSV_HEADER.length + 1);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const text = head.toString('utf8', 0, bytesRead);
    return text === RESULT_CSV_HEADER + '\n';
  } finally {
    await handle.close();
  }
}

/**
 * The one-line answer for an input that failed: a typed error's code, a
 * system call's error (a file that vanished, a read that failed) as E_IO as
 * the CLI prints it; null for anything else, a bug, which stops the batch.
 */
function inputFailure(err: unknown): { code: string; message: string } | null {
  if (err instanceof VidpadError) return { code: err.code, message: err.message };
  const sys = err as NodeJS.ErrnoException | null;
  if (sys instanceof Error && typeof sys.code === 'string' && typeof sys.syscall === 'string') return { code: 'E_IO', message: sys.message };
  return null;
}

/** A folder name for an input's Grad-CAM strips: its base name, made safe, numbered when two inputs share it. */
function camFolderName(input: string, used: Set<string>): string {
  const base = (input === '-' ? 'stdin' : path.basename(input.replace(/[/\\]+$/, '')) || 'input').replace(/[^A-Za-z0-9._-]/g, '_');
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}-${i}`;
  used.add(name);
  return name;
}

export const predictCommand: CliCommand = {
  name: 'predict',
  summary: 'score videos, images or frame folders with a trained model: live or attack',
  usage: '--model DIR INPUT... [--json] [--csv FILE] [--cam DIR] [--max-seconds S] [--detector NAME] [options]',
  description:
    'Scores each INPUT with the model in --model, fed exactly as it was trained (its model.json records the crop,\n' +
    'decode width, box policy, detector, tracking and clip layout): frames are decoded, faces found and tracked,\n' +
    "cropped, grouped into the model's clips of T frames and scored on ONNX Runtime; the video's score is the mean\n" +
    "of its clip scores, live when it is >= the model's threshold (chosen on the validation split in training).\n" +
    'INPUT: a video (mp4, mov, webm, mkv, avi, gif, ...; rotation metadata applied), an image (scored as a still\n' +
    'clip: a warning says the motion cues are absent), a folder of frame images (sorted by name), or - for a video\n' +
    'on standard input. Prints one line per input: INPUT: LIVE|ATTACK (score S >= / < threshold X, N clips), or the\n' +
    "error for that input; the others still run. --json prints the library's result (createLivenessDetector's\n" +
    'predictVideo) as one JSON object per line; failed inputs as {"input", "error": {code, message}}.\n' +
    '--csv FILE and --cam DIR are checked before the model is loaded: FILE must be new or a verdict file vidpad\n' +
    "wrote, DIR new, empty or vidpad's own --cam folder (--overwrite to use another); the CSV is rewritten\n" +
    'atomically after every input, so an interrupted batch keeps the verdicts it reached.\n' +
    'Exit status 1 when any input failed or had no face (each listed), 2 when an option, the model folder\'s\n' +
    'settings or an output location is wrong (before any input is read).',
  options: [
    { name: 'model', type: 'string', valueName: 'DIR', description: 'trained model folder (model.json, weights.safetensors; model.onnx is used when current)' },
    { name: 'json', type: 'boolean', description: 'print one JSON result per input (JSON Lines) instead of verdict lines', default: false },
    { name: 'csv', type: 'string', valueName: 'FILE', description: 'also write the verdicts as CSV: ' + RESULT_CSV_HEADER },
    { name: 'cam', type: 'string', valueName: 'DIR', description: 'write Grad-CAM strips of every clip: DIR/<input name>/clip-NNNN.png and index.html' },
    { name: 'max-seconds', type: 'string', valueName: 'S', description: 'read at most the first S seconds of each video' },
    { name: 'detector', type: 'string', valueName: 'NAME', description: `face detector: auto, ${FACE_DETECTOR_NAMES.join(', ')} (default: the one the model's crops were made with, else ${PREDICT_DEFAULT_DETECTOR})` },
    { name: 'detect-every', type: 'string', valueName: 'N', description: 'detect faces on every N-th frame and interpolate the boxes between (1: every frame, as preprocessing did)', default: String(PREDICT_DEFAULT_DETECT_EVERY) },
    { name: 'clip-stride', type: 'string', valueName: 'N', description: "frames between clip starts (default: the model's evaluation layout, non-overlapping clips)" },
    { name: 'threshold', type: 'string', valueName: 'X', description: "decide live at score >= X instead of the model's threshold" },
    { name: 'scorer', type: 'string', valueName: 'NAME', description: `where clips are scored: ${SCORERS.join(', ')}`, default: 'onnx' },
    { name: 'backend', type: 'string', valueName: 'NAME', description: 'tfjs backend for blazeface, the tfjs scorer and Grad-CAM: auto, native, wasm, cpu, tensorflow (default: the fastest for blazeface, wasm here unless tfjs-node is installed)' },
    { name: 'threads', type: 'string', valueName: 'N', description: 'ONNX Runtime threads (default: the cores available)' },
    { name: 'precision', type: 'string', valueName: 'fp32|int8', description: "the onnx scorer's export: model.onnx (fp32) or model.int8.onnx (int8, made by 'vidpad export --quantize int8'; see docs/precision.md)", default: 'fp32' },
    { name: 'quiet', type: 'boolean', description: 'no progress bar and no warnings on stderr', default: false },
    { name: 'overwrite', type: 'boolean', description: 'write --csv over a file vidpad did not write, and --cam into a folder vidpad did not make', default: false },
  ],
  async run(args, io) {
    const o = args.options;
    const modelDir = stringOption(args, 'model', 'predict');
    const inputs = args.positionals;
    if (inputs.length === 0) throw new UsageError("expected at least one INPUT (a video, an image, a folder of frames, or - for standard input); see 'vidpad predict --help'");
    if (inputs.filter((i) => i === '-').length > 1) throw new UsageError('standard input (-) can be read only once');
    const scorer = String(o.scorer);
    if (!(SCORERS as readonly string[]).includes(scorer)) throw new UsageError(`--scorer must be one of ${SCORERS.join(', ')}, got '${scorer}'`);
    const detector = o.detector as string | undefined;
    if (detector !== undefined && !['auto', ...FACE_DETECTOR_NAMES].includes(detector)) throw new UsageError(`--detector must be one of auto, ${FACE_DETECTOR_NAMES.join(', ')}, got '${detector}'`);
    const maxSeconds = numberOption(args, 'max-seconds', { min: 0 });
    if (maxSeconds === 0) throw new UsageError('--max-seconds must be > 0');
    const threshold = numberOption(args, 'threshold');
    const clipStride = numberOption(args, 'clip-stride', { integer: true, min: 1 });
    const threads = numberOption(args, 'threads', { integer: true, min: 1 });
    const precision = String(o.precision ?? 'fp32');
    if (!(INFERENCE_PRECISIONS as readonly string[]).includes(precision)) throw new UsageError(`--precision must be one of ${INFERENCE_PRECISIONS.join(', ')}, got '${precision}'`);
    if (precision === 'int8' && scorer !== 'onnx') throw new UsageError('--precision int8 runs on --scorer onnx (model.int8.onnx)');
    const detectEvery = numberOption(args, 'detect-every', { integer: true, min: 1 })!;
    const backend = optionalBackend(o.backend);
    const quiet = Boolean(o.quiet);
    const overwrite = Boolean(o.overwrite);
    const stderr = io.stderr as NodeJS.WritableStream;
    const csvFile = typeof o.csv === 'string' ? o.csv : null;
    const camDir = typeof o.cam === 'string' ? o.cam : null;
    // Every place this run writes, checked before the model is loaded (nothing is created yet).
    if (csvFile !== null) await checkOutputFile(csvFile, { option: '--csv', overwrite, isOurs: isPredictCsv });
    const camOptions = { kind: 'predict', option: '--cam', overwrite } as const;
    if (camDir !== null) await checkOutputFolder(camDir, camOptions);

    const liveness = await createLivenessDetector({
      model: modelDir,
      ...(backend !== undefined ? { backend } : {}),
      scorer: scorer as ScorerName,
      precision: precision as InferencePrecision,
      detectEveryFrames: detectEvery,
      ...(detector !== undefined ? { detector: detector as FaceDetectorRequest } : {}),
      ...(clipStride !== undefined ? { clipStride } : {}),
      ...(threads !== undefined ? { threads } : {}),
      ...(threshold !== undefined ? { threshold } : {}),
    });
    let explainer: ClipExplainer | null = null;
    const csvRows: string[] = [RESULT_CSV_HEADER];
    let failed = 0;
    const warned = new Set<string>();
    try {
      if (camDir !== null) {
        explainer = await createClipExplainer({ model: modelDir, ...(backend !== undefined ? { backend } : {}) });
        await claimOutputFolder(camDir, camOptions);
      }
      const camNames = new Set<string>();
      const bar = inputs.length > 1 && !quiet ? createProgressBar({ label: 'predict', total: inputs.length, unit: 'inputs', stream: stderr }) : null;
      const kept = (done: number) => {
        const where = [csvFile !== null ? `their verdicts are in ${csvFile}` : null, camDir !== null ? `their Grad-CAM strips in ${camDir}` : null].filter(Boolean).join(' and ');
        return `${done} of ${inputs.length} inputs scored${done > 0 && where ? ` (${where})` : ''}; run the command again with the inputs not scored`;
      };
      io.interrupt?.set(() => kept(0));
      for (const [i, input] of inputs.entries()) {
        let cam: CamReportWriter | null = null;
        try {
          if (explainer) cam = await createCamReportWriter(path.join(camDir!, camFolderName(input, camNames)), input, explainer);
          const result: LivenessResult = await liveness.predictVideo(input, {
            maxSeconds: maxSeconds ?? null,
            onClip: cam ? (c) => cam!.add(c) : undefined,
            onFrames: bar ? (done, total) => bar.update(i, `${path.basename(input)}: frame ${done}/${total}`) : undefined,
          });
          if (cam) await cam.finish(formatVerdict(result), result.warnings);
          if (!quiet) {
            for (const w of result.warnings) {
              if (warned.has(w)) continue;
              warned.add(w);
              stderr.write(`warning: ${w}\n`);
            }
          }
          if (result.decision === 'no-face') failed += 1;
          io.stdout.write(o.json ? JSON.stringify(result) + '\n' : formatVerdict(result) + '\n');
          csvRows.push(resultCsvRow(result));
        } catch (err) {
          const failure = inputFailure(err);
          if (!failure) throw err;
          failed += 1;
          if (o.json) io.stdout.write(JSON.stringify({ input, error: failure }) + '\n');
          else io.stdout.write(`${input}: ERROR [${failure.code}] ${failure.message}\n`);
          csvRows.push(resultCsvRow({ input, error: failure.message }));
        }
        if (csvFile !== null) await writeFileAtomic(csvFile, csvRows.join('\n') + '\n');
        io.interrupt?.set(() => kept(i + 1));
        bar?.update(i + 1);
      }
      bar?.finish(`predict: ${inputs.length - failed} of ${inputs.length} inputs scored`);
    } finally {
      explainer?.dispose();
      await liveness.dispose();
    }
    return failed > 0 ? 1 : 0;
  },
};
