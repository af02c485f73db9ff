import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { writeSiwTree, TREE_TRAIN_SUBJECTS, type TreeVideo } from '../data/siw-tree.js';

let tmp = '';
let root = '';
let tree: TreeVideo[] = [];

before(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'vidpad-cli-dataset-'));
  root = path.join(tmp, 'SiW');
  tree = writeSiwTree(root);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void): Writable =>
    new Writable({
      write(chunk, _enc, done) {
        add(String(chunk));
        done();
      },
    });
  const code = await main(argv, { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)) });
  return { code, stdout, stderr };
}

interface JsonCounts {
  videos: number;
  live: number;
  spoof: number;
  byAttackType: Record<string, number>;
  subjects: number;
}
interface JsonReport {
  total: JsonCounts;
  protocols: { protocol: string; fold: number | null; valSubjects: string[]; counts: Record<'train' | 'val' | 'test', JsonCounts> }[];
  issues: { kind: string; file: string }[];
}

test('vidpad dataset --json: every protocol and fold with per-split counts that match the tree', async () => {
  const r = await run('dataset', '--dataset', 'siw', '--root', root, '--json');
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as JsonReport;
  assert.equal(rep.total.videos, tree.length);
  assert.deepEqual(rep.protocols.map((p) => `${p.protocol}/${p.fold}`), ['1/null', '2/1', '2/2', '2/3', '2/4', '3/1', '3/2']);
  assert.deepEqual(rep.issues, []);
  const val = new Set(['004', '012']);
  // P3 fold 2 (train replay, test print), counted by a loop over the files written.
  const want = { train: { videos: 0, live: 0, subjects: new Set<string>() }, test: { videos: 0, live: 0, subjects: new Set<string>() } };
  for (const v of tree) {
    const isTrain = v.split === 'Train' && !val.has(v.subject) && (v.type === 1 || v.type === 3);
    const isTest = v.split === 'Test' && (v.type === 1 || v.type === 2);
    for (const [ok, w] of [[isTrain, want.train], [isTest, want.test]] as const) {
      if (!ok) continue;
      w.videos++;
      if (v.type === 1) w.live++;
      w.subjects.add(v.subject);
    }
  }
  const p32 = rep.protocols[6]!;
  assert.equal(p32.counts.train.videos, want.train.videos);
  assert.equal(p32.counts.train.live, want.train.live);
  assert.equal(p32.counts.train.subjects, want.train.subjects.size);
  assert.equal(p32.counts.test.videos, want.test.videos);
  assert.equal(p32.counts.test.live, want.test.live);
  assert.equal(p32.counts.test.subjects, want.test.subjects.size);
  assert.deepEqual(Object.keys(p32.counts.test.byAttackType), ['print/1', 'print/2']);
  assert.deepEqual(p32.valSubjects, ['004', '012']);
});

test('vidpad dataset prints tables, honours --protocol and --val-subjects, and lists issues', async () => {
  writeFileSync(path.join(root, 'Train', 'live', '001', 'stray.txt'), 'x');
  try {
    const r = await run('dataset', '--dataset', 'siw', '--root', root, '--protocol', '2', '--val-subjects', '1,2');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /SiW P2 fold 4 \(replay\/4 held out\)/);
    assert.doesNotMatch(r.stdout, /SiW P1|SiW P3/);
    assert.match(r.stdout, /validation subjects \(2\): 001, 002/);
    assert.match(r.stdout, /split\s+videos\s+live\s+replay\/1\s+replay\/2\s+replay\/3\s+replay\/4\s+subjects/);
    const trainSubjects = TREE_TRAIN_SUBJECTS.length - 2;
    assert.match(r.stdout, new RegExp(`\\n  train(\\s+\\d+){6}\\s+${trainSubjects}\\n`));
    assert.match(r.stdout, /Issues: 1\n\s+extra-file\s+\S*stray\.txt/);
  } finally {
    rmSync(path.join(root, 'Train', 'live', '001', 'stray.txt'));
  }
});

