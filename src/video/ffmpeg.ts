/**
 * Running the system's `ffmpeg` and `ffprobe`: where they are, how a missing
 * one is reported, and a small helper that runs one to completion. vidpad
 * ships no codec of its own; these two programs are its only decoder.
 */
import { spawn } from 'node:child_process';
import { BackendError } from '../errors.js';

/** Which programs to run. Defaults: `$VIDPAD_FFMPEG` / `$VIDPAD_FFPROBE`, else `ffmpeg` / `ffprobe` on the PATH. */
export interface FfmpegTools {
  ffmpegPath?: string;
  ffprobePath?: string;
}

export function ffmpegPath(tools: FfmpegTools = {}): string {
  return tools.ffmpegPath ?? process.env.VIDPAD_FFMPEG ?? 'ffmpeg';
}

export function ffprobePath(tools: FfmpegTools = {}): string {
  return tools.ffprobePath ?? process.env.VIDPAD_FFPROBE ?? 'ffprobe';
}

/** The error for a program that cannot be started, naming the file we meant to open with it. */
export function missingToolError(program: string, file: string, cause: unknown): BackendError {
  return new BackendError(
    `cannot run '${program}' to read ${file}: ${(cause as Error).message}. ` +
      `vidpad decodes video with the system's ffmpeg; install it (Debian/Ubuntu: apt-get install ffmpeg) ` +
      `or point VIDPAD_FFMPEG / VIDPAD_FFPROBE at the programs`,
    { cause },
  );
}

export interface ToolResult {
  code: number | null;
  stdout: string;
  /** The same output as raw bytes, for binary output (an image piped out). */
  stdoutBytes: Buffer;
  stderr: string;
}

/** Runs `program args` with no stdin and returns its whole output; a program that cannot start becomes a BackendError. */
export function runTool(program: string, args: readonly string[], file: string): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      reject(missingToolError(program, file, err));
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(missingToolError(program, file, e)));
    child.on('close', (code) => {
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, stdout: stdoutBytes.toString('utf8'), stdoutBytes, stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** The last few meaningful lines of a tool's stderr, for an error message. */
export function stderrTail(stderr: string, lines = 3): string {
  const kept = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return kept.slice(-lines).join(' | ');
}

/**
 * The input argument for a local file. The `file:` prefix keeps ffmpeg from
 * reading a name with a colon (`take:1.mov`, `C:\\x.mov`) as a protocol, or a
 * name starting with `-` as an option.
 */
export function ffmpegInput(path: string): string {
  return `file:${path}`;
}
