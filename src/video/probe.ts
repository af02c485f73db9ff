/**
 * Video metadata through `ffprobe`: frame count, rate, displayed size,
 * rotation, duration, codec; and the classification of unreadable files
 * (missing, not a video, truncated, empty) into typed errors naming the file.
 *
 * Frame counting. By default (`countMethod: 'packets'`) ffprobe lists every
 * packet of the video stream with its flags, without decoding (a fraction of
 * a second even for a 1080p SiW video), and the frames are the packets not
 * flagged `D` (discard). For the codecs SiW and phone cameras use
 * (H.264/HEVC in MOV/MP4, VP8/VP9 in WebM) one packet carries one frame; the
 * discard flag matters for MOV/MP4 files cut without re-encoding, whose edit
 * list hides the packets before the cut: ffmpeg decodes them but never
 * outputs them, so plain `-count_packets` would over-count (measured: 51
 * packets, 49 frames). `countMethod: 'decode'` uses `-count_frames` instead,
 * decoding the whole stream (seconds per 1080p video): exact for any codec,
 * including those that pack several frames in one packet. Either way the
 * count comes from reading the file, not from the header: the header's
 * `nb_frames` is only used to notice a truncated file.
 *
 * Rotation. Phones store portrait video as landscape frames plus a display
 * matrix. vidpad always applies it (ffmpeg's default autorotation), so that
 * `width`/`height` here and every frame `readFrames` returns are as a player
 * shows them, upright; face boxes (`.face` files) refer to these frames.
 * `rotationDeg` reports the matrix's angle, counter-clockwise, in
 * {0, 90, 180, 270}; `codedWidth`/`codedHeight` are the stored size.
 * A JPEG still records its rotation in EXIF instead, which ffmpeg leaves
 * alone: `exifOrientation` reports it, `width`/`height` are upright, and
 * `readFrames` applies it, so a phone photo is read the way it is shown.
 */
import { open, stat } from 'node:fs/promises';
import { ConfigError, VideoError } from '../errors.js';
import { ffmpegInput, ffprobePath, runTool, stderrTail, type FfmpegTools } from './ffmpeg.js';
import { orientationSwapsAxes, readJpegOrientation, type ExifOrientation } from './exif.js';

export interface VideoInfo {
  /** The path as given. */
  path: string;
  /** Frames `readFrames` can return: indices 0..frameCount-1. */
  frameCount: number;
  /** Average frame rate (frames per second). */
  fps: number;
  /** Displayed width in pixels, after rotation. */
  width: number;
  /** Displayed height in pixels, after rotation. */
  height: number;
  /** Counter-clockwise rotation applied to stored frames for display: 0, 90, 180 or 270. */
  rotationDeg: number;
  /** A JPEG still's EXIF orientation (1 for everything else); `width`/`height` already follow it. */
  exifOrientation: ExifOrientation;
  /** Stored (coded) width before rotation. */
  codedWidth: number;
  /** Stored (coded) height before rotation. */
  codedHeight: number;
  durationSec: number;
  /** ffmpeg's codec name, e.g. `h264`. */
  codec: string;
  /** ffmpeg's container name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`. */
  container: string;
  /** How `frameCount` was obtained. */
  countMethod: FrameCountMethod;
}

/** `packets`: count packets without decoding (fast); `decode`: decode every frame (exact for any codec). */
export type FrameCountMethod = 'packets' | 'decode';

export interface ProbeOptions extends FfmpegTools {
  countMethod?: FrameCountMethod;
}

interface FfprobeStream {
  codec_name?: string;
  width?: number;
  height?: number;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  duration?: string;
  nb_frames?: string;
  nb_read_frames?: string;
  side_data_list?: { rotation?: number }[];
}

interface FfprobeOutput {
  packets?: { flags?: string }[];
  streams?: FfprobeStream[];
  format?: { nb_streams?: number; format_name?: string; duration?: string };
}

function parseRate(r: string | undefined): number {
  if (!r) return 0;
  const [num, den] = r.split('/').map(Number);
  if (num === undefined || !Number.isFinite(num)) return 0;
  if (den === undefined) return num;
  return den > 0 ? num / den : 0;
}

