// Flow pretraining: the multi-scale EPE loss against a naive loop, the loss
// falling on one fixed batch, and whole runs: the files they write, a resumed
// run computing exactly what an unbroken one does, the guard against
// overwriting a run, the CLI, and no tensor leaks. Training runs on wasm: the
// cpu backend's transposed-convolution kernels are scalar loops (~4 s for one
// tiny step here, against ~0.3 s on wasm).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { tf } from '../../src/engine/tf.js';
import type { Tensor4D } from '../../src/engine/tf.js';
import { initBackend } from '../../src/engine/backends.js';
import { ConfigError, InputError } from '../../src/errors.js';
import { createFlowNetS } from '../../src/models/flownets.js';
import { loadFlowNetSWeights } from '../../src/models/flownets-weights.js';
import { readSafetensors } from '../../src/models/safetensors.js';
import { generateFlyingShapes } from '../../src/synth/flying-shapes.js';
import { standardizeFrameValues } from '../../src/data/standardize.js';
import { createSeededRandom } from '../../src/data/random.js';
import {
  DEFAULT_FLOW_PRETRAIN_CONFIG,
  createAdamState,
  flowTrainStep,
  flyingShapesBatch,
  multiScaleEpeLoss,
  resolveFlowPretrainConfig,
  runFlowPretraining,
} from '../../src/train/flow-pretrain.js';
import { main } from '../../src/cli/main.js';
import { withTempDir as withTemp } from '../helpers/temp-dir.js';
import { captureIo } from '../helpers/capture-io.js';

const TINY = { sizePx: 64, widthMultiplier: 1 / 16, batchSize: 2, heldOutSize: 2 } as const;

const withTempDir = <T>(body: (dir: string) => Promise<T>): Promise<T> => withTemp('vidpad-flow-pretrain-', body);

test('multi-scale EPE loss equals a naive per-pixel loop (area-averaged targets, sum over pixels, mean over batch)', async () => {
  await initBackend('cpu');
  const rng = createSeededRandom(1);
  const [B, H] = [2, 8];
  const target = Float32Array.from({ length: B * H * H * 2 }, () => rng.uniform(-2, 2));
  const sizes = [8, 4, 2];
  const preds = sizes.map((s) => Float32Array.from({ length: B * s * s * 2 }, () => rng.uniform(-2, 2)));
  const weights = [0.5, 0.25, 2];
  let naive = 0;
  sizes.forEach((s, k) => {
    const f = H / s;
    let sum = 0;
    for (let b = 0; b < B; b++)
      for (let y = 0; y < s; y++)
        for (let x = 0; x < s; x++) {
          const t = [0, 0];
          for (let dy = 0; dy < f; dy++) for (let dx = 0; dx < f; dx++) for (let c = 0; c < 2; c++) t[c]! += target[((b * H + y * f + dy) * H + x * f + dx) * 2 + c]! / (f * f);
          const p = preds[k]!;
          const i = ((b * s + y) * s + x) * 2;
          sum += Math.hypot(p[i]! - t[0]!, p[i + 1]! - t[1]!);
        }
    naive += (weights[k]! * sum) / B;
  });
  const before = tf.memory().numTensors;
  const loss = tf.tidy(() =>
    multiScaleEpeLoss(preds.map((p, k) => tf.tensor4d(p, [B, sizes[k]!, sizes[k]!, 2])), tf.tensor4d(target, [B, H, H, 2]), weights).dataSync()[0]!,
  );
  assert.equal(tf.memory().numTensors, before);
  assert.ok(Math.abs(loss - naive) < 1e-4 * naive, `loss ${loss} vs naive ${naive}`);
  assert.throws(() => tf.tidy(() => multiScaleEpeLoss([tf.zeros([1, 3, 3, 2]) as Tensor4D], tf.zeros([1, 8, 8, 2]) as Tensor4D, [1])), /not a whole fraction/);
});

test('the pretraining loss falls over 10 steps on one fixed tiny batch, without leaks', async () => {
  await initBackend('wasm');
  const config = resolveFlowPretrainConfig({ ...TINY, learningRate: 2e-3 });
  const model = createFlowNetS({ widthMultiplier: config.widthMultiplier, decoder: true, seed: 2 });
  const batch = flyingShapesBatch(5, 0, 2, 64);
  const adam = createAdamState(model.variables);
  try {
    // The batch really is standardised per frame.
    const stats = tf.tidy(() => {
      const frame2 = tf.slice(batch.pairs, [1, 0, 0, 3], [1, 64, 64, 3]);
      const { mean, variance } = tf.moments(frame2);
      return [mean.dataSync()[0]!, variance.dataSync()[0]!];
    });
    assert.ok(Math.abs(stats[0]!) < 1e-4 && Math.abs(stats[1]! - 1) < 1e-3, `frame stats ${stats}`);
    const losses: number[] = [];
    let afterFirst = 0;
    for (let t = 1; t <= 10; t++) {
      losses.push(flowTrainStep(model, adam, batch, config, t));
      if (t === 1) afterFirst = tf.memory().numTensors;
    }
    assert.equal(tf.memory().numTensors, afterFirst, 'tensors leaked across steps');
    assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
    assert.ok(losses.at(-1)! < 0.7 * losses[0]!, `loss did not fall: ${losses.map((l) => l.toFixed(4)).join(' → ')}`);
  } finally {
    tf.dispose([batch.pairs, batch.flow]);
    adam.dispose();
    model.dispose();
  }
});

