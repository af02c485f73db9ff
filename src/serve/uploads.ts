/**
 * Request bodies to files a worker can read: a stream spooled to a request's
 * own temp folder under a byte limit (stopped at the limit, not after), a
 * JSON list of base64 frames decoded and checked. The request's temp folder
 * is made on first use and removed by `cleanup()` on every path.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LimitError } from '../errors.js';
import { RequestError } from './http-errors.js';
import type { ServeLimits } from './config.js';
import type { InferenceJob } from './worker-protocol.js';

/** A folder for one request's files, created on first use. */
export interface RequestTemp {
  dir(): Promise<string>;
  /** Removes the folder and everything in it (idempotent; never throws). */
  cleanup(): Promise<void>;
}

export function createRequestTemp(root: string): RequestTemp {
  let made: Promise<string> | null = null;
  return {
    dir() {
      made ??= mkdtemp(path.join(root, 'req-'));
      return made;
    },
    async cleanup() {
      if (!made) return;
      const dir = await made.catch(() => null);
      made = null;
      if (dir) await rm(dir, { recursive: true, force: true }).catch(() => {});
    },
  };
}

export const MIB = 1024 * 1024;

/** The --max-upload-mb message for a body of `bytes` (or at least that many). */
export function uploadTooLarge(bytes: number, maxBytes: number, atLeast: boolean): LimitError {
  return new LimitError(
    '--max-upload-mb',
    bytes,
    maxBytes,
    `upload too large: ${atLeast ? 'more than ' : ''}${(bytes / MIB).toFixed(2)} MiB, but this service accepts at most ${(maxBytes / MIB).toFixed(2)} MiB (--max-upload-mb)`,
  );
}

/**
 * Writes `stream` to `file`, stopping with a LimitError as soon as more than
 * `maxBytes` arrived, or with `signal`'s reason when it aborts. Returns the
 * bytes written. A partial file is left for the caller's cleanup.
 */
export async function spoolStream(stream: Readable, file: string, maxBytes: number, signal: AbortSignal): Promise<number> {
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) return done(uploadTooLarge(bytes, maxBytes, true));
      done(null, chunk);
    },
  });
  try {
    await pipeline(stream, counter, createWriteStream(file), { signal });
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    if (err instanceof LimitError) throw err;
    throw new RequestError(`the upload could not be read to its end (${(err as Error).message})`);
  }
  return bytes;
}

/**
 * Content types taken as a raw body, and the file extension that makes
 * predict read each one right (stills by their extension; anything else is
 * probed as a video by ffmpeg, GIF included).
 */
const IMAGE_TYPES: Record<string, string> = {
  'image/jpeg': '.jpg',
  'image/jpg': '.jpg',
  'image/png': '.png',
  'image/webp': '.webp',
  'image/bmp': '.bmp',
  'image/tiff': '.tif',
  'image/x-portable-pixmap': '.ppm',
};

export const RAW_CONTENT_TYPES = ['video/*', 'image/*', 'application/octet-stream'] as const;

/** The file name for an upload of `contentType` (and, from multipart, its file name). */
export function uploadFileName(contentType: string | undefined, fileName?: string): string {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const ext = IMAGE_TYPES[type] ?? (fileName ? extensionOfImage(fileName) : null) ?? '.video';
  return `upload${ext}`;
}

function extensionOfImage(name: string): string | null {
  const ext = path.extname(name).toLowerCase();
  return Object.values(IMAGE_TYPES).includes(ext) || ext === '.jpeg' || ext === '.tiff' ? ext : null;
}

/** The JSON body of POST /v1/predict. */
export interface FramesBody {
  /** `image` (default): each frame is a base64 JPEG or PNG file; `rgb24`: each is base64 of width·height·3 bytes. */
  format?: 'image' | 'rgb24';
  width?: number;
  height?: number;
  frames: string[];
}

function imageExtension(bytes: Uint8Array): string | null {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return '.jpg';
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return '.png';
  return null;
}

function decodeBase64(s: string, field: string): Buffer {
  // Buffer.from ignores bad characters silently; refuse them instead of scoring garbage.
  const clean = s.startsWith('data:') ? s.slice(s.indexOf(',') + 1) : s;
  if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(clean)) throw new RequestError(`${field}: not base64 (expected the standard alphabet A-Z a-z 0-9 + /, optionally a data: URL)`);
  return Buffer.from(clean, 'base64');
}

/**
 * The job for a JSON body: rgb24 frames decoded in memory (transferred to
 * the worker), image frames written to the request's temp folder as one
 * still (a single frame) or a folder of frames. Checks the frame count and
 * the resolution of raw frames; images are checked by `checkMedia` after.
 */
export async function framesJob(body: FramesBody, limits: ServeLimits, temp: RequestTemp): Promise<{ job: InferenceJob; checkPath: string | null }> {
  const n = body.frames.length;
  if (n > limits.maxFrames) throw new LimitError('--max-frames', n, limits.maxFrames, `frames: ${n} frames, but this service accepts at most ${limits.maxFrames} frames per input (--max-frames)`);
  if ((body.format ?? 'image') === 'rgb24') {
    const { width, height } = body;
    if (width === undefined || height === undefined) throw new RequestError('width, height: required with format "rgb24" (the size of every frame in pixels)');
    if (width * height > limits.maxFramePixels) throw resolutionError(width, height, limits.maxFramePixels);
    const frames = body.frames.map((f, i) => {
      const bytes = decodeBase64(f, `frames[${i}]`);
      if (bytes.length !== width * height * 3) {
        throw new RequestError(`frames[${i}]: ${bytes.length} bytes, but a ${width}×${height} rgb24 frame has ${width * height * 3} (width·height·3)`);
      }
      // A copy in an ArrayBuffer of its own, to transfer to the worker (Buffer's may be a shared pool).
      return new Uint8Array(bytes).buffer;
    });
    return { job: { kind: 'rgb', width, height, frames }, checkPath: null };
  }
  const dir = await temp.dir();
  const files: string[] = [];
  const folder = n === 1 ? dir : path.join(dir, 'frames');
  if (n > 1) await mkdir(folder);
  for (const [i, f] of body.frames.entries()) {
    const bytes = decodeBase64(f, `frames[${i}]`);
    const ext = imageExtension(bytes);
    if (!ext) throw new RequestError(`frames[${i}]: not a JPEG or PNG file (with format "image", each frame is a base64 JPEG or PNG; use format "rgb24" with width and height for raw pixels)`);
    const file = path.join(folder, `${n === 1 ? 'frame' : String(i + 1).padStart(6, '0')}${ext}`);
    await writeFile(file, bytes);
    files.push(file);
  }
  return { job: { kind: 'file', path: n === 1 ? files[0]! : folder }, checkPath: files[0]! };
}

export function resolutionError(width: number, height: number, maxPixels: number): LimitError {
  return new LimitError(
    '--max-frame-pixels',
    width * height,
    maxPixels,
    `resolution too high: ${width}×${height} (${(width * height / 1e6).toFixed(2)} megapixels), but this service accepts at most ${(maxPixels / 1e6).toFixed(2)} megapixels a frame (--max-frame-pixels ${maxPixels})`,
  );
}
