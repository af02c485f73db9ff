/**
 * Writing one synthetic video to disk: frames rendered in this thread are
 * piped as raw RGB into the system ffmpeg (libx264, in the container its
 * extension names: .mov, .avi or .mp4), and its face file (SiW's `.face`
 * beside it by default; the layout's file and format otherwise) is written
 * after it. Both files are written to a temporary name in the same folder and
 * renamed, so a file that exists is complete.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { VidpadError } from '../errors.js';
import { ffmpegPath } from '../video/ffmpeg.js';
import type { BoxPx } from '../face/box.js';
import type { SynthVideoSpec } from './plan.js';
import type { SynthEyes, SynthRenderOptions } from './video.js';
import type { FaceFileFormat } from '../data/datasets/types.js';
import { renderSynthVideo } from './video.js';
import { tempSibling, writeFileAtomic } from '../io/index.js';

export interface SynthEncodeOptions extends SynthRenderOptions {
  readonly crf: number;
}

export interface SynthVideoPaths {
  /** The video file (named `mov` since SiW's are; the extension follows the layout). */
  readonly mov: string;
  /** The face file, null when the layout ships none. */
  readonly face: string | null;
  readonly faceFormat: FaceFileFormat;
}

export function synthVideoPaths(outDir: string, spec: SynthVideoSpec): SynthVideoPaths {
  const at = (rel: string) => path.join(outDir, ...rel.split('/'));
  const face = spec.faceFile === undefined ? { path: `${spec.relStem}.face`, format: 'siw' as const } : spec.faceFile;
  return { mov: at(spec.videoPath ?? `${spec.relStem}.mov`), face: face ? at(face.path) : null, faceFormat: face?.format ?? 'siw' };
}

/** The ffmpeg muxer for a video file's extension. */
export function containerOf(file: string): 'mov' | 'avi' | 'mp4' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.avi') return 'avi';
  if (ext === '.mp4') return 'mp4';
  if (ext === '.mov') return 'mov';
  throw new VidpadError('E_CONFIG', `${file}: the synthetic writer makes .mov, .avi or .mp4 files, not '${ext}'`);
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** A video is complete when both its files exist: each appears only by an atomic rename of a finished file. */
export async function isSynthVideoComplete(outDir: string, spec: SynthVideoSpec): Promise<boolean> {
  const p = synthVideoPaths(outDir, spec);
  return (await exists(p.mov)) && (p.face === null || (await exists(p.face)));
}

/**
 * A face file's text in `format`, one line per frame, a line of zeros where
 * no face is visible: SiW `x1 y1 x2 y2`; `frame-xywh` (Replay-Attack)
 * `frame x y w h`, frames from 0; `frame-corners` (MSU-MFSD)
 * `frame,x1,y1,x2,y2`, frames from 0; `frame-eyes` (OULU-NPU)
 * `frame, xl, yl, xr, yr`, frames from 1, from `eyes` (required for it).
 */
export function formatFaceFile(boxes: ReadonlyArray<BoxPx | null>, format: FaceFileFormat = 'siw', eyes?: ReadonlyArray<SynthEyes | null>): string {
  const lines = boxes.map((b, i) => {
    if (format === 'siw') return b ? `${b.left} ${b.top} ${b.right} ${b.bottom}` : '0 0 0 0';
    if (format === 'frame-xywh') return b ? `${i} ${b.left} ${b.top} ${b.right - b.left} ${b.bottom - b.top}` : `${i} 0 0 0 0`;
    if (format === 'frame-corners') return b ? `${i},${b.left},${b.top},${b.right},${b.bottom}` : `${i},0,0,0,0`;
    if (!eyes) throw new VidpadError('E_CONFIG', 'formatFaceFile: the frame-eyes format needs the eye positions');
    const e = eyes[i];
    return e ? `${i + 1}, ${e.left.x}, ${e.left.y}, ${e.right.x}, ${e.right.y}` : `${i + 1}, 0, 0, 0, 0`;
  });
  return lines.join('\n') + '\n';
}

