/**
 * Where vidpad may write: the one check every command and library entry runs
 * on its output location before doing any work, and the marker file that
 * tells the folders vidpad made from everything else.
 *
 * - A folder vidpad makes (a model, an evaluation, an experiment, a synthetic
 *   dataset, a crop cache, …) holds a small marker file, `.vidpad`, naming
 *   what kind of folder it is. Its content is fixed (no time, no host), so it
 *   never makes two runs' folders differ.
 * - vidpad writes into a folder only when it is absent, empty, marked by
 *   vidpad as the same kind, or recognised as made by an older vidpad before
 *   the marker existed (`legacy`). Anything else, a non-empty folder of the
 *   user's or a folder of another kind, is refused unless the user says
 *   `--overwrite`.
 * - A single output file (`--draw`, `export --out`) must go into an existing
 *   folder; an existing file there is replaced only when vidpad wrote it
 *   (`isOurs`) or with `--overwrite`.
 * - Every location is checked for writing with a real probe file, not only
 *   its mode bits: root ignores them, and read-only mounts and immutable
 *   folders do not show in them.
 * Every refusal is an `OutputError` of one line naming the path and why.
 */
import { mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { OutputError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';

/** The marker file of a folder vidpad made. */
export const FOLDER_MARKER_FILE = '.vidpad';

export const OUTPUT_FOLDER_KINDS = ['model', 'eval', 'experiment', 'synth', 'crop-cache', 'flow-pretrain', 'explain', 'predict'] as const;
export type OutputFolderKind = (typeof OUTPUT_FOLDER_KINDS)[number];

const KIND_TITLES: Readonly<Record<OutputFolderKind, string>> = Object.freeze({
  model: 'model folder',
  eval: 'evaluation folder',
  experiment: 'experiment folder',
  synth: 'synthetic dataset',
  'crop-cache': 'crop cache',
  'flow-pretrain': 'flow pretraining folder',
  explain: 'Grad-CAM folder',
  predict: 'prediction folder',
});

export interface FolderMarker {
  madeBy: 'vidpad';
  kind: OutputFolderKind;
  format: 1;
}

export interface OutputFolderOptions {
  kind: OutputFolderKind;
  /** How the user named the folder, for messages (`--out`, `--cache`); default: no option named. */
  option?: string;
  /** Write into a folder vidpad did not make, or made as another kind. */
  overwrite?: boolean;
  /** Recognises a folder an older vidpad made before the marker existed (e.g. the synth.json at its top). */
  legacy?: (entries: readonly string[], dir: string) => boolean | Promise<boolean>;
}

/** What an output folder is now: to be created, empty, vidpad's own (of this kind), or another's taken with --overwrite. */
export type OutputFolderState = 'absent' | 'empty' | 'ours' | 'overwrite';

export interface OutputFolderStatus {
  state: OutputFolderState;
  /** The folder's entries (marker excluded); empty when absent. */
  entries: string[];
}

export interface OutputFileOptions {
  option?: string;
  overwrite?: boolean;
  /** True when an existing file at this path was written by vidpad (so replacing it loses nothing of the user's). */
  isOurs?: (file: string) => boolean | Promise<boolean>;
}

export type OutputFileState = 'absent' | 'ours' | 'overwrite';

const label = (option: string | undefined, p: string) => (option ? `${option} ${p}` : p);

function errnoOf(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? 'error';
}

function reasonOf(err: unknown): string {
  const code = errnoOf(err);
  const text: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
  };
  return `${code}: ${text[code] ?? (err as Error).message}`;
}

/** Creates and removes a probe file in `dir`; the error when that fails. */
async function probeWritable(dir: string): Promise<unknown | null> {
  const probe = path.join(dir, `.vidpad-write-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const handle = await open(probe, 'wx');
    await handle.close();
  } catch (err) {
    return err;
  }
  await rm(probe, { force: true });
  return null;
}

/**
 * The nearest existing ancestor of a path that does not exist, which must be
 * a writable folder for the path to be created: an OutputError otherwise.
 */
async function checkCreatable(target: string, option: string | undefined, what: 'folder' | 'file'): Promise<void> {
  let dir = path.dirname(path.resolve(target));
  for (;;) {
    let info;
    try {
      info = await stat(dir);
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        const up = path.dirname(dir);
        if (up === dir) throw new OutputError(target, `${label(option, target)}: cannot create it (no existing folder above it)`);
        if (what === 'file') throw new OutputError(target, `${label(option, target)}: the folder ${path.dirname(target)} does not exist; create it first or choose another path`);
        dir = up;
        continue;
      }
      throw new OutputError(target, `${label(option, target)}: cannot look at ${dir} (${reasonOf(err)})`, { cause: err });
    }
    if (!info.isDirectory()) throw new OutputError(target, `${label(option, target)}: cannot create it: ${dir} is a file, not a folder`);
    const denied = await probeWritable(dir);
    if (denied) throw new OutputError(target, `${label(option, target)}: cannot create it: ${dir} is not writable (${reasonOf(denied)})`, { cause: denied });
    return;
  }
}

/** Reads a folder's marker; null when there is none or it is not vidpad's. */
export async function readFolderMarker(dir: string): Promise<FolderMarker | null> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path.join(dir, FOLDER_MARKER_FILE), 'utf8'));
  } catch {
    return null;
  }
  const m = raw as Partial<FolderMarker> | null;
  if (!m || m.madeBy !== 'vidpad' || !(OUTPUT_FOLDER_KINDS as readonly string[]).includes(m.kind as string)) return null;
  return { madeBy: 'vidpad', kind: m.kind!, format: 1 };
}

/**
 * Checks that vidpad may write into `dir` as a folder of `options.kind`
 * (see the module header), without changing anything on disk. Throws an
 * OutputError naming the path and the reason.
 */
export async function checkOutputFolder(dir: string, options: OutputFolderOptions): Promise<OutputFolderStatus> {
  const { option, kind } = options;
  if (typeof dir !== 'string' || dir.length === 0) throw new OutputError(String(dir), `${option ?? 'output folder'}: empty path`);
  let info;
  try {
    info = await stat(dir);
  } catch (err) {
    const code = errnoOf(err);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new OutputError(dir, `${label(option, dir)}: cannot look at it (${reasonOf(err)})`, { cause: err });
    await checkCreatable(dir, option, 'folder');
    return { state: 'absent', entries: [] };
  }
  if (!info.isDirectory()) throw new OutputError(dir, `${label(option, dir)}: is a file; expected a folder`);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new OutputError(dir, `${label(option, dir)}: cannot read the folder (${reasonOf(err)})`, { cause: err });
  }
  const denied = await probeWritable(dir);
  if (denied) throw new OutputError(dir, `${label(option, dir)}: cannot write into it (${reasonOf(denied)})`, { cause: denied });
  const entries = names.filter((n) => n !== FOLDER_MARKER_FILE);
  const marker = names.includes(FOLDER_MARKER_FILE) ? await readFolderMarker(dir) : null;
  if (marker && marker.kind === kind) return { state: 'ours', entries };
  if (marker) {
    if (options.overwrite) return { state: 'overwrite', entries };
    throw new OutputError(dir, `${label(option, dir)}: holds a vidpad ${KIND_TITLES[marker.kind]}, not a ${KIND_TITLES[kind]}; choose another folder, or pass --overwrite to write into it anyway`);
  }
  if (entries.length === 0) return { state: 'empty', entries };
  if (options.legacy && (await options.legacy(entries, dir))) return { state: 'ours', entries };
  if (options.overwrite) return { state: 'overwrite', entries };
  const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? `, … (${entries.length} entries)` : '');
  throw new OutputError(
    dir,
    `${label(option, dir)}: not empty (${shown}) and not made by vidpad (no ${FOLDER_MARKER_FILE} marker); vidpad writes only into a new or empty folder or one it made: choose another folder, or pass --overwrite to write into it anyway`,
  );
}

/**
 * `checkOutputFolder`, then creates the folder (with its parents) and writes
 * its marker when missing: from then on the folder is vidpad's.
 */
export async function claimOutputFolder(dir: string, options: OutputFolderOptions): Promise<OutputFolderStatus> {
  const status = await checkOutputFolder(dir, options);
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new OutputError(dir, `${label(options.option, dir)}: cannot create it (${reasonOf(err)})`, { cause: err });
  }
  const marker = await readFolderMarker(dir);
  if (marker?.kind !== options.kind) {
    const content: FolderMarker = { madeBy: 'vidpad', kind: options.kind, format: 1 };
    await writeFileAtomic(path.join(dir, FOLDER_MARKER_FILE), JSON.stringify(content) + '\n');
  }
  return status;
}

/**
 * Checks that vidpad may write the file `file`: its folder exists and takes
 * a file, the path is not a folder, and an existing file there is replaced
 * only when vidpad wrote it or with `overwrite`. Changes nothing on disk.
 */
export async function checkOutputFile(file: string, options: OutputFileOptions = {}): Promise<OutputFileState> {
  const { option } = options;
  if (typeof file !== 'string' || file.length === 0) throw new OutputError(String(file), `${option ?? 'output file'}: empty path`);
  let info;
  try {
    info = await stat(file);
  } catch (err) {
    const code = errnoOf(err);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new OutputError(file, `${label(option, file)}: cannot look at it (${reasonOf(err)})`, { cause: err });
    await checkCreatable(file, option, 'file');
    return 'absent';
  }
  if (info.isDirectory()) throw new OutputError(file, `${label(option, file)}: is a folder; give a file path inside it`);
  const denied = await probeWritable(path.dirname(path.resolve(file)));
  if (denied) throw new OutputError(file, `${label(option, file)}: cannot write into ${path.dirname(file)} (${reasonOf(denied)})`, { cause: denied });
  if (options.isOurs && (await options.isOurs(file))) return 'ours';
  if (options.overwrite) return 'overwrite';
  throw new OutputError(file, `${label(option, file)}: the file exists and vidpad did not write it; choose another path, or pass --overwrite to replace it`);
}
