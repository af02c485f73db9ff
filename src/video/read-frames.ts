/**
 * Frame-exact reading of frames `start..end-1` of a video as raw RGB, through
 * an `ffmpeg` child process writing `rgb24` to a pipe.
 *
 * "Frame n" is the n-th frame the decoder outputs, counting from 0: the frame
 * that line n+1 of a SiW `.face` file describes. To keep that true:
 * - the whole stream is decoded from its start and frames are picked by their
 *   decoded index with the `select` filter on `n`, never by seeking to a time
 *   (time seeking lands on keyframes and depends on timestamps, which phone
 *   videos do not keep regular);
 * - `-vsync passthrough` stops ffmpeg from dropping or duplicating frames to
 *   fit a constant output rate (the rawvideo muxer would otherwise fill the
 *   gaps that `select` leaves). `-vsync` rather than `-fps_mode` because it is
 *   understood by ffmpeg 4.x to 7.x alike;
 * - `-frames:v (end-start)` makes ffmpeg stop as soon as the last wanted frame
 *   is written, so reading the first 60 frames of a long video costs 60 frames
 *   of decoding, not the whole file.
 * Scaling (`width`/`height`) happens inside ffmpeg, after `select`, so only the
 * wanted frames are scaled and Node never receives full-size frames it does
 * not need. Rotation metadata is applied (ffmpeg's autorotation, as in
 * `probeVideo`): frames arrive upright, sized `info.width × info.height`
 * unless scaled.
 */
import { spawn } from 'node:child_process';
import { ConfigError, VideoError } from '../errors.js';
import { ffmpegInput, ffmpegPath, missingToolError, stderrTail, type FfmpegTools } from './ffmpeg.js';
import { probeVideo, type VideoInfo } from './probe.js';
import { applyOrientation, orientationSwapsAxes } from './exif.js';

/** One decoded frame: `data` is `height × width × 3` bytes, RGB, row-major (HWC). */
export interface VideoFrame {
  /** Decoded index in the video, counting from 0. */
  index: number;
  width: number;
  height: number;
  data: Uint8Array;
}

export const SCALE_INTERPOLATIONS = ['area', 'bilinear', 'bicubic', 'neighbor'] as const;
export type ScaleInterpolation = (typeof SCALE_INTERPOLATIONS)[number];

export interface ReadFramesOptions extends FfmpegTools {
  /** First frame, inclusive. Default 0. */
  start?: number;
  /** Last frame, exclusive. Default: the video's frame count. */
  end?: number;
  /** Output width; with only one of width/height the other keeps the aspect ratio. Default: the displayed width. */
  width?: number;
  height?: number;
  /** ffmpeg's scaler for resizing. Default `area` (the right choice for shrinking). */
  interpolation?: ScaleInterpolation;
  /** The video's `probeVideo` result, when already known: saves one ffprobe run. */
  info?: VideoInfo;
  /** Decoder threads; 0 (default) lets ffmpeg choose. Set 1 when decoding several videos at once, one per core. */
  threads?: number;
}

/** The largest output side accepted; beyond this a typo (e.g. 22400) would allocate gigabytes. */
const MAX_SIDE = 8192;

function checkSide(name: string, v: number | undefined): void {
  if (v === undefined) return;
  if (!Number.isInteger(v) || v < 1 || v > MAX_SIDE) throw new ConfigError(name, `expected an integer in 1..${MAX_SIDE}, got ${String(v)}`);
}

/** The output size for a source of `srcW × srcH` and the requested sides; one side alone keeps the aspect ratio. */
export function outputSize(srcW: number, srcH: number, width?: number, height?: number): { width: number; height: number } {
  checkSide('width', width);
  checkSide('height', height);
  if (width !== undefined && height !== undefined) return { width, height };
  if (width !== undefined) return { width, height: Math.max(1, Math.round((srcH * width) / srcW)) };
  if (height !== undefined) return { width: Math.max(1, Math.round((srcW * height) / srcH)), height };
  return { width: srcW, height: srcH };
}

interface ResolvedRead {
  start: number;
  end: number;
  width: number;
  height: number;
  /** EXIF orientation to apply to each decoded still (1: none). */
  exif: VideoInfo['exifOrientation'];
  args: string[];
}

