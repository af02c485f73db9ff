/**
 * Cross-dataset protocols: counts worked out by hand for small trees of every
 * layout, and the guarantee that a target video never reaches training or
 * threshold choice, checked structurally for every target and every mix of
 * sources, and dynamically by training on a crop cache that holds no target
 * video at all.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  indexDataset,
  crossDatasetSplit,
  ocimSplits,
  leaveOneOutSplits,
  crossDatasetLabel,
  countSplit,
  namespacedVideos,
  DATASET_NAMES,
  type DatasetIndex,
  type DatasetName,
  type ProtocolSplit,
} from '../../src/data/index.js';
import { cacheLayout, writeVideoCrops, trainModel, readModelMeta, initBackend } from '../../src/index.js';
import { ConfigError } from '../../src/errors.js';
import { writeAllTrees } from './benchmark-trees.js';
import { SIDE, TINY_TRAIN_CONFIG } from '../train/fixtures.js';

let tmp = '';
const indexes = new Map<DatasetName, DatasetIndex>();

/**
 * Each tree's own parts (see benchmark-trees.ts), counted by hand:
 * OULU-NPU 30 videos per user (2 phones × 3 sessions × 5 types): users 1-3, 21-22, 36-38;
 * CASIA-FASD 12 per subject: train_release 6 (validation train-03, train-06), test_release 4;
 * Replay-Attack 24 per client: 3 train, 2 devel, 3 test;
 * MSU-MFSD 8 per client: train list 02 03 05 (validation 005), test list 01 04;
 * SiW 5 per subject: Train 001-006 (validation 003, 006), Test 101-103;
 * folder 3 per subject: ann dan eve train, ben val, cat fay test.
 */
const WHOLE: Record<DatasetName, { train: number; val: number; test: number }> = {
  'oulu-npu': { train: 90, val: 60, test: 90 },
  'casia-fasd': { train: 48, val: 24, test: 48 },
  'replay-attack': { train: 72, val: 48, test: 72 },
  'msu-mfsd': { train: 16, val: 8, test: 16 },
  siw: { train: 20, val: 10, test: 15 },
  folder: { train: 9, val: 3, test: 6 },
};

before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'vidpad-cross-'));
  writeAllTrees(tmp);
  for (const d of DATASET_NAMES) indexes.set(d, await indexDataset(d, path.join(tmp, d)));
});

after(() => rmSync(tmp, { recursive: true, force: true }));

const ix = (d: DatasetName) => indexes.get(d)!;

test('the OCIM directions: labels in the papers\' order, counts from each dataset\'s own parts', () => {
  const splits = ocimSplits([...indexes.values()]);
  assert.deepEqual(splits.map((s) => s.label), ['O&C&I→M', 'O&I&M→C', 'O&C&M→I', 'C&I&M→O']);
  const target: Record<string, DatasetName> = { 'O&C&I→M': 'msu-mfsd', 'O&I&M→C': 'casia-fasd', 'O&C&M→I': 'replay-attack', 'C&I&M→O': 'oulu-npu' };
  for (const { label, split } of splits) {
    const sources = (['oulu-npu', 'casia-fasd', 'replay-attack', 'msu-mfsd'] as const).filter((d) => d !== target[label]);
    // Default parts: each source's train and test parts train, its validation part validates; the target's train and test parts test
    // (for MSU-MFSD and CASIA-FASD all of the target: their validation subjects come from their train part).
    assert.equal(split.train.length, sources.reduce((n, d) => n + WHOLE[d].train + WHOLE[d].test, 0), `${label} train`);
    assert.equal(split.val.length, sources.reduce((n, d) => n + WHOLE[d].val, 0), `${label} val`);
    assert.equal(split.test.length, targetCount(target[label]!, 'train+test'), `${label} test`);
    assert.equal(split.dataset, 'cross');
  }
  const [m] = splits;
  const only = crossDatasetSplit([ix('oulu-npu'), ix('casia-fasd'), ix('replay-attack')], ix('msu-mfsd'), { sourceParts: 'train', targetParts: 'test' });
  assert.equal(only.train.length, 90 + 48 + 72);
  assert.equal(only.val.length, m!.split.val.length);
  assert.equal(only.test.length, 16);
  assert.equal(countSplit(only.test).subjects, 2);
});

/** Every subset of `xs` with at least one member. */
function subsets<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let mask = 1; mask < 1 << xs.length; mask++) out.push(xs.filter((_, i) => mask & (1 << i)));
  return out;
}

function checkNoLeak(split: ProtocolSplit, sources: DatasetName[], target: DatasetName): void {
  const targetRoot = path.resolve(ix(target).root) + path.sep;
  const what = crossDatasetLabel(sources, target);
  for (const s of [...split.train, ...split.val]) {
    assert.ok(sources.includes(s.video.dataset!), `${what}: ${s.video.id} trains or validates but is not from a source`);
    assert.ok(!path.resolve(s.video.path).startsWith(targetRoot), `${what}: ${s.video.path} lies in the target's tree`);
    assert.ok(s.video.id.startsWith(`${s.video.dataset}/`) && s.video.subject.startsWith(`${s.video.dataset}/`), s.video.id);
  }
  for (const s of split.test) assert.equal(s.video.dataset, target, `${what}: test video ${s.video.id}`);
  const trained = new Set([...split.train, ...split.val].map((s) => s.video.id));
  assert.ok(split.test.every((s) => !trained.has(s.video.id)), what);
  const trainedSubjects = new Set([...split.train, ...split.val].map((s) => s.video.subject));
  assert.ok(split.test.every((s) => !trainedSubjects.has(s.video.subject)), what);
  assert.ok(split.valSubjects.every((s) => sources.some((d) => s.startsWith(`${d}/`))), what);
  // OULU-NPU's Dev and Replay-Attack's devel parts are not tested on either.
  if (target === 'oulu-npu' || target === 'replay-attack') assert.ok(split.test.every((s) => s.video.sourceSplit !== 'val'), what);
}

