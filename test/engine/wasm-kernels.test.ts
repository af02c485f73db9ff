// vidpad's wasm convolution-gradient kernels against the tfjs cpu backend's
// own kernels, over strides, kernel sizes, paddings and odd shapes; plus the
// pure geometry they rest on, checked against naive 1D loops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initBackend } from '../../src/engine/backends.js';
import { maxRelativeError } from '../../src/engine/check.js';
import { filterGradAxis, inputGradAxis } from '../../src/engine/wasm-conv-geometry.js';
import { registerWasmKernels, WASM_KERNEL_NAMES } from '../../src/engine/wasm-kernels.js';
import { BackendError, ShapeError } from '../../src/errors.js';
import { randomArray, rng } from './random-arrays.js';



// ---------- geometry, against naive 1D loops ----------

/** dW[a] = Σ_i xpad[i·s + a]·dy[i], straight from the definition. */
function naiveFilterGrad1d(x: number[], dy: number[], k: number, s: number, padBefore: number): number[] {
  const at = (p: number) => (p - padBefore >= 0 && p - padBefore < x.length ? x[p - padBefore]! : 0);
  return Array.from({ length: k }, (_, a) => dy.reduce((acc, d, i) => acc + at(i * s + a) * d, 0));
}

/** The same through the correlation the kernel runs, with its geometry; index errors fail loudly. */
function correlationFilterGrad1d(x: number[], dy: number[], k: number, s: number, padBefore: number): number[] {
  const g = filterGradAxis(x.length, dy.length, k, s, padBefore);
  assert.ok(g.padAfter >= 0 && g.extraOutputs >= 0);
  const xc = [...new Array<number>(g.padBefore).fill(0), ...x, ...new Array<number>(g.padAfter).fill(0)];
  const f = [...dy, ...new Array<number>(g.extraOutputs).fill(0)];
  const extent = (f.length - 1) * s + 1;
  assert.equal(xc.length - extent + 1, k, 'correlation output must be exactly the kernel size');
  return Array.from({ length: k }, (_, a) => f.reduce((acc, d, i) => acc + xc[a + i * s]! * d, 0));
}

function naiveInputGrad1d(n: number, w: number[], dy: number[], s: number, padBefore: number): number[] {
  const dx = new Array<number>(n).fill(0);
  dy.forEach((d, i) => w.forEach((wa, a) => {
    const p = i * s + a - padBefore;
    if (p >= 0 && p < n) dx[p]! += wa * d;
  }));
  return dx;
}

function convInputGrad1d(n: number, w: number[], dy: number[], s: number, padBefore: number): number[] {
  const g = inputGradAxis(n, dy.length, w.length, s, padBefore);
  assert.ok(g.padBefore >= 0 && g.padAfter >= 0 && g.cropBefore >= 0 && g.cropAfter >= 0);
  const dilated = dy.flatMap((d) => [d, ...new Array<number>(s - 1).fill(0)]);
  const src = [...new Array<number>(g.padBefore).fill(0), ...dilated, ...new Array<number>(g.padAfter).fill(0)];
  const k = w.length;
  const full = src.length - k + 1;
  assert.equal(full - g.cropBefore - g.cropAfter, n, 'input-gradient conv, cropped, must produce the input size');
  const flipped = [...w].reverse();
  const conv = Array.from({ length: full }, (_, p) => flipped.reduce((acc, wa, a) => acc + src[p + a]! * wa, 0));
  return conv.slice(g.cropBefore, g.cropBefore + n);
}

test('filterGradAxis: hand-worked cases', () => {
  // conv1 of AlexNet at 112²: 112 px, pad 2, k 11, stride 4 → 27 outputs; 2+112+pa = 11+26·4 → pa = 1.
  assert.deepEqual(filterGradAxis(112, 27, 11, 4, 2), { padBefore: 2, padAfter: 1, extraOutputs: 0 });
  // 10 px, k 3, stride 4, valid → 2 outputs; the last window ends at 7 < 10, so dy gains a zero output.
  assert.deepEqual(filterGradAxis(10, 2, 3, 4, 0), { padBefore: 0, padAfter: 1, extraOutputs: 1 });
  // Stride 1 'same' with k 3: symmetric.
  assert.deepEqual(filterGradAxis(7, 7, 3, 1, 1), { padBefore: 1, padAfter: 1, extraOutputs: 0 });
});