test('vidpad dataset --dataset folder with --probe and the cross protocol', async () => {
  const froot = path.join(tmp, 'mine');
  const src = tree[0]!.file;
  for (const rel of ['live/ann/1.mp4', 'live/ben/1.mp4', 'live/cat/1.mp4', 'spoof/print/ann/1.mp4', 'spoof/replay/ben/1.mp4', 'spoof/replay/cat/1.mp4']) {
    mkdirSync(path.dirname(path.join(froot, rel)), { recursive: true });
    copyFileSync(src, path.join(froot, rel));
  }
  writeFileSync(path.join(froot, 'spoof', 'print', 'ann', '2.mp4'), 'broken');
  const r = await run('dataset', '--dataset', 'folder', '--root', froot, '--probe', '--json');
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as JsonReport;
  assert.equal(rep.total.videos, 6);
  assert.deepEqual(rep.issues.map((i) => i.kind), ['unreadable-video']);
  assert.deepEqual(rep.protocols.map((p) => `${p.protocol}/${p.fold}`), ['all/null', 'cross/1', 'cross/2']);
  // ann train, ben val, cat test (sorted positions 0, 1, 2).
  // Fold 1 holds print out: cat has no print video, so only its live one is tested; fold 2 holds replay out.
  // Probed, so the frames each split may use are counted too: 20 per video here.
  assert.deepEqual(rep.protocols[1]!.counts.test, { videos: 1, live: 1, spoof: 0, byAttackType: {}, subjects: 1, frames: 20 });
  assert.deepEqual(rep.protocols[2]!.counts.test, { videos: 2, live: 1, spoof: 1, byAttackType: { replay: 1 }, subjects: 1, frames: 40 });
  assert.deepEqual(rep.protocols[1]!.counts.train, { videos: 1, live: 1, spoof: 0, byAttackType: {}, subjects: 1, frames: 20 });
  assert.deepEqual(rep.protocols[2]!.counts.train, { videos: 2, live: 1, spoof: 1, byAttackType: { print: 1 }, subjects: 1, frames: 40 });
  const text = await run('dataset', '--dataset', 'folder', '--root', froot, '--protocol', 'cross');
  assert.match(text.stdout, /cross-attack fold 1 \(print held out\)/);
});