/** What the target side tests: its test part, or also its train part (with the validation subjects vidpad carved out of it, where it did). */
function targetCount(target: DatasetName, parts: 'test' | 'train+test'): number {
  const w = WHOLE[target];
  if (parts === 'test') return w.test;
  return w.train + w.test + (target === 'oulu-npu' || target === 'replay-attack' ? 0 : w.val);
}

test('no target video ever trains or validates: every target, every mix of sources, both part options', () => {
  let n = 0;
  for (const target of DATASET_NAMES) {
    for (const sources of subsets(DATASET_NAMES.filter((d) => d !== target))) {
      for (const options of [{}, { sourceParts: 'train', targetParts: 'test' }] as const) {
        const split = crossDatasetSplit(sources.map(ix), ix(target), options);
        checkNoLeak(split, sources, target);
        const sum = (part: 'train' | 'val' | 'test') => sources.reduce((k, d) => k + WHOLE[d][part], 0);
        assert.equal(split.train.length, 'sourceParts' in options ? sum('train') : sum('train') + sum('test'));
        assert.equal(split.val.length, sum('val'));
        assert.equal(split.test.length, targetCount(target, 'targetParts' in options ? 'test' : 'train+test'));
        n++;
      }
    }
  }
  assert.equal(n, 6 * 31 * 2);
  assert.equal(leaveOneOutSplits([ix('siw'), ix('folder'), ix('msu-mfsd')]).length, 3);
});

test('a target among the sources, a source twice, a shared root, or a file of the target listed by a source is refused', async () => {
  assert.throws(() => crossDatasetSplit([ix('oulu-npu'), ix('msu-mfsd')], ix('msu-mfsd')), (e: unknown) => e instanceof ConfigError && /also a source/.test(e.message));
  assert.throws(() => crossDatasetSplit([ix('oulu-npu'), ix('oulu-npu')], ix('msu-mfsd')), (e: unknown) => e instanceof ConfigError && /twice/.test(e.message));
  assert.throws(() => crossDatasetSplit([{ ...ix('folder'), root: ix('msu-mfsd').root }], ix('msu-mfsd')), (e: unknown) => e instanceof ConfigError && /share the root/.test(e.message));
  // A folder-layout dataset whose manifest lists MSU-MFSD's own files (absolute paths): the last guard catches it.
  const leaky = path.join(tmp, 'leaky');
  const msuVideos = ix('msu-mfsd').videos.slice(0, 4);
  writeFileSync(path.join(tmp, 'leaky.csv'), 'path,label,attack_type,subject,split\n' + msuVideos.map((v, i) => `${v.path},${v.label},${v.attackType ?? ''},s${i},train`).join('\n') + '\n');
  await import('node:fs/promises').then((fs) => fs.mkdir(leaky, { recursive: true }));
  const folder = await indexDataset('folder', leaky, { manifest: path.join(tmp, 'leaky.csv') });
  assert.throws(() => crossDatasetSplit([folder], ix('msu-mfsd')), (e: unknown) => e instanceof ConfigError && /also in a source's training or validation list/.test(e.message));
});

test('training and threshold choice on a cross split read no target video: a crop cache without any trains and validates', { timeout: 120_000 }, async () => {
  await initBackend('wasm');
  const sources = [ix('siw'), ix('folder')];
  const split = crossDatasetSplit(sources, ix('msu-mfsd'), { sourceParts: 'train' });
  // Crops for the sources' videos only (the namespaced ids a cross-dataset preprocess writes); none for MSU-MFSD.
  const cacheDir = path.join(tmp, 'cache');
  const layout = cacheLayout(cacheDir, 'k');
  const frames = 4;
  let seed = 1;
  for (const v of namespacedVideos(sources)) {
    const crops = new Uint8Array(frames * SIDE * SIDE * 3);
    const attack = v.label === 'spoof';
    for (let i = 0; i < crops.length; i++) crops[i] = attack ? (i >> 1) % 2 ? 200 : 40 : (i * 7 + seed * 13) % 256;
    seed++;
    await writeVideoCrops(layout, {
      crops,
      meta: {
        formatVersion: 1, videoId: v.id, sourcePath: v.path, frameCount: frames, fps: 30, sourceSize: { width: SIDE, height: SIDE }, workSize: { width: SIDE, height: SIDE }, cropSizePx: SIDE,
        boxes: Array.from({ length: frames }, () => ({ left: 0, top: 0, right: SIDE, bottom: SIDE })), boxSources: Array.from({ length: frames }, () => 'dataset' as const), detector: 'none', seconds: 0,
      },
    });
  }
  const out = path.join(tmp, 'model');
  const result = await trainModel({ split, cache: layout, config: { ...TINY_TRAIN_CONFIG, maxEpochs: 1, clipsPerVideo: 1, valClipsPerVideo: 1 }, outDir: out });
  // Every training and validation video was found in a cache that holds no target video.
  assert.deepEqual(result.missingVideos, []);
  assert.ok(result.threshold !== null);
  const meta = await readModelMeta(out);
  assert.equal(meta.threshold!.chosenOn, 'val');
  assert.equal(meta.training.dataset, 'cross');
});
