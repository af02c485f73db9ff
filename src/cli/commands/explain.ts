/**
 * `vidpad explain`: Grad-CAM of a trained model on one input: the input is
 * scored through the same pipeline as `vidpad predict`, and every clip's
 * crops and heat maps are written as a PNG strip, with an index page. The
 * --out folder is checked before the model is loaded and claimed (marked as
 * vidpad's) before the input is read (docs/reliability.md).
 */
import { checkOutputFolder, claimOutputFolder } from '../../io/index.js';
import type { CliCommand } from '../command.js';
import { optionalBackend } from '../backend-option.js';
import { numberOption, stringOption } from '../dataset-args.js';
import { createCamReportWriter, createClipExplainer, createLivenessDetector, formatVerdict, CAM_TARGETS, FACE_DETECTOR_NAMES, UsageError } from '../../index.js';
import type { CamTargetName, FaceDetectorRequest } from '../../index.js';

export const explainCommand: CliCommand = {
  name: 'explain',
  summary: 'Grad-CAM: which parts of each frame moved the score, as PNG strips and an index page',
  usage: '--model DIR INPUT --out DIR [--overwrite] [--target auto|live-score|attack-score|live-logit] [--max-seconds S] [--detector NAME]',
  description:
    'Scores INPUT as vidpad predict does, then explains every clip with Grad-CAM: the gradient of the target with\n' +
    "respect to the last (2+1)D block's activations, averaged over the clip's frames and positions into one weight\n" +
    'per channel, the weighted sum of the activations, ReLU: one map per frame, upsampled to the crop and laid over\n' +
    'it with a colour scale. Target: the live score (cosine to the live prototype), or for cross-entropy models the\n' +
    'live logit (auto picks it); attack-score (the live score negated) shows what pushed a clip towards attack. Writes OUT/clip-NNNN.png (crops on top, overlays below, colour scale at the right)\n' +
    'and OUT/index.html, and prints the verdict. OUT must be new, empty or an earlier explain folder (whose strips are\n' +
    'replaced); another folder only with --overwrite.',
  options: [
    { name: 'model', type: 'string', valueName: 'DIR', description: 'trained model folder' },
    { name: 'out', type: 'string', valueName: 'DIR', description: 'folder for the strips and index.html' },
    { name: 'overwrite', type: 'boolean', description: 'write into an --out folder vidpad did not make', default: false },
    { name: 'target', type: 'string', valueName: 'NAME', description: `what to explain: ${CAM_TARGETS.join(', ')}`, default: 'auto' },
    { name: 'max-seconds', type: 'string', valueName: 'S', description: 'read at most the first S seconds of a video' },
    { name: 'detector', type: 'string', valueName: 'NAME', description: `face detector: auto, ${FACE_DETECTOR_NAMES.join(', ')} (default: as vidpad predict)` },
    { name: 'backend', type: 'string', valueName: 'NAME', description: 'tfjs backend for Grad-CAM and blazeface (default: the fastest for blazeface, wasm here unless tfjs-node is installed)' },
  ],
  async run(args, io) {
    const o = args.options;
    const modelDir = stringOption(args, 'model', 'explain');
    const out = stringOption(args, 'out', 'explain');
    if (args.positionals.length !== 1) throw new UsageError(`expected one INPUT, got ${args.positionals.length}; see 'vidpad explain --help'`);
    const input = args.positionals[0]!;
    const target = String(o.target);
    if (!(CAM_TARGETS as readonly string[]).includes(target)) throw new UsageError(`--target must be one of ${CAM_TARGETS.join(', ')}, got '${target}'`);
    const detector = o.detector as string | undefined;
    if (detector !== undefined && !['auto', ...FACE_DETECTOR_NAMES].includes(detector)) throw new UsageError(`--detector must be one of auto, ${FACE_DETECTOR_NAMES.join(', ')}, got '${detector}'`);
    const maxSeconds = numberOption(args, 'max-seconds', { min: 0 });
    if (maxSeconds === 0) throw new UsageError('--max-seconds must be > 0');
    const backendName = optionalBackend(o.backend);
    const backend = backendName !== undefined ? { backend: backendName } : {};
    const outOptions = { kind: 'explain', option: '--out', overwrite: Boolean(o.overwrite) } as const;
    await checkOutputFolder(out, outOptions);
    const explainer = await createClipExplainer({ model: modelDir, target: target as CamTargetName, ...backend });
    try {
      const liveness = await createLivenessDetector({ model: modelDir, ...backend, ...(detector !== undefined ? { detector: detector as FaceDetectorRequest } : {}) });
      try {
        await claimOutputFolder(out, outOptions);
        io.interrupt?.set(() => `the strips written so far are in ${out}, without their index.html; run the same command again`);
        const writer = await createCamReportWriter(out, input, explainer);
        const result = await liveness.predictVideo(input, { maxSeconds: maxSeconds ?? null, onClip: (c) => writer.add(c) });
        const index = await writer.finish(formatVerdict(result), result.warnings);
        for (const w of result.warnings) io.stderr.write(`warning: ${w}\n`);
        io.stdout.write(`${formatVerdict(result)}\n${result.clips.length} clip strip${result.clips.length === 1 ? '' : 's'} → ${index}\n`);
        return result.decision === 'no-face' ? 1 : 0;
      } finally {
        await liveness.dispose();
      }
    } finally {
      explainer.dispose();
    }
  },
};
