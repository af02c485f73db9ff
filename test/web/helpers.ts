/**
 * What the browser tests share: building the page with Vite, Debian's
 * Chromium driven by playwright-core (never a downloaded browser), fake
 * cameras that play y4m files made with ffmpeg from synthetic videos, and
 * the page served by `vidpad web`'s server.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, LaunchOptions } from 'playwright-core';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Debian's chromium (scripts/setup-debian.sh installs it); VIDPAD_CHROMIUM overrides. */
export function chromiumPath(): string {
  const candidates = [process.env.VIDPAD_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`no Chromium found (looked at ${candidates.join(', ')}): install Debian's 'chromium' (scripts/setup-debian.sh does)`);
  return found;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, input?: Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: [input ? 'pipe' : 'ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (b: Buffer) => (err += String(b)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`))));
    if (input) {
      for (const b of input) child.stdin!.write(b);
      child.stdin!.end();
    }
  });
}

/** Builds the page into `outDir` with the project's Vite config (as `npm run build:web` does into dist/web). */
export function buildPage(outDir: string): Promise<void> {
  return run(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', path.join(ROOT, 'web', 'vite.config.ts')], { ...process.env, VIDPAD_WEB_OUT: outDir });
}

/** Raw RGB frames → a y4m file (yuv420p, the format Chromium's fake camera plays, looping). */
export function writeY4m(file: string, frames: readonly Uint8Array[], width: number, height: number, fps = 30): Promise<void> {
  return run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0', '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', file], process.env, frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength)));
}

export interface CameraOptions {
  /** The y4m the fake camera plays; none: Chromium's own test pattern. */
  y4m?: string;
  /** false: no automatic "allow" for the camera prompt, so headless Chromium refuses the camera. */
  allowCamera?: boolean;
  /** false: no fake camera device at all (this machine has no camera). */
  camera?: boolean;
}

/** Headless Chromium with a fake camera. */
export function launchChromium(options: CameraOptions = {}): Promise<Browser> {
  const args = ['--no-sandbox', '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required'];
  if (options.camera ?? true) args.push('--use-fake-device-for-media-stream');
  if (options.allowCamera ?? true) args.push('--use-fake-ui-for-media-stream');
  if (options.y4m) args.push(`--use-file-for-fake-video-capture=${options.y4m}`);
  const launch: LaunchOptions = { executablePath: chromiumPath(), headless: true, args };
  return chromium.launch(launch);
}
