import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { indexFolder, folderProtocolSplits, assignFolderSplits, folderAttackTypes, countSplit, type DatasetIndex } from '../../src/data/index.js';
import { ConfigError, InputError } from '../../src/errors.js';
import { makeVideo } from '../video/make-video.js';

let tmp = '';
let proto = '';

interface Planted {
  rel: string;
  label: 'live' | 'spoof';
  attackType: string | null;
  subject: string;
}

function plant(root: string, rel: string): string {
  const file = path.join(root, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  copyFileSync(proto, file);
  return file;
}

before(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'vidpad-folder-'));
  proto = path.join(tmp, 'proto.mp4');
  makeVideo(proto, { frames: 10 });
});

after(() => rmSync(tmp, { recursive: true, force: true }));

/** Six subjects s1..s6, each with two live videos and one video of each of three attack types. */
function writeLayout(root: string): Planted[] {
  const out: Planted[] = [];
  const exts = ['.mp4', '.mov', '.avi', '.webm'];
  let k = 0;
  for (let s = 1; s <= 6; s++) {
    const subject = `s${s}`;
    for (const n of [1, 2]) {
      const rel = `live/${subject}/take${n}${exts[k++ % 4]}`;
      plant(root, rel);
      out.push({ rel, label: 'live', attackType: null, subject });
    }
    for (const type of ['mask', 'print', 'replay']) {
      const rel = `spoof/${type}/${subject}/deep/clip${exts[k++ % 4]}`;
      plant(root, rel);
      out.push({ rel, label: 'spoof', attackType: type, subject });
    }
  }
  return out;
}

test('discovery: live/** and spoof/<attack-type>/**, subject from the first folder, .face beside', async () => {
  const root = path.join(tmp, 'layout');
  const planted = writeLayout(root);
  writeFileSync(path.join(root, 'live', 's1', 'take1.face'), '1 2 3 4\n');
  const idx = await indexFolder(root);
  assert.equal(idx.dataset, 'folder');
  assert.deepEqual(idx.issues, []);
  assert.equal(idx.videos.length, planted.length);
  const byPath = new Map(idx.videos.map((v) => [v.path, v]));
  for (const p of planted) {
    const v = byPath.get(path.join(root, p.rel))!;
    assert.ok(v, p.rel);
    assert.equal(v.label, p.label);
    assert.equal(v.attackType, p.attackType);
    assert.equal(v.subject, p.subject);
    assert.equal(v.sourceSplit, null);
    assert.equal(v.id, p.rel.replace(/\.[a-z0-9]+$/, ''));
  }
  assert.equal(byPath.get(path.join(root, 'live/s1/take1.mp4'))!.faceFile, path.join(root, 'live/s1/take1.face'));
  assert.deepEqual(folderAttackTypes(idx), ['mask', 'print', 'replay']);
});

test('default splits are subject-disjoint: sorted position i%3=2 test, i%6=1 val, else train', async () => {
  const idx = await indexFolder(path.join(tmp, 'layout'));
  const splits = assignFolderSplits(idx);
  const want: Record<string, string> = { s1: 'train', s2: 'val', s3: 'test', s4: 'train', s5: 'train', s6: 'test' };
  for (const v of idx.videos) assert.equal(splits.get(v.id), want[v.subject], v.id);
  const moved = assignFolderSplits(idx, ['s1']);
  assert.ok(idx.videos.filter((v) => v.subject === 's1').every((v) => moved.get(v.id) === 'val'));
  assert.throws(() => assignFolderSplits(idx, ['s1', 'zed']), (e: unknown) => e instanceof ConfigError && e.path === 'valSubjects[1]');
});

test('protocols: all, and cross (leave one attack type out), counted independently', async () => {
  const root = path.join(tmp, 'layout');
  const idx = await indexFolder(root);
  const splitOf: Record<string, 'train' | 'val' | 'test'> = { s1: 'train', s2: 'val', s3: 'test', s4: 'train', s5: 'train', s6: 'test' };
  const planted = writeLayout(path.join(tmp, 'scratch-layout')); // same list of relative paths
  const expect = (keep: (p: Planted) => boolean, split: string): string[] =>
    planted.filter((p) => splitOf[p.subject] === split && keep(p)).map((p) => path.join(root, p.rel)).sort();
  const paths = (l: { video: { path: string } }[]): string[] => l.map((s) => s.video.path).sort();
  const [all] = folderProtocolSplits(idx, 'all');
  for (const split of ['train', 'val', 'test'] as const) assert.deepEqual(paths(all![split]), expect(() => true, split));
  const cross = folderProtocolSplits(idx, 'cross');
  assert.equal(cross.length, 3);
  for (const [i, held] of ['mask', 'print', 'replay'].entries()) {
    const f = cross[i]!;
    assert.equal(f.fold, i + 1);
    assert.deepEqual(paths(f.train), expect((p) => p.attackType !== held, 'train'));
    assert.deepEqual(paths(f.val), expect((p) => p.attackType !== held, 'val'));
    assert.deepEqual(paths(f.test), expect((p) => p.attackType === null || p.attackType === held, 'test'));
    assert.deepEqual(f.testAttackTypes, [held]);
    assert.ok(!f.trainAttackTypes.includes(held));
    assert.deepEqual(countSplit(f.test), { videos: 6, live: 4, spoof: 2, byAttackType: { [held]: 2 }, subjects: 2 });
  }
  assert.throws(() => folderProtocolSplits(idx, 'p3' as never), ConfigError);
});

