import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planAlexNet2Plus1D, estimateCost, createAlexNet2Plus1D, midChannels, ConfigError, ShapeError, initBackend, tf } from '../../src/index.js';
import type { Tensor5D } from '../../src/index.js';

test('midChannels follows the R(2+1)D rule and keeps the 3D conv parameter count', () => {
  // Worked by hand: t=3, k=3, Cin=64, Cout=64: 3·9·64·64 / (9·64 + 3·64) = 110592/768 = 144.
  assert.equal(midChannels(64, 64, 3, 3), 144);
  // conv1 of AlexNet: 3·121·3·64 / (121·3 + 3·64) = 69696/555 = 125.58… → 125.
  assert.equal(midChannels(3, 64, 3, 11), 125);
  for (const [cin, cout, t, k] of [[3, 64, 3, 11], [64, 192, 3, 5], [192, 384, 3, 3], [17, 5, 2, 7]] as const) {
    const m = midChannels(cin, cout, t, k);
    const full = t * k * k * cin * cout;
    const factored = (n: number) => k * k * cin * n + t * n * cout;
    assert.ok(factored(m) <= full && factored(m + 1) > full, `largest width within the 3D budget for ${cin}->${cout}`);
  }
  assert.throws(() => midChannels(0, 4, 3, 3), ConfigError);
});

test('the 224² and 112² plans have torchvision AlexNet sizes', () => {
  const p224 = planAlexNet2Plus1D({ inputSize: 224 });
  assert.deepEqual(p224.convs.map((c) => [c.convSize, c.outSize]), [[55, 27], [27, 13], [13, 13], [13, 13], [13, 6]]);
  assert.equal(p224.fcInputSize, 6 * 6 * 256);
  const p112 = planAlexNet2Plus1D({ inputSize: 112 });
  assert.deepEqual(p112.convs.map((c) => [c.convSize, c.outSize]), [[27, 13], [13, 6], [6, 6], [6, 6], [6, 2]]);
  assert.equal(p112.fcInputSize, 2 * 2 * 256);
  // Pools and the head are data of the plan: AlexNet's max 3×3 /2 after conv1, conv2, conv5; fc6, fc7, embed.
  assert.deepEqual(p224.convs.map((c) => c.pool), [{ kernel: 3, stride: 2 }, { kernel: 3, stride: 2 }, null, null, { kernel: 3, stride: 2 }]);
  assert.deepEqual(p224.dense, [
    { name: 'fc6', inputs: 9216, outputs: 4096, relu: true, dropout: true },
    { name: 'fc7', inputs: 4096, outputs: 4096, relu: true, dropout: true },
    { name: 'embed', inputs: 4096, outputs: 512, relu: false, dropout: false },
  ]);
});

test('estimateCost counts parameters like the built model and FLOPs like a naive per-layer sum', async () => {
  await initBackend('cpu');
  const config = { inputSize: 112, frames: 3, widthMultiplier: 0.125, fcWidth: 256, embeddingSize: 16 } as const;
  const plan = planAlexNet2Plus1D(config);
  const model = createAlexNet2Plus1D(config);
  let params = 0;
  for (const v of model.variables.values()) params += v.size;
  const cost = estimateCost(plan);
  assert.equal(cost.parameters, params);
  // Independent count: conv output positions × kernel volume × channels × 2, per half.
  let flops = 0;
  for (const c of plan.convs) {
    flops += 2 * 3 * c.convSize ** 2 * (c.kernel ** 2 * c.inChannels * c.midChannels + 3 * c.midChannels * c.outChannels);
  }
  flops += 2 * (plan.fcInputSize * plan.fcWidth + plan.fcWidth * plan.fcWidth + plan.fcWidth * 16);
  assert.equal(cost.forwardFlops, flops);
  assert.ok(cost.trainFlops > 2 * cost.forwardFlops && cost.trainFlops < 3 * cost.forwardFlops);
  model.dispose();
});

