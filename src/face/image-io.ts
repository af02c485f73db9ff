/**
 * Reading still images as upright RgbFrames (Node only): the system's ffmpeg
 * decodes, vidpad applies the EXIF orientation that ffmpeg leaves alone for
 * stills. Writing goes through png.ts.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RgbFrame } from './types.js';
import { applyOrientation, readJpegOrientation, type ExifOrientation } from './exif.js';
import { InputError } from '../errors.js';
import { ffmpegPath, runTool, stderrTail, type FfmpegTools } from '../video/ffmpeg.js';

/** File extensions read as still images; anything else is treated as a video. */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff', '.ppm', '.pgm'] as const;

export function isImagePath(file: string): boolean {
  return (IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(file).toLowerCase());
}

export interface DecodedImage {
  /** Upright pixels (orientation applied). */
  frame: RgbFrame;
  /** The EXIF orientation found (1 when none). */
  orientation: ExifOrientation;
  /** Size as stored in the file, before orientation. */
  storedWidth: number;
  storedHeight: number;
}

/** Parses one binary PPM (P6, maxval 255) as ffmpeg's ppm encoder writes it. */
export function parsePpm(bytes: Uint8Array): RgbFrame {
  let pos = 0;
  const token = (): string => {
    // Whitespace and '#' comments separate header fields.
    while (pos < bytes.length) {
      const ch = bytes[pos]!;
      if (ch === 0x23) {
        while (pos < bytes.length && bytes[pos] !== 0x0a) pos++;
      } else if (ch === 0x20 || ch === 0x0a || ch === 0x0d || ch === 0x09) {
        pos++;
      } else break;
    }
    const start = pos;
    while (pos < bytes.length && ![0x20, 0x0a, 0x0d, 0x09].includes(bytes[pos]!)) pos++;
    return String.fromCharCode(...bytes.subarray(start, pos));
  };
  const magic = token();
  const width = Number(token());
  const height = Number(token());
  const maxval = Number(token());
  pos++; // the single whitespace byte before the pixels
  if (magic !== 'P6' || !Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || maxval !== 255) {
    throw new InputError(`not an 8-bit binary PPM (header '${magic} ${width} ${height} ${maxval}')`);
  }
  const size = width * height * 3;
  if (bytes.length - pos < size) throw new InputError(`PPM truncated: ${bytes.length - pos} pixel bytes, expected ${size}`);
  return { width, height, data: new Uint8Array(bytes.subarray(pos, pos + size)) };
}

async function decodeWithFfmpeg(file: string, tools: FfmpegTools): Promise<Buffer> {
  // -noautorotate: newer ffmpeg builds may start honouring EXIF on stills;
  // vidpad applies it itself, so it must get the stored pixels everywhere.
  const args = ['-nostdin', '-hide_banner', '-v', 'error', '-noautorotate', '-i', file.startsWith('-') ? `./${file}` : file, '-frames:v', '1', '-f', 'image2pipe', '-vcodec', 'ppm', '-pix_fmt', 'rgb24', 'pipe:1'];
  const { code, stdoutBytes, stderr } = await runTool(ffmpegPath(tools), args, file);
  if (code !== 0 || stdoutBytes.length === 0) {
    const why = stderrTail(stderr) || `ffmpeg exited with code ${String(code)}`;
    throw new InputError(`${file}: not an image ffmpeg can decode (${why}); expected a JPEG, PNG or other still image`);
  }
  return stdoutBytes;
}

/** Reads an image file as an upright RGB frame (EXIF orientation applied for JPEGs). */
export async function readImage(file: string, tools: FfmpegTools = {}): Promise<DecodedImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    throw new InputError(`${file}: cannot read the image (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, { cause });
  }
  if (bytes.length === 0) throw new InputError(`${file}: the file is empty; expected an image`);
  const orientation = readJpegOrientation(bytes);
  let stored: RgbFrame;
  try {
    stored = parsePpm(await decodeWithFfmpeg(file, tools));
  } catch (err) {
    if (err instanceof InputError && !err.message.startsWith(file)) throw new InputError(`${file}: ${err.message}`, { cause: err });
    throw err;
  }
  const frame = orientation === 1 ? stored : applyOrientation(stored, orientation);
  return { frame, orientation, storedWidth: stored.width, storedHeight: stored.height };
}
