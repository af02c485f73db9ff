import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, readFile } from 'node:fs/promises';
import path from 'node:path';
import { initBackend, trainModel, readCheckpoint, loadModelFolder, tf, resolveTrainConfig, ConfigError, TRAINING_SUBDIR, isBetterEpoch, BEST_FILE, CHECKPOINT_FILE, readSafetensors } from '../../src/index.js';
import { makeTinyDataset, TINY_TRAIN_CONFIG } from './fixtures.js';
import { readCheckpointFile, writeCheckpointFile } from '../../src/train/checkpoint.js';

test('a few epochs on a tiny cache: loss falls, the model folder holds a validation threshold, no tensors leak', async () => {
  await initBackend('wasm');
  const data = await makeTinyDataset();
  const out = path.join(data.cacheDir, 'model');
  try {
    const before = tf.memory().numTensors;
    const result = await trainModel({ split: data.split, cache: data.layout, config: TINY_TRAIN_CONFIG, outDir: out });
    assert.equal(tf.memory().numTensors, before, 'no tensor leaks across a whole run');
    assert.equal(result.history.length, 3);
    assert.equal(result.stopReason, 'max-epochs');
    assert.ok(result.history[2]!.trainLoss < result.history[0]!.trainLoss, `train loss falls: ${result.history.map((h) => h.trainLoss.toFixed(3)).join(' → ')}`);
    assert.deepEqual(result.history.map((h) => h.learningRate), [0.001, 0.001 * 0.9, 0.001 * 0.9 ** 2]);
    const loaded = await loadModelFolder(out);
    assert.equal(loaded.meta.threshold?.chosenOn, 'val');
    assert.equal(loaded.meta.threshold?.value, result.threshold!.threshold);
    assert.equal(loaded.meta.liveScore.source, 'class-weight');
    assert.equal(loaded.meta.training.epochs, 3);
    const log = (await readFile(path.join(out, TRAINING_SUBDIR, 'log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { epoch: number });
    assert.deepEqual(log.map((l) => l.epoch), [1, 2, 3]);
    loaded.model.dispose();
  } finally {
    await rm(data.cacheDir, { recursive: true, force: true });
  }
});

test('resume after a stop gives the same weights, BatchNorm statistics, optimizer state and history as an uninterrupted run', async () => {
  await initBackend('wasm');
  const data = await makeTinyDataset();
  const straight = path.join(data.cacheDir, 'straight');
  const resumed = path.join(data.cacheDir, 'resumed');
  try {
    await trainModel({ split: data.split, cache: data.layout, config: TINY_TRAIN_CONFIG, outDir: straight });
    const partial = await trainModel({ split: data.split, cache: data.layout, config: TINY_TRAIN_CONFIG, outDir: resumed, stopAfterEpochs: 1 });
    assert.equal(partial.modelDir, null);
    assert.equal(partial.history.length, 1);
    await assert.rejects(trainModel({ split: data.split, cache: data.layout, config: TINY_TRAIN_CONFIG, outDir: resumed }), /holds the checkpoint of an unfinished training run: pass --resume/);
    await assert.rejects(
      trainModel({ split: data.split, cache: data.layout, config: { ...TINY_TRAIN_CONFIG, learningRate: 0.02 }, outDir: resumed, resume: true }),
      (e: unknown) => e instanceof ConfigError && e.path === 'train.learningRate' && /different settings: learningRate = 0\.001 but this run asks for 0\.02/.test(e.message),
    );
    // A checkpoint from before weight decay and the average existed has neither field: it resumes as made without them.
    const file = path.join(resumed, TRAINING_SUBDIR, CHECKPOINT_FILE);
    const old = await readCheckpointFile<{ configJson: string }>(file, 'state', 'training');
    const { weightDecay, emaDecay, ...olderConfig } = JSON.parse(old.state.configJson) as Record<string, unknown>;
    assert.deepEqual([weightDecay, emaDecay], [0, 0]);
    await writeCheckpointFile(file, old.tensors, { ...old.state, configJson: JSON.stringify(olderConfig) }, 'state');
    await trainModel({ split: data.split, cache: data.layout, config: TINY_TRAIN_CONFIG, outDir: resumed, resume: true });
    const a = await readCheckpoint(path.join(straight, TRAINING_SUBDIR));
    const b = await readCheckpoint(path.join(resumed, TRAINING_SUBDIR));
    assert.deepEqual([...a.weights.keys()], [...b.weights.keys()]);
    // The default network has BatchNorm: its running statistics are state the checkpoint must carry, and they moved.
    const runningVar = a.weights.get('model.conv3.temporal.bn.running_var');
    assert.ok(runningVar && Array.from(runningVar.data).some((v) => v !== 1), 'checkpoints hold the trained running statistics');
    for (const [name, t] of a.weights) assert.deepEqual(Buffer.from(b.weights.get(name)!.data.buffer), Buffer.from(t.data.buffer), `weight ${name} bit-identical`);
    assert.equal(a.optimizerSlots.length, b.optimizerSlots.length);
    a.optimizerSlots.forEach((t, i) => assert.deepEqual(b.optimizerSlots[i]!.data, t.data));
    assert.deepEqual(
      a.state.history.map(({ seconds, clipsPerSec, ...rest }) => rest),
      b.state.history.map(({ seconds, clipsPerSec, ...rest }) => rest),
    );
  } finally {
    await rm(data.cacheDir, { recursive: true, force: true });
  }
});

test('with a weight average: the kept weights are the average, the checkpoint carries it beside the trained weights, resume is bit-identical', async () => {
  await initBackend('wasm');
  const data = await makeTinyDataset();
  const config = { ...TINY_TRAIN_CONFIG, learningRate: 0.01, emaDecay: 0.9 };
  const straight = path.join(data.cacheDir, 'straight');
  const resumed = path.join(data.cacheDir, 'resumed');
  try {
    const before = tf.memory().numTensors;
    await trainModel({ split: data.split, cache: data.layout, config, outDir: straight });
    assert.equal(tf.memory().numTensors, before, 'no tensor leaks with an average');
    await trainModel({ split: data.split, cache: data.layout, config, outDir: resumed, stopAfterEpochs: 1 });
    // Epoch 1 is always the best so far: best.safetensors holds the average the checkpoint stored after it.
    const ckpt = await readCheckpoint(path.join(resumed, TRAINING_SUBDIR));
    const best = (await readSafetensors(path.join(resumed, TRAINING_SUBDIR, BEST_FILE))).tensors;
    let differ = 0;
    for (const [name, t] of best) {
      assert.deepEqual(Array.from(t.data), Array.from(ckpt.weights.get(`average.${name}`)!.data), `best ${name} is the average`);
      if (Array.from(t.data).some((x, i) => x !== ckpt.weights.get(name)!.data[i])) differ += 1;
    }
    assert.ok(differ > 0, 'the average differs from the trained weights');
    assert.equal(ckpt.weights.get('average.#updates')!.data[0], ckpt.optimizerSlots[0]!.data[0], 'one update per optimizer step');
    await assert.rejects(
      trainModel({ split: data.split, cache: data.layout, config: { ...config, emaDecay: 0.5 }, outDir: resumed, resume: true }),
      (e: unknown) => e instanceof ConfigError && e.path === 'train.emaDecay',
    );
    await trainModel({ split: data.split, cache: data.layout, config, outDir: resumed, resume: true });
    const a = await readCheckpoint(path.join(straight, TRAINING_SUBDIR));
    const b = await readCheckpoint(path.join(resumed, TRAINING_SUBDIR));
    assert.deepEqual([...a.weights.keys()], [...b.weights.keys()]);
    for (const [name, t] of a.weights) assert.deepEqual(Buffer.from(b.weights.get(name)!.data.buffer), Buffer.from(t.data.buffer), `${name} bit-identical`);
    assert.deepEqual(
      a.state.history.map(({ seconds, clipsPerSec, ...rest }) => rest),
      b.state.history.map(({ seconds, clipsPerSec, ...rest }) => rest),
    );
  } finally {
    await rm(data.cacheDir, { recursive: true, force: true });
  }
});

test('the threshold is chosen on validation only: changing the test videos does not change it; a cross-entropy model scores along its head', async () => {
  await initBackend('wasm');
  const one = await makeTinyDataset({ testVariant: 0 });
  const two = await makeTinyDataset({ testVariant: 1 });
  const config = { ...TINY_TRAIN_CONFIG, loss: 'ce' as const, maxEpochs: 1 };
  try {
    const r1 = await trainModel({ split: one.split, cache: one.layout, config, outDir: path.join(one.cacheDir, 'm') });
    const r2 = await trainModel({ split: two.split, cache: two.layout, config, outDir: path.join(two.cacheDir, 'm') });
    assert.equal(r1.threshold!.threshold, r2.threshold!.threshold);
    const { meta, model } = await loadModelFolder(path.join(one.cacheDir, 'm'));
    model.dispose();
    assert.equal(meta.liveScore.source, 'head-direction');
    // the stored prototype is the saved head's live column minus its attack column ([D, 2], row-major)
    const w = meta.head!.weight;
    const expected = Array.from({ length: w.length / 2 }, (_, k) => Math.fround((w[2 * k + 1] as number) - (w[2 * k] as number)));
    assert.deepEqual(Array.from(meta.liveScore.prototype), expected);
  } finally {
    await rm(one.cacheDir, { recursive: true, force: true });
    await rm(two.cacheDir, { recursive: true, force: true });
  }
});

for (const selectBy of ['val-loss', 'val-eer'] as const) {
  test(`early stopping after \`patienceEpochs\` epochs without a better ${selectBy === 'val-loss' ? 'validation loss' : 'validation EER (ties by loss)'}`, async () => {
    await initBackend('wasm');
    const data = await makeTinyDataset();
    try {
      // Whether the validation figures improve is up to the data, so check the stop rule against the recorded history.
      const result = await trainModel({ split: data.split, cache: data.layout, config: { ...TINY_TRAIN_CONFIG, maxEpochs: 6, patienceEpochs: 1, learningRate: 0.2, selectBy }, outDir: path.join(data.cacheDir, 'm') });
      const h = result.history;
      // The rule written out: by EER while both EERs exist and differ, else by loss.
      const better = (r: (typeof h)[number], b: (typeof h)[number] | null) =>
        b === null || (selectBy === 'val-eer' && r.valEer !== null && b.valEer !== null && r.valEer !== b.valEer ? r.valEer < b.valEer : r.valLoss < b.valLoss);
      let best: (typeof h)[number] | null = null;
      let stale = 0;
      let expectedStop = h.length;
      for (const [i, r] of h.entries()) {
        if (better(r, best)) {
          best = r;
          stale = 0;
        } else stale += 1;
        assert.equal(r.improved, stale === 0);
        if (stale >= 1) {
          expectedStop = i + 1;
          break;
        }
      }
      assert.equal(h.length, expectedStop);
      assert.equal(result.stopReason, h.length < 6 ? 'early-stop' : 'max-epochs');
      assert.equal(result.bestEpoch, best!.epoch);
    } finally {
      await rm(data.cacheDir, { recursive: true, force: true });
    }
  });
}

test('isBetterEpoch: the EER decides unless missing or tied, then the loss; val-loss looks at the loss only', () => {
  const e = (valEer: number | null, valLoss: number) => ({ valEer, valLoss });
  assert.equal(isBetterEpoch('val-eer', e(0.1, 1), null), true);
  assert.equal(isBetterEpoch('val-eer', e(0.1, 5), e(0.2, 1)), true);
  assert.equal(isBetterEpoch('val-eer', e(0.3, 0.1), e(0.2, 1)), false);
  assert.equal(isBetterEpoch('val-eer', e(0.2, 0.5), e(0.2, 1)), true);
  assert.equal(isBetterEpoch('val-eer', e(null, 0.5), e(0.2, 1)), true);
  assert.equal(isBetterEpoch('val-loss', e(0.1, 5), e(0.2, 1)), false);
  assert.equal(isBetterEpoch('val-loss', e(0.3, 0.5), e(0.2, 1)), true);
  assert.throws(() => resolveTrainConfig({ selectBy: 'auc' as never }), /train\.selectBy/);
});

test('bad training settings name the field', () => {
  assert.throws(() => resolveTrainConfig({ loss: 'hinge' as never }), (e: unknown) => e instanceof ConfigError && /train\.loss: unknown loss 'hinge'; expected one of ce, contrastive/.test(e.message));
  assert.throws(() => resolveTrainConfig({ batchSize: 1 }), /train\.batchSize/);
  assert.throws(() => resolveTrainConfig({ lrDecayPerEpoch: 1.5 }), /train\.lrDecayPerEpoch/);
  assert.throws(() => resolveTrainConfig({ emaDecay: 1 }), /train\.emaDecay: expected a number/);
  assert.throws(() => resolveTrainConfig({ weightDecay: -0.1 }), /train\.weightDecay: expected a number/);
  assert.throws(() => resolveTrainConfig({ clip: { length: 4 as never } }), /train\.clip\.length/);
  assert.throws(() => resolveTrainConfig({ model: { frames: 3 }, clip: { length: 5 } }), /train\.model\.frames/);
  const c = resolveTrainConfig();
  assert.equal(c.learningRate, 0.005);
  assert.equal(c.lrDecayPerEpoch, 0.9);
  assert.equal(c.maxEpochs, 20);
  assert.equal(c.patienceEpochs, 4);
  assert.equal(c.nesterov, true);
  assert.equal(c.emaDecay, 0);
  assert.equal(c.weightDecay, 0);
  assert.equal(c.model.frames, 5);
});
