// AlexNet-(2+1)D's normalisation layers (model.norm): the variables and
// buffers each setting builds, with `none` exactly the paper's network; the
// running statistics a training forward leaves, against the conv output's
// statistics worked out here with plain loops; evaluation with the running
// statistics equal to the batch's reproduces the training forward; evaluation
// changes nothing; gradients reach gamma and beta and never the buffers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, createAlexNet2Plus1D, initBackend, modelWeights, planAlexNet2Plus1D, planVariableNames, spatialConv, tf } from '../../src/index.js';
import type { AlexNet2Plus1DConfig, Tensor, Tensor4D, Tensor5D } from '../../src/index.js';
import { maxRelativeError } from '../../src/engine/check.js';

const TINY: Partial<AlexNet2Plus1DConfig> = { inputSize: 63, frames: 2, widthMultiplier: 0.05, fcWidth: 64, embeddingSize: 6, dropoutRate: 0, seed: 8 };
const BATCH = 3;

const clipOf = (seed: number) => tf.randomNormal([BATCH, TINY.frames!, TINY.inputSize!, TINY.inputSize!, 3], 0, 1, 'float32', seed) as Tensor5D;

test("norm 'none' builds exactly the paper's variables; 'batch' replaces each conv bias by a BatchNorm with running statistics", async () => {
  await initBackend('cpu');
  const plain = createAlexNet2Plus1D({ ...TINY, norm: 'none' });
  const normed = createAlexNet2Plus1D({ ...TINY, norm: 'batch' });
  try {
    const convs = ['conv1', 'conv2', 'conv3', 'conv4', 'conv5'];
    const head = ['fc6', 'fc7', 'embed'].flatMap((n) => [`${n}.weight`, `${n}.bias`]);
    assert.deepEqual([...plain.variables.keys()], [...convs.flatMap((c) => [`${c}.spatial.weight`, `${c}.spatial.bias`, `${c}.temporal.weight`, `${c}.temporal.bias`]), ...head]);
    assert.equal(plain.buffers.size, 0);
    assert.deepEqual([...plain.state.keys()], [...plain.variables.keys()]);
    const halves = convs.flatMap((c) => [`${c}.spatial`, `${c}.temporal`]);
    assert.deepEqual(
      [...normed.variables.keys()],
      [...halves.flatMap((h) => [`${h}.weight`, `${h}.bn.weight`, `${h}.bn.bias`]), ...head],
    );
    assert.deepEqual([...normed.buffers.keys()], halves.flatMap((h) => [`${h}.bn.running_mean`, `${h}.bn.running_var`]));
    for (const [name, b] of normed.buffers) {
      assert.equal(b.trainable, false, `${name} is not trainable`);
      assert.deepEqual(Array.from(b.dataSync()), new Array(b.size).fill(name.endsWith('running_var') ? 1 : 0), `${name}: PyTorch's initial value`);
    }
    normed.plan.convs.forEach((l) => {
      assert.deepEqual(normed.variables.get(`${l.name}.spatial.bn.weight`)!.shape, [l.midChannels]);
      assert.deepEqual(normed.buffers.get(`${l.name}.temporal.bn.running_var`)!.shape, [l.outChannels]);
    });
    // The same seed draws the same filters whichever the norm: only biases and BatchNorms differ.
    for (const h of halves) assert.deepEqual(normed.variables.get(`${h}.weight`)!.dataSync(), plain.variables.get(`${h}.weight`)!.dataSync(), h);
  } finally {
    plain.dispose();
    normed.dispose();
  }
  assert.throws(() => planAlexNet2Plus1D({ norm: 'layer' as 'batch' }), (e: unknown) => e instanceof ConfigError && e.path === 'model.norm' && /expected one of batch, none/.test(e.message));
});

test('a training forward updates the running statistics with the conv output statistics over B·T·H·W (PyTorch: momentum 0.1, unbiased variance)', async () => {
  await initBackend('cpu');
  const model = createAlexNet2Plus1D(TINY);
  const clip = clipOf(1);
  try {
    const l = model.plan.convs[0]!;
    // conv1's spatial half: the engine's convolution (its own tests hold it to loops), no bias.
    const conv = tf.tidy(() => spatialConv(clip, { filter: model.variables.get('conv1.spatial.weight') as Tensor as Tensor4D, strides: l.stride, padding: [[l.pad, l.pad], [l.pad, l.pad]] }));
    const values = conv.dataSync();
    const c = l.midChannels;
    const n = values.length / c;
    assert.equal(n, BATCH * TINY.frames! * l.convSize ** 2);
    const mean = new Float64Array(c);
    const sq = new Float64Array(c);
    for (let i = 0; i < values.length; i++) mean[i % c]! += values[i]! / n;
    for (let i = 0; i < values.length; i++) sq[i % c]! += (values[i]! - mean[i % c]!) ** 2;
    conv.dispose();
    const before = tf.memory().numTensors;
    tf.dispose(model.forward(clip, { training: true, seed: 1 }));
    assert.equal(tf.memory().numTensors, before, 'a training forward leaks nothing');
    const runningMean = model.buffers.get('conv1.spatial.bn.running_mean')!.dataSync();
    const runningVar = model.buffers.get('conv1.spatial.bn.running_var')!.dataSync();
    const wantMean = Float32Array.from(mean, (m) => 0.1 * m);
    const wantVar = Float32Array.from(sq, (s) => 0.9 + (0.1 * s) / (n - 1));
    assert.ok(maxRelativeError(runningMean as Float32Array, wantMean) < 1e-5, `running mean ${Array.from(runningMean).slice(0, 3)} vs ${Array.from(wantMean).slice(0, 3)}`);
    assert.ok(maxRelativeError(runningVar as Float32Array, wantVar) < 1e-5, 'running variance');
    // Every BatchNorm moved off its initial statistics.
    for (const [name, b] of model.buffers) assert.ok(Array.from(b.dataSync()).some((v) => v !== (name.endsWith('running_var') ? 1 : 0)), `${name} was updated`);
  } finally {
    clip.dispose();
    model.dispose();
  }
});

