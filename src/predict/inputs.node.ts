/**
 * What predict reads (Node only): a video file (anything ffmpeg decodes,
 * .gif included), a still image (EXIF orientation applied), a folder of
 * frame images, or a stream (standard input: `-`), each as upright frames at
 * the width the model's crops were cut at. Frames stream through: a long
 * video is never held, and `maxSeconds` stops reading early. A stream is
 * first spooled to a temporary file, since MP4/MOV keep their index at the
 * end and ffprobe must count frames before decoding.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import os from 'node:os';
import path from 'node:path';
import { InputError, VideoError } from '../errors.js';
import { probeVideo } from '../video/index.js';
import { framesOnThread } from './decode-thread.node.js';
import type { VideoInfo } from '../video/index.js';
import { isImagePath, readImage, resizeRgb } from '../face/index.js';
import type { BoxPx, RgbFrame } from '../face/index.js';
import { loadFaceFile } from '../data/datasets/face-file.js';

/** One upright frame at the decode size, with its index in the input. */
export interface InputFrame extends RgbFrame {
  index: number;
}

export interface FrameSource {
  /** The input as given (a path, or `-`). */
  input: string;
  kind: 'video' | 'image' | 'frames';
  /** Upright size of the input's frames. */
  width: number;
  height: number;
  /** Frames that will be read (after maxSeconds). */
  frameCount: number;
  /** Frames in the whole input, before maxSeconds. */
  totalFrames: number;
  fps: number | null;
  media: VideoInfo | null;
  /** A SiW-style `.face` file beside a video (same stem), when there is one. */
  faceFile: string | null;
  /** The decode size for frames at most `maxWidthPx` wide (aspect kept). */
  decodeSize(maxWidthPx: number): { width: number; height: number };
  /** The frames at the decode size, in order. */
  frames(maxWidthPx: number): AsyncIterable<InputFrame>;
  /** Per-frame boxes of `faceFile` in upright source pixels (null: none). */
  datasetBoxes(): Promise<(BoxPx | null)[] | null>;
  /** Removes temporary files (a spooled stream). */
  close(): Promise<void>;
}

export interface OpenInputOptions {
  /** Read at most this many seconds of a video (null: all). */
  maxSeconds?: number | null;
  /** Folder for spooled streams (default: the OS's). */
  tmpDir?: string;
}

const byName = new Intl.Collator('en', { numeric: true }).compare;

function scaledSize(width: number, height: number, maxWidthPx: number): { width: number; height: number } {
  if (width <= maxWidthPx) return { width, height };
  // ffmpeg's rounding for one given side (outputSize in video/read-frames.ts).
  return { width: maxWidthPx, height: Math.max(1, Math.round((height * maxWidthPx) / width)) };
}

function shrink(frame: RgbFrame, maxWidthPx: number): RgbFrame {
  const size = scaledSize(frame.width, frame.height, maxWidthPx);
  return size.width === frame.width ? frame : resizeRgb(frame, size.width, size.height);
}

async function spool(stream: Readable, tmpDir: string | undefined): Promise<{ file: string; dir: string }> {
  const dir = await mkdtemp(path.join(tmpDir ?? os.tmpdir(), 'vidpad-input-'));
  const file = path.join(dir, 'input');
  try {
    await pipeline(stream, createWriteStream(file));
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new InputError(`standard input: could not be read (${(err as Error).message})`, { cause: err });
  }
  return { file, dir };
}

function framesForSeconds(info: { frameCount: number; fps: number }, maxSeconds: number | null | undefined): number {
  if (maxSeconds === null || maxSeconds === undefined || !(info.fps > 0)) return info.frameCount;
  return Math.max(1, Math.min(info.frameCount, Math.ceil(maxSeconds * info.fps - 1e-9)));
}

