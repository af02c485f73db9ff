/**
 * OULU-NPU: the index and the four protocols on a tree with the dataset's
 * full name space (6 phones × 3 sessions × 55 users × 5 types = 4950 videos,
 * empty placeholder files: the index never decodes), counts worked out here
 * independently by looping over that name space, and the paper's published
 * test-set sizes.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, renameSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { indexOuluNpu, parseOuluName, ouluAttackType, ouluProtocolSplits, allOuluProtocolSplits, countSplit, indexDataset, datasetProtocolSplits, type DatasetIndex } from '../../src/data/index.js';
import { ConfigError, InputError } from '../../src/errors.js';

interface Name {
  phone: number;
  session: number;
  user: number;
  type: number;
}

const FOLDER = (user: number) => (user <= 20 ? 'Train_files' : user <= 35 ? 'Dev_files' : 'Test_files');
const stem = (n: Name) => `${n.phone}_${n.session}_${String(n.user).padStart(2, '0')}_${n.type}`;

const NAMESPACE: Name[] = [];
for (let phone = 1; phone <= 6; phone++) for (let session = 1; session <= 3; session++) for (let user = 1; user <= 55; user++) for (let type = 1; type <= 5; type++) NAMESPACE.push({ phone, session, user, type });

let tmp = '';
let root = '';
let index: DatasetIndex;

before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'vidpad-oulu-'));
  root = path.join(tmp, 'OULU-NPU');
  for (const f of ['Train_files', 'Dev_files', 'Test_files']) mkdirSync(path.join(root, f), { recursive: true });
  for (const n of NAMESPACE) {
    writeFileSync(path.join(root, FOLDER(n.user), `${stem(n)}.avi`), '');
    writeFileSync(path.join(root, FOLDER(n.user), `${stem(n)}.txt`), '');
  }
  index = await indexOuluNpu(root);
});

after(() => rmSync(tmp, { recursive: true, force: true }));

test('OULU-NPU names parse into phone, session, user and type; attack types are print/1-2 and replay/1-2', () => {
  assert.deepEqual(parseOuluName('6_3_55_5'), { phone: 6, session: 3, user: '55', type: 5 });
  assert.deepEqual(parseOuluName('1_1_01_1'), { phone: 1, session: 1, user: '01', type: 1 });
  assert.deepEqual([1, 2, 3, 4, 5].map(ouluAttackType), [null, 'print/1', 'print/2', 'replay/1', 'replay/2']);
  for (const bad of ['7_1_01_1', '1_4_01_1', '1_1_56_1', '1_1_00_1', '1_1_01_6', '1-1-01-1', '1_1_01', 'x_1_01_1']) assert.equal(typeof parseOuluName(bad), 'string', bad);
});

test('the full name space indexes without an issue: 4950 videos, each with its eye-position file, users in their parts', () => {
  assert.equal(index.dataset, 'oulu-npu');
  assert.deepEqual(index.issues, []);
  assert.equal(index.videos.length, 4950);
  const v = index.videos.find((x) => x.id === 'oulu-npu/Dev_files/3_2_27_4')!;
  assert.equal(v.sourceSplit, 'val');
  assert.equal(v.subject, '27');
  assert.equal(v.attackType, 'replay/1');
  assert.equal(v.faceFormat, 'frame-eyes');
  assert.equal(v.faceFile, path.join(root, 'Dev_files', '3_2_27_4.txt'));
  assert.deepEqual(
    Object.fromEntries(['train', 'val', 'test'].map((p) => [p, new Set(index.videos.filter((x) => x.sourceSplit === p).map((x) => x.subject)).size])),
    { train: 20, val: 15, test: 20 },
  );
});

/** Live and attack counts of the names that pass `pred`, in the users of `part`. */
function expected(part: 'train' | 'val' | 'test', pred: (n: Name) => boolean): { live: number; spoof: number } {
  const inPart = (u: number) => (part === 'train' ? u >= 1 && u <= 20 : part === 'val' ? u >= 21 && u <= 35 : u >= 36 && u <= 55);
  let live = 0;
  let spoof = 0;
  for (const n of NAMESPACE) {
    if (!inPart(n.user) || !pred(n)) continue;
    if (n.type === 1) live++;
    else spoof++;
  }
  return { live, spoof };
}

function checkCounts(protocol: 1 | 2 | 3 | 4, fold: number | null, trainPred: (n: Name) => boolean, testPred: (n: Name) => boolean): void {
  const split = ouluProtocolSplits(index, protocol).find((s) => s.fold === fold)!;
  const got = { train: countSplit(split.train), val: countSplit(split.val), test: countSplit(split.test) };
  for (const [part, pred] of [['train', trainPred], ['val', trainPred], ['test', testPred]] as const) {
    const want = expected(part, pred);
    assert.equal(got[part].live, want.live, `P${protocol} fold ${fold} ${part} live`);
    assert.equal(got[part].spoof, want.spoof, `P${protocol} fold ${fold} ${part} attacks`);
  }
  assert.deepEqual(split.valSubjects, Array.from({ length: 15 }, (_, i) => String(21 + i)));
}