function parseCount(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** Normalises ffprobe's display-matrix angle (which may be negative or ±180) to 0, 90, 180 or 270. */
export function normalizeRotation(deg: number): number {
  const quarter = Math.round(deg / 90);
  return (((quarter % 4) + 4) % 4) * 90;
}

const MOV_TOP_LEVEL_ATOMS = new Set(['ftyp', 'wide', 'mdat', 'free', 'skip', 'moov', 'pnot']);

/**
 * ffmpeg picks its MOV reader by file extension, so a text file named `.mov`
 * also yields "moov atom not found"; only a file that starts like a MOV/MP4
 * (a top-level atom at byte 4) is a recording that was cut short.
 */
/** Enough of a file's start to hold a JPEG's EXIF segment (at most 64 KiB). */
const EXIF_HEAD_BYTES = 128 * 1024;

async function readHead(path: string, bytes: number): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(head, 0, bytes, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function startsWithMovAtom(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await fh.read(head, 0, 8, 0);
    return bytesRead === 8 && MOV_TOP_LEVEL_ATOMS.has(head.subarray(4, 8).toString('latin1'));
  } finally {
    await fh.close();
  }
}

/** Throws VideoError('missing-file' | 'not-video') unless `path` is an existing regular file. */
export async function assertVideoFile(path: string): Promise<void> {
  let st;
  try {
    st = await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new VideoError(path, 'missing-file', 'no such file', { cause: err });
    throw new VideoError(path, 'missing-file', `cannot read the file: ${(err as Error).message}`, { cause: err });
  }
  if (!st.isFile()) throw new VideoError(path, 'not-video', 'is a directory or a special file, expected a video file');
  if (st.size === 0) throw new VideoError(path, 'empty', 'the file is empty (0 bytes)');
}

/**
 * Reads a video's metadata. Errors: `VideoError` with reason `missing-file`,
 * `not-video` (not a media file, or no video stream), `truncated` (cut short:
 * fewer frames than its header declares, or its index missing), `empty` (no
 * frames); `BackendError` when ffprobe cannot be run.
 */
export async function probeVideo(path: string, options: ProbeOptions = {}): Promise<VideoInfo> {
  await assertVideoFile(path);
  const countMethod = options.countMethod ?? 'packets';
  if (countMethod !== 'packets' && countMethod !== 'decode') {
    throw new ConfigError('countMethod', `unknown value '${String(countMethod)}'; expected 'packets' or 'decode'`);
  }
  const program = ffprobePath(options);
  const args = [
    '-v', 'error',
    '-select_streams', 'v:0',
    ...(countMethod === 'decode' ? ['-count_frames'] : []),
    '-show_entries',
    'packet=flags:stream=codec_name,width,height,r_frame_rate,avg_frame_rate,duration,nb_frames,nb_read_frames:stream_side_data=rotation:format=nb_streams,format_name,duration',
    '-of', 'json',
    ffmpegInput(path),
  ];
  const res = await runTool(program, args, path);
  if (res.code !== 0) {
    if (/moov atom not found/i.test(res.stderr) && (await startsWithMovAtom(path))) {
      throw new VideoError(path, 'truncated', 'truncated: its MOV/MP4 index (moov atom) is missing, the recording was cut short before it was finished');
    }
    throw new VideoError(path, 'not-video', `not a readable video file (ffprobe: ${stderrTail(res.stderr) || `exit code ${String(res.code)}`})`);
  }
  let parsed: FfprobeOutput;
  try {
    parsed = JSON.parse(res.stdout) as FfprobeOutput;
  } catch (err) {
    throw new VideoError(path, 'not-video', 'ffprobe printed no readable description of the file', { cause: err });
  }
  const stream = parsed.streams?.[0];
  if (!stream) {
    if ((parsed.format?.nb_streams ?? 0) === 0) throw new VideoError(path, 'empty', 'contains no streams and no frames (a zero-frame video)');
    throw new VideoError(path, 'not-video', `has no video stream (${parsed.format?.nb_streams ?? 0} other stream(s), e.g. audio)`);
  }
  const declared = parseCount(stream.nb_frames);
  const packets = parsed.packets ?? [];
  const shown = packets.filter((p) => !(p.flags ?? '').includes('D')).length;
  const frameCount = countMethod === 'decode' ? (parseCount(stream.nb_read_frames) ?? 0) : shown;
  if (declared !== undefined && declared > packets.length) {
    throw new VideoError(path, 'truncated', `truncated: its header declares ${declared} frames but only ${packets.length} are in the file`);
  }
  if (frameCount === 0) throw new VideoError(path, 'empty', 'has a video stream with zero frames');
  if (/partial file/i.test(res.stderr)) {
    throw new VideoError(path, 'truncated', `truncated: the data ends inside a frame (ffprobe: ${stderrTail(res.stderr, 1)})`);
  }
  const fps = parseRate(stream.avg_frame_rate) || parseRate(stream.r_frame_rate);
  const streamDuration = Number(stream.duration);
  const formatDuration = Number(parsed.format?.duration);
  const durationSec = Number.isFinite(streamDuration) && streamDuration > 0
    ? streamDuration
    : Number.isFinite(formatDuration) && formatDuration > 0
      ? formatDuration
      : fps > 0 ? frameCount / fps : 0;
  // Containers without a frame count in their header (Matroska/WebM) still declare a duration:
  // far fewer frames than duration × rate means the file was cut.
  if (declared === undefined && fps > 0 && Number.isFinite(formatDuration) && formatDuration > 0) {
    const expected = Math.round(formatDuration * fps);
    if (frameCount < 0.9 * expected - 1) {
      throw new VideoError(path, 'truncated', `truncated: it declares ${formatDuration.toFixed(3)} s at ${fps.toFixed(3)} fps (~${expected} frames) but only ${frameCount} frames are in the file`);
    }
  }
  const codedWidth = stream.width ?? 0;
  const codedHeight = stream.height ?? 0;
  if (codedWidth <= 0 || codedHeight <= 0) throw new VideoError(path, 'not-video', 'its video stream has no frame size');
  const rotationDeg = normalizeRotation(stream.side_data_list?.find((s) => typeof s.rotation === 'number')?.rotation ?? 0);
  // Only JPEG stills carry EXIF orientation; a video's display matrix is handled by ffmpeg itself.
  const exifOrientation: ExifOrientation = stream.codec_name === 'mjpeg' && frameCount === 1 ? readJpegOrientation(await readHead(path, EXIF_HEAD_BYTES)) : 1;
  const swap = rotationDeg === 90 || rotationDeg === 270 || orientationSwapsAxes(exifOrientation);
  return {
    path,
    frameCount,
    fps,
    width: swap ? codedHeight : codedWidth,
    height: swap ? codedWidth : codedHeight,
    rotationDeg,
    exifOrientation,
    codedWidth,
    codedHeight,
    durationSec,
    codec: stream.codec_name ?? 'unknown',
    container: parsed.format?.format_name ?? 'unknown',
    countMethod,
  };
}
