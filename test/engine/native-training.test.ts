// Training on the native (oneDNN) backend: a whole AlexNet-(2+1)D step gives
// the loss and gradients the cpu backend gives, Nesterov-momentum updates keep
// the weights (and BatchNorm's running statistics) in step with cpu's, with
// and without normalisation; 1,000 steps leak no tensors and grow no
// memory, and asking for native where its addon is missing says what to
// install. The parity tests skip, saying why, when the addon is not built;
// the unavailability tests always run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { tf } from '../../src/engine/tf.js';
import { initBackend, probeBackends } from '../../src/engine/backends.js';
import { maxRelativeError } from '../../src/engine/check.js';
import { loadNativeAddon } from '../../src/engine/native/addon.js';
import { activateNativeBackend, NativeBackend, probeNativeBackend } from '../../src/engine/native/backend.js';
import { conv2plus1d } from '../../src/engine/conv2plus1d.js';
import { createAlexNet2Plus1D, maxPoolFrames, MODEL_NORMS } from '../../src/models/alexnet-2plus1d.js';
import type { AlexNet2Plus1DConfig, ModelNorm } from '../../src/models/alexnet-2plus1d.js';
import { BackendError } from '../../src/errors.js';

const load = loadNativeAddon();
const skip = load.ok ? false : `native addon unavailable: ${load.reason}`;

// Small enough for tfjs's cpu kernels (its filter gradient loops are slow) to take a few seconds.
const SMALL: Partial<AlexNet2Plus1DConfig> = { frames: 2, inputSize: 63, widthMultiplier: 0.03, fcWidth: 128, embeddingSize: 8, seed: 4 };

interface StepResult {
  loss: number;
  grads: Map<string, Float32Array>;
  weightsAfter: Map<string, Float32Array>;
}

/** Builds the model on the current backend, takes the gradients of one step, then `updates` momentum steps. */
function trainOnCurrentBackend(updates: number, norm: ModelNorm): StepResult {
  const model = createAlexNet2Plus1D({ ...SMALL, norm });
  try {
    const x = tf.randomNormal([2, SMALL.frames!, SMALL.inputSize!, SMALL.inputSize!, 3], 0, 1, 'float32', 7) as tf.Tensor5D;
    const target = tf.randomNormal([2, SMALL.embeddingSize!], 0, 1, 'float32', 8);
    const lossFn = () => tf.mean(tf.square(tf.sub(model.forward(x, { training: true, seed: 11 }), target))) as tf.Scalar;
    const { value, grads } = tf.variableGrads(lossFn);
    const byName = new Map<string, Float32Array>();
    for (const [name, v] of model.variables) byName.set(name, Float32Array.from(grads[v.name]!.dataSync()));
    const loss = value.dataSync()[0]!;
    tf.dispose([value, ...Object.values(grads)]);
    const optimizer = tf.train.momentum(0.005, 0.9, true);
    for (let i = 0; i < updates; i++) tf.dispose(optimizer.minimize(lossFn, true) ?? []);
    // With BatchNorm, the running statistics the training forwards updated too.
    const weightsAfter = new Map<string, Float32Array>();
    for (const [name, v] of model.state) weightsAfter.set(name, Float32Array.from(v.dataSync()));
    optimizer.dispose();
    tf.dispose([x, target]);
    return { loss, grads: byName, weightsAfter };
  } finally {
    model.dispose();
  }
}

for (const norm of MODEL_NORMS) test(`an AlexNet-(2+1)D training step on native gives cpu loss, gradients and momentum updates (norm: ${norm})`, { skip }, async () => {
  await initBackend('cpu');
  const before = tf.memory().numTensors;
  const want = trainOnCurrentBackend(2, norm);
  // The model's bias initialisers and tfjs's momentum optimizer leave a few
  // tensors behind on any backend; native must leave no more than cpu does.
  const leftByCpu = tf.memory().numTensors - before;
  await initBackend('native');
  const got = trainOnCurrentBackend(2, norm);
  assert.equal(tf.memory().numTensors - before - leftByCpu, leftByCpu, 'native leaves more tensors behind than cpu');

  assert.ok(Math.abs(got.loss - want.loss) <= 1e-4 * Math.abs(want.loss), `loss ${got.loss} vs cpu ${want.loss}`);
  // Per conv block: two filters and two biases, or two filters and two BatchNorms' gamma and beta; the head: 3 × (weight, bias).
  assert.equal(got.grads.size, (norm === 'batch' ? 6 : 4) * 5 + 2 * 3, 'every variable has a gradient');
  assert.equal(got.weightsAfter.size, got.grads.size + (norm === 'batch' ? 4 * 5 : 0), 'running statistics are compared too');
  for (const [name, g] of want.grads) {
    const err = maxRelativeError(got.grads.get(name)!, g);
    assert.ok(err <= 1e-4, `gradient of ${name}: relative error ${err}`);
    assert.ok(g.some((v) => v !== 0), `gradient of ${name} is not all zeros (the check means something)`);
  }
  for (const [name, w] of want.weightsAfter) {
    const err = maxRelativeError(got.weightsAfter.get(name)!, w);
    assert.ok(err <= 1e-4, `${name} after 2 momentum steps: relative error ${err}`);
  }
});

/** V8's garbage collector, exposed at run time (node --test passes no flags to test files). */
function collector(): () => void {
  v8.setFlagsFromString('--expose_gc');
  return vm.runInNewContext('gc') as () => void;
}