test('inputGradAxis: hand-worked cases, including the ones that need a crop', () => {
  assert.deepEqual(inputGradAxis(13, 13, 5, 1, 2), { padBefore: 2, padAfter: 2, cropBefore: 0, cropAfter: 0 });
  // Stride 2 'same', 9 px, k 3: 5 outputs, pad 1 front; after = 9 + 1 − 10 = 0.
  assert.deepEqual(inputGradAxis(9, 5, 3, 2, 1), { padBefore: 1, padAfter: 0, cropBefore: 0, cropAfter: 0 });
  // A front pad of 3 with k 2 puts the first input 2 outputs into the conv.
  assert.deepEqual(inputGradAxis(10, 13, 2, 1, 3), { padBefore: 0, padAfter: 0, cropBefore: 2, cropAfter: 0 });
  // 7 px, k 1, stride 2 → 4 outputs whose dilation (8) overruns the input by one.
  assert.deepEqual(inputGradAxis(7, 4, 1, 2, 0), { padBefore: 0, padAfter: 0, cropBefore: 0, cropAfter: 1 });
});

test('geometry matches naive 1D loops over every small case', () => {
  const r = rng(11);
  let cropped = 0;
  let cases = 0;
  for (let n = 1; n <= 14; n++) {
    for (let k = 1; k <= 6; k++) {
      for (let s = 1; s <= 4; s++) {
        for (let pb = 0; pb <= 3; pb++) {
          for (let pa = 0; pa <= 3; pa++) {
            const span = n + pb + pa - k;
            if (span < 0) continue;
            for (const out of new Set([Math.floor(span / s) + 1, Math.ceil(span / s) + 1])) {
              const x = Array.from({ length: n }, r);
              const dy = Array.from({ length: out }, r);
              const w = Array.from({ length: k }, r);
              const want = naiveFilterGrad1d(x, dy, k, s, pb);
              const got = correlationFilterGrad1d(x, dy, k, s, pb);
              got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-12, `filter grad n=${n} k=${k} s=${s} pads=${pb},${pa}`));
              const dxWant = naiveInputGrad1d(n, w, dy, s, pb);
              const dxGot = convInputGrad1d(n, w, dy, s, pb);
              dxGot.forEach((v, i) => assert.ok(Math.abs(v - dxWant[i]!) < 1e-12, `input grad n=${n} k=${k} s=${s} pads=${pb},${pa}`));
              const g = inputGradAxis(n, out, k, s, pb);
              if (g.cropBefore + g.cropAfter > 0) cropped++;
              cases++;
            }
          }
        }
      }
    }
  }
  assert.ok(cases > 1000);
  assert.ok(cropped > 0, 'the crop branch must be exercised');
});

test('geometry rejects nonsense sizes with ShapeError', () => {
  assert.throws(() => filterGradAxis(0, 1, 1, 1, 0), ShapeError);
  assert.throws(() => filterGradAxis(5, 2, 3, 0, 0), ShapeError);
  assert.throws(() => filterGradAxis(5, 2, 3, 1, -1), ShapeError);
  assert.throws(() => inputGradAxis(5, 2, 2.5, 1, 0), /kernel must be a whole number/);
});

// ---------- kernels: wasm (vidpad's) vs cpu (tfjs's) ----------

/** tfjs's paddings, including a bare number (same pad on every side), which comes with a rounding mode. */
type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];
interface Case {
  n: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  kh: number;
  kw: number;
  s: [number, number];
  pad: Pad;
  /** For a numeric pad: how tfjs rounds the output size. */
  round?: 'floor' | 'ceil';
}

function outSize(size: number, k: number, s: number, pad: 'same' | 'valid' | [number, number], round: 'floor' | 'ceil' = 'floor'): number {
  if (pad === 'same') return Math.ceil(size / s);
  if (pad === 'valid') return Math.floor((size - k) / s) + 1;
  return Math[round]((size + pad[0] + pad[1] - k) / s) + 1;
}