test('a run writes encoder, full weights and report; a resumed run equals an unbroken one', async () => {
  await initBackend('wasm');
  await withTempDir(async (root) => {
    const before = tf.memory();
    const straight = path.join(root, 'straight');
    const a = await runFlowPretraining({ outDir: straight, config: { ...TINY, steps: 4, checkpointEvery: 2 } });
    assert.equal(a.steps, 4);
    assert.equal(a.losses.length, 4);
    assert.ok(a.epe.zeroFlow > 0 && a.epe.start > 0 && a.epe.end > 0);
    const report = JSON.parse(await readFile(path.join(straight, 'pretrain.json'), 'utf8'));
    assert.equal(report.steps, 4);
    assert.equal(report.runId, a.runId);
    assert.equal(report.config.widthMultiplier, 1 / 16);
    assert.deepEqual(Object.keys(report.epe).sort(), ['end', 'heldOutPairs', 'heldOutSeed', 'start', 'zeroFlow']);

    const encoder = await readSafetensors(path.join(straight, 'flownets-encoder.safetensors'));
    assert.equal(encoder.tensors.size, 20);
    assert.deepEqual(encoder.tensors.get('conv1.0.weight')!.shape, [4, 6, 7, 7], 'OIHW');
    const full = await readSafetensors(path.join(straight, 'flownets.safetensors'));
    assert.ok(full.tensors.has('deconv2.0.weight') && full.tensors.has('upsampled_flow3_to_2.weight'));

    // The branch loads the encoder and records the run.
    const branch = createFlowNetS({ widthMultiplier: 1 / 16 });
    try {
      const { info } = await loadFlowNetSWeights(branch, path.join(straight, 'flownets-encoder.safetensors'), { strict: true });
      assert.equal(info.init, `pretrain-flow:${a.runId}`);
    } finally {
      branch.dispose();
    }

    const resumed = path.join(root, 'resumed');
    const half = await runFlowPretraining({ outDir: resumed, config: { ...TINY, steps: 2, checkpointEvery: 2 } });
    assert.equal(half.steps, 2);
    await assert.rejects(runFlowPretraining({ outDir: resumed, config: { ...TINY, steps: 4 } }), (e: unknown) => e instanceof InputError && /--resume/.test(e.message));
    await assert.rejects(
      runFlowPretraining({ outDir: resumed, resume: true, config: { ...TINY, steps: 4, learningRate: 0.01 } }),
      (e: unknown) => e instanceof ConfigError && e.path === 'pretrainFlow.learningRate' && /learningRate = 0\.001 but this run asks for 0\.01/.test(e.message),
    );
    const progress: number[] = [];
    const b = await runFlowPretraining({ outDir: resumed, resume: true, config: { ...TINY, steps: 4, checkpointEvery: 2 }, onProgress: (p) => progress.push(p.step) });
    assert.deepEqual(progress, [3, 4]);
    assert.equal(b.resumedFromStep, 2);
    assert.equal(b.runId, a.runId);
    assert.deepEqual(b.losses, a.losses);
    assert.equal(b.epe.end, a.epe.end);
    const encoderB = await readSafetensors(path.join(resumed, 'flownets-encoder.safetensors'));
    for (const [name, t] of encoder.tensors) assert.deepEqual(encoderB.tensors.get(name)!.data, t.data, `${name} differs after resume`);
    assert.equal(tf.memory().numTensors, before.numTensors, 'runs leaked tensors');
    assert.equal(tf.memory().numDataBuffers, before.numDataBuffers, 'runs leaked wasm buffers');
  });
});

test('vidpad pretrain-flow runs from the command line and rejects bad settings', async () => {
  await withTempDir(async (dir) => {
    const { out, io } = captureIo();
    const code = await main(['pretrain-flow', '--out', dir, '--steps', '2', '--width', '0.0625', '--batch', '2', '--held-out', '2', '--backend', 'wasm', '--json'], io);
    assert.equal(code, 0, out.stderr);
    const result = JSON.parse(out.stdout);
    assert.equal(result.steps, 2);
    assert.equal(result.backend, 'wasm');
    assert.match(out.stderr, /held-out EPE at step 0: .* \(zero flow: /);
    assert.match(out.stderr, /pretrain-flow \[.*\] 2\/2 .*ETA.*loss /);
    out.stderr = '';
    assert.equal(await main(['pretrain-flow', '--out', dir, '--size', '100', '--backend', 'wasm'], io), 2, 'a configuration error, found before any work');
    assert.match(out.stderr, /pretrainFlow\.sizePx: expected a multiple of 64/);
    out.stderr = '';
    assert.equal(await main(['pretrain-flow', '--steps', '2'], io), 2);
    assert.match(out.stderr, /--out is required/);
  });
  assert.throws(() => resolveFlowPretrainConfig({ scaleWeights: [1, 2] }), (e: unknown) => e instanceof ConfigError && e.path === 'pretrainFlow.scaleWeights');
  assert.deepEqual(DEFAULT_FLOW_PRETRAIN_CONFIG.scaleWeights, [0.005, 0.01, 0.02, 0.08, 0.32]);
});

test('the pretraining pairs are standardised by the function that standardises PAD clips', async () => {
  await initBackend('cpu');
  const n = 64;
  const batch = flyingShapesBatch(9, 3, 2, n);
  try {
    const pairs = batch.pairs.dataSync() as Float32Array;
    for (let i = 0; i < 2; i++) {
      const s = generateFlyingShapes(9, 3 + i, { sizePx: n });
      const [a, b] = [standardizeFrameValues(s.frame1, n * n * 3), standardizeFrameValues(s.frame2, n * n * 3)];
      for (let p = 0; p < n * n; p++) {
        for (let c = 0; c < 3; c++) {
          assert.equal(pairs[(i * n * n + p) * 6 + c], a[p * 3 + c]);
          assert.equal(pairs[(i * n * n + p) * 6 + 3 + c], b[p * 3 + c]);
        }
      }
    }
  } finally {
    tf.dispose([batch.pairs, batch.flow]);
  }
});