test('evaluation uses the running statistics: set to the batch statistics, it reproduces the training forward, and changes nothing', async () => {
  await initBackend('cpu');
  const model = createAlexNet2Plus1D(TINY);
  const clip = clipOf(2);
  try {
    // From zeroed estimates one training forward leaves 0.1 × the batch mean and 0.1 × the unbiased variance;
    // scale back, and turn the unbiased variance into the biased one the training forward normalised with.
    model.buffers.forEach((b) => b.assign(tf.zerosLike(b)));
    const trained = tf.tidy(() => model.forward(clip, { training: true, seed: 3 }).dataSync() as Float32Array);
    for (const l of model.plan.convs) {
      const n = BATCH * TINY.frames! * l.convSize ** 2;
      for (const half of ['spatial', 'temporal']) {
        const m = model.buffers.get(`${l.name}.${half}.bn.running_mean`)!;
        const v = model.buffers.get(`${l.name}.${half}.bn.running_var`)!;
        tf.tidy(() => {
          m.assign(tf.mul(m, 10));
          v.assign(tf.mul(v, (10 * (n - 1)) / n));
        });
      }
    }
    const snapshot = new Map([...model.buffers].map(([k, b]) => [k, Float32Array.from(b.dataSync())]));
    const evaluated = tf.tidy(() => model.forward(clip).dataSync() as Float32Array);
    const err = maxRelativeError(evaluated, trained);
    assert.ok(err < 1e-4, `eval with the batch's statistics vs the training forward: relative error ${err}`);
    for (const [k, b] of model.buffers) assert.deepEqual(b.dataSync(), snapshot.get(k), `${k} unchanged by evaluation`);
    // And evaluation does depend on them.
    const m = model.buffers.get('conv2.temporal.bn.running_mean')!;
    m.assign(tf.tidy(() => tf.add(m, 0.5)));
    const shifted = tf.tidy(() => model.forward(clip).dataSync() as Float32Array);
    assert.ok(maxRelativeError(shifted, evaluated) > 1e-3, 'a different running mean changes the output');
  } finally {
    clip.dispose();
    model.dispose();
  }
});

test('gradients reach every filter, gamma and beta; the running statistics are not trained', async () => {
  await initBackend('cpu');
  const model = createAlexNet2Plus1D(TINY);
  const clip = clipOf(4);
  try {
    const target = tf.randomNormal([BATCH, TINY.embeddingSize!], 0, 1, 'float32', 5);
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(model.forward(clip, { training: true }), target))) as tf.Scalar, [...model.variables.values()]);
    for (const [name, v] of model.variables) {
      const g = grads[v.name];
      assert.ok(g, `${name} has a gradient`);
      assert.ok(Array.from(g.dataSync()).some((x) => x !== 0), `${name}'s gradient is not all zeros`);
    }
    for (const b of model.buffers.values()) assert.equal(grads[b.name], undefined);
    tf.dispose([value, target, ...Object.values(grads)]);
  } finally {
    clip.dispose();
    model.dispose();
  }
});

test('planVariableNames lists, without making a tensor, exactly the state a built network has (and a saved folder holds), for each norm, with the flow branch too', async () => {
  await initBackend('cpu');
  for (const config of [{ ...TINY, norm: 'none' as const }, { ...TINY, norm: 'batch' as const }, { ...TINY, frames: 3, inputSize: 112, norm: 'batch' as const, flowBranch: true }]) {
    const before = tf.memory().numTensors;
    const names = planVariableNames(config);
    assert.equal(tf.memory().numTensors, before);
    const model = createAlexNet2Plus1D(config);
    try {
      assert.deepEqual(names, [...model.state.keys()], JSON.stringify(config));
      assert.deepEqual(names, [...modelWeights(model).keys()]);
    } finally {
      model.dispose();
    }
  }
});