function gridCases(): Case[] {
  const cases: Case[] = [];
  const pads: Pad[] = ['same', 'valid', [[0, 0], [2, 1], [0, 3], [0, 0]]];
  for (const s of [1, 2, 4]) {
    for (const k of [1, 2, 3, 5, 11]) {
      pads.forEach((pad, pi) => {
        // Odd, non-square sizes where (size + pads − k) is mostly not a multiple of the stride.
        const h = k + 2 * s + 2 + pi;
        const w = h + 3;
        cases.push({ n: 1 + ((k + s + pi) % 2) * 2, h, w, cin: 3, cout: 4, kh: k, kw: k, s: [s, s], pad });
      });
    }
  }
  // Rectangular kernels and mixed strides, and the temporal half's [kt,1] shape.
  cases.push({ n: 2, h: 10, w: 7, cin: 2, cout: 3, kh: 3, kw: 1, s: [4, 1], pad: 'valid' });
  cases.push({ n: 2, h: 5, w: 37, cin: 4, cout: 3, kh: 3, kw: 1, s: [1, 1], pad: [[0, 0], [1, 1], [0, 0], [0, 0]] });
  cases.push({ n: 3, h: 2, w: 9, cin: 3, cout: 2, kh: 3, kw: 1, s: [1, 1], pad: 'same' });
  cases.push({ n: 1, h: 12, w: 17, cin: 5, cout: 2, kh: 2, kw: 5, s: [2, 3], pad: 'same' });
  // Front pads beyond kernel − 1 and a dilation overrunning the input: the input gradient crops.
  cases.push({ n: 2, h: 8, w: 9, cin: 2, cout: 3, kh: 2, kw: 2, s: [1, 1], pad: [[0, 0], [3, 0], [0, 2], [0, 0]] });
  cases.push({ n: 2, h: 7, w: 8, cin: 3, cout: 2, kh: 1, kw: 1, s: [2, 2], pad: 'valid' });
  // A numeric pad with ceil rounding: the last window runs past the pad into implicit zeros.
  cases.push({ n: 2, h: 10, w: 11, cin: 2, cout: 3, kh: 3, kw: 3, s: [2, 2], pad: 1, round: 'ceil' });
  // Square kernel: with a numeric pad tfjs sizes both axes from the filter height (computeOutputShape2D).
  cases.push({ n: 1, h: 13, w: 10, cin: 2, cout: 2, kh: 5, kw: 5, s: [2, 2], pad: 2, round: 'floor' });
  return cases;
}

interface CaseData {
  x: Float32Array;
  filter: Float32Array;
  dy: Float32Array;
  dyShape: [number, number, number, number];
}

function caseData(c: Case, seed: number): CaseData {
  const padH = typeof c.pad === 'number' ? ([c.pad, c.pad] as [number, number]) : c.pad === 'same' || c.pad === 'valid' ? c.pad : c.pad[1];
  const padW = typeof c.pad === 'number' ? ([c.pad, c.pad] as [number, number]) : c.pad === 'same' || c.pad === 'valid' ? c.pad : c.pad[2];
  const dyShape: [number, number, number, number] = [c.n, outSize(c.h, c.kh, c.s[0], padH, c.round), outSize(c.w, c.kw, c.s[1], padW, c.round), c.cout];
  return {
    x: randomArray(c.n * c.h * c.w * c.cin, seed),
    filter: randomArray(c.kh * c.kw * c.cin * c.cout, seed + 1),
    dy: randomArray(dyShape.reduce((a, b) => a * b, 1), seed + 2),
    dyShape,
  };
}

function runGradKernels(c: Case, d: CaseData): { dw: Float32Array; dx: Float32Array } {
  const x = tf.tensor4d(d.x, [c.n, c.h, c.w, c.cin]);
  const filter = tf.tensor4d(d.filter, [c.kh, c.kw, c.cin, c.cout]);
  const dy = tf.tensor4d(d.dy, d.dyShape);
  const common = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: c.round } as unknown as tf.NamedAttrMap;
  const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...common, filterShape: filter.shape }) as tf.Tensor;
  const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...common, inputShape: x.shape }) as tf.Tensor;
  const out = { dw: dw.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array };
  assert.deepEqual(dw.shape, filter.shape);
  assert.deepEqual(dx.shape, x.shape);
  tf.dispose([x, filter, dy, dw, dx]);
  return out;
}