async function openVideo(input: string, file: string, options: OpenInputOptions, cleanup: () => Promise<void>): Promise<FrameSource> {
  const info = await probeVideo(file);
  const frameCount = framesForSeconds(info, options.maxSeconds);
  const faceCandidate = path.join(path.dirname(file), `${path.basename(file, path.extname(file))}.face`);
  let faceFile: string | null = null;
  if (input !== '-') {
    try {
      if ((await stat(faceCandidate)).isFile()) faceFile = faceCandidate;
    } catch {
      faceFile = null;
    }
  }
  return {
    input,
    kind: 'video',
    width: info.width,
    height: info.height,
    frameCount,
    totalFrames: info.frameCount,
    fps: info.fps > 0 ? info.fps : null,
    media: info,
    faceFile,
    decodeSize: (maxWidthPx) => scaledSize(info.width, info.height, maxWidthPx),
    async *frames(maxWidthPx) {
      const width = Math.min(maxWidthPx, info.width);
      // Decoded on a worker thread, so ffmpeg keeps going while this thread detects and scores.
      for await (const f of framesOnThread(file, { info, end: frameCount, width })) yield f;
    },
    datasetBoxes: async () => (faceFile ? loadFaceFile(faceFile, { width: info.width, height: info.height }, { strict: false }) : null),
    close: cleanup,
  };
}

async function openImage(input: string): Promise<FrameSource> {
  const img = await readImage(input);
  const { width, height } = img.frame;
  return {
    input,
    kind: 'image',
    width,
    height,
    frameCount: 1,
    totalFrames: 1,
    fps: null,
    media: null,
    faceFile: null,
    decodeSize: (maxWidthPx) => scaledSize(width, height, maxWidthPx),
    async *frames(maxWidthPx) {
      yield { index: 0, ...shrink(img.frame, maxWidthPx) };
    },
    datasetBoxes: async () => null,
    close: async () => {},
  };
}

async function openFolder(input: string): Promise<FrameSource> {
  const names = (await readdir(input)).filter((n) => isImagePath(n)).sort(byName);
  if (names.length === 0) throw new InputError(`${input}: a folder with no frame images (expected files named like 0001.png, 0002.png, ...; image types: .jpg .png .bmp .webp .tif .ppm)`);
  const first = (await readImage(path.join(input, names[0]!))).frame;
  const { width, height } = first;
  return {
    input,
    kind: 'frames',
    width,
    height,
    frameCount: names.length,
    totalFrames: names.length,
    fps: null,
    media: null,
    faceFile: null,
    decodeSize: (maxWidthPx) => scaledSize(width, height, maxWidthPx),
    async *frames(maxWidthPx) {
      for (const [index, name] of names.entries()) {
        const file = path.join(input, name);
        const frame = index === 0 ? first : (await readImage(file)).frame;
        if (frame.width !== width || frame.height !== height) {
          throw new InputError(`${file}: ${frame.width}×${frame.height}, but the folder's first frame (${names[0]}) is ${width}×${height}; the frames of one video must share a size`);
        }
        yield { index, ...shrink(frame, maxWidthPx) };
      }
    },
    datasetBoxes: async () => null,
    close: async () => {},
  };
}

/**
 * Opens one input. `input` is a path (video, image, folder of frames), `-`
 * (standard input) or a readable stream. Errors are typed and name the input:
 * VideoError for missing, unreadable, truncated or empty videos, InputError
 * for the rest.
 */
export async function openInput(input: string | Readable, options: OpenInputOptions = {}, stdin: () => Readable = () => process.stdin): Promise<FrameSource> {
  if (typeof input !== 'string' || input === '-') {
    const name = typeof input === 'string' ? '-' : 'stream';
    const { file, dir } = await spool(typeof input === 'string' ? stdin() : input, options.tmpDir);
    const cleanup = () => rm(dir, { recursive: true, force: true });
    try {
      return await openVideo(name, file, options, cleanup);
    } catch (err) {
      await cleanup();
      if (err instanceof VideoError) throw new VideoError(name, err.reason, err.message.slice(err.file.length + 2), { cause: err });
      throw err;
    }
  }
  let info;
  try {
    info = await stat(input);
  } catch (err) {
    throw new VideoError(input, 'missing-file', (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : `cannot read it (${(err as Error).message})`, { cause: err });
  }
  if (info.isDirectory()) return openFolder(input);
  if (isImagePath(input)) return openImage(input);
  return openVideo(input, input, options, async () => {});
}
