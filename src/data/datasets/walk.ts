/**
 * Directory listing for the dataset indexers: sorted, symlinks followed, and
 * a root that is missing or not a folder reported as an InputError naming it.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../errors.js';

export interface DirEntry {
  name: string;
  path: string;
  kind: 'file' | 'dir' | 'other';
}

/** Throws an InputError unless `dir` is an existing folder; `what` says what it should hold. */
export async function assertDir(dir: string, what: string): Promise<void> {
  let st;
  try {
    st = await stat(dir);
  } catch (err) {
    throw new InputError(`${dir}: no such folder (expected ${what})`, { cause: err });
  }
  if (!st.isDirectory()) throw new InputError(`${dir}: is a file, expected a folder holding ${what}`);
}

/** The entries of `dir`, sorted by name, dotfiles (`.DS_Store`, `._x`) left out. */
export async function listDir(dir: string): Promise<DirEntry[]> {
  const dirents = await readdir(dir, { withFileTypes: true });
  const out: DirEntry[] = [];
  for (const d of dirents) {
    if (d.name.startsWith('.')) continue;
    const full = path.join(dir, d.name);
    let kind: DirEntry['kind'] = d.isDirectory() ? 'dir' : d.isFile() ? 'file' : 'other';
    if (d.isSymbolicLink()) {
      const st = await stat(full).catch(() => undefined);
      kind = st?.isDirectory() ? 'dir' : st?.isFile() ? 'file' : 'other';
    }
    out.push({ name: d.name, path: full, kind });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Every file below `dir`, depth first, sorted; folders met more than once through links are visited once. */
export async function listFilesRecursive(dir: string, seen: Set<string> = new Set()): Promise<DirEntry[]> {
  const key = path.resolve(dir);
  if (seen.has(key)) return [];
  seen.add(key);
  const out: DirEntry[] = [];
  for (const e of await listDir(dir)) {
    if (e.kind === 'dir') out.push(...(await listFilesRecursive(e.path, seen)));
    else out.push(e);
  }
  return out;
}

/** `file` relative to `root`, with `/` separators whatever the OS. */
export function relativeId(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

/** Orders subject ids numerically when both are numbers ('9' < '10'), else as text. */
export function compareIds(a: string, b: string): number {
  const na = /^\d+$/.test(a) ? Number(a) : NaN;
  const nb = /^\d+$/.test(b) ? Number(b) : NaN;
  if (!Number.isNaN(na) && !Number.isNaN(nb) && na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `vidpad synth` records its settings in this file at the top of a tree it writes; the indexers pass over it without an issue. */
export const SYNTH_MANIFEST_NAME = 'synth.json';

/** True for the generator's manifest at the top of a tree. */
export function isSynthManifest(e: DirEntry): boolean {
  return e.kind === 'file' && e.name === SYNTH_MANIFEST_NAME;
}