test('Conv2DBackpropFilter and Conv2DBackpropInput on wasm match the cpu backend over the grid', async () => {
  const cases = gridCases();
  const data = cases.map((c, i) => caseData(c, 100 + 7 * i));
  await initBackend('cpu');
  const want = cases.map((c, i) => runGradKernels(c, data[i]!));
  await initBackend('wasm');
  runGradKernels(cases[0]!, data[0]!); // first-use allocations stay out of the leak count
  const before = tf.memory();
  const got = cases.map((c, i) => runGradKernels(c, data[i]!));
  const after = tf.memory();
  assert.equal(after.numTensors, before.numTensors, 'tensors leaked');
  // Intermediates of vidpad's kernels are data buffers, not tensors: count those too.
  assert.equal(after.numDataBuffers, before.numDataBuffers, 'wasm data buffers leaked');
  let worst = 0;
  cases.forEach((c, i) => {
    const eW = maxRelativeError(got[i]!.dw, want[i]!.dw);
    const eX = maxRelativeError(got[i]!.dx, want[i]!.dx);
    worst = Math.max(worst, eW, eX);
    assert.ok(eW <= 1e-4, `dW relative error ${eW} for ${JSON.stringify(c)}`);
    assert.ok(eX <= 1e-4, `dX relative error ${eX} for ${JSON.stringify(c)}`);
  });
  assert.ok(worst < 1e-4);
});

test('conv2d gradients through tf.grads on wasm match cpu (the path training takes)', async () => {
  const shapes: Case[] = [
    { n: 2, h: 23, w: 19, cin: 3, cout: 5, kh: 11, kw: 11, s: [4, 4], pad: [[0, 0], [2, 2], [2, 2], [0, 0]] },
    { n: 4, h: 13, w: 13, cin: 4, cout: 6, kh: 5, kw: 5, s: [1, 1], pad: [[0, 0], [2, 2], [2, 2], [0, 0]] },
    { n: 2, h: 9, w: 11, cin: 3, cout: 2, kh: 3, kw: 3, s: [2, 2], pad: 'same' },
  ];
  const run = (c: Case, d: CaseData) =>
    tf.tidy(() => {
      const x = tf.tensor4d(d.x, [c.n, c.h, c.w, c.cin]);
      const f = tf.tensor4d(d.filter, [c.kh, c.kw, c.cin, c.cout]);
      const g = tf.tensor4d(d.dy, d.dyShape);
      const [dx, df] = tf.grads((a, b) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), g)))([x, f]);
      return [dx!.dataSync() as Float32Array, df!.dataSync() as Float32Array];
    });
  const data = shapes.map((c, i) => caseData(c, 900 + i));
  await initBackend('cpu');
  const want = shapes.map((c, i) => run(c, data[i]!));
  await initBackend('wasm');
  const got = shapes.map((c, i) => run(c, data[i]!));
  shapes.forEach((c, i) => {
    assert.ok(maxRelativeError(got[i]![0]!, want[i]![0]!) <= 1e-4, `dx ${JSON.stringify(c)}`);
    assert.ok(maxRelativeError(got[i]![1]!, want[i]![1]!) <= 1e-4, `dW ${JSON.stringify(c)}`);
  });
});

test('registerWasmKernels is idempotent and keeps its kernels registered', async () => {
  await initBackend('wasm');
  const before = WASM_KERNEL_NAMES.map((name) => tf.getKernel(name, 'wasm')!.kernelFunc);
  registerWasmKernels();
  registerWasmKernels({ maxInputGradStride: 4 });
  const after = WASM_KERNEL_NAMES.map((name) => tf.getKernel(name, 'wasm')!.kernelFunc);
  after.forEach((fn, i) => assert.equal(fn, before[i], `${WASM_KERNEL_NAMES[i]} was re-registered`));
  // A foreign kernel under the same name is replaced, and registering again works.
  tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: () => { throw new Error('foreign kernel'); } });
  registerWasmKernels();
  const c: Case = { n: 2, h: 9, w: 8, cin: 2, cout: 3, kh: 3, kw: 3, s: [2, 2], pad: 'same' };
  const d = caseData(c, 5);
  const got = runGradKernels(c, d);
  await initBackend('cpu');
  const want = runGradKernels(c, d);
  await initBackend('wasm');
  assert.ok(maxRelativeError(got.dw, want.dw) <= 1e-4);
});

