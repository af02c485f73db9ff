/**
 * Experiments across machines: shards split the cells disjointly and cover
 * them, every run must plan the same cells, a cell is locked while it trains,
 * and the cross-dataset table reports HTER and AUC.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readFile, mkdir } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import {
  selectCellShard,
  claimExperimentPlan,
  readExperimentPlan,
  lockCell,
  reportExperiment,
  summarizeCells,
  renderMarkdown,
  computeMetrics,
  experimentCells,
  gridConfigs,
  parseShard,
  CELL_LOCK_FILE,
  ConfigError,
  InputError,
} from '../../src/index.js';
import type { CellResult, CellSpec, ProtocolFold, ScoreRow } from '../../src/index.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-plan-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cells = (n: number): CellSpec[] =>
  Array.from({ length: n }, (_, i) => ({ id: `loss-c${String((i * 7) % n).padStart(2, '0')}-p1`, config: `c${i}`, table: 'loss', protocol: '1', fold: null, train: { seed: i } }));

test('shards: disjoint, together every cell, each a fair share, whatever order the cells come in', () => {
  const all = cells(23);
  for (const n of [1, 2, 3, 5, 23, 30]) {
    const shares = Array.from({ length: n }, (_, i) => selectCellShard(all, { index: i + 1, count: n }).map((c) => c.id));
    const flat = shares.flat();
    assert.equal(flat.length, all.length, `n=${n}`);
    assert.equal(new Set(flat).size, all.length, `n=${n}: no cell in two shards`);
    for (const s of shares) assert.ok(s.length <= Math.ceil(23 / n) && s.length >= Math.floor(23 / n), `n=${n}`);
    const reversed = Array.from({ length: n }, (_, i) => selectCellShard([...all].reverse(), { index: i + 1, count: n }).map((c) => c.id));
    assert.deepEqual(reversed, shares);
  }
  assert.deepEqual(parseShard('2/8'), { index: 2, count: 8 });
  assert.throws(() => parseShard('0/2'), ConfigError);
  assert.throws(() => parseShard('3/2'), ConfigError);
});

test('the plan: written once, the same cells again are fine, other cells or settings are refused', async () => {
  const out = path.join(dir, 'exp');
  const mine = cells(4);
  await claimExperimentPlan(out, { intro: 'x', cells: mine, extraResults: [] });
  await claimExperimentPlan(out, { intro: 'x', cells: [...mine].reverse(), extraResults: [] });
  assert.deepEqual((await readExperimentPlan(out))!.cells.map((c) => c.id), mine.map((c) => c.id));
  await assert.rejects(claimExperimentPlan(out, { intro: 'x', cells: cells(5), extraResults: [] }), (e: unknown) => e instanceof ConfigError && /new cells/.test(e.message));
  const changed = mine.map((c, i) => (i === 0 ? { ...c, train: { seed: 99 } } : c));
  await assert.rejects(claimExperimentPlan(out, { intro: 'x', cells: changed, extraResults: [] }), (e: unknown) => e instanceof ConfigError && /other training settings/.test(e.message));
  await assert.rejects(reportExperiment(path.join(dir, 'none')), (e: unknown) => e instanceof InputError && /no experiment plan/.test(e.message));
  await assert.rejects(reportExperiment(out), (e: unknown) => e instanceof InputError && /no finished cell yet/.test(e.message));
});

test('a process that exits without releasing (Ctrl-C exits from the signal handler) leaves no cell lock behind', async () => {
  const cell = path.join(dir, 'cells', 'exits');
  const src = path.resolve('src/index.ts');
  // The child takes the lock and exits at once, as the interrupt handler does, past any finally.
  const script = `const v = await import(${JSON.stringify(src)}); const l = await v.lockCell(${JSON.stringify(cell)}); if (!('release' in l)) process.exit(3); process.exit(130);`;
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', resolve);
  });
  assert.equal(code, 130);
  await assert.rejects(readFile(path.join(cell, CELL_LOCK_FILE), 'utf8'), (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT');
  const again = await lockCell(cell);
  assert.ok('release' in again, 'the resumed run takes the cell');
  await again.release();
});

test('cell locks: exclusive, released, held by a live process, taken over from a dead one', async () => {
  const cell = path.join(dir, 'cells', 'a');
  const first = await lockCell(cell);
  assert.ok('release' in first);
  const second = await lockCell(cell);
  assert.ok('heldBy' in second && second.heldBy.includes(`pid ${process.pid}`));
  await first.release();
  const third = await lockCell(cell);
  assert.ok('release' in third);
  await third.release();
  // A lock left by a process that has exited, on this host.
  const child = spawn(process.execPath, ['-e', '0']);
  const deadPid = child.pid!;
  await new Promise((r) => child.on('exit', r));
  await mkdir(cell, { recursive: true });
  await writeFile(path.join(cell, CELL_LOCK_FILE), JSON.stringify({ host: os.hostname(), pid: deadPid, since: 'then' }));
  const taken = await lockCell(cell);
  assert.ok('release' in taken, 'a dead owner\'s lock is taken over');
  assert.match(await readFile(path.join(cell, CELL_LOCK_FILE), 'utf8'), new RegExp(`"pid":${process.pid}`));
  await taken.release();
  // Another host's lock cannot be checked: the cell is left alone.
  await writeFile(path.join(cell, CELL_LOCK_FILE), JSON.stringify({ host: 'elsewhere', pid: 1, since: 'then' }));
  const other = await lockCell(cell);
  assert.ok('heldBy' in other && other.heldBy.startsWith('elsewhere pid 1'));
});

const live = (s: number): ScoreRow => ({ label: 'live', attackType: '', liveScore: s });
const attack = (t: string, s: number): ScoreRow => ({ label: 'attack', attackType: t, liveScore: s });

test('the OCIM table: one row per direction with HTER (attacks pooled) and AUC; cell ids name the direction', () => {
  const folds = ['O&C&I→M', 'O&I&M→C'].map((protocol) => ({ protocol, split: { fold: null } })) as unknown as ProtocolFold[];
  const specs = experimentCells('ocim', gridConfigs('ocim', { loss: 'arcface' }), folds);
  assert.deepEqual(specs.map((c) => c.id), ['ocim-alexnet-2-1-d-arcface-vidpad-po-c-i-to-m', 'ocim-alexnet-2-1-d-arcface-vidpad-po-i-m-to-c']);
  // At 0.5: live 0.9, 0.4 → BPCER 1/2; print 0.6 accepted, replay 0.2, 0.1 rejected → APCER print 1, replay 0; pooled FAR 1/3.
  const rows = [live(0.9), live(0.4), attack('print', 0.6), attack('replay', 0.2), attack('replay', 0.1)];
  const m = computeMetrics(rows, 0.5);
  const cell: CellResult = {
    id: specs[0]!.id, config: specs[0]!.config, table: 'ocim', protocol: 'O&C&I→M', fold: null, split: 's', threshold: 0.5, valEer: null, clip: m, video: m,
    // AUC: pairs (live, attack) won: 0.9 beats all 3; 0.4 beats 0.2 and 0.1 → 5 of 6.
    auc: 5 / 6, videoAuc: 5 / 6,
    epochs: 1, bestEpoch: 1, trainSeconds: 0, clipsPerSec: null, testClips: 5, noFaceClips: 0, missingVideos: 0, modelDir: '', scoresFile: '',
  };
  const [row] = summarizeCells([cell]);
  assert.ok(Math.abs(row!.hter.mean - (1 / 3 + 1 / 2) / 2) < 1e-12);
  assert.equal(row!.acer.mean, (1 + 0.5) / 2);
  const md = renderMarkdown([row!], 'intro');
  assert.match(md, /## Cross-dataset generalisation/);
  assert.match(md, /\| O&C&I→M \| AlexNet-\(2\+1\)D arcface \(vidpad\) \| 41\.67 \| 83\.33 \| 100\.00 \| 50\.00 \| 75\.00 \|/);
  // A cell written before AUCs were recorded shows a dash.
  const old = { ...cell };
  delete old.auc;
  delete old.videoAuc;
  assert.match(renderMarkdown(summarizeCells([old]), 'i'), /\| 41\.67 \| – \|/);
});
