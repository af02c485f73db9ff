// Static int8 quantisation of ONNX graphs (engine/onnx/quantize.ts).
//
// The tolerance of the layer test is derived from the quantisation steps.
// With activation scale s_x (uint8), weight scale s_w[o] (int8, symmetric per
// output channel), bias quantised to s_x·s_w[o] and output scale s_y, and
// inputs inside the calibrated range (they are the calibration inputs):
//   x̂ = x + e_x, |e_x| <= s_x/2;   ŵ = w + e_w, |e_w| <= s_w/2;   |b̂ - b| <= s_x s_w/2.
// The integer convolution is exact (int32), so before requantisation
//   |Σ x̂ŵ + b̂ - (Σ xw + b)| <= Σ_k (|x_k| s_w/2 + |w_k| s_x/2 + s_x s_w/4) + s_x s_w/2
// (only in-bounds taps count: padding is an exact zero). ReLU is 1-Lipschitz
// and rounding to the output grid adds at most s_y/2 (clamping at the
// calibrated range only moves a value toward the true one). The fp32
// reference and ORT's float requantisation multiplier add rounding of order
// 1e-6 relative; 1e-5 absolute covers both at these magnitudes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrateRanges, createOnnxSession, encodeOnnxModel, int8CalibrationValues, OnnxGraphBuilder, onnxInts, quantizeOnnxInt8, quantizeWeightsPerChannel, uint8Params } from '../../src/engine/onnx/index.js';
import type { OnnxModel } from '../../src/engine/onnx/index.js';
import { tf } from '../../src/engine/tf.js';
import { initBackend } from '../../src/engine/backends.js';
import { createAlexNet2Plus1D } from '../../src/models/alexnet-2plus1d.js';
import { buildModelOnnx } from '../../src/models/alexnet-2plus1d-onnx.js';
import { randomArray } from './random-arrays.js';

test('uint8Params: hand-worked scales and zero points; the range always holds 0', () => {
  assert.deepEqual(uint8Params({ min: -1, max: 3 }), { scale: Math.fround(4 / 255), zeroPoint: 64 }); // 1 / (4/255) = 63.75 → 64
  assert.deepEqual(uint8Params({ min: 0, max: 2.55 }), { scale: Math.fround(0.01), zeroPoint: 0 });
  assert.deepEqual(uint8Params({ min: 0.5, max: 2.55 }), { scale: Math.fround(0.01), zeroPoint: 0 }); // widened to [0, 2.55]
  assert.deepEqual(uint8Params({ min: -2.55, max: -1 }), { scale: Math.fround(0.01), zeroPoint: 255 });
  assert.deepEqual(uint8Params({ min: 0, max: 0 }), { scale: 1, zeroPoint: 0 });
  assert.throws(() => uint8Params({ min: 0, max: Infinity }), /not finite/);
});

test('quantizeWeightsPerChannel: symmetric codes per output channel, the largest at ±weightMax, error at most half a step', () => {
  const w = Float32Array.of(0.5, -0.3, 0.125, 0, /* channel 1 */ -3, 1, 2, 0.001, /* channel 2 */ 0, 0, 0, 0);
  const { codes, scales } = quantizeWeightsPerChannel(w, 3, 63);
  assert.deepEqual([...scales], [Math.fround(0.5 / 63), Math.fround(3 / 63), 1]);
  assert.deepEqual([...codes.slice(0, 4)], [63, -38, 16, 0]); // -0.3·126 = -37.8, 0.125·126 = 15.75
  for (let i = 0; i < w.length; i++) assert.ok(Math.abs(codes[i]! * scales[Math.floor(i / 4)]! - w[i]!) <= scales[Math.floor(i / 4)]! / 2 + 1e-9, `weight ${i}`);
  assert.equal(codes[4], -63);
});

/** x [batch, 3, 9, 9] → Conv 3×3 stride 2 pads 1 (4 out, bias) → Relu → Identity → y. */
function convLayer(w: Float32Array, b: Float32Array): OnnxModel {
  const g = new OnnxGraphBuilder();
  const conv = g.op('Conv', ['x', g.floats('w', [4, 3, 3, 3], w), g.floats('b', [4], b)], { kernel_shape: onnxInts([3, 3]), strides: onnxInts([2, 2]), pads: onnxInts([1, 1, 1, 1]) });
  g.op('Identity', [g.op('Relu', [conv])], {}, 'y');
  return {
    producerName: 'test',
    producerVersion: '',
    graph: { name: 'layer', nodes: g.nodes, initializers: g.initializers, inputs: [{ name: 'x', elemType: 'float', dims: ['batch', 3, 9, 9] }], outputs: [{ name: 'y', elemType: 'float', dims: ['batch', 4, 5, 5] }] },
  };
}

const scalarOf = (m: OnnxModel, suffix: string): Float32Array => {
  const i = m.graph.initializers.find((t) => t.name.endsWith(suffix));
  assert.ok(i, `initializer *${suffix}`);
  return i.data as Float32Array;
};