function resolveRead(path: string, info: VideoInfo, options: ReadFramesOptions): ResolvedRead {
  const start = options.start ?? 0;
  const end = options.end ?? info.frameCount;
  for (const [name, v] of [['start', start], ['end', end]] as const) {
    if (!Number.isInteger(v)) throw new ConfigError(name, `expected an integer frame index, got ${String(v)}`);
  }
  if (start < 0 || end > info.frameCount || start >= end) {
    throw new VideoError(path, 'range', `frame range ${start}..${end - 1} (start ${start}, end ${end} exclusive) is out of bounds: the video has frames 0..${info.frameCount - 1} and the range must hold at least one frame`);
  }
  const interpolation = options.interpolation ?? 'area';
  if (!SCALE_INTERPOLATIONS.includes(interpolation)) {
    throw new ConfigError('interpolation', `unknown value '${String(interpolation)}'; expected one of ${SCALE_INTERPOLATIONS.join(', ')}`);
  }
  const threads = options.threads ?? 0;
  if (!Number.isInteger(threads) || threads < 0) throw new ConfigError('threads', `expected a non-negative integer, got ${String(threads)}`);
  const size = outputSize(info.width, info.height, options.width, options.height);
  // A JPEG still with EXIF orientation: ffmpeg scales the stored pixels (sides swapped back), vidpad turns them upright.
  const exif = info.exifOrientation ?? 1;
  const swap = orientationSwapsAxes(exif);
  const stored = swap ? { width: size.height, height: size.width } : size;
  const storedSource = swap ? { width: info.height, height: info.width } : { width: info.width, height: info.height };
  const filters: string[] = [];
  if (start > 0) filters.push(`select=gte(n\\,${start})`);
  if (stored.width !== storedSource.width || stored.height !== storedSource.height) filters.push(`scale=${stored.width}:${stored.height}:flags=${interpolation}`);
  filters.push('format=rgb24');
  const args = [
    '-nostdin', '-hide_banner', '-v', 'error',
    '-threads', String(threads),
    ...(exif !== 1 ? ['-noautorotate'] : []),
    '-i', ffmpegInput(path),
    '-map', '0:v:0', '-an', '-sn', '-dn',
    '-vf', filters.join(','),
    '-vsync', 'passthrough',
    '-frames:v', String(end - start),
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
  ];
  return { start, end, width: size.width, height: size.height, exif, args };
}

/**
 * Streams frames `start..end-1` one at a time; breaking out of the loop stops
 * ffmpeg. Errors: `VideoError` (`range` for a range outside the video,
 * `truncated`/`decode` when the file ends or fails before `end`, and those of
 * `probeVideo`), `ConfigError` for bad options, `BackendError` without ffmpeg.
 */
export async function* streamFrames(path: string, options: ReadFramesOptions = {}): AsyncGenerator<VideoFrame, void, undefined> {
  const info = options.info ?? (await probeVideo(path, options));
  const r = resolveRead(path, info, options);
  const program = ffmpegPath(options);
  const child = spawn(program, r.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let spawnError: Error | undefined;
  const stderr: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => stderr.push(b));
  const closed = new Promise<{ code: number | null }>((resolve) => {
    child.on('error', (e) => {
      spawnError = e;
      resolve({ code: null });
    });
    child.on('close', (code) => resolve({ code }));
  });
  const frameBytes = r.width * r.height * 3;
  const swapped = orientationSwapsAxes(r.exif);
  const wanted = r.end - r.start;
  let produced = 0;
  let frame = new Uint8Array(frameBytes);
  let filled = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length && produced < wanted) {
        const n = Math.min(frameBytes - filled, chunk.length - offset);
        frame.set(chunk.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === frameBytes) {
          const upright = r.exif === 1 ? frame : applyOrientation({ width: swapped ? r.height : r.width, height: swapped ? r.width : r.height, data: frame }, r.exif).data;
          const out: VideoFrame = { index: r.start + produced, width: r.width, height: r.height, data: upright };
          produced += 1;
          frame = new Uint8Array(frameBytes);
          filled = 0;
          yield out;
        }
      }
      if (produced === wanted) break;
    }
    const { code } = produced === wanted ? { code: 0 } : await closed;
    if (spawnError) throw missingToolError(program, path, spawnError);
    if (produced < wanted) {
      const why = stderrTail(Buffer.concat(stderr).toString('utf8'));
      const got = produced === 0 ? 'no frame' : `only frames ${r.start}..${r.start + produced - 1}`;
      throw new VideoError(
        path,
        code === 0 ? 'truncated' : 'decode',
        `asked for frames ${r.start}..${r.end - 1} of ${info.frameCount}, ffmpeg returned ${got}` +
          (code === 0 ? ': the stream ends early (truncated or damaged file)' : ` and failed (exit code ${String(code)}${why ? `: ${why}` : ''})`),
      );
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // Reap the process so a loop over thousands of videos leaves no zombies behind.
    await closed;
  }
}

/** `readFrames` refuses to hold more than this many bytes of frames at once: stream or scale instead. */
export const MAX_READ_BYTES = 2 ** 31;

/**
 * Reads frames `start..end-1` (default: all) into memory. Same errors as
 * `streamFrames`, plus a ConfigError when the frames would take more than
 * `MAX_READ_BYTES` (all 600 frames of a 1080p video are 3.7 GB).
 */
export async function readFrames(path: string, options: ReadFramesOptions = {}): Promise<VideoFrame[]> {
  const info = options.info ?? (await probeVideo(path, options));
  const r = resolveRead(path, info, options);
  const bytes = (r.end - r.start) * r.width * r.height * 3;
  if (bytes > MAX_READ_BYTES) {
    throw new ConfigError(
      'end',
      `${path}: frames ${r.start}..${r.end - 1} at ${r.width}x${r.height} would hold ${(bytes / 2 ** 30).toFixed(1)} GiB in memory; ` +
        `read fewer frames, scale them (width/height), or use streamFrames`,
    );
  }
  const frames: VideoFrame[] = [];
  for await (const f of streamFrames(path, { ...options, info })) frames.push(f);
  return frames;
}
