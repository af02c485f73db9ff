import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  indexSiw,
  parseSiwName,
  siwAttackType,
  siwProtocolSplits,
  allSiwProtocolSplits,
  defaultValSubjects,
  resolveValSubjects,
  probeDatasetVideos,
  countSplit,
  IDIAP_SIW_VAL_SUBJECTS,
  type DatasetIndex,
  type ProtocolSplit,
  type VideoEntry,
} from '../../src/data/index.js';
import { ConfigError, InputError } from '../../src/errors.js';
import { writeSiwTree, TREE_FRAMES, type TreeVideo } from './siw-tree.js';

let tmp = '';
let root = '';
let tree: TreeVideo[] = [];
let index: DatasetIndex;

before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'vidpad-siw-'));
  root = path.join(tmp, 'SiW');
  tree = writeSiwTree(root);
  index = await indexSiw(root);
});

after(() => rmSync(tmp, { recursive: true, force: true }));

const files = (list: { video: VideoEntry }[]): string[] => list.map((s) => s.video.path).sort();
const treeFiles = (pred: (v: TreeVideo) => boolean): string[] => tree.filter(pred).map((v) => v.file).sort();

test('SiW names parse into their five fields; attack types keep print and replay media apart', () => {
  assert.deepEqual(parseSiwName('003-2-3-4-1'), { subject: '003', sensor: 2, type: 3, medium: 4, session: 1 });
  assert.equal(siwAttackType(parseSiwName('003-2-3-4-1') as never), 'replay/4');
  assert.equal(siwAttackType(parseSiwName('003-1-2-1-1') as never), 'print/1');
  assert.equal(siwAttackType(parseSiwName('003-1-1-1-1') as never), null);
  for (const bad of ['003-1-4-1-1', '003-1-1-1', '003_1_1_1_1', 'abc-1-1-1-1', '003-1-1-1-1-1', '']) {
    assert.equal(typeof parseSiwName(bad), 'string', bad);
  }
});

test('indexSiw lists every video with label, attack type, subject, split and .face, without decoding', async () => {
  assert.equal(index.dataset, 'siw');
  assert.equal(index.videos.length, tree.length);
  assert.deepEqual(index.issues, []);
  const byPath = new Map(index.videos.map((v) => [v.path, v]));
  for (const t of tree) {
    const v = byPath.get(t.file);
    assert.ok(v, t.file);
    assert.equal(v.label, t.type === 1 ? 'live' : 'spoof');
    assert.equal(v.attackType, t.type === 1 ? null : `${t.type === 2 ? 'print' : 'replay'}/${t.medium}`);
    assert.equal(v.subject, t.subject);
    assert.equal(v.sourceSplit, t.split === 'Train' ? 'train' : 'test');
    assert.equal(v.faceFile, t.file.replace(/\.(mov|mp4)$/, '.face'));
    assert.equal(v.frameCount, undefined);
    assert.equal(v.id, path.relative(root, t.file).replace(/\.(mov|mp4)$/, ''));
  }
  assert.deepEqual(index.videos.map((v) => v.id), [...index.videos.map((v) => v.id)].sort());
});

test('default validation subjects: every third training subject in numeric order', () => {
  // Train subjects 001 002 004 007 010 012 015: the 3rd and 6th.
  assert.deepEqual(defaultValSubjects(['015', '001', '002', '004', '007', '010', '012']), ['004', '012']);
  const ninety = Array.from({ length: 90 }, (_, i) => String(i * 2 + 1).padStart(3, '0'));
  const val = defaultValSubjects(ninety);
  assert.equal(val.length, 30);
  assert.equal(val[0], '005');
  assert.equal(new Set(val).size, 30);
  assert.deepEqual(defaultValSubjects(['9', '10', '100', '11']), ['11']); // 9 10 11 100: numeric, not text order
});

test('user validation subjects are matched by value and unknown ones rejected with the list entry', () => {
  const train = ['001', '002', '004', '007'];
  assert.deepEqual(resolveValSubjects(train, ['7', '002']), ['002', '007']);
  assert.throws(() => resolveValSubjects(train, ['002', '003']), (e: unknown) => e instanceof ConfigError && e.path === 'valSubjects[1]' && /'003'/.test(e.message));
  assert.throws(() => resolveValSubjects(train, ['']), ConfigError);
  assert.throws(() => resolveValSubjects(train, train), ConfigError);
  assert.equal(IDIAP_SIW_VAL_SUBJECTS.length, 10);
  assert.throws(() => siwProtocolSplits(index, 1, { valSubjects: IDIAP_SIW_VAL_SUBJECTS }), ConfigError); // 003 is not in this small tree
});

function checkSplit(s: ProtocolSplit, want: { train: string[]; val: string[]; test: string[] }): void {
  assert.deepEqual(files(s.train), want.train, `${s.name} train`);
  assert.deepEqual(files(s.val), want.val, `${s.name} val`);
  assert.deepEqual(files(s.test), want.test, `${s.name} test`);
}