test('a quantised Conv + ReLU stays within the bound derived from its quantisation steps', async () => {
  const w = randomArray(4 * 3 * 9, 21, 2);
  const b = randomArray(4, 22, 0.5);
  const x = randomArray(2 * 3 * 81, 23, 6); // values in [-3, 3): the input needs a zero point
  const model = convLayer(w, b);
  const values = int8CalibrationValues(model);
  assert.deepEqual(values.sort(), ['relu_1', 'x'].sort());
  const ranges = await calibrateRanges(model, values, [{ data: x, batch: 2 }]);
  const q = quantizeOnnxInt8(model, ranges);
  // Weights and bias are integers now; the float ones are gone.
  assert.ok(q.graph.initializers.some((i) => i.name === 'w.int8' && i.data instanceof Int8Array));
  assert.ok(q.graph.initializers.some((i) => i.name === 'b.int32' && i.data instanceof Int32Array));
  assert.ok(!q.graph.initializers.some((i) => i.name === 'w'));
  const sx = scalarOf(q, 'x.q_scale')[0]!;
  const sy = scalarOf(q, 'relu_1.q_scale')[0]!;
  const sw = scalarOf(q, 'w.int8.scale');
  const io = { input: 'x', outputs: ['y'] as const };
  const f32 = await createOnnxSession(encodeOnnxModel(model), io, { threads: 1 });
  const i8 = await createOnnxSession(encodeOnnxModel(q), io, { threads: 1 });
  try {
    const want = (await f32.run(x, 2)).y;
    const got = (await i8.run(x, 2)).y;
    let worst = 0;
    let worstShare = 0;
    for (let n = 0; n < 2; n++)
      for (let o = 0; o < 4; o++)
        for (let r = 0; r < 5; r++)
          for (let c = 0; c < 5; c++) {
            let terms = 0;
            for (let ci = 0; ci < 3; ci++)
              for (let i = 0; i < 3; i++)
                for (let j = 0; j < 3; j++) {
                  const xr = 2 * r - 1 + i;
                  const xc = 2 * c - 1 + j;
                  if (xr < 0 || xr >= 9 || xc < 0 || xc >= 9) continue;
                  const xv = Math.abs(x[((n * 3 + ci) * 9 + xr) * 9 + xc]!);
                  const wv = Math.abs(w[((o * 3 + ci) * 3 + i) * 3 + j]!);
                  terms += (xv * sw[o]!) / 2 + (wv * sx) / 2 + (sx * sw[o]!) / 4;
                }
            const bound = sy / 2 + terms + (sx * sw[o]!) / 2 + 1e-5;
            const k = ((n * 4 + o) * 5 + r) * 5 + c;
            const err = Math.abs(got[k]! - want[k]!);
            assert.ok(err <= bound, `y[${n},${o},${r},${c}]: |int8 - fp32| = ${err} > derived bound ${bound}`);
            worst = Math.max(worst, err);
            worstShare = Math.max(worstShare, err / bound);
          }
    // Quantisation really happened: errors far above fp32 rounding, yet inside the bound.
    assert.ok(worst > 1e-3, `largest error ${worst}: the graph ran in float`);
    assert.ok(worstShare < 1);
  } finally {
    await f32.dispose();
    await i8.dispose();
  }
});

test('the quantised AlexNet-(2+1)D graph: every Conv on int8 weights, outputs unchanged in name and close in value', async () => {
  await initBackend('cpu');
  const before = tf.memory().numTensors;
  const net = createAlexNet2Plus1D({ inputSize: 63, frames: 3, widthMultiplier: 0.125, embeddingSize: 16, seed: 3, norm: 'batch' });
  const model = buildModelOnnx(net, randomArray(16, 4));
  net.dispose();
  assert.equal(tf.memory().numTensors, before);
  const per = 3 * 63 * 63 * 3;
  const clips = Float32Array.from(randomArray(4 * per, 5, 2)); // standardised clips: about unit spread
  const ranges = await calibrateRanges(model, int8CalibrationValues(model), [{ data: clips, batch: 4 }]);
  const q = quantizeOnnxInt8(model, ranges);
  const convs = q.graph.nodes.filter((n) => n.opType === 'Conv');
  assert.equal(convs.length, 10);
  const producer = new Map(q.graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  for (const c of convs) {
    assert.equal(producer.get(c.inputs[0]!)?.opType, 'DequantizeLinear', `${c.name} input`);
    const wdq = producer.get(c.inputs[1]!)!;
    assert.equal(wdq.opType, 'DequantizeLinear');
    assert.ok(q.graph.initializers.find((i) => i.name === wdq.inputs[0])?.data instanceof Int8Array);
  }
  assert.deepEqual(q.graph.outputs, model.graph.outputs);
  const io = { input: 'clip', outputs: ['embedding', 'liveScore'] as const };
  const f32 = await createOnnxSession(encodeOnnxModel(model), io, { threads: 1 });
  const i8 = await createOnnxSession(encodeOnnxModel(q), io, { threads: 1 });
  try {
    const a = await f32.run(clips, 4);
    const b = await i8.run(clips, 4);
    // A sanity check, not the derived bound (that is the layer test's): ten quantised layers keep the embedding's direction.
    for (let n = 0; n < 4; n++) {
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let d = 0; d < 16; d++) {
        const u = a.embedding[n * 16 + d]!;
        const v = b.embedding[n * 16 + d]!;
        dot += u * v;
        na += u * u;
        nb += v * v;
      }
      assert.ok(dot / Math.sqrt(na * nb) > 0.99, `clip ${n}: cosine(int8, fp32) = ${dot / Math.sqrt(na * nb)}`);
      assert.ok(Math.abs(a.liveScore[n]! - b.liveScore[n]!) < 0.05, `clip ${n}: liveScore ${a.liveScore[n]} vs ${b.liveScore[n]}`);
    }
  } finally {
    await f32.dispose();
    await i8.dispose();
  }
});

test('calibration and quantisation refuse what they cannot do', async () => {
  const model = convLayer(randomArray(108, 1), randomArray(4, 2));
  await assert.rejects(calibrateRanges(model, ['x'], []), /no calibration inputs/);
  await assert.rejects(calibrateRanges(model, ['x'], [{ data: new Float32Array(5), batch: 1 }]), /needs 243 values, got 5/);
  assert.throws(() => quantizeOnnxInt8(model, new Map()), /no calibration range for/);
});
