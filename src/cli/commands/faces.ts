/**
 * `vidpad faces`: runs a face detector on an image or a video and prints the
 * boxes (per frame for a video), optionally drawing them into a PNG, so a user
 * can check the detector on their own media before preprocessing a dataset.
 */
import { readFile } from 'node:fs/promises';
import type { CliCommand } from '../command.js';
import {
  UsageError,
  InputError,
  createFaceDetector,
  resolveFaceDetectorName,
  resolveFaceDetectorConfig,
  drawBoxes,
  encodePng,
  pngSoftware,
  PNG_SOFTWARE,
  checkOutputFile,
  writeFileAtomic,
  isImagePath,
  readFrames,
  resizeRgb,
  DEFAULT_PREPROCESS_CONFIG,
  readImage,
  FACE_DETECTOR_NAMES,
  DEFAULT_FACE_DETECTOR_CONFIG,
  probeVideo,
  streamFrames,
} from '../../index.js';
import type { FaceDetection, FaceDetectorConfig, RgbFrame } from '../../index.js';

interface FrameResult {
  index: number;
  faces: FaceDetection[];
}

function parseWholeNumber(name: string, text: string, lo: number, hi: number): number {
  const v = Number(text);
  if (!/^\d+$/.test(text.trim()) || v < lo || v > hi) throw new UsageError(`--${name}: expected a whole number in ${lo}..${hi}, got '${text}'`);
  return v;
}

const fmt = (v: number): string => (Math.round(v * 10) / 10).toString();

function faceLine(f: FaceDetection): string {
  const b = f.box;
  return `[${fmt(b.left)}, ${fmt(b.top)}, ${fmt(b.right)}, ${fmt(b.bottom)}] score ${f.score.toFixed(3)}`;
}

