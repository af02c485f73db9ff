// Every (2+1)D conv of AlexNet-(2+1)D at 224² and 112², at its real spatial
// size, kernel, stride and padding (few channels, so the reference stays
// cheap): conv2plus1d on wasm, forward and the gradients for the input, the
// spatial and the temporal filter, against tfjs's Conv3D on the cpu backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import type { Tensor1D, Tensor4D, Tensor5D } from '../../src/engine/tf.js';
import { initBackend } from '../../src/engine/backends.js';
import { maxRelativeError } from '../../src/engine/check.js';
import { conv2plus1d } from '../../src/engine/conv2plus1d.js';
import { planAlexNet2Plus1D } from '../../src/models/alexnet-2plus1d.js';
import { randomArray } from './random-arrays.js';

const TOLERANCE = 1e-4;
const KT = 3;



interface ConvCase {
  label: string;
  b: number;
  t: number;
  size: number;
  kernel: number;
  stride: number;
  pad: number;
  cin: number;
  mid: number;
  cout: number;
}

interface CaseData {
  x: Float32Array;
  ws: Float32Array;
  bs: Float32Array;
  wt: Float32Array;
  bt: Float32Array;
  /** Upstream gradient: the loss is Σ y·g, so its gradient w.r.t. y is g. */
  g: Float32Array;
  outSize: number;
}

interface Result {
  y: Float32Array;
  dx: Float32Array;
  dws: Float32Array;
  dwt: Float32Array;
}

function makeData(c: ConvCase, seed: number): CaseData {
  const outSize = Math.floor((c.size + 2 * c.pad - c.kernel) / c.stride) + 1;
  const fanS = c.kernel * c.kernel * c.cin;
  return {
    x: randomArray(c.b * c.t * c.size * c.size * c.cin, seed, 2),
    ws: randomArray(c.kernel * c.kernel * c.cin * c.mid, seed + 1, 2 / Math.sqrt(fanS)),
    bs: randomArray(c.mid, seed + 2, 0.2),
    wt: randomArray(KT * c.mid * c.cout, seed + 3, 2 / Math.sqrt(KT * c.mid)),
    bt: randomArray(c.cout, seed + 4, 0.2),
    g: randomArray(c.b * c.t * outSize * outSize * c.cout, seed + 5, 2),
    outSize,
  };
}

interface Params {
  x: Tensor5D;
  ws: Tensor4D;
  bs: Tensor1D;
  wt: Tensor4D;
  bt: Tensor1D;
  g: Tensor5D;
}

function params(c: ConvCase, d: CaseData): Params {
  return {
    x: tf.tensor5d(d.x, [c.b, c.t, c.size, c.size, c.cin]),
    ws: tf.tensor4d(d.ws, [c.kernel, c.kernel, c.cin, c.mid]),
    bs: tf.tensor1d(d.bs),
    wt: tf.tensor4d(d.wt, [KT, 1, c.mid, c.cout]),
    bt: tf.tensor1d(d.bt),
    g: tf.tensor5d(d.g, [c.b, c.t, d.outSize, d.outSize, c.cout]),
  };
}

/** The (2+1)D block as a user of tfjs would write it: explicit tf.pad, then two Conv3Ds. */
function conv3dReference(c: ConvCase, x: Tensor5D, ws: Tensor4D, bs: Tensor1D, wt: Tensor4D, bt: Tensor1D): Tensor5D {
  const p = c.pad;
  const padded = tf.pad(x, [[0, 0], [0, 0], [p, p], [p, p], [0, 0]]);
  const spatial = tf.reshape(ws, [1, c.kernel, c.kernel, c.cin, c.mid]) as tf.Tensor5D;
  const mid = tf.relu(tf.add(tf.conv3d(padded, spatial, [1, c.stride, c.stride], 'valid'), bs)) as Tensor5D;
  const temporal = tf.reshape(wt, [KT, 1, 1, c.mid, c.cout]) as tf.Tensor5D;
  return tf.add(tf.conv3d(mid, temporal, [1, 1, 1], 'same'), bt) as Tensor5D;
}

function conv2plus1dUnderTest(c: ConvCase, x: Tensor5D, ws: Tensor4D, bs: Tensor1D, wt: Tensor4D, bt: Tensor1D): Tensor5D {
  return conv2plus1d(x, {
    spatial: { filter: ws, bias: bs, strides: c.stride, padding: [[c.pad, c.pad], [c.pad, c.pad]] },
    temporal: { filter: wt, bias: bt, padding: 'same' },
  });
}

type Impl = typeof conv2plus1dUnderTest;