test('vidpad dataset usage errors exit 2, bad data exits 1, each with a clear message', async () => {
  const cases: [string[], number, RegExp][] = [
    [['dataset', '--root', root], 2, /--dataset is required/],
    [['dataset', '--dataset', 'casia', '--root', root], 2, /unknown dataset 'casia'; expected one of siw, oulu-npu, casia-fasd, replay-attack, msu-mfsd, folder/],
    [['dataset', '--dataset', 'siw'], 2, /--root DIR is required/],
    [['dataset', '--dataset', 'siw', '--root', root, '--protocol', '4'], 2, /--protocol for siw is one of 1, 2, 3/],
    [['dataset', '--dataset', 'folder', '--root', root, '--protocol', '2'], 1, /neither live\/ nor spoof\//],
    [['dataset', '--dataset', 'siw', '--root', root, '--val-subjects', '999'], 2, /valSubjects\[0\]: subject '999'/],
    [['dataset', '--dataset', 'siw', '--root', root, '--val-subjects', ','], 2, /at least one subject/],
    [['dataset', '--dataset', 'siw', '--root', path.join(tmp, 'absent')], 1, /absent: no such folder/],
    [['dataset', '--dataset', 'siw', '--root', root, '--manifest', 'x.csv'], 2, /--manifest applies to --dataset folder only/],
  ];
  for (const [argv, code, re] of cases) {
    const r = await run(...argv);
    assert.equal(r.code, code, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, argv.join(' '));
  }
});

test('vidpad dataset over the benchmark layouts: one dataset, several with the leave-one-out splits, one cross-dataset split', async () => {
  const { writeAllTrees } = await import('../data/benchmark-trees.js');
  const fas = writeAllTrees(path.join(tmp, 'fas'));
  let r = await run('dataset', '--dataset', 'oulu-npu', '--root', path.join(fas, 'oulu-npu'), '--json');
  assert.equal(r.code, 0, r.stderr);
  const oulu = JSON.parse(r.stdout) as JsonReport;
  assert.deepEqual(oulu.protocols.map((p) => `${p.protocol}/${p.fold}`), ['1/null', '2/null', ...[1, 2, 3, 4, 5, 6].map((k) => `3/${k}`), ...[1, 2, 3, 4, 5, 6].map((k) => `4/${k}`)]);
  // 8 users × 2 phones × 3 sessions × 5 types; P1 tests session 3 of the 3 Test users: 3 × 2 × 1 × 5.
  assert.equal(oulu.total.videos, 240);
  assert.deepEqual([oulu.protocols[0]!.counts.test.live, oulu.protocols[0]!.counts.test.spoof], [6, 24]);
  // Phones 3-6 are absent from this tree: their P3 folds test nothing.
  assert.equal(oulu.protocols[4]!.counts.test.videos, 0);

  r = await run('dataset', '--dataset', 'casia-fasd,msu-mfsd', '--root', fas, '--json');
  assert.equal(r.code, 0, r.stderr);
  const two = JSON.parse(r.stdout) as { datasets: JsonReport[]; cross: Array<{ protocol: string; byDataset: Record<string, Record<string, number>> }> };
  assert.deepEqual(two.datasets.map((d) => d.total.videos), [120, 40]);
  assert.deepEqual(two.cross.map((c) => c.protocol), ['M→C', 'C→M']);
  // C→M: CASIA's train_release (less its validation subjects 3 and 6) and test_release train, its validation subjects validate; all of MSU-MFSD is tested.
  assert.deepEqual(two.cross[1]!.byDataset, { train: { 'casia-fasd': 96 }, val: { 'casia-fasd': 24 }, test: { 'msu-mfsd': 40 } });

  r = await run('dataset', '--root', `casia-fasd=${path.join(fas, 'casia-fasd')},replay-attack=${path.join(fas, 'replay-attack')}`, '--train', 'casia-fasd', '--test', 'replay-attack', '--cross-sources', 'train', '--cross-target', 'test', '--json');
  assert.equal(r.code, 0, r.stderr);
  const one = JSON.parse(r.stdout) as { cross: Array<{ byDataset: Record<string, Record<string, number>>; counts: Record<string, { live: number }> }> };
  assert.deepEqual(one.cross[0]!.byDataset, { train: { 'casia-fasd': 48 }, val: { 'casia-fasd': 24 }, test: { 'replay-attack': 72 } });
  r = await run('dataset', '--root', fas, '--train', 'casia-fasd,oulu-npu', '--test', 'replay-attack');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /C&O→I \(train on CASIA-FASD, OULU-NPU \[train\+test\]/);
  assert.match(r.stdout, /videos per dataset: train casia-fasd 96, oulu-npu 180; val casia-fasd 24, oulu-npu 60; test replay-attack 144/);

  const cases: [string[], number, RegExp][] = [
    [['dataset', '--root', fas, '--train', 'msu-mfsd', '--test', 'msu-mfsd'], 2, /--test msu-mfsd is also in --train/],
    [['dataset', '--root', fas, '--train', 'msu', '--test', 'oulu-npu'], 2, /--train: unknown dataset 'msu'/],
    [['dataset', '--root', fas, '--train', 'msu-mfsd'], 2, /needs --train SOURCE,SOURCE,… and --test TARGET/],
    [['dataset', '--root', path.join(fas, 'oulu-npu'), '--train', 'msu-mfsd', '--test', 'oulu-npu'], 1, /oulu-npu\/msu-mfsd: no such folder; with several datasets/],
    [['dataset', '--root', `msu-mfsd=${fas}`, '--train', 'msu-mfsd', '--test', 'oulu-npu'], 2, /--root gives no folder for oulu-npu/],
    [['dataset', '--dataset', 'oulu-npu', '--root', path.join(fas, 'oulu-npu'), '--protocol', '5'], 2, /--protocol for oulu-npu is one of 1, 2, 3, 4/],
    [['dataset', '--dataset', 'oulu-npu,msu-mfsd', '--root', fas, '--protocol', '1'], 2, /--protocol applies to one dataset/],
    [['train', '--root', fas, '--cache', fas, '--out', path.join(tmp, 'new-model'), '--protocol', 'cross'], 2, /needs --train SOURCE,SOURCE,… and --test TARGET/],
    [['train', '--root', fas, '--cache', fas, '--out', path.join(tmp, 'new-model'), '--train', 'oulu-npu', '--test', 'msu-mfsd', '--protocol', '1'], 2, /drop --protocol 1/],
    [['experiment', '--grid', 'ocim', '--root', fas, '--cache', fas, '--out', path.join(tmp, 'new-experiment'), '--train', 'oulu-npu'], 2, /--test TARGET alone chooses one direction/],
  ];
  for (const [argv, code, re] of cases) {
    const res = await run(...argv);
    assert.equal(res.code, code, `${argv.join(' ')}: ${res.stderr}`);
    assert.match(res.stderr, re, argv.join(' '));
  }
});
