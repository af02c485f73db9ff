/**
 * What the reliability tests share: running vidpad as a user does (in
 * process through `main`, or as its own process through the real entry with
 * its signal handling), a small dataset a CLI command can train and evaluate
 * on in seconds (folder layout with a manifest, crops written straight into
 * a cache: no ffmpeg, no detector), and hashing the files of a folder to
 * prove that a refused command changed nothing.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { cacheLayout, writeVideoCrops } from '../../src/index.js';
import { captureIo } from '../helpers/capture-io.js';
import { SIDE, renderVideo } from '../train/fixtures.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `vidpad <argv>` in this process, output captured. */
export async function vidpad(...argv: string[]): Promise<CliRun> {
  const { out, io } = captureIo();
  const code = await main(argv, io);
  return { code, ...out };
}

/** The lines a run wrote to stderr, empty ones dropped. */
export const stderrLines = (r: CliRun): string[] => r.stderr.split('\n').filter((l) => l.trim() !== '');

/**
 * `vidpad <argv>` as its own process through src/cli/bin.ts (the program
 * bin/vidpad.js runs), so signals and the process's exit status are real.
 * `onStderr` sees the error stream as it arrives and may send a signal.
 */
export function spawnVidpad(argv: readonly string[], onStderr?: (soFar: string, child: ReturnType<typeof spawn>) => void): Promise<CliRun & { signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'src', 'cli', 'bin.ts'), ...argv], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
      onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
  });
}

/** Path → SHA-256 of every file below `dir` (relative paths, sorted). */
export async function folderHashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else out[path.relative(dir, full)] = createHash('sha256').update(await readFile(full)).digest('hex');
    }
  };
  await walk(dir);
  return out;
}

export const sha256Of = async (file: string): Promise<string> => createHash('sha256').update(await readFile(file)).digest('hex');

export interface CliDataset {
  /** Dataset root: the folder layout with a manifest (`--dataset folder`). */
  root: string;
  /** Crop cache holding every video's crops at SIDE px. */
  cache: string;
}

/**
 * A dataset `vidpad train`/`eval` read like any other: `ROOT/manifest.csv`
 * names placeholder video files (the index only needs them to exist) with
 * their label, attack type, subject and split; the cache holds each video's
 * crops (live: smooth gradients with noise; attacks: fine stripes), as
 * `vidpad preprocess` would have written them, with its config.json.
 */
export async function makeCliDataset(dir: string, frames = 8): Promise<CliDataset> {
  const root = path.join(dir, 'data');
  const cache = path.join(dir, 'cache');
  const layout = cacheLayout(cache, 'tiny');
  const rows = ['path,label,attack_type,subject,split'];
  let seed = 1;
  for (const split of ['train', 'val', 'test'] as const) {
    const subjects = split === 'train' ? ['s1', 's2', 's3'] : split === 'val' ? ['s4', 's5'] : ['s6', 's7'];
    for (const subject of subjects) {
      for (const kind of ['live', 'print', 'replay'] as const) {
        const rel = kind === 'live' ? `live/${subject}.mp4` : `spoof/${kind}/${subject}.mp4`;
        await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
        await writeFile(path.join(root, rel), '');
        rows.push(`${rel},${kind === 'live' ? 'live' : 'spoof'},${kind === 'live' ? '' : kind},${subject},${split}`);
        const id = rel.replace(/\.mp4$/, '');
        await writeVideoCrops(layout, {
          crops: renderVideo(kind, frames, seed++),
          meta: {
            formatVersion: 1, videoId: id, sourcePath: path.join(root, rel), frameCount: frames, fps: 30,
            sourceSize: { width: SIDE, height: SIDE }, workSize: { width: SIDE, height: SIDE }, cropSizePx: SIDE,
            boxes: Array.from({ length: frames }, () => ({ left: 0, top: 0, right: SIDE, bottom: SIDE })),
            boxSources: Array.from({ length: frames }, () => 'dataset' as const), detector: 'none',
          },
        });
      }
    }
  }
  await writeFile(path.join(root, 'manifest.csv'), rows.join('\n') + '\n');
  await writeFile(path.join(layout.root, 'config.json'), JSON.stringify({ key: 'tiny', detector: 'none', config: { cropSizePx: SIDE } }) + '\n');
  return { root, cache };
}

/** The options of a training run on `makeCliDataset` that takes seconds. */
export function tinyTrainArgs(data: CliDataset, out: string, epochs = 2): string[] {
  return [
    '--dataset', 'folder', '--root', data.root, '--cache', data.cache, '--out', out,
    '--size', String(SIDE), '--width', '0.0625', '--embedding', '8', '--frames', '2',
    '--epochs', String(epochs), '--patience', String(epochs), '--batch', '6', '--clips-per-video', '2', '--lr', '0.001', '--seed', '5', '--backend', 'wasm',
  ];
}

/**
 * Makes `dir` unwritable for this process, root included: mode 0555, and
 * where root ignores that, the immutable attribute. Returns an undo
 * function, or null when this machine allows neither (the caller then says so).
 */
export async function makeReadOnly(dir: string): Promise<(() => Promise<void>) | null> {
  await chmod(dir, 0o555);
  const writable = async () => {
    try {
      await writeFile(path.join(dir, '.probe'), '');
      spawnSync('rm', ['-f', path.join(dir, '.probe')]);
      return true;
    } catch {
      return false;
    }
  };
  if (!(await writable())) return async () => chmod(dir, 0o755);
  const chattr = spawnSync('chattr', ['+i', dir]);
  if (chattr.status === 0 && !(await writable())) {
    return async () => {
      spawnSync('chattr', ['-i', dir]);
      await chmod(dir, 0o755);
    };
  }
  spawnSync('chattr', ['-i', dir]);
  await chmod(dir, 0o755);
  return null;
}