test('protocol 1: all Train videos (first 60 frames) minus validation subjects; all Test videos, all frames', () => {
  const val = new Set(['004', '012']);
  const [p1, ...rest] = siwProtocolSplits(index, 1);
  assert.equal(rest.length, 0);
  assert.equal(p1!.fold, null);
  checkSplit(p1!, {
    train: treeFiles((v) => v.split === 'Train' && !val.has(v.subject)),
    val: treeFiles((v) => v.split === 'Train' && val.has(v.subject)),
    test: treeFiles((v) => v.split === 'Test'),
  });
  assert.ok(p1!.train.every((s) => s.frames.kind === 'first' && s.frames.count === 60));
  assert.ok(p1!.val.every((s) => s.frames.kind === 'first' && s.frames.count === 60));
  assert.ok(p1!.test.every((s) => s.frames.kind === 'all'));
  assert.deepEqual(p1!.valSubjects, ['004', '012']);
  // Counts by simple loops over what was written.
  let live = 0;
  const types: Record<string, number> = {};
  for (const v of tree) {
    if (v.split !== 'Test') continue;
    if (v.type === 1) live++;
    else {
      const k = `${v.type === 2 ? 'print' : 'replay'}/${v.medium}`;
      types[k] = (types[k] ?? 0) + 1;
    }
  }
  const c = countSplit(p1!.test);
  assert.equal(c.live, live);
  assert.deepEqual(c.byAttackType, Object.fromEntries(Object.entries(types).sort()));
  assert.equal(c.subjects, 3);
  assert.equal(siwProtocolSplits(index, 1, { p1TrainFrames: 30 })[0]!.train[0]!.frames.kind === 'first', true);
  assert.throws(() => siwProtocolSplits(index, 1, { p1TrainFrames: 0 }), ConfigError);
});

test('protocol 2: one fold per replay medium; live + other replay media to train, live + the held-out medium to test, no print', () => {
  const val = new Set(['004', '012']);
  const folds = siwProtocolSplits(index, 2);
  assert.deepEqual(folds.map((f) => f.fold), [1, 2, 3, 4]);
  for (const [i, fold] of folds.entries()) {
    const held = i + 1;
    checkSplit(fold, {
      train: treeFiles((v) => v.split === 'Train' && !val.has(v.subject) && (v.type === 1 || (v.type === 3 && v.medium !== held))),
      val: treeFiles((v) => v.split === 'Train' && val.has(v.subject) && (v.type === 1 || (v.type === 3 && v.medium !== held))),
      test: treeFiles((v) => v.split === 'Test' && (v.type === 1 || (v.type === 3 && v.medium === held))),
    });
    assert.deepEqual(fold.testAttackTypes, [`replay/${held}`]);
    assert.ok(!fold.trainAttackTypes.includes(`replay/${held}`));
    assert.ok([...fold.train, ...fold.val, ...fold.test].every((s) => s.frames.kind === 'all' && !s.video.attackType?.startsWith('print')));
  }
});

test('protocol 3: print to replay and replay to print, live in both', () => {
  const val = new Set(['004', '012']);
  const folds = siwProtocolSplits(index, 3);
  assert.equal(folds.length, 2);
  for (const [fold, from, to] of [[folds[0]!, 2, 3], [folds[1]!, 3, 2]] as const) {
    checkSplit(fold, {
      train: treeFiles((v) => v.split === 'Train' && !val.has(v.subject) && (v.type === 1 || v.type === from)),
      val: treeFiles((v) => v.split === 'Train' && val.has(v.subject) && (v.type === 1 || v.type === from)),
      test: treeFiles((v) => v.split === 'Test' && (v.type === 1 || v.type === to)),
    });
  }
  assert.deepEqual(folds[0]!.trainAttackTypes, ['print/1', 'print/2']);
  assert.deepEqual(folds[0]!.testAttackTypes, ['replay/1', 'replay/2', 'replay/3', 'replay/4']);
  assert.equal(allSiwProtocolSplits(index).length, 1 + 4 + 2);
});

test('protocols are pure: the index is not changed, a user val list moves subjects', () => {
  const before = JSON.stringify(index);
  const [p] = siwProtocolSplits(index, 1, { valSubjects: ['1', '15'] });
  assert.equal(JSON.stringify(index), before);
  assert.deepEqual(p!.valSubjects, ['001', '015']);
  assert.deepEqual(files(p!.val), treeFiles((v) => v.split === 'Train' && (v.subject === '001' || v.subject === '015')));
  assert.throws(() => siwProtocolSplits(index, 4 as never), ConfigError);
  assert.throws(() => siwProtocolSplits({ ...index, dataset: 'folder' }, 1), ConfigError);
});