test('bad inputs: NCHW and missing inputs fail with BackendError, and leak nothing', async () => {
  await initBackend('wasm');
  const x = tf.ones([1, 2, 5, 5]) as tf.Tensor4D;
  const dy = tf.ones([1, 2, 3, 3]) as tf.Tensor4D;
  const filter = tf.ones([3, 3, 2, 2]) as tf.Tensor4D;
  const before = tf.memory();
  const nchw = { strides: [1, 1], pad: 'valid', dataFormat: 'NCHW' } as unknown as tf.NamedAttrMap;
  assert.throws(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...nchw, filterShape: [3, 3, 2, 2] }), BackendError);
  assert.throws(() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...nchw, inputShape: [1, 2, 5, 5] }), BackendError);
  const nhwc = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 2, 2] } as unknown as tf.NamedAttrMap;
  assert.throws(() => tf.engine().runKernel('Conv2DBackpropFilter', { x }, nhwc), /expected inputs x and dy/);
  const after = tf.memory();
  assert.equal(after.numTensors, before.numTensors);
  assert.equal(after.numDataBuffers, before.numDataBuffers);
  tf.dispose([x, dy, filter]);
});

// ---------- UnsortedSegmentSum (tf.gather's gradient) ----------

test('UnsortedSegmentSum on wasm matches cpu, drops out-of-range ids, and feeds tf.gather gradients', async () => {
  const xVals = randomArray(7 * 3 * 4, 4242);
  const idVals = [2, 0, 2, -1, 4, 5, 9];
  const gatherIdx = [3, 0, 3, 3, 1];
  const run = () =>
    tf.tidy(() => {
      const x = tf.tensor3d(xVals, [7, 3, 4]);
      const ids = tf.tensor1d(idVals, 'int32');
      const seg = tf.unsortedSegmentSum(x, ids, 5);
      const idx = tf.tensor1d(gatherIdx, 'int32');
      const g0 = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.gather(a, idx, 0), tf.range(1, 5 * 3 * 4 + 1).reshape([5, 3, 4]))))(x);
      const g1 = tf.grad((a: tf.Tensor) => tf.sum(tf.square(tf.gather(a, tf.tensor1d([2, 0, 2, 2], 'int32'), 1))))(x);
      return { seg: seg.dataSync() as Float32Array, segShape: seg.shape, g0: g0.dataSync() as Float32Array, g1: g1.dataSync() as Float32Array };
    });
  await initBackend('cpu');
  const want = run();
  await initBackend('wasm');
  run();
  const before = tf.memory();
  const got = run();
  const after = tf.memory();
  assert.equal(after.numTensors, before.numTensors);
  assert.equal(after.numDataBuffers, before.numDataBuffers);
  assert.deepEqual(got.segShape, [5, 3, 4]);
  assert.ok(maxRelativeError(got.seg, want.seg) <= 1e-6);
  assert.ok(maxRelativeError(got.g0, want.g0) <= 1e-6);
  assert.ok(maxRelativeError(got.g1, want.g1) <= 1e-6);
  // Independent check of the definition: segment 2 is rows 0 and 2; segment 3 receives nothing.
  for (let j = 0; j < 12; j++) {
    assert.ok(Math.abs(got.seg[2 * 12 + j]! - (xVals[j]! + xVals[2 * 12 + j]!)) < 1e-6);
    assert.equal(got.seg[3 * 12 + j], 0);
  }
});

test('UnsortedSegmentSum on wasm: int32 values, no rows, and bad ids', async () => {
  await initBackend('wasm');
  const ints = tf.unsortedSegmentSum(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32'), tf.tensor1d([1, 1, 0], 'int32'), 3);
  assert.deepEqual(Array.from(ints.dataSync()), [5, 6, 4, 6, 0, 0]);
  const none = tf.unsortedSegmentSum(tf.zeros([0, 2]), tf.tensor1d([], 'int32'), 2);
  assert.deepEqual(Array.from(none.dataSync()), [0, 0, 0, 0]);
  const x = tf.ones([2, 2]);
  const ids2d = tf.tensor2d([0, 1, 1, 0], [2, 2], 'int32');
  assert.throws(() => tf.engine().runKernel('UnsortedSegmentSum', { x, segmentIds: ids2d }, { numSegments: 2 }), BackendError);
  tf.dispose([ints, none, x, ids2d]);
});
