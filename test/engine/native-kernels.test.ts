// The native (oneDNN) backend's kernels against the tfjs cpu backend's own
// kernels on the same random inputs: convolutions and both their gradients
// over strides, kernel sizes 1 to 11, same/valid/explicit padding, odd sizes
// and batches; matrix products with every transpose and batch broadcasting;
// the fused bias+ReLU forms; max pooling and its gradient (with ties);
// the elementwise ops and sums; the fall-backs to cpu; no tensor leaks.
// Skips, saying why, when the addon is not built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initBackend } from '../../src/engine/backends.js';
import { maxRelativeError } from '../../src/engine/check.js';
import { loadNativeAddon } from '../../src/engine/native/addon.js';
import { NativeBackend } from '../../src/engine/native/backend.js';
import { randomArray } from './random-arrays.js';

const load = loadNativeAddon();
const skip = load.ok ? false : `native addon unavailable: ${load.reason}`;
const TOL = 1e-4;



type Input = { shape: number[]; values: Float32Array | Int32Array; dtype?: 'float32' | 'int32' };
const rand = (shape: number[], seed: number): Input => ({ shape, values: randomArray(shape.reduce((a, b) => a * b, 1), seed) });

/** Runs `fn` on `backend` with fresh tensors of `inputs`; returns its outputs' values and shapes. */
async function runOn(backend: string, inputs: Input[], fn: (...t: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<{ values: Float32Array[]; shapes: number[][] }> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => {
    const ts = inputs.map((i) => tf.tensor(i.values, i.shape, i.dtype ?? 'float32'));
    const r = fn(...ts);
    return Array.isArray(r) ? r : [r];
  });
  const values = out.map((t) => Float32Array.from(t.dataSync()));
  const shapes = out.map((t) => t.shape);
  tf.dispose(out);
  assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked`);
  return { values, shapes };
}

/** Asserts native and cpu agree on `fn`; returns the error. */
async function agree(what: string, inputs: Input[], fn: (...t: tf.Tensor[]) => tf.Tensor | tf.Tensor[], tol = TOL): Promise<number> {
  const want = await runOn('cpu', inputs, fn);
  const got = await runOn('native', inputs, fn);
  let worst = 0;
  want.values.forEach((w, i) => {
    assert.deepEqual(got.shapes[i], want.shapes[i], `${what}: output ${i} shape`);
    const err = maxRelativeError(got.values[i]!, w);
    worst = Math.max(worst, err);
    assert.ok(err <= tol, `${what}: output ${i} relative error ${err} > ${tol}`);
  });
  return worst;
}

/** Counts how often each kernel ran on native during `fn` (to prove the native path, not a fall-back, was taken). */
async function nativeCalls(fn: () => unknown): Promise<number> {
  const backend = tf.findBackend('native') as NativeBackend;
  const ctx = backend.native;
  let calls = 0;
  const names = ['conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter', 'matMul', 'maxPool', 'maxPoolGrad', 'binary', 'unary', 'sum'] as const;
  // The addon's methods are read-only on its prototype: shadow them on the instance.
  names.forEach((n) => {
    const original = ctx[n] as (...a: unknown[]) => void;
    Object.defineProperty(ctx, n, {
      configurable: true,
      value: (...a: unknown[]) => {
        calls++;
        original.apply(ctx, a);
      },
    });
  });
  try {
    await fn();
  } finally {
    names.forEach((n) => delete (ctx as unknown as Record<string, unknown>)[n]);
  }
  return calls;
}

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

test('native conv2d, its input gradient and its filter gradient match cpu over a grid', { skip }, async () => {
  await initBackend('native', { threads: 2 });
  let cases = 0;
  let worst = 0;
  const kernels = [1, 2, 3, 4, 5, 7, 11];
  const calls = await nativeCalls(async () => {
    for (const k of kernels) {
      for (const stride of [1, 2]) {
        const explicit: Pad = [[0, 0], [1, Math.min(2, k - 1)], [Math.floor(k / 2), 0], [0, 0]];
        for (const pad of ['same', 'valid', explicit] as Pad[]) {
          const batch = (k + stride) % 2 === 0 ? 1 : 3;
          const [h, w, cin, cout] = [k + 4 + (k % 3), k + 2 + ((k * 7) % 5), 1 + (k % 4), 2 + (k % 5)];
          const x = rand([batch, h, w, cin], 100 + cases);
          const f = rand([k, k, cin, cout], 200 + cases);
          const what = `k=${k} stride=${stride} pad=${JSON.stringify(pad)} x=[${x.shape}] f=[${f.shape}]`;
          worst = Math.max(worst, await agree(`conv2d ${what}`, [x, f], (xt, ft) => tf.conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, stride, pad)));
          // The output gradient dy for both backward kernels, shaped like the forward output.
          const yShape = (await runOn('cpu', [x, f], (xt, ft) => tf.conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, stride, pad))).shapes[0]!;
          const dy = rand(yShape, 300 + cases);
          const attrs = { strides: [stride, stride], pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
          worst = Math.max(
            worst,
            await agree(`Conv2DBackpropInput ${what}`, [dy, f], (dyt, ft) =>
              tf.engine().runKernel('Conv2DBackpropInput', { dy: dyt!, filter: ft! }, { ...attrs, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
            ),
          );
          worst = Math.max(
            worst,
            await agree(`Conv2DBackpropFilter ${what}`, [x, dy], (xt, dyt) =>
              tf.engine().runKernel('Conv2DBackpropFilter', { x: xt!, dy: dyt! }, { ...attrs, filterShape: f.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
            ),
          );
          cases++;
        }
      }
    }
  });
  assert.equal(calls, 3 * cases, 'every grid case must run on the addon, not fall back to cpu');
  // AlexNet's conv1 geometry: 11×11 stride 4, pad 2, 3 channels, and its temporal [3, 1] convolutions.
  const x1 = rand([2, 39, 39, 3], 1);
  const f1 = rand([11, 11, 3, 6], 2);
  worst = Math.max(worst, await agree('conv1 11x11/4', [x1, f1], (a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 4, [[0, 0], [2, 2], [2, 2], [0, 0]])));
  const xt = rand([2, 5, 49, 7], 3);
  const ft = rand([3, 1, 7, 5], 4);
  worst = Math.max(worst, await agree('temporal 3x1', [xt, ft], (a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')));
  // Above the addon's 2 MFLOP threshold, so oneDNN runs these on both threads.
  for (const [xs, fs, stride] of [[[2, 23, 21, 8], [3, 3, 8, 16], 1], [[2, 25, 25, 8], [5, 5, 8, 16], 2]] as const) {
    const x = rand([...xs], 7);
    const f = rand([...fs], 8);
    const yShape = (await runOn('cpu', [x, f], (a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, 'same'))).shapes[0]!;
    const dy = rand(yShape, 9);
    const attrs = { strides: [stride, stride], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined };
    worst = Math.max(worst, await agree(`threaded conv2d [${xs}]`, [x, f], (a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, 'same')));
    worst = Math.max(worst, await agree(`threaded Conv2DBackpropInput [${xs}]`, [dy, f], (a, b) => tf.engine().runKernel('Conv2DBackpropInput', { dy: a!, filter: b! }, { ...attrs, inputShape: [...xs] } as unknown as tf.NamedAttrMap) as tf.Tensor));
    worst = Math.max(worst, await agree(`threaded Conv2DBackpropFilter [${xs}]`, [x, dy], (a, b) => tf.engine().runKernel('Conv2DBackpropFilter', { x: a!, dy: b! }, { ...attrs, filterShape: [...fs] } as unknown as tf.NamedAttrMap) as tf.Tensor));
  }
  assert.equal(cases, kernels.length * 2 * 3);
  assert.ok(worst <= TOL, `worst ${worst}`);
});

test('native conv2d gradients through tf.grads, and the native path is the one taken', { skip }, async () => {
  await initBackend('native');
  const x = rand([3, 17, 13, 4], 11);
  const f = rand([5, 3, 4, 6], 12);
  const r = rand([3, 9, 7, 6], 13);
  const fn = (xt: tf.Tensor, ft: tf.Tensor, rt: tf.Tensor) =>
    tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'), rt)))([xt, ft]);
  await agree('grads of conv2d', [x, f, r], fn as (...t: tf.Tensor[]) => tf.Tensor[]);
  await tf.setBackend('native');
  const calls = await nativeCalls(() =>
    tf.tidy(() => {
      fn(tf.tensor(x.values, x.shape), tf.tensor(f.values, f.shape), tf.tensor(r.values, r.shape));
    }),
  );
  assert.ok(calls >= 3, `expected the conv kernels on the addon, saw ${calls} addon calls`);
});

test('native fused conv2d with bias and ReLU matches cpu; other activations fall back to cpu', { skip }, async () => {
  await initBackend('native');
  const x = rand([2, 9, 11, 5], 21);
  const f = rand([3, 3, 5, 7], 22);
  const b = rand([7], 23);
  for (const activation of ['linear', 'relu', 'elu'] as const) {
    await agree(`fused conv2d ${activation}`, [x, f, b], (xt, ft, bt) =>
      tf.fused.conv2d({ x: xt as tf.Tensor4D, filter: ft as tf.Tensor4D, bias: bt, activation, strides: 2, pad: 'same' }),
    );
  }
  await agree('fused conv2d no bias', [x, f], (xt, ft) => tf.fused.conv2d({ x: xt as tf.Tensor4D, filter: ft as tf.Tensor4D, activation: 'relu', strides: 1, pad: 'valid' }));
  await agree('gradients of fused conv2d with bias and ReLU', [x, f, b], (xt, ft, bt) =>
    tf.grads((a: tf.Tensor, w: tf.Tensor, c: tf.Tensor) => tf.sum(tf.square(tf.fused.conv2d({ x: a as tf.Tensor4D, filter: w as tf.Tensor4D, bias: c, activation: 'relu', strides: 2, pad: 'same' }))))([xt!, ft!, bt!]),
  );
  await agree('gradients of fused matMul with bias and ReLU', [rand([6, 9], 25), rand([9, 4], 26), rand([4], 27)], (at, bt, ct) =>
    tf.grads((a: tf.Tensor, w: tf.Tensor, c: tf.Tensor) => tf.sum(tf.square(tf.fused.matMul({ a: a as tf.Tensor2D, b: w as tf.Tensor2D, bias: c, activation: 'relu' }))))([at!, bt!, ct!]),
  );
  await agree('fused batched matMul with a channel bias', [rand([3, 6, 9], 28), rand([3, 9, 4], 29), rand([4], 30)], (at, bt, ct) =>
    tf.fused.matMul({ a: at as tf.Tensor3D, b: bt as tf.Tensor3D, bias: ct, activation: 'relu' }),
  );
  // Fall-backs: dilation, NCHW.
  await agree('dilated conv2d', [x, f], (xt, ft) => tf.conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, 1, 'same', 'NHWC', 2));
  await agree('NCHW conv2d', [rand([2, 5, 9, 11], 24), f], (xt, ft) => tf.conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, 1, 'valid', 'NCHW'));
});

test('native matMul matches cpu: odd sizes, every transpose, batches and broadcasting, fused bias+ReLU', { skip }, async () => {
  await initBackend('native');
  let seed = 1000;
  // The last size is above the addon's 2 MFLOP threshold: two threads.
  for (const [m, k, n] of [[1, 1, 1], [7, 33, 5], [65, 17, 33], [33, 129, 64], [129, 257, 65]] as const) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        for (const [ba, bb] of [[[], []], [[3], [3]], [[2, 3], [2, 3]], [[1], [4]], [[4], []], [[], [2]]] as number[][][]) {
          const a = rand([...ba!, ...(ta ? [k, m] : [m, k])], seed++);
          const b = rand([...bb!, ...(tb ? [n, k] : [k, n])], seed++);
          await agree(`matMul m=${m} k=${k} n=${n} ta=${ta} tb=${tb} a=[${a.shape}] b=[${b.shape}]`, [a, b], (at, bt) => tf.matMul(at!, bt!, ta, tb));
        }
        const a = rand(ta ? [k, m] : [m, k], seed++);
        const b = rand(tb ? [n, k] : [k, n], seed++);
        const bias = rand([n], seed++);
        for (const activation of ['linear', 'relu', 'elu'] as const) {
          await agree(`fused matMul ${activation} ta=${ta} tb=${tb}`, [a, b, bias], (at, bt, ct) =>
            tf.fused.matMul({ a: at as tf.Tensor2D, b: bt as tf.Tensor2D, transposeA: ta, transposeB: tb, bias: ct, activation }),
          );
        }
      }
    }
  }
  // A batch broadcast oneDNN cannot express ([2,3] against [3]) falls back to cpu.
  await agree('matMul broadcast fall-back', [rand([2, 3, 4, 5], 1), rand([3, 5, 6], 2)], (at, bt) => tf.matMul(at!, bt!));
  // And a shape mismatch is still tfjs's own error.
  await tf.setBackend('native');
  assert.throws(() => tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([4, 5]))), /inner shapes/);
});

test('native maxPool and its gradient match cpu, ties included', { skip }, async () => {
  await initBackend('native');
  let seed = 5000;
  for (const [h, w, c] of [[13, 13, 5], [27, 27, 3], [8, 11, 2], [27, 27, 80]] as const) {
    for (const [k, s] of [[3, 2], [2, 2], [3, 1], [1, 1]] as const) {
      for (const pad of ['valid', 'same'] as const) {
        // The wide one (above the threading threshold) only at AlexNet's 3/2: cpu's loops are slow.
        if (c === 80 && !(k === 3 && s === 2)) continue;
        const x = rand([2, h, w, c], seed++);
        // ReLU first: many windows are all zeros, where the first maximum must take the gradient.
        const what = `maxPool ${k}/${s} ${pad} [${x.shape}]`;
        await agree(what, [x], (xt) => tf.maxPool(tf.relu(xt!) as tf.Tensor4D, k, s, pad));
        await agree(`${what} gradient`, [x], (xt) => tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(tf.relu(a) as tf.Tensor4D, k, s, pad)))(xt!));
        await agree(`${what} gradient, distinct dy`, [x, rand([2, Math.ceil(h / s), Math.ceil(w / s), c], seed++)], (xt, r) => {
          const y = tf.maxPool(tf.relu(xt!) as tf.Tensor4D, k, s, pad);
          const rr = tf.slice(r!, [0, 0, 0, 0], y.shape);
          return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(tf.relu(a) as tf.Tensor4D, k, s, pad), rr)))(xt!);
        });
      }
    }
  }
});

test('native elementwise ops and sums match cpu, with fall-backs for what they do not cover', { skip }, async () => {
  await initBackend('native');
  const big = rand([4, 67, 65, 17], 1); // above the addon's threading threshold (2^18 elements)
  const same = rand([4, 67, 65, 17], 2);
  const bias = rand([17], 3);
  const bias3 = rand([1, 1, 17], 4);
  const scalar = rand([], 5);
  const mid = rand([67, 1, 17], 6); // broadcasts over a middle axis: cpu's path
  for (const [name, op] of [['add', tf.add], ['sub', tf.sub], ['mul', tf.mul], ['div', tf.div]] as const) {
    await agree(`${name} same shape`, [big, same], (a, b) => op(a!, b!), 0);
    await agree(`${name} bias right`, [big, bias], (a, b) => op(a!, b!), 0);
    await agree(`${name} bias left`, [bias3, big], (a, b) => op(a!, b!), 0);
    await agree(`${name} scalar left`, [scalar, big], (a, b) => op(a!, b!), 0);
    await agree(`${name} small same`, [bias, bias], (a, b) => op(a!, b!), 0);
    await agree(`${name} middle-axis broadcast`, [big, mid], (a, b) => op(a!, b!), 0);
  }
  // Contiguous slices are views into their source's array (a non-zero byte offset): the addon must honour it.
  const sliced = (t: tf.Tensor, at: number) => tf.slice(t, [at, 0, 0, 0], [2, 67, 65, 17]);
  await agree('add of two slice views', [big, same], (a, b) => tf.add(sliced(a!, 1), sliced(b!, 2)), 0);
  await agree('conv2d of a slice view', [big, rand([3, 3, 17, 5], 7)], (a, f) => tf.conv2d(sliced(a!, 2) as tf.Tensor4D, f as tf.Tensor4D, 1, 'same'));
  const ints: Input = { shape: [5], values: Int32Array.from([1, -2, 3, 0, 7]), dtype: 'int32' };
  await agree('int32 add (cpu path)', [ints, ints], (a, b) => tf.add(a!, b!), 0);
  await agree('relu', [big], (a) => tf.relu(a!), 0);
  await agree('step', [big], (a) => tf.step(a!), 0);
  await agree('step alpha', [big], (a) => tf.step(a!, 0.25), 0);
  const nanish: Input = { shape: [4], values: Float32Array.from([NaN, -1, 0, 2]) };
  const cpuStep = (await runOn('cpu', [nanish], (a) => tf.step(a!))).values[0]!;
  const nativeStep = (await runOn('native', [nanish], (a) => tf.step(a!))).values[0]!;
  assert.ok(Number.isNaN(cpuStep[0]) && Number.isNaN(nativeStep[0]));
  assert.deepEqual(Array.from(nativeStep.slice(1)), Array.from(cpuStep.slice(1)));
  for (const [axis, keepDims] of [[[0, 1, 2], false], [[0, 1, 2], true], [[0], false], [3, false], [[2, 3], true], [-1, false], [null, false], [[1], false], [[0, 2], false]] as const) {
    await agree(`sum axis=${JSON.stringify(axis)} keepDims=${keepDims}`, [big], (a) => tf.sum(a!, axis as number | number[] | undefined ?? undefined, keepDims), 1e-6);
  }
});

test('native strided slices copy exactly what cpu does; contiguous, empty and int32 slices take cpu’s path', { skip }, async () => {
  await initBackend('native');
  assert.notEqual(tf.getKernel('Slice', 'native')!.kernelFunc, tf.getKernel('Slice', 'cpu')!.kernelFunc, 'native has its own Slice');
  const clip = rand([3, 5, 7, 6, 3], 11);
  const cases: Array<[string, number[], number[]]> = [
    ['first frame of a clip', [0, 0, 0, 0, 0], [3, 1, 7, 6, 3]],
    ['last frame of a clip', [0, 4, 0, 0, 0], [3, 1, 7, 6, 3]],
    ['a box inside every axis', [1, 1, 2, 1, 1], [2, 3, 4, 4, 2]],
    ['one channel', [0, 0, 0, 0, 2], [3, 5, 7, 6, 1]],
    ['size -1 to the end', [1, 2, 3, 0, 0], [-1, -1, -1, 6, 3]],
    ['contiguous (a view on cpu)', [1, 0, 0, 0, 0], [2, 5, 7, 6, 3]],
    ['empty', [0, 0, 0, 0, 0], [3, 0, 7, 6, 3]],
  ];
  for (const [what, begin, size] of cases) await agree(`slice ${what}`, [clip], (a) => tf.slice(a!, begin, size), 0);
  await agree('slice of a matrix column', [rand([9, 4], 12)], (a) => tf.slice(a!, [2, 1], [5, 1]), 0);
  await agree('slice of a vector', [rand([9], 13)], (a) => tf.slice(a!, [3], [4]), 0);
  await agree('slice of a 6-d tensor', [rand([2, 3, 2, 4, 3, 2], 14)], (a) => tf.slice(a!, [1, 0, 1, 1, 0, 1], [1, 3, 1, 2, 3, 1]), 0);
  const ints: Input = { shape: [4, 3], values: Int32Array.from({ length: 12 }, (_, i) => i - 5), dtype: 'int32' };
  await agree('int32 slice (cpu path)', [ints], (a) => tf.slice(a!, [1, 1], [2, 2]), 0);
  // The gradient flows back through the strided slice (its gradient is a pad).
  await agree('gradient through a strided slice', [clip], (a) => tf.grad((x: tf.Tensor) => tf.sum(tf.square(tf.slice(x, [0, 4, 0, 0, 0], [3, 1, 7, 6, 3]))))(a!), 0);
});

test('native kernels leak no tensors and keep their primitive cache bounded by the shapes seen', { skip }, async () => {
  await initBackend('native');
  const backend = tf.backend() as NativeBackend;
  const x = tf.randomNormal([2, 9, 9, 3], 0, 1, 'float32', 1);
  const f = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2);
  const run = () =>
    tf.tidy(() => {
      const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.relu(tf.maxPool(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), 3, 2, 'valid'))))([x, f]);
      return tf.add(tf.sum(dx!), tf.sum(tf.matMul(tf.reshape(df!, [9, 12]), tf.reshape(df!, [9, 12]), true)));
    });
  run().dispose();
  const before = tf.memory().numTensors;
  const cache = backend.native.cacheSize();
  for (let i = 0; i < 20; i++) run().dispose();
  assert.equal(tf.memory().numTensors, before);
  assert.equal(backend.native.cacheSize(), cache, 'the same shapes must reuse their primitives');
  tf.dispose([x, f]);
});

test('the addon rejects arrays of the wrong size or type with a clear error', { skip }, () => {
  if (!load.ok) return;
  const ctx = new load.addon.Context();
  const dims = Int32Array.of(1, 4, 4, 1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 0, 0);
  assert.throws(() => ctx.conv2d(new Float32Array(15), new Float32Array(9), null, new Float32Array(4), dims, false), /conv2d x: expected 16 elements, got 15/);
  assert.throws(() => ctx.conv2d(new Float64Array(16) as unknown as Float32Array, new Float32Array(9), null, new Float32Array(4), dims, false), /Float32Array/);
  assert.throws(() => ctx.matMul(new Float32Array(6), new Float32Array(6), null, new Float32Array(4), Int32Array.of(1, 1, 2, 3, 2, 0, 0, 9).subarray(0, 6), false), /7 integers/);
  assert.throws(() => ctx.setThreads(0), /threads/);
});