test('bad configs name the field', () => {
  assert.throws(() => planAlexNet2Plus1D({ frames: 4 }), /model\.frames: expected 2, 3 or 5/);
  assert.throws(() => planAlexNet2Plus1D({ inputSize: 32 }), /model\.inputSize/);
  assert.throws(() => planAlexNet2Plus1D({ widthMultiplier: 0 }), /model\.widthMultiplier/);
  assert.throws(() => planAlexNet2Plus1D({ dropoutRate: 1 }), /model\.dropoutRate/);
});

test('the model runs for T = 2, 3, 5 at both sizes at tiny width, without leaking tensors', async () => {
  await initBackend('cpu');
  for (const inputSize of [112, 224]) {
    for (const frames of [2, 3, 5]) {
      const model = createAlexNet2Plus1D({ inputSize, frames, widthMultiplier: 0.0625, fcWidth: 64, embeddingSize: 8 });
      const before = tf.memory().numTensors;
      const x = tf.randomNormal([1, frames, inputSize, inputSize, 3], 0, 1, 'float32', 7) as Tensor5D;
      const features = model.forwardFeatures(x);
      const c5 = model.plan.convs[4]!;
      assert.deepEqual(features.shape, [1, frames, c5.convSize, c5.convSize, c5.outChannels]);
      const embedding = model.forwardHead(features);
      assert.deepEqual(embedding.shape, [1, 8]);
      assert.ok(Array.from(embedding.dataSync()).every(Number.isFinite));
      tf.dispose([x, features, embedding]);
      assert.equal(tf.memory().numTensors, before);
      model.dispose();
    }
  }
});

test('creating and disposing a model frees every tensor it made', async () => {
  await initBackend('cpu');
  const before = tf.memory().numTensors;
  createAlexNet2Plus1D({ inputSize: 112, widthMultiplier: 0.0625, fcWidth: 32, embeddingSize: 4 }).dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('a clip of the wrong shape is a ShapeError naming the expected shape', async () => {
  await initBackend('cpu');
  const model = createAlexNet2Plus1D({ inputSize: 112, frames: 5, widthMultiplier: 0.0625, fcWidth: 32, embeddingSize: 4 });
  const x = tf.zeros([1, 3, 112, 112, 3]) as Tensor5D;
  assert.throws(() => model.forward(x), (err: unknown) => err instanceof ShapeError && /\[B, 5, 112, 112, 3\]/.test(err.message));
  x.dispose();
  model.dispose();
});

test('the same seed gives the same weights; another seed different ones', async () => {
  await initBackend('cpu');
  const config = { inputSize: 112, widthMultiplier: 0.0625, fcWidth: 32, embeddingSize: 4 };
  const a = createAlexNet2Plus1D({ ...config, seed: 3 });
  const b = createAlexNet2Plus1D({ ...config, seed: 3 });
  const c = createAlexNet2Plus1D({ ...config, seed: 4 });
  const w = (m: typeof a) => Array.from(m.variables.get('conv2.spatial.weight')!.dataSync());
  assert.deepEqual(w(a), w(b));
  assert.notDeepEqual(w(a), w(c));
  [a, b, c].forEach((m) => m.dispose());
});

test('with the FlowNetS branch: fc6 takes the pooled flow features, parameters match the estimate', async () => {
  await initBackend('cpu');
  const config = { inputSize: 112, frames: 3, widthMultiplier: 0.0625, fcWidth: 32, embeddingSize: 4, flowBranch: true } as const;
  const before = tf.memory().numTensors;
  const model = createAlexNet2Plus1D(config);
  assert.ok(model.plan.flowFeatures > 0);
  assert.deepEqual(model.variables.get('fc6.weight')!.shape, [model.plan.fcInputSize + model.plan.flowFeatures, model.plan.fcWidth]);
  let params = 0;
  for (const v of model.variables.values()) params += v.size;
  assert.equal(estimateCost(model.plan).parameters, params);
  const x = tf.randomNormal([2, 3, 112, 112, 3], 0, 1, 'float32', 3) as Tensor5D;
  const y = model.forward(x);
  assert.deepEqual(y.shape, [2, 4]);
  assert.throws(() => tf.tidy(() => model.forwardHead(model.forwardFeatures(x))), /flow branch needs flowFeatures \[2, \d+\]/);
  tf.dispose([x, y]);
  model.dispose();
  assert.equal(tf.memory().numTensors, before);
});
