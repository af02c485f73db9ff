import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { initBackend, trainModel, readCheckpoint, createAlexNet2Plus1D, resolveTrainConfig, warmupLearningRate, ConfigError, TRAINING_SUBDIR, tf } from '../../src/index.js';
import { makeTinyDataset, TINY_TRAIN_CONFIG } from './fixtures.js';

test('warmupLearningRate: a linear ramp over the first steps, then the rate itself', () => {
  assert.equal(warmupLearningRate(0.005, 0, 4), 0.005 / 4);
  assert.equal(warmupLearningRate(0.005, 2, 4), (0.005 * 3) / 4);
  assert.equal(warmupLearningRate(0.005, 3, 4), 0.005);
  assert.equal(warmupLearningRate(0.005, 40, 4), 0.005);
  assert.equal(warmupLearningRate(0.005, 0, 0), 0.005, 'no warm-up');
});

test('train.warmupSteps: a whole number >= 0, errors name the field', () => {
  assert.equal(resolveTrainConfig({ warmupSteps: 50 }).warmupSteps, 50);
  for (const bad of [-1, 2.5, '10']) assert.throws(() => resolveTrainConfig({ warmupSteps: bad as number }), (e: unknown) => e instanceof ConfigError && /train\.warmupSteps/.test(e.message));
});

/** Largest absolute difference between the checkpoint's network weights and a freshly initialised network's. */
async function driftFromInit(dir: string, config: typeof TINY_TRAIN_CONFIG): Promise<number> {
  const { weights } = await readCheckpoint(path.join(dir, TRAINING_SUBDIR));
  const fresh = createAlexNet2Plus1D({ ...config.model, frames: config.clip.length, seed: config.seed });
  try {
    let drift = 0;
    for (const [name, v] of fresh.variables) {
      const saved = weights.get(`model.${name}`)!.data;
      const init = v.dataSync();
      for (let i = 0; i < init.length; i++) drift = Math.max(drift, Math.abs(saved[i]! - init[i]!));
    }
    return drift;
  } finally {
    fresh.dispose();
  }
}

test('the trainer applies the warm-up: with a ramp far longer than the run, one epoch barely moves the weights', async () => {
  await initBackend('wasm');
  const data = await makeTinyDataset();
  try {
    const config = { ...TINY_TRAIN_CONFIG, learningRate: 0.05 };
    const before = tf.memory().numTensors;
    await trainModel({ split: data.split, cache: data.layout, config, outDir: path.join(data.cacheDir, 'plain'), stopAfterEpochs: 1 });
    await trainModel({ split: data.split, cache: data.layout, config: { ...config, warmupSteps: 1e9 }, outDir: path.join(data.cacheDir, 'ramp'), stopAfterEpochs: 1 });
    assert.equal(tf.memory().numTensors, before);
    const plain = await driftFromInit(path.join(data.cacheDir, 'plain'), config);
    const ramp = await driftFromInit(path.join(data.cacheDir, 'ramp'), config);
    assert.ok(plain > 1e-3, `without warm-up the weights move (${plain})`);
    assert.ok(ramp < plain * 1e-5, `at lr·k/1e9 they stay put (${ramp} vs ${plain})`);
  } finally {
    await rm(data.cacheDir, { recursive: true, force: true });
  }
});
