// The tfjs scorer gives the scores the ONNX session gives for the same model
// folder and clips, and frees its network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { initBackend, tf, createAlexNet2Plus1D, saveModelFolder, exportModelFolderOnnx, openModelSession, createTfjsScorer, maxRelativeError } from '../../src/index.js';

test('createTfjsScorer scores like the ONNX export of the same folder', async () => {
  await initBackend('cpu');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-tfjs-scorer-'));
  try {
    const model = createAlexNet2Plus1D({ frames: 2, inputSize: 112, widthMultiplier: 0.0625, fcWidth: 64, embeddingSize: 16, seed: 3 });
    try {
      // Non-zero biases and He-scaled weights, so every layer of a tiny network depends on the clip.
      let seed = 11;
      for (const [name, v] of model.variables) {
        const fanIn = v.shape.slice(0, -1).reduce((n, d) => n * d, 1);
        tf.tidy(() => v.assign(name.endsWith('.bias') ? tf.randomUniform(v.shape, -0.2, 0.2, 'float32', seed++) : tf.randomNormal(v.shape, 0, Math.sqrt(2 / Math.max(1, fanIn)), 'float32', seed++)));
      }
      const prototype = Array.from({ length: 16 }, (_, i) => Math.sin(1.7 * i + 0.3));
      await saveModelFolder(dir, { model, meta: { liveScore: { prototype, source: 'mean-live-embedding' }, loss: 'arcface', threshold: { value: 0, chosenOn: 'val', rule: 'eer' } } });
    } finally {
      model.dispose();
    }
    await exportModelFolderOnnx(dir);
    const clips = tf.tidy(() => tf.randomNormal([3, 2, 112, 112, 3], 0, 1, 'float32', 5).dataSync() as Float32Array);
    const start = tf.memory().numTensors;
    const { scorer } = await createTfjsScorer(dir);
    const { session } = await openModelSession(dir, { threads: 1 });
    try {
      assert.deepEqual(scorer.clipShape, session.clipShape);
      const a = (await scorer.run(clips, 3)).liveScore;
      const b = (await session.run(clips, 3)).liveScore;
      assert.equal(a.length, 3);
      assert.ok(Math.max(...a) - Math.min(...a) > 1e-4, `the clips score differently: ${a}`);
      assert.ok(maxRelativeError(a, b) < 1e-4, `tfjs ${a} vs ONNX ${b}`);
    } finally {
      await session.dispose();
      await scorer.dispose();
    }
    assert.equal(tf.memory().numTensors, start, 'the scorer frees its network');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
