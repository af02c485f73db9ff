/**
 * CASIA-FASD: the index and its seven test protocols on a tree with the
 * dataset's full name space (20 train and 30 test subjects × 12 files, empty
 * placeholders), counts worked out here from the file table of the paper.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { indexCasiaFasd, parseCasiaFile, casiaProtocolSplits, countSplit, datasetProtocolSplits, type DatasetIndex } from '../../src/data/index.js';
import { ConfigError, InputError } from '../../src/errors.js';

// The paper's table: file → (quality, kind).
const FILES: Record<string, [string, string]> = {
  '1': ['low', 'live'], '2': ['normal', 'live'], HR_1: ['high', 'live'],
  '3': ['low', 'warped'], '4': ['normal', 'warped'], HR_2: ['high', 'warped'],
  '5': ['low', 'cut'], '6': ['normal', 'cut'], HR_3: ['high', 'cut'],
  '7': ['low', 'video'], '8': ['normal', 'video'], HR_4: ['high', 'video'],
};

let tmp = '';
let root = '';
let index: DatasetIndex;

before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'vidpad-casia-'));
  root = path.join(tmp, 'CASIA');
  for (const [release, n] of [['train_release', 20], ['test_release', 30]] as const) {
    for (let s = 1; s <= n; s++) {
      mkdirSync(path.join(root, release, String(s)), { recursive: true });
      for (const f of Object.keys(FILES)) writeFileSync(path.join(root, release, String(s), `${f}.avi`), '');
    }
  }
  index = await indexCasiaFasd(root);
});

after(() => rmSync(tmp, { recursive: true, force: true }));

test('CASIA file names: quality and kind by the paper\'s table; attack types print/warped, print/cut, replay/video', () => {
  for (const [f, [quality, kind]] of Object.entries(FILES)) {
    const p = parseCasiaFile(f);
    assert.ok(typeof p !== 'string', f);
    assert.deepEqual([p.quality, p.kind], [quality, kind], f);
  }
  assert.deepEqual(parseCasiaFile('hr_2'), { file: 'HR_2', quality: 'high', kind: 'warped' });
  for (const bad of ['9', '0', 'HR_5', 'HR1', 'x']) assert.equal(typeof parseCasiaFile(bad), 'string', bad);
});

test('the full tree: 600 videos, 50 subjects whose restarting folder numbers stay apart, no issue', () => {
  assert.deepEqual(index.issues, []);
  assert.equal(index.videos.length, 50 * 12);
  const subjects = new Set(index.videos.map((v) => v.subject));
  assert.equal(subjects.size, 50);
  assert.ok(subjects.has('train-01') && subjects.has('test-01') && subjects.has('test-30'));
  const v = index.videos.find((x) => x.id === 'casia-fasd/test_release/7/HR_4')!;
  assert.deepEqual([v.label, v.attackType, v.subject, v.sourceSplit, v.faceFile], ['spoof', 'replay/video', 'test-07', 'test', null]);
});

test('every protocol: train_release trains (validation: every third training subject), test_release tests; counts from the file table', () => {
  const keep: Record<string, (f: string) => boolean> = {
    overall: () => true,
    low: (f) => FILES[f]![0] === 'low',
    normal: (f) => FILES[f]![0] === 'normal',
    high: (f) => FILES[f]![0] === 'high',
    warped: (f) => ['live', 'warped'].includes(FILES[f]![1]),
    cut: (f) => ['live', 'cut'].includes(FILES[f]![1]),
    video: (f) => ['live', 'video'].includes(FILES[f]![1]),
  };
  // Every third of the 20 training subjects: 3, 6, …, 18.
  const valSubjects = [3, 6, 9, 12, 15, 18].map((n) => `train-${String(n).padStart(2, '0')}`);
  for (const [protocol, pred] of Object.entries(keep)) {
    const [split] = casiaProtocolSplits(index, protocol as never);
    const files = Object.keys(FILES).filter(pred);
    const live = files.filter((f) => FILES[f]![1] === 'live').length;
    const want = (subjects: number) => ({ live: subjects * live, spoof: subjects * (files.length - live) });
    for (const [part, n] of [['train', 14], ['val', 6], ['test', 30]] as const) {
      const c = countSplit(split![part]);
      assert.deepEqual({ live: c.live, spoof: c.spoof }, want(n), `${protocol} ${part}`);
      assert.equal(c.subjects, n, `${protocol} ${part} subjects`);
    }
    assert.deepEqual(split!.valSubjects, valSubjects);
  }
  const [overall] = casiaProtocolSplits(index, 'overall');
  assert.deepEqual(countSplit(overall!.test).byAttackType, { 'print/cut': 90, 'print/warped': 90, 'replay/video': 90 });
});

test('validation subjects may be given as 3, 03 or train-03; unknown ones and test subjects are rejected', () => {
  const [s] = datasetProtocolSplits(index, 'overall', { valSubjects: ['3', '04', 'train-05'] });
  assert.deepEqual(s!.valSubjects, ['train-03', 'train-04', 'train-05']);
  assert.throws(() => casiaProtocolSplits(index, 'overall', { valSubjects: ['21'] }), (e: unknown) => e instanceof ConfigError && /valSubjects\[0\]/.test(e.message));
  assert.throws(() => casiaProtocolSplits(index, 'overall', { valSubjects: ['test-01'] }), ConfigError);
  assert.throws(() => casiaProtocolSplits(index, 'mask' as never), (e: unknown) => e instanceof ConfigError && /overall, low, normal, high, warped, cut, video/.test(e.message));
});

test('problems are reported per file', async () => {
  const r = path.join(tmp, 'messy');
  mkdirSync(path.join(r, 'train_release', '1'), { recursive: true });
  mkdirSync(path.join(r, 'train_release', 'notes'), { recursive: true });
  for (const f of ['1.avi', '9.avi', 'HR_1.AVI', 'hr_1.avi', '2.mp4']) writeFileSync(path.join(r, 'train_release', '1', f), '');
  const ix = await indexCasiaFasd(r);
  assert.deepEqual(ix.videos.map((v) => v.id), ['casia-fasd/train_release/1/1', 'casia-fasd/train_release/1/HR_1']);
  assert.deepEqual(ix.issues.map((i) => `${i.kind} ${path.relative(r, i.file)}`).sort(), [
    'bad-folder test_release',
    'bad-folder train_release/notes',
    'bad-name train_release/1/9.avi',
    'extra-file train_release/1/2.mp4',
    'extra-file train_release/1/hr_1.avi',
  ]);
  await assert.rejects(indexCasiaFasd(path.join(r, 'train_release')), (e: unknown) => e instanceof InputError && /train_release\/ and test_release\//.test(e.message));
});
