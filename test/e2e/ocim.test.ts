/**
 * The cross-dataset OCIM grid end to end, through the CLI as a user runs it
 * on a cluster: four small synthetic datasets in the layouts of OULU-NPU,
 * CASIA-FASD, Replay-Attack and MSU-MFSD → `vidpad dataset` → one
 * `vidpad preprocess` over the four → `vidpad experiment --grid ocim` as two
 * shards → `--report-only` → `vidpad eval` of one direction.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile, readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { generateSynthDataset, loadScoresCsv, computeMetrics, rocAuc, readModelMeta } from '../../src/index.js';
import type { CellResult } from '../../src/index.js';
import { captureIo } from '../helpers/capture-io.js';

async function vidpad(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { out, io } = captureIo();
  const code = await main(argv, io);
  return { code, ...out };
}

const SYNTH = { seed: 3, width: 160, height: 120, frames: 6 };
// Near prints and screens (found by the face detector at this size); every part of every dataset gets live and attack videos.
const DATASETS = {
  'oulu-npu': { subjects: 3, pick: { phone: ['1'], session: ['1'], type: ['1', '2'] } },
  'casia-fasd': { subjects: 3, pick: { file: ['1', '5'] } },
  'replay-attack': { subjects: 3, pick: { light: ['adverse'], support: ['fixed'], attack: ['live', 'print'], attempt: ['1'] } },
  'msu-mfsd': { subjects: 2, pick: { device: ['android'], kind: ['live', 'printed_photo'] } },
} as const;

test('synth (4 layouts) → dataset → preprocess → experiment --grid ocim in 2 shards → --report-only → eval', { timeout: 600_000 }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-ocim-'));
  const data = path.join(dir, 'data');
  const cache = path.join(dir, 'cache');
  const exp = path.join(dir, 'exp');
  const tiny = ['--size', '64', '--width', '0.125', '--embedding', '16', '--frames', '2', '--epochs', '1', '--batch', '8', '--clips-per-video', '1', '--backend', 'wasm'];
  try {
    for (const [layout, c] of Object.entries(DATASETS)) {
      await generateSynthDataset(path.join(data, layout), { layout: layout as keyof typeof DATASETS, ...SYNTH, subjects: c.subjects, pick: c.pick as never }, { workers: 2 });
    }
    const four = 'oulu-npu,casia-fasd,replay-attack,msu-mfsd';

    let r = await vidpad('dataset', '--dataset', four, '--root', data, '--json');
    assert.equal(r.code, 0, r.stderr);
    const rep = JSON.parse(r.stdout) as { datasets: Array<{ dataset: string; issues: unknown[]; total: { videos: number } }>; cross: Array<{ protocol: string; byDataset: Record<string, Record<string, number>> }> };
    assert.deepEqual(rep.datasets.map((d) => [d.dataset, d.issues.length, d.total.videos]), [['oulu-npu', 0, 6], ['casia-fasd', 0, 6], ['replay-attack', 0, 6], ['msu-mfsd', 0, 4]]);
    assert.deepEqual(rep.cross.map((p) => p.protocol), ['C&I&M→O', 'O&I&M→C', 'O&C&M→I', 'O&C&I→M']);
    for (const p of rep.cross) {
      const target = Object.keys(p.byDataset.test!);
      assert.equal(target.length, 1, p.protocol);
      assert.ok(!(target[0]! in p.byDataset.train!) && !(target[0]! in p.byDataset.val!), `${p.protocol}: the target trains or validates`);
    }

    r = await vidpad('preprocess', '--dataset', four, '--root', data, '--cache', cache, '--size', '64', '--workers', '2', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { processed: number }).processed, 22);

    const experiment = ['experiment', '--grid', 'ocim', '--root', data, '--cache', cache, ...tiny, '--out', exp];
    const shard1 = await vidpad(...experiment, '--shard', '1/2');
    assert.equal(shard1.code, 0, shard1.stderr);
    assert.match(shard1.stdout, /2 cell\(s\) of the experiment not finished yet/);
    await assert.rejects(stat(path.join(exp, 'report.md')), 'a shard of several leaves the report to --report-only');
    const shard2 = await vidpad(...experiment, '--shard', '2/2');
    assert.equal(shard2.code, 0, shard2.stderr);
    const trained = (s: string) => [...s.matchAll(/protocol (\S+→\S)/g)].map((m) => m[1]!);
    const one = trained(shard1.stderr);
    const two = trained(shard2.stderr);
    assert.equal(one.length, 2);
    assert.equal(two.length, 2);
    assert.deepEqual([...one, ...two].sort(), ['C&I&M→O', 'O&C&I→M', 'O&C&M→I', 'O&I&M→C'], 'the shards train every direction once');
    // Finished cells are skipped: shard 1 again trains nothing; no lock is left behind.
    const again = await vidpad(...experiment, '--shard', '1/2');
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(trained(again.stderr), []);
    // Other options into the same experiment are refused.
    const other = await vidpad(...experiment, '--seed', '9', '--shard', '1/2');
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /experiment\.json plans other cells than these options \(the same cells with other training settings\)/);

    r = await vidpad('experiment', '--report-only', '--out', exp);
    assert.equal(r.code, 0, r.stderr);
    const md = await readFile(path.join(exp, 'report.md'), 'utf8');
    assert.match(md, /## Cross-dataset generalisation/);
    const results = JSON.parse(await readFile(path.join(exp, 'results.json'), 'utf8')) as { cells: CellResult[]; missing: string[] };
    assert.deepEqual(results.missing, []);
    assert.equal(results.cells.length, 4);
    for (const cell of results.cells) {
      assert.equal(await readdir(path.join(exp, 'cells', cell.id)).then((f) => f.includes('lock')), false);
      // The table's figures are those of the cell's own score file at its threshold.
      const scores = (await loadScoresCsv(cell.scoresFile)).rows;
      const m = computeMetrics(scores, cell.threshold);
      const auc = rocAuc(scores);
      assert.equal(cell.clip.hter, m.hter);
      assert.equal(cell.auc, auc);
      const row = md.split('\n').find((l) => l.startsWith(`| ${cell.protocol} |`));
      assert.ok(row, cell.protocol);
      assert.ok(row.includes(`| ${(100 * m.hter).toFixed(2)} | ${(100 * auc).toFixed(2)} |`), row);
      // The threshold came from the sources' validation split; the target never trained or validated.
      const meta = await readModelMeta(path.join(exp, 'cells', cell.id, 'model'));
      assert.equal(meta.threshold!.chosenOn, 'val');
      assert.equal(meta.training.dataset, 'cross');
    }
    const html = await readFile(path.join(exp, 'report.html'), 'utf8');
    const [curves = '', learning = ''] = html.split('<h3>Learning curves</h3>');
    assert.equal((curves.match(/<svg/g) ?? []).length, 8, 'a ROC and a DET curve per direction');
    assert.equal((learning.match(/<svg/g) ?? []).length, 2 * results.cells.length, 'loss and EER learning curves per cell');

    // The same direction through vidpad eval: the same HTER and AUC.
    const m = results.cells.find((c) => c.protocol === 'O&C&I→M')!;
    r = await vidpad('eval', '--model', m.modelDir, '--root', data, '--cache', cache, '--train', 'oulu-npu,casia-fasd,replay-attack', '--test', 'msu-mfsd', '--json');
    assert.equal(r.code, 0, r.stderr);
    const evaluated = JSON.parse(r.stdout) as { cross: { hter: number; auc: number } };
    assert.equal(evaluated.cross.hter, m.clip.hter);
    assert.equal(evaluated.cross.auc, m.auc);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
