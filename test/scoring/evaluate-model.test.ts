/**
 * evaluateModelOnSplit, the one "evaluate a model on a split" behind
 * `vidpad eval` and the experiments: export only when needed, metrics
 * against the split's attack types checked by a naive count, and errors that
 * explain an unusable model or an empty result.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rm, stat, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { initBackend, trainModel, evaluateModelOnSplit, loadModelFolder, saveModelFolder, InputError, MODEL_ONNX_FILE } from '../../src/index.js';
import type { ScoreRow } from '../../src/index.js';
import { makeTinyDataset, TINY_TRAIN_CONFIG } from '../train/fixtures.js';
import type { TinyDataset } from '../train/fixtures.js';

let data: TinyDataset;
let dir: string;
let modelDir: string;

before(async () => {
  await initBackend('cpu');
  data = await makeTinyDataset();
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-evalmodel-'));
  modelDir = path.join(dir, 'model');
  await trainModel({ split: data.split, cache: data.layout, config: { ...TINY_TRAIN_CONFIG, maxEpochs: 1 }, outDir: modelDir });
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(data.cacheDir, { recursive: true, force: true });
});

/** APCER per attack type and BPCER by a plain count at the threshold. */
function naiveRates(rows: readonly ScoreRow[], threshold: number): { apcer: Map<string, number>; bpcer: number } {
  const counts = new Map<string, [number, number]>();
  let live = 0;
  let rejected = 0;
  for (const r of rows) {
    if (r.label === 'live') {
      live += 1;
      if (r.liveScore < threshold) rejected += 1;
    } else {
      const c = counts.get(r.attackType) ?? [0, 0];
      c[0] += 1;
      if (r.liveScore >= threshold) c[1] += 1;
      counts.set(r.attackType, c);
    }
  }
  return { apcer: new Map([...counts].map(([t, [n, a]]) => [t, a / n])), bpcer: rejected / live };
}

test('exports only when the folder has no (or a stale) ONNX file, and reports against the split\'s attack types', async () => {
  const split = { ...data.split, testAttackTypes: [...data.split.testAttackTypes, 'mask/1'] };
  const first = await evaluateModelOnSplit({ modelDir, split, cache: data.layout, threads: 1 });
  assert.equal(first.exported, true);
  const onnx = path.join(modelDir, MODEL_ONNX_FILE);
  const written = (await stat(onnx)).mtimeMs;
  const second = await evaluateModelOnSplit({ modelDir, split, cache: data.layout, threads: 1 });
  assert.equal(second.exported, false);
  assert.equal((await stat(onnx)).mtimeMs, written, 'model.onnx left alone');
  assert.deepEqual(second.scores.rows, first.scores.rows, 'the same scores from the same export');

  const threshold = first.threshold.value;
  assert.equal(first.threshold.chosenOn, 'val');
  const clip = first.clip.folds[0]!.metrics;
  const naive = naiveRates(first.scores.rows, threshold);
  assert.equal(clip.threshold, threshold);
  assert.equal(clip.bpcer, naive.bpcer);
  for (const t of clip.apcerByType) assert.equal(t.apcer, naive.apcer.get(t.attackType), t.attackType);
  assert.equal(clip.maxApcer, Math.max(...naive.apcer.values()));
  assert.deepEqual(clip.absentAttackTypes, ['mask/1'], 'a type the split expects but the scores lack is named, not scored 0');

  // Video level: each video's score is the mean of its clips'.
  const byVideo = new Map<string, ScoreRow[]>();
  for (const r of first.scores.rows) byVideo.set(r.video!, [...(byVideo.get(r.video!) ?? []), r]);
  const videoRows = [...byVideo.values()].map((rs) => ({ ...rs[0]!, liveScore: rs.reduce((s, r) => s + r.liveScore, 0) / rs.length }));
  const video = first.video.folds[0]!.metrics;
  assert.equal(first.video.folds[0]!.testCount, byVideo.size);
  const naiveVideo = naiveRates(videoRows, threshold);
  assert.ok(Math.abs(video.bpcer - naiveVideo.bpcer) < 1e-12);
  for (const t of video.apcerByType) assert.ok(Math.abs(t.apcer - naiveVideo.apcer.get(t.attackType)!) < 1e-12, t.attackType);
});

test('a model without a threshold, and a split with nothing to score, are errors that say why', async () => {
  const { model, meta } = await loadModelFolder(modelDir);
  const bare = path.join(dir, 'no-threshold');
  try {
    await saveModelFolder(bare, { model, meta: { liveScore: { prototype: meta.liveScore.prototype, source: meta.liveScore.source }, loss: meta.loss, threshold: null } });
  } finally {
    model.dispose();
  }
  await assert.rejects(evaluateModelOnSplit({ modelDir: bare, split: data.split, cache: data.layout }), (e: unknown) => e instanceof InputError && /no threshold/.test(e.message));
  const missing = data.split.test.map((v) => ({ ...v, video: { ...v.video, id: `absent/${v.video.id}` } }));
  await assert.rejects(
    evaluateModelOnSplit({ modelDir, split: { ...data.split, test: missing }, cache: data.layout, threads: 1 }),
    (e: unknown) => e instanceof InputError && new RegExp(`no test clip could be scored \\(${missing.length} videos missing from the cache, 0 clips without a face\\)`).test(e.message),
  );
});