test('problems in the tree are reported per file and the rest is indexed', async () => {
  const r = path.join(tmp, 'broken');
  const dir = (...p: string[]): string => {
    const d = path.join(r, ...p);
    mkdirSync(d, { recursive: true });
    return d;
  };
  const src = tree[0]!.file;
  const face = readFileSync(src.replace(/\.(mov|mp4)$/, '.face'), 'utf8');
  const put = (d: string, stem: string, ext = '.mov', withFace = true): string => {
    copyFileSync(src, path.join(d, stem + ext));
    if (withFace) writeFileSync(path.join(d, `${stem}.face`), face);
    return path.join(d, stem + ext);
  };
  const live1 = dir('Train', 'live', '001');
  const good = put(live1, '001-1-1-1-1');
  const noFace = put(live1, '001-1-1-1-2', '.mp4', false);
  writeFileSync(path.join(live1, 'notes.txt'), 'x');
  writeFileSync(path.join(live1, '001-1-1-1-9.face'), face);
  const badName = put(live1, '001_1_1_1_3');
  const wrongSubject = put(live1, '002-1-1-1-4');
  const wrongType = put(dir('Train', 'spoof', '001'), '001-1-1-1-5');
  const dup = put(live1, '001-1-1-1-1', '.mp4', false);
  dir('Train', 'live', '001', 'nested');
  dir('Train', 'other');
  writeFileSync(path.join(r, 'README.md'), '# SiW');
  writeFileSync(path.join(r, '.DS_Store'), '');
  const idx = await indexSiw(r);
  assert.deepEqual(idx.videos.map((v) => v.path), [good, noFace]);
  const kinds = idx.issues.map((i) => `${i.kind} ${path.relative(r, i.file)}`).sort();
  assert.deepEqual(kinds, [
    `bad-folder ${path.join('Test')}`,
    `bad-folder ${path.join('Train', 'live', '001', 'nested')}`,
    `bad-folder ${path.join('Train', 'other')}`,
    `bad-name ${path.relative(r, badName)}`,
    `bad-name ${path.relative(r, wrongSubject)}`,
    `bad-name ${path.relative(r, wrongType)}`,
    `extra-file ${path.relative(r, dup)}`,
    `extra-file ${path.join('Train', 'live', '001', 'notes.txt')}`,
    'extra-file README.md',
    `missing-face ${path.relative(r, noFace)}`,
    `orphan-face ${path.join('Train', 'live', '001', '001-1-1-1-9.face')}`,
    // The bad names' .face files have no indexed video either.
    `orphan-face ${path.relative(r, badName).replace('.mov', '.face')}`,
    `orphan-face ${path.relative(r, wrongSubject).replace('.mov', '.face')}`,
    `orphan-face ${path.relative(r, wrongType).replace('.mov', '.face')}`,
  ].sort());
  assert.ok(idx.issues.every((i) => i.message.length > 10));
  await assert.rejects(indexSiw(path.join(tmp, 'nowhere')), (e: unknown) => e instanceof InputError && e.message.includes('nowhere'));
  await assert.rejects(indexSiw(good), InputError);
  await assert.rejects(indexSiw(live1), (e: unknown) => e instanceof InputError && /Train\/ and Test\//.test(e.message));
});

test('the probe step adds frame counts and checks .face files against them', async () => {
  const r = path.join(tmp, 'probe');
  const d = path.join(r, 'Test', 'spoof', '101');
  mkdirSync(d, { recursive: true });
  const src = tree.find((t) => t.ext === '.mov')!.file;
  const lines = Array.from({ length: TREE_FRAMES }, () => '1 2 30 40');
  for (const s of ['101-1-3-1-1', '101-1-3-2-1', '101-1-3-3-1', '101-1-2-1-1']) copyFileSync(src, path.join(d, `${s}.mov`));
  writeFileSync(path.join(d, '101-1-3-1-1.face'), lines.join('\n') + '\n');
  writeFileSync(path.join(d, '101-1-3-2-1.face'), lines.slice(1).join('\n'));
  writeFileSync(path.join(d, '101-1-3-3-1.face'), lines.map((l, i) => (i === 4 ? '1 2 x 4' : l)).join('\n'));
  writeFileSync(path.join(d, '101-1-3-4-1.mov'), 'not a video at all, just text'.repeat(10));
  writeFileSync(path.join(d, '101-1-3-4-1.face'), lines.join('\n'));
  const idx = await indexSiw(r);
  assert.equal(idx.videos.length, 5);
  const probed = await probeDatasetVideos(idx, { concurrency: 2 });
  assert.equal(probed.videos.length, 4);
  assert.ok(probed.videos.every((v) => v.frameCount === TREE_FRAMES));
  assert.equal(idx.videos[0]!.frameCount, undefined); // the input is untouched
  const issues = probed.issues.map((i) => [i.kind, path.basename(i.file), i.line]);
  assert.deepEqual(
    issues.filter(([k]) => k !== 'bad-folder' && k !== 'missing-face'),
    [
      ['face-lines', '101-1-3-2-1.face', undefined],
      ['bad-face-line', '101-1-3-3-1.face', 5],
      ['unreadable-video', '101-1-3-4-1.mov', undefined],
    ],
  );
  assert.ok(probed.issues.find((i) => i.kind === 'face-lines')!.message.includes(`19 lines but the video has ${TREE_FRAMES} frames`));
});