test('cross needs two attack types; stray files and folders are issues, not failures', async () => {
  const root = path.join(tmp, 'small');
  plant(root, 'live/a.mp4');
  plant(root, 'spoof/print/b.mov');
  plant(root, 'spoof/loose.mp4');
  writeFileSync(path.join(root, 'live', 'notes.txt'), 'x');
  writeFileSync(path.join(root, 'live', 'gone.face'), '1 2 3 4');
  mkdirSync(path.join(root, 'extras'));
  const idx = await indexFolder(root);
  assert.deepEqual(idx.videos.map((v) => [v.id, v.subject]), [['live/a', 'a'], ['spoof/print/b', 'b']]);
  assert.deepEqual(idx.issues.map((i) => [i.kind, path.relative(root, i.file)]).sort(), [
    ['bad-folder', 'extras'],
    ['extra-file', path.join('live', 'notes.txt')],
    ['extra-file', path.join('spoof', 'loose.mp4')],
    ['orphan-face', path.join('live', 'gone.face')],
  ]);
  assert.throws(() => folderProtocolSplits(idx, 'cross'), (e: unknown) => e instanceof ConfigError && /only 'print'/.test(e.message));
  await assert.rejects(indexFolder(path.join(tmp, 'missing')), InputError);
  mkdirSync(path.join(tmp, 'emptyroot'));
  await assert.rejects(indexFolder(path.join(tmp, 'emptyroot')), (e: unknown) => e instanceof InputError && /neither live\/ nor spoof\//.test(e.message));
});

test('a manifest replaces discovery: paths, labels, attack types, subjects and splits from the CSV', async () => {
  const root = path.join(tmp, 'manifested');
  plant(root, 'v/1.mp4');
  plant(root, 'v/2.mp4');
  plant(root, 'v/with, comma.mp4');
  plant(root, 'v/4.mov');
  plant(root, 'live/ignored.mp4'); // not in the manifest: discovery is off
  writeFileSync(
    path.join(root, 'manifest.csv'),
    '\ufeffsplit,path,label,attack_type,subject\r\n' +
      'train,v/1.mp4,live,,alice\r\n' +
      'test,v/2.mp4,spoof,print,bob\r\n' +
      '\r\n' +
      ',"v/with, comma.mp4",SPOOF,"replay ""hd""",carol\r\n' +
      'train,v/3.mp4,live,,dan\r\n' +
      'test,v/4.mov,live,,alice\r\n',
  );
  const idx: DatasetIndex = await indexFolder(root);
  assert.deepEqual(
    idx.videos.map((v) => [v.id, v.label, v.attackType, v.subject, v.sourceSplit]),
    [
      ['v/1', 'live', null, 'alice', 'train'],
      ['v/2', 'spoof', 'print', 'bob', 'test'],
      ['v/4', 'live', null, 'alice', 'test'],
      ['v/with, comma', 'spoof', 'replay "hd"', 'carol', null],
    ],
  );
  assert.deepEqual(idx.issues.map((i) => [i.kind, i.line ?? null]), [
    ['missing-video', 6],
    ['subject-in-several-splits', null],
  ]);
  assert.match(idx.issues[0]!.message, /v\/3\.mp4/);
  const noManifest = await indexFolder(root, { manifest: null });
  assert.deepEqual(noManifest.videos.map((v) => v.id), ['live/ignored']);
});

test('manifest errors name the file and line', async () => {
  const root = path.join(tmp, 'bad-manifests');
  plant(root, 'a.mp4');
  plant(root, 'b.mp4');
  const cases: [string, RegExp][] = [
    ['path,label\na.mp4,alive\n', /:2: label 'alive'/],
    ['path,label,attack_type\na.mp4,spoof,\n', /:2: a spoof video needs an attack_type/],
    ['path,label,attack_type\na.mp4,live,print\n', /:2: a live video has no attack_type/],
    ['path,label\na.mp4,live\nb.mp4\n', /:3: 1 fields, expected 2/],
    ['path,label,kind\n', /:1: unknown column 'kind'/],
    ['path,attack_type\n', /:1: missing column 'label'/],
    ['path,label,label\n', /:1: column 'label' appears twice/],
    ['path,label\n"a.mp4,live\n', /:2: a quoted field is never closed/],
    ['path,label\na.mp4,live\nb.mp4,live\na.mp4,live\n', /:4: a\.mp4 is listed twice \(first on line 2\)/],
    ['path,label,split\na.mp4,live,dev\n', /:2: split 'dev'/],
    ['path,label\n,live\n', /:2: empty path/],
    ['path,label\na"b.mp4,live\n', /:2: a quote inside an unquoted field/],
    ['', /empty manifest/],
  ];
  for (const [i, [text, re]] of cases.entries()) {
    const m = path.join(root, `m${i}.csv`);
    writeFileSync(m, text);
    await assert.rejects(indexFolder(root, { manifest: m }), (e: unknown) => e instanceof InputError && e.message.startsWith(m) && re.test(e.message), `case ${i}: ${JSON.stringify(text)}`);
  }
  await assert.rejects(indexFolder(root, { manifest: path.join(root, 'none.csv') }), (e: unknown) => e instanceof InputError && e.message.includes('none.csv'));
});