test('P1: sessions 1-2 train and validate, session 3 tests; 120 live and 480 attack test videos', () => {
  checkCounts(1, null, (n) => n.session !== 3, (n) => n.session === 3);
  const [p1] = ouluProtocolSplits(index, 1);
  assert.equal(ouluProtocolSplits(index, 1).length, 1);
  assert.deepEqual([countSplit(p1!.test).live, countSplit(p1!.test).spoof], [120, 480]);
  assert.deepEqual(countSplit(p1!.test).byAttackType, { 'print/1': 120, 'print/2': 120, 'replay/1': 120, 'replay/2': 120 });
});

test('P2: print 1 + replay 1 train, print 2 + replay 2 test; 360 live and 720 attack test videos', () => {
  checkCounts(2, null, (n) => n.type === 1 || n.type === 2 || n.type === 4, (n) => n.type === 1 || n.type === 3 || n.type === 5);
  const [p2] = ouluProtocolSplits(index, 2);
  assert.deepEqual([countSplit(p2!.test).live, countSplit(p2!.test).spoof], [360, 720]);
  assert.deepEqual(p2!.trainAttackTypes, ['print/1', 'replay/1']);
  assert.deepEqual(p2!.testAttackTypes, ['print/2', 'replay/2']);
});

test('P3: six folds, each holding one phone out; 60 live and 240 attack test videos per fold', () => {
  const folds = ouluProtocolSplits(index, 3);
  assert.deepEqual(folds.map((s) => s.fold), [1, 2, 3, 4, 5, 6]);
  for (let k = 1; k <= 6; k++) {
    checkCounts(3, k, (n) => n.phone !== k, (n) => n.phone === k);
    const t = countSplit(folds[k - 1]!.test);
    assert.deepEqual([t.live, t.spoof], [60, 240]);
  }
});

test('P4: six folds, session, instrument and phone all unseen; 20 live and 40 attack test videos per fold', () => {
  for (let k = 1; k <= 6; k++) {
    checkCounts(
      4,
      k,
      (n) => n.session < 3 && [1, 2, 4].includes(n.type) && n.phone !== k,
      (n) => n.session === 3 && [1, 3, 5].includes(n.type) && n.phone === k,
    );
    const t = countSplit(ouluProtocolSplits(index, 4)[k - 1]!.test);
    assert.deepEqual([t.live, t.spoof], [20, 40]);
  }
  assert.equal(allOuluProtocolSplits(index).length, 1 + 1 + 6 + 6);
});

test('no video of a protocol fold is in two of its lists, and test users never train', () => {
  for (const split of allOuluProtocolSplits(index)) {
    const ids = [...split.train, ...split.val, ...split.test].map((s) => s.video.id);
    assert.equal(new Set(ids).size, ids.length, split.name);
    const trainUsers = new Set(split.train.map((s) => s.video.subject));
    assert.ok(split.test.every((s) => !trainUsers.has(s.video.subject)), split.name);
  }
});

test('the registry reaches the same loader and protocols, and rejects unknown protocols and chosen validation subjects', async () => {
  const same = await indexDataset('oulu-npu', root);
  assert.equal(same.videos.length, index.videos.length);
  assert.equal(datasetProtocolSplits(same, '3').length, 6);
  assert.throws(() => datasetProtocolSplits(same, '5'), (e: unknown) => e instanceof ConfigError && /1, 2, 3, 4/.test(e.message));
  assert.throws(() => datasetProtocolSplits(same, '1', { valSubjects: ['03'] }), (e: unknown) => e instanceof ConfigError && /Dev_files/.test(e.message));
});