export const facesCommand: CliCommand = {
  name: 'faces',
  summary: 'detect faces in an image or a video and print (or draw) the boxes',
  usage: 'INPUT [--detector NAME] [--upsample N] [--max-frames N] [--work-width PX] [--backend NAME] [--json] [--draw OUT.png [--overwrite]]',
  description:
    'Runs a face detector on INPUT, an image (jpg, png, ...; EXIF orientation applied) or a video (every frame,\n' +
    'or the first --max-frames), and prints each face box as [left, top, right, bottom] in pixels of the upright\n' +
    'frame (right and bottom exclusive) with the detector\'s score. --draw writes the image, or the video\'s\n' +
    'first frame, as PNG with the boxes drawn in green, into an existing folder; an existing file is replaced only\n' +
    'when vidpad drew it, or with --overwrite. Frames are detected at most --work-width pixels wide (videos scaled by\n' +
    'ffmpeg, images by vidpad\'s area filter), the resolution preprocessing and predict detect at, so the boxes\n' +
    'printed are the ones they would use (in pixels of the full-size frame). Detectors: dlib-hog (dlib\'s HOG detector, the paper\'s;\n' +
    'needs libdlib-dev and the built addon), blazeface (MediaPipe\'s CNN on the tfjs engine), auto (dlib-hog where\n' +
    'available, else blazeface).',
  options: [
    { name: 'detector', type: 'string', valueName: 'NAME', description: `face detector: auto, ${FACE_DETECTOR_NAMES.join(', ')}`, default: DEFAULT_FACE_DETECTOR_CONFIG.detector },
    { name: 'upsample', type: 'string', valueName: 'N', description: 'dlib-hog: times the frame is doubled before detection (finds smaller faces, slower)', default: String(DEFAULT_FACE_DETECTOR_CONFIG.upsample) },
    { name: 'max-frames', type: 'string', valueName: 'N', description: 'video: detect in the first N frames only (0: all)', default: '0' },
    { name: 'backend', type: 'string', valueName: 'NAME', description: 'tfjs backend for blazeface (tensorflow, native, wasm, cpu, auto; default: the fastest for it, wasm here unless tfjs-node is installed)' },
    { name: 'work-width', type: 'string', valueName: 'PX', description: 'detect on frames scaled to at most PX wide, as preprocessing and predict do (0: full size)', default: String(DEFAULT_PREPROCESS_CONFIG.workWidthPx) },
    { name: 'json', type: 'boolean', description: 'print JSON instead of text', default: false },
    { name: 'draw', type: 'string', valueName: 'OUT.png', description: 'write the image (a video: its first frame) with the boxes drawn' },
    { name: 'overwrite', type: 'boolean', description: 'replace an existing --draw file that vidpad did not write', default: false },
  ],
  async run(args, io) {
    const o = args.options;
    if (args.positionals.length !== 1) {
      throw new UsageError(`expected one INPUT (an image or a video), got ${args.positionals.length}; see 'vidpad faces --help'`);
    }
    const input = args.positionals[0]!;
    const upsample = parseWholeNumber('upsample', o.upsample as string, 0, 4);
    const maxFrames = parseWholeNumber('max-frames', o['max-frames'] as string, 0, 10_000_000);
    const draw = o.draw as string | undefined;
    if (draw !== undefined && !draw.toLowerCase().endsWith('.png')) throw new UsageError(`--draw: the output is written as PNG; give a file name ending in .png, got '${draw}'`);
    // Where the drawing goes is checked before anything is decoded or detected.
    if (draw !== undefined) {
      const isOurs = async (file: string) => pngSoftware(await readFile(file).catch(() => Buffer.alloc(0))) === PNG_SOFTWARE;
      await checkOutputFile(draw, { option: '--draw', overwrite: Boolean(o.overwrite), isOurs });
    }

    const workWidth = parseWholeNumber('work-width', o['work-width'] as string, 0, 8192);
    if (workWidth > 0 && workWidth < 64) throw new UsageError(`--work-width: expected 0 (full size) or 64..8192, got ${workWidth}`);
    const config: Partial<FaceDetectorConfig> = { detector: o.detector as FaceDetectorConfig['detector'], upsample, backend: typeof o.backend === 'string' ? o.backend : null };
    // A bad detector name fails here, before the input or a backend is touched.
    const resolved = resolveFaceDetectorConfig(config);
    const name = resolveFaceDetectorName(resolved.detector, resolved.modelPath);
    // blazeface picks its own backend (the fastest for it) unless --backend names one.
    const detector = await createFaceDetector({ ...resolved, detector: name });
    /** Detects on the frame scaled to the work width; boxes come back in the full frame's pixels. */
    const detectAt = async (frame: RgbFrame, full: { width: number; height: number }): Promise<FaceDetection[]> => {
      const sx = full.width / frame.width;
      const sy = full.height / frame.height;
      const found = await detector.detect(frame);
      if (sx === 1 && sy === 1) return found;
      return found.map((d) => {
        const box = { left: d.box.left * sx, top: d.box.top * sy, right: d.box.right * sx, bottom: d.box.bottom * sy };
        return { ...d, box, boxNorm: { left: box.left / full.width, top: box.top / full.height, right: box.right / full.width, bottom: box.bottom / full.height } };
      });
    };
    const shrink = (frame: RgbFrame): RgbFrame =>
      workWidth > 0 && frame.width > workWidth ? resizeRgb(frame, workWidth, Math.max(1, Math.round((frame.height * workWidth) / frame.width))) : frame;
    try {
      const frames: FrameResult[] = [];
      let first: RgbFrame | null = null;
      let size: { width: number; height: number };
      let orientation: number | undefined;
      if (isImagePath(input)) {
        const img = await readImage(input);
        first = img.frame;
        size = { width: img.frame.width, height: img.frame.height };
        orientation = img.orientation;
        frames.push({ index: 0, faces: await detectAt(shrink(img.frame), size) });
      } else {
        const info = await probeVideo(input);
        size = { width: info.width, height: info.height };
        const end = maxFrames > 0 ? Math.min(maxFrames, info.frameCount) : info.frameCount;
        if (end < 1) throw new InputError(`${input}: the video has no frames`);
        let full: RgbFrame | null = null;
        if (draw !== undefined) full = (await readFrames(input, { end: 1, info }))[0]!;
        const width = workWidth > 0 ? Math.min(workWidth, info.width) : info.width;
        for await (const f of streamFrames(input, { end, info, width })) {
          if (!first) first = full ?? { width: f.width, height: f.height, data: f.data };
          frames.push({ index: f.index, faces: await detectAt(f, size) });
          if (!o.json) {
            const last = frames[frames.length - 1]!;
            io.stdout.write(`frame ${last.index}: ${last.faces.length === 0 ? 'no face' : last.faces.map(faceLine).join('; ')}\n`);
          }
        }
      }
      if (draw !== undefined && first) {
        const boxes = frames[0]?.faces.map((f) => f.box) ?? [];
        const thickness = Math.max(2, Math.round(Math.max(first.width, first.height) / 240));
        await writeFileAtomic(draw, encodePng(drawBoxes(first, boxes, [0, 255, 0], thickness)));
      }
      if (o.json) {
        const out = { input, detector: detector.name, width: size.width, height: size.height, ...(orientation !== undefined ? { exifOrientation: orientation } : {}), frames };
        io.stdout.write(JSON.stringify(out, null, 2) + '\n');
      } else if (isImagePath(input)) {
        io.stdout.write(`${input}: ${size.width}×${size.height} (EXIF orientation ${orientation ?? 1}), detector ${detector.name}\n`);
        const faces = frames[0]!.faces;
        if (faces.length === 0) io.stdout.write('  no face found\n');
        faces.forEach((f, i) => io.stdout.write(`  face ${i + 1}: ${faceLine(f)}\n`));
      } else {
        const withFace = frames.filter((f) => f.faces.length > 0).length;
        io.stdout.write(`${input}: ${size.width}×${size.height}, ${frames.length} frames, a face in ${withFace}, detector ${detector.name}\n`);
      }
      if (draw !== undefined && !o.json) io.stdout.write(`wrote ${draw}\n`);
      return 0;
    } finally {
      detector.dispose();
    }
  },
};
