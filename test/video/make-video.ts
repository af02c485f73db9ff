/**
 * Tiny test videos made with ffmpeg's lavfi sources, and an independent raw
 * decode for comparisons. Shared by the video and data tests.
 */
import { spawnSync } from 'node:child_process';

/** The RGB colour frame n of a `colourVideo` is drawn in (before compression). */
export function frameColour(n: number): [number, number, number] {
  return [(n * 40 + 20) % 256, (n * 90 + 30) % 256, (((255 - n * 25) % 256) + 256) % 256];
}

export interface MakeVideoOptions {
  width?: number;
  height?: number;
  frames: number;
  fps?: number;
  /** `testsrc2`: a moving pattern; `colours`: frame n is one flat colour, `frameColour(n)`; `noise`: hard to compress. */
  kind?: 'testsrc2' | 'colours' | 'noise';
  /** Extra output arguments, e.g. ['-movflags', '+faststart']. */
  extra?: string[];
}

export function makeVideo(file: string, o: MakeVideoOptions): void {
  const w = o.width ?? 64;
  const h = o.height ?? 48;
  const fps = o.fps ?? 30;
  const kind = o.kind ?? 'testsrc2';
  const source =
    kind === 'colours'
      ? `color=c=black:s=${w}x${h}:r=${fps},format=gbrp,geq=r='mod(N*40+20\\,256)':g='mod(N*90+30\\,256)':b='mod(255-N*25+2560\\,256)'`
      : kind === 'noise'
        ? `testsrc2=size=${w}x${h}:rate=${fps},noise=alls=60:allf=t`
        : `testsrc2=size=${w}x${h}:rate=${fps}`;
  const pix = kind === 'colours' ? ['-pix_fmt', 'yuv444p', '-crf', '1'] : ['-pix_fmt', 'yuv420p'];
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', source, '-frames:v', String(o.frames), '-c:v', 'libx264', ...pix, ...(o.extra ?? []), file];
  const r = spawnSync('ffmpeg', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffmpeg failed making ${file}: ${r.stderr}`);
}

/** Every frame of `file` as one rgb24 buffer, decoded by a plain ffmpeg run (no select, no scaling). */
export function decodeAll(file: string): Buffer {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`ffmpeg failed decoding ${file}: ${r.stderr.toString()}`);
  return r.stdout;
}

/** Runs ffmpeg with `args`, throwing on failure. */
export function ffmpeg(args: string[]): void {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${r.stderr}`);
}
