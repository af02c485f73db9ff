/**
 * An experiment spread over machines that share a filesystem (Slurm arrays,
 * Kubernetes indexed Jobs): the plan every shard agrees on, which cells are a
 * shard's, and a lock per cell so a cell is never written by two processes.
 *
 * - `OUT/experiment.json` records the cells (ids, configurations, protocol
 *   folds) and the report's intro. The first run writes it; every later run,
 *   shard or not, must plan exactly the same cells or stops with an error
 *   (shards started with different options would otherwise split different
 *   lists and could leave cells to nobody).
 * - Shard i of n takes every n-th cell of the id-sorted list, so shards are
 *   disjoint and together cover every cell, whatever order the grid lists them.
 * - Before training a cell, a shard creates `cells/<id>/lock` exclusively (the
 *   host, pid and time in it) and removes it when the cell is done. A cell
 *   locked by a live process is skipped with a warning; a lock left by a dead
 *   process on this host is taken over. A lock from another host cannot be
 *   checked, so it is reported and the cell skipped: delete the file if that
 *   run is gone.
 */
import { rmSync } from 'node:fs';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, InputError } from '../errors.js';
import { writeFileAtomic } from '../io/index.js';
import type { Shard } from '../preprocess/index.js';
import type { CellResult, CellSpec } from './cell.js';

export const PLAN_FILE = 'experiment.json';
export const CELL_LOCK_FILE = 'lock';
const PLAN_FORMAT = 1;

export interface ExperimentPlan {
  format: number;
  intro: string;
  cells: CellSpec[];
  /** Results that are not trained (baseline methods' score files), kept for the report. */
  extraResults: CellResult[];
}

/** The cells of shard `shard` (1-based i of n): every n-th of the id-sorted list; all cells without a shard. */
export function selectCellShard<T extends { id: string }>(cells: readonly T[], shard: Shard | null): T[] {
  const sorted = [...cells].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return shard ? sorted.filter((_, i) => i % shard.count === shard.index - 1) : sorted;
}

function planKey(cells: readonly CellSpec[]): string {
  return JSON.stringify([...cells].sort((a, b) => (a.id < b.id ? -1 : 1)));
}

export async function readExperimentPlan(outDir: string): Promise<ExperimentPlan | null> {
  const file = path.join(outDir, PLAN_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const plan = JSON.parse(text) as ExperimentPlan;
    if (!Array.isArray(plan.cells)) throw new Error('no cells list');
    return { ...plan, extraResults: plan.extraResults ?? [] };
  } catch (err) {
    throw new InputError(`${file}: not a readable experiment plan (${(err as Error).message}); remove it or choose another --out folder`);
  }
}

/**
 * Writes the plan, or checks it against the one already there: the same
 * cells, or a ConfigError naming the first difference.
 */
export async function claimExperimentPlan(outDir: string, plan: Omit<ExperimentPlan, 'format'>): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const mine = { format: PLAN_FORMAT, ...plan };
  const check = (old: ExperimentPlan) => {
    if (planKey(old.cells) === planKey(mine.cells)) return;
    const oldIds = new Set(old.cells.map((c) => c.id));
    const newIds = new Set(mine.cells.map((c) => c.id));
    const onlyOld = [...oldIds].filter((id) => !newIds.has(id));
    const onlyNew = [...newIds].filter((id) => !oldIds.has(id));
    const why =
      onlyOld.length || onlyNew.length
        ? `${onlyNew.length ? `new cells ${onlyNew.slice(0, 3).join(', ')}` : ''}${onlyNew.length && onlyOld.length ? '; ' : ''}${onlyOld.length ? `missing cells ${onlyOld.slice(0, 3).join(', ')}` : ''}`
        : 'the same cells with other training settings';
    throw new ConfigError('experiment', `${path.join(outDir, PLAN_FILE)} plans other cells than these options (${why}); every run and shard of an experiment needs the same options, or use another --out`);
  };
  const old = await readExperimentPlan(outDir);
  if (old) return check(old);
  await writeFileAtomic(path.join(outDir, PLAN_FILE), JSON.stringify(mine, null, 2) + '\n');
  // Two shards starting together may both have written: the file now holds one of them, and the other must agree.
  const now = await readExperimentPlan(outDir);
  if (now) check(now);
}

interface LockInfo {
  host: string;
  pid: number;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Locks this process holds, removed when it exits: an interrupted run
 * (Ctrl-C exits from the signal handler, past the `finally` that releases a
 * lock) must not leave its cells locked for the run that resumes it.
 */
const heldLocks = new Set<string>();
let exitHookInstalled = false;

function holdLock(file: string): () => Promise<void> {
  heldLocks.add(file);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const f of heldLocks) rmSync(f, { force: true });
    });
  }
  return async () => {
    heldLocks.delete(file);
    await rm(file, { force: true });
  };
}

/**
 * Takes the cell's lock. Returns a release function, or null with the reason
 * when another process holds it.
 */
export async function lockCell(cellDir: string): Promise<{ release: () => Promise<void> } | { heldBy: string }> {
  await mkdir(cellDir, { recursive: true });
  const file = path.join(cellDir, CELL_LOCK_FILE);
  const me: LockInfo = { host: os.hostname(), pid: process.pid, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(file, 'wx');
      await fh.writeFile(JSON.stringify(me) + '\n');
      await fh.close();
      return { release: holdLock(file) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let held: LockInfo | null = null;
    try {
      held = JSON.parse(await readFile(file, 'utf8')) as LockInfo;
    } catch {
      // Being written by its owner right now, or damaged: leave it to the owner.
    }
    const stale = held !== null && held.host === me.host && held.pid !== me.pid && !alive(held.pid);
    if (!stale) return { heldBy: held ? `${held.host} pid ${held.pid} since ${held.since}` : 'another process' };
    await rm(file, { force: true });
  }
  return { heldBy: 'another process (the lock came back while taking over a stale one)' };
}
