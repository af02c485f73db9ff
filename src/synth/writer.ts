/**
 * Writing one synthetic video to disk: frames rendered in this thread are
 * piped as raw RGB into the system ffmpeg (libx264), and the `.face` file is
 * written beside it. Both files are written to a temporary name in the same
 * folder and renamed, so a file that exists is complete.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { VidpadError } from '../errors.js';
import { ffmpegPath } from '../video/ffmpeg.js';
import type { BoxPx } from '../face/box.js';
import type { SynthVideoSpec } from './plan.js';
import type { SynthRenderOptions } from './video.js';
import { renderSynthVideo } from './video.js';
import { tempSibling, writeFileAtomic } from '../io/index.js';

export interface SynthEncodeOptions extends SynthRenderOptions {
  readonly crf: number;
}

export interface SynthVideoPaths {
  readonly mov: string;
  readonly face: string;
}

export function synthVideoPaths(outDir: string, spec: SynthVideoSpec): SynthVideoPaths {
  const base = path.join(outDir, ...spec.relStem.split('/'));
  return { mov: `${base}.mov`, face: `${base}.face` };
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
  return (await exists(p.mov)) && (await exists(p.face));
}

/** SiW's `.face` text: one `x1 y1 x2 y2` line per frame, `0 0 0 0` where no face is visible. */
export function formatFaceFile(boxes: ReadonlyArray<BoxPx | null>): string {
  return boxes.map((b) => (b ? `${b.left} ${b.top} ${b.right} ${b.bottom}` : '0 0 0 0')).join('\n') + '\n';
}

/** The ffmpeg command line for raw RGB frames on stdin to an H.264 .mov at `out`. */
export function ffmpegEncodeArgs(opts: SynthEncodeOptions, out: string): string[] {
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${opts.width}x${opts.height}`, '-r', String(opts.fps), '-i', 'pipe:0',
    // every input frame becomes exactly one output frame: line n of the .face file is frame n
    '-fps_mode', 'passthrough',
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-preset', 'veryfast', '-crf', String(opts.crf),
    // several encoders run side by side, one per worker: one thread each keeps them from fighting
    '-threads', '1',
    '-f', 'mov', out,
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
  const stale = [`.${path.basename(paths.mov)}.`, `.${path.basename(paths.face)}.`];
  for (const name of await readdir(dir)) {
    if (name.endsWith('.tmp') && stale.some((p) => name.startsWith(p))) await rm(path.join(dir, name), { force: true });
  }
  const tmpMov = tempSibling(paths.mov);
  const program = ffmpegPath();
  const child = spawn(program, ffmpegEncodeArgs(opts, tmpMov), { stdio: ['pipe', 'ignore', 'pipe'] });
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
  try {
    for (const frame of renderSynthVideo(spec, opts)) {
      boxes.push(frame.box);
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
  await writeFileAtomic(paths.face, formatFaceFile(boxes));
  return boxes.length;
}