/** The ffmpeg command line for raw RGB frames on stdin to an H.264 video at `out`, in the container its extension names. */
export function ffmpegEncodeArgs(opts: SynthEncodeOptions, out: string, container: 'mov' | 'avi' | 'mp4' = 'mov'): string[] {
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${opts.width}x${opts.height}`, '-r', String(opts.fps), '-i', 'pipe:0',
    // every input frame becomes exactly one output frame: line n of the .face file is frame n
    '-fps_mode', 'passthrough',
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-preset', 'veryfast', '-crf', String(opts.crf),
    // several encoders run side by side, one per worker: one thread each keeps them from fighting
    '-threads', '1',
    '-f', container, out,
  ];
}

/**
 * Renders `spec` and writes its `.mov` and `.face` under `outDir`, replacing
 * whatever half-written state a killed run left. Returns the frame count.
 */
export async function writeSynthVideo(outDir: string, spec: SynthVideoSpec, opts: SynthEncodeOptions): Promise<number> {
  const paths = synthVideoPaths(outDir, spec);
  const dir = path.dirname(paths.mov);
  await mkdir(dir, { recursive: true });
  // a killed run leaves its temporary files behind; this video's are ours to clear
  const stale = [`.${path.basename(paths.mov)}.`, ...(paths.face ? [`.${path.basename(paths.face)}.`] : [])];
  const dirs = [...new Set([dir, ...(paths.face ? [path.dirname(paths.face)] : [])])];
  for (const d of dirs) {
    for (const name of await readdir(d).catch(() => [] as string[])) {
      // the old `.x.tmp` names and tempSibling's `.x.tmp-<pid>-<hex>`
      const temporary = name.endsWith('.tmp') || /\.tmp-\d+-[0-9a-f]+$/.test(name);
      if (temporary && stale.some((p) => name.startsWith(p))) await rm(path.join(d, name), { force: true });
    }
  }
  const tmpMov = tempSibling(paths.mov);
  const program = ffmpegPath();
  const child = spawn(program, ffmpegEncodeArgs(opts, tmpMov, containerOf(paths.mov)), { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    stderr = (stderr + s).slice(-4000);
  });
  let ended = false;
  // wakes a writer waiting for 'drain' when ffmpeg goes away instead
  let wake: (() => void) | undefined;
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', (err) => {
      ended = true;
      wake?.();
      reject(err);
    });
    child.on('close', (code) => {
      ended = true;
      wake?.();
      resolve(code);
    });
  });
  // observed through `await exited` below; this keeps an early rejection from being unhandled
  exited.catch(() => undefined);
  // an EPIPE when ffmpeg dies early is reported through its exit status below
  child.stdin.on('error', () => undefined);
  const boxes: Array<BoxPx | null> = [];
  const eyes: Array<SynthEyes | null> = [];
  try {
    for (const frame of renderSynthVideo(spec, opts)) {
      boxes.push(frame.box);
      eyes.push(frame.eyes);
      if (!child.stdin.write(frame.rgb) && !ended) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          child.stdin.once('drain', resolve);
        });
        wake = undefined;
      }
      if (ended) break;
    }
    child.stdin.end();
    let code: number | null;
    try {
      code = await exited;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new VidpadError(
        'E_IO',
        `cannot run '${program}' to encode ${paths.mov}: ${e.message}. vidpad synth encodes with the system's ffmpeg (libx264); ` +
          `install it (Debian/Ubuntu: apt-get install ffmpeg) or point VIDPAD_FFMPEG at it`,
        { cause: err },
      );
    }
    if (code !== 0) {
      throw new VidpadError('E_IO', `ffmpeg failed (exit ${code}) encoding ${paths.mov}: ${stderr.trim().split('\n').slice(-3).join(' | ') || 'no message'}`);
    }
    await rename(tmpMov, paths.mov);
  } catch (err) {
    child.kill('SIGKILL');
    await rm(tmpMov, { force: true });
    throw err;
  }
  if (paths.face) {
    await mkdir(path.dirname(paths.face), { recursive: true });
    await writeFileAtomic(paths.face, formatFaceFile(boxes, paths.faceFormat, eyes));
  }
  return boxes.length;
}