test('1,000 training steps on native leak no tensors and grow no memory', { skip }, async () => {
  // One thread: this checks memory, not speed, and stays quick on a loaded machine.
  await initBackend('native', { threads: 1 });
  const backend = tf.backend() as NativeBackend;
  // A small (2+1)D network over every kernel the native backend replaces:
  // (2+1)D conv with bias and ReLU, max pool, a fused dense layer, a matMul.
  const v = (shape: number[], seed: number) => tf.variable(tf.randomNormal(shape, 0, 0.3, 'float32', seed));
  const w = { s: v([3, 3, 3, 6], 1), sb: v([6], 2), t: v([3, 1, 6, 8], 3), tb: v([8], 4), d: v([2 * 15 * 15 * 8, 16], 5), db: v([16], 6), e: v([16, 4], 7) };
  // Big enough that one leaked activation per step (4·2·31·31·6 floats, 180 KiB) would add ~140 MiB over 800 steps.
  const x = tf.randomNormal([4, 2, 31, 31, 3], 0, 1, 'float32', 8) as tf.Tensor5D;
  const forward = () => {
    const y = tf.relu(conv2plus1d(x, { spatial: { filter: w.s as tf.Tensor as tf.Tensor4D, bias: w.sb as tf.Tensor as tf.Tensor1D }, temporal: { filter: w.t as tf.Tensor as tf.Tensor4D, bias: w.tb as tf.Tensor as tf.Tensor1D } })) as tf.Tensor5D;
    const pooled = maxPoolFrames(y);
    const h = tf.fused.matMul({ a: tf.reshape(pooled, [4, -1]) as tf.Tensor2D, b: w.d as tf.Tensor as tf.Tensor2D, bias: w.db, activation: 'relu' });
    return tf.mean(tf.square(tf.matMul(h, w.e as tf.Tensor as tf.Tensor2D))) as tf.Scalar;
  };
  const optimizer = tf.train.momentum(0.001, 0.9, true);
  const step = () => tf.dispose(optimizer.minimize(forward, true) ?? []);
  try {
    for (let i = 0; i < 200; i++) step();
    const tensors = tf.memory().numTensors;
    const cache = backend.native.cacheSize();
    // Outputs are ArrayBuffers outside V8's heap: collect before each reading so
    // RSS shows what is still held, not what the GC has yet to free.
    const gc = collector();
    gc();
    const rssStart = process.memoryUsage().rss;
    for (let i = 200; i < 1000; i++) step();
    gc();
    assert.equal(tf.memory().numTensors, tensors, 'tensors leaked over 800 steps');
    assert.equal(backend.native.cacheSize(), cache, 'primitive cache grew with no new shapes');
    const growthMiB = (process.memoryUsage().rss - rssStart) / 2 ** 20;
    // Leaking one activation per step would be ~140 MiB here; allocator and GC noise, with other test
    // processes running beside this one, measured up to ~25 MiB.
    assert.ok(growthMiB < 48, `RSS grew by ${growthMiB.toFixed(1)} MiB over 800 steps`);
  } finally {
    optimizer.dispose();
    tf.dispose([x, ...Object.values(w)]);
  }
});

test('threads are configurable and auto prefers native when it is available', { skip }, async () => {
  const one = await initBackend('native', { threads: 1 });
  assert.deepEqual([one.name, one.tfName, one.threads], ['native', 'native', 1]);
  assert.equal((tf.backend() as NativeBackend).native.threads(), 1);
  await initBackend('native', { threads: 2 });
  assert.equal((tf.backend() as NativeBackend).native.threads(), 2);
  const probes = await probeBackends();
  assert.ok(probes.find((p) => p.name === 'native')?.available);
  const auto = await initBackend('auto');
  const expected = probes.find((p) => p.available)!.name; // tensorflow comes first only where tfjs-node is installed
  assert.equal(auto.name, expected);
  if (!probes.find((p) => p.name === 'tensorflow')?.available) assert.equal(auto.name, 'native');
});

test('native where its addon is missing or broken: unavailable, with what to install', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vidpad-native-'));
  try {
    const missing = path.join(dir, 'no-such', 'vidpad_native.node');
    const probe = await probeNativeBackend(missing);
    assert.equal(probe.available, false);
    assert.equal(probe.name, 'native');
    assert.match(probe.reason!, /libdnnl-dev/);
    assert.match(probe.reason!, /npm run build:native/);
    assert.ok(probe.reason!.includes(missing), 'the reason names the path it looked at');

    const garbage = path.join(dir, 'vidpad_native.node');
    writeFileSync(garbage, 'not a shared object');
    const broken = await probeNativeBackend(garbage);
    assert.equal(broken.available, false);
    assert.match(broken.reason!, /failed to load/);
    assert.match(broken.reason!, /libdnnl-dev/);

    let setCalled = false;
    const set = async () => {
      setCalled = true;
    };
    await assert.rejects(activateNativeBackend(2, set, missing), (err: unknown) => {
      assert.ok(err instanceof BackendError);
      assert.equal(err.code, 'E_BACKEND');
      assert.match(err.message, /native backend is unavailable/);
      assert.match(err.message, /libdnnl-dev/);
      return true;
    });
    assert.equal(setCalled, false, 'nothing is activated when the addon is missing');
    await assert.rejects(activateNativeBackend(0, set), BackendError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