test("the dataset's own Protocols/ lists are checked against the computed splits", async () => {
  const r = path.join(tmp, 'with-protocols');
  for (const f of ['Train_files', 'Dev_files', 'Test_files']) mkdirSync(path.join(r, f), { recursive: true });
  // A small tree: phones 1-2, users 1, 21, 36; every session and type.
  const names = NAMESPACE.filter((n) => n.phone <= 2 && [1, 21, 36].includes(n.user));
  for (const n of names) {
    writeFileSync(path.join(r, FOLDER(n.user), `${stem(n)}.avi`), '');
    writeFileSync(path.join(r, FOLDER(n.user), `${stem(n)}.txt`), '');
  }
  // P1 lists written from the protocol's definition, with a name the tree lacks.
  const dir = path.join(r, 'Protocols', 'Protocol_1');
  mkdirSync(dir, { recursive: true });
  const list = (users: number[], pred: (n: Name) => boolean) =>
    names.filter((n) => users.includes(n.user) && pred(n)).map((n) => `${n.type === 1 ? '+1' : n.type <= 3 ? '-1' : '-2'},${stem(n)}`).join('\n') + '\n';
  writeFileSync(path.join(dir, 'Train.txt'), list([1], (n) => n.session < 3) + '+1,6_1_01_1\n');
  writeFileSync(path.join(dir, 'Dev.txt'), list([21], (n) => n.session < 3));
  writeFileSync(path.join(dir, 'Test.txt'), list([36], (n) => n.session === 3));
  let ix = await indexOuluNpu(r);
  assert.deepEqual(
    ix.issues.map((i) => i.kind),
    ['missing-video'],
  );
  assert.match(ix.issues[0]!.message, /1 listed video\(s\) are not in the tree, e.g. 6_1_01_1/);
  // A session-3 video listed for training, and a wrong label.
  writeFileSync(path.join(dir, 'Train.txt'), list([1], (n) => n.session < 3).replace('+1,1_1_01_1', '-1,1_1_01_1') + '-1,1_3_01_2\n');
  ix = await indexOuluNpu(r);
  const kinds = ix.issues.map((i) => `${i.kind} ${i.line ?? ''}`.trim());
  assert.ok(kinds.includes('protocol-mismatch 1'), kinds.join('; '));
  assert.ok(ix.issues.some((i) => i.kind === 'protocol-mismatch' && /listed but not in vidpad's split: 1_3_01_2/.test(i.message)), JSON.stringify(ix.issues));
});

test('problems are reported per file and the rest is indexed', async () => {
  const r = path.join(tmp, 'messy');
  for (const f of ['Train_files', 'Test_files']) mkdirSync(path.join(r, f), { recursive: true });
  const put = (f: string, name: string) => writeFileSync(path.join(r, f, name), '');
  put('Train_files', '1_1_01_1.avi');
  put('Train_files', '1_1_01_1.txt');
  put('Train_files', '1_1_01_2.avi'); // no .txt
  put('Train_files', '1_1_01_3.txt'); // no video
  put('Train_files', '1_1_40_1.avi'); // a test user in Train_files
  put('Train_files', '1_1_01_9.avi'); // bad type
  put('Train_files', 'notes.doc');
  put('Test_files', '2_3_40_5.avi');
  put('Test_files', '2_3_40_5.txt');
  writeFileSync(path.join(r, 'README.txt'), '');
  const ix = await indexOuluNpu(r);
  assert.deepEqual(ix.videos.map((v) => v.id), ['oulu-npu/Test_files/2_3_40_5', 'oulu-npu/Train_files/1_1_01_1', 'oulu-npu/Train_files/1_1_01_2']);
  const got = ix.issues.map((i) => `${i.kind} ${path.relative(r, i.file)}`).sort();
  assert.deepEqual(got, [
    'bad-folder Dev_files',
    'bad-name Train_files/1_1_01_9.avi',
    'bad-name Train_files/1_1_40_1.avi',
    'extra-file README.txt',
    'extra-file Train_files/notes.doc',
    'missing-face Train_files/1_1_01_2.avi',
    'orphan-face Train_files/1_1_01_3.txt',
  ]);
  assert.match(ix.issues.find((i) => i.file.endsWith('1_1_40_1.avi'))!.message, /belongs in Test_files/);
  await assert.rejects(indexOuluNpu(path.join(r, 'Train_files')), (e: unknown) => e instanceof InputError && /Train_files\/, Dev_files\/ and Test_files\//.test(e.message));
  await assert.rejects(indexOuluNpu(path.join(r, 'nope')), InputError);
});

test('a renamed or removed file changes the counts as expected', async () => {
  const r = path.join(tmp, 'small');
  for (const f of ['Train_files', 'Dev_files', 'Test_files']) mkdirSync(path.join(r, f), { recursive: true });
  const names = NAMESPACE.filter((n) => n.phone === 1 && [2, 22, 50].includes(n.user));
  for (const n of names) writeFileSync(path.join(r, FOLDER(n.user), `${stem(n)}.avi`), '');
  unlinkSync(path.join(r, 'Test_files', '1_3_50_3.avi'));
  renameSync(path.join(r, 'Test_files', '1_3_50_5.avi'), path.join(r, 'Test_files', '1_3_50_5.AVI'));
  const ix = await indexOuluNpu(r);
  const [p1] = ouluProtocolSplits(ix, 1);
  // Session 3 of user 50 on phone 1: live + 4 attacks, one removed; the upper-case extension still indexes.
  assert.deepEqual([countSplit(p1!.test).live, countSplit(p1!.test).spoof], [1, 3]);
  assert.equal(ix.issues.filter((i) => i.kind === 'missing-face').length, names.length - 1);
});