function run(c: ConvCase, d: CaseData, impl: Impl): Result {
  return tf.tidy(() => {
    const p = params(c, d);
    const y = impl(c, p.x, p.ws, p.bs, p.wt, p.bt);
    assert.deepEqual(y.shape, [c.b, c.t, d.outSize, d.outSize, c.cout], `${c.label}: output shape`);
    const loss = (x: tf.Tensor, ws: tf.Tensor, wt: tf.Tensor) =>
      tf.sum(tf.mul(impl(c, x as Tensor5D, ws as Tensor4D, p.bs, wt as Tensor4D, p.bt), p.g));
    const [dx, dws, dwt] = tf.grads(loss)([p.x, p.ws, p.wt]);
    return {
      y: y.dataSync() as Float32Array,
      dx: dx!.dataSync() as Float32Array,
      dws: dws!.dataSync() as Float32Array,
      dwt: dwt!.dataSync() as Float32Array,
    };
  });
}

/** The model's conv layers at one input size, with their real geometry and few channels. */
function modelCases(inputSize: number, batch: number): ConvCase[] {
  const plan = planAlexNet2Plus1D({ inputSize });
  return plan.convs.map((l, i) => ({
    label: `${inputSize}² ${l.name} (${l.inSize}² k${l.kernel} /${l.stride} pad ${l.pad} → ${l.convSize}²)`,
    b: batch,
    t: 5,
    size: l.inSize,
    kernel: l.kernel,
    stride: l.stride,
    pad: l.pad,
    cin: i === 0 ? 3 : 4,
    mid: 6,
    cout: 5,
  }));
}

function checkParity(cases: ConvCase[], seed: number): Promise<void> {
  return (async () => {
    const data = cases.map((c, i) => makeData(c, seed + 10 * i));
    await initBackend('cpu');
    const want = cases.map((c, i) => run(c, data[i]!, conv3dReference));
    await initBackend('wasm');
    run(cases[0]!, data[0]!, conv2plus1dUnderTest); // warm-up outside the leak count
    const before = tf.memory();
    const got = cases.map((c, i) => run(c, data[i]!, conv2plus1dUnderTest));
    const after = tf.memory();
    assert.equal(after.numTensors, before.numTensors, 'tensors leaked');
    assert.equal(after.numDataBuffers, before.numDataBuffers, 'wasm data buffers leaked');
    cases.forEach((c, i) => {
      for (const key of ['y', 'dx', 'dws', 'dwt'] as const) {
        const err = maxRelativeError(got[i]![key], want[i]![key]);
        assert.ok(err <= TOLERANCE, `${c.label}: ${key} relative error ${err.toExponential(2)} > ${TOLERANCE}`);
      }
    });
  })();
}

test('the plan has the conv geometry this test assumes', () => {
  const sizes = (n: number) => planAlexNet2Plus1D({ inputSize: n }).convs.map((l) => [l.inSize, l.kernel, l.stride, l.pad, l.convSize]);
  assert.deepEqual(sizes(224), [[224, 11, 4, 2, 55], [27, 5, 1, 2, 27], [13, 3, 1, 1, 13], [13, 3, 1, 1, 13], [13, 3, 1, 1, 13]]);
  assert.deepEqual(sizes(112), [[112, 11, 4, 2, 27], [13, 5, 1, 2, 13], [6, 3, 1, 1, 6], [6, 3, 1, 1, 6], [6, 3, 1, 1, 6]]);
});

test('AlexNet-(2+1)D convs at 112²: conv2plus1d on wasm matches Conv3D on cpu (forward and 3 gradients)', async () => {
  await checkParity(modelCases(112, 2), 1000);
});

test('AlexNet-(2+1)D convs at 224²: conv2plus1d on wasm matches Conv3D on cpu (forward and 3 gradients)', async () => {
  await checkParity(modelCases(224, 1), 2000);
});

test('short clips, T = 2 and T = 3, where the temporal same-pad touches every frame', async () => {
  const base = modelCases(112, 2);
  const cases = [2, 3].flatMap((t) => [base[0]!, base[1]!].map((c) => ({ ...c, t, label: `${c.label} T=${t}` })));
  await checkParity(cases, 3000);
});

test('the parity check can fail: a wrong temporal padding is caught', async () => {
  const c = modelCases(112, 1)[2]!;
  const d = makeData(c, 4000);
  const shifted: Impl = (cc, x, ws, bs, wt, bt) =>
    conv2plus1d(x, {
      spatial: { filter: ws, bias: bs, strides: cc.stride, padding: [[cc.pad, cc.pad], [cc.pad, cc.pad]] },
      temporal: { filter: wt, bias: bt, padding: [2, 0] },
    });
  await initBackend('cpu');
  const want = run(c, d, conv3dReference);
  await initBackend('wasm');
  const got = run(c, d, shifted);
  assert.ok(maxRelativeError(got.y, want.y) > 1e-2);
});
