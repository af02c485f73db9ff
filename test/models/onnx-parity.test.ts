// tfjs (cpu and wasm) against ONNX Runtime on the exported AlexNet-(2+1)D:
// the same weights must give the same embedding and liveScore to 1e-4
// (relative to the largest |value|), for every clip length and both input
// sizes, batch 1 and 3, in both graph forms, for the paper's network and for
// the BatchNorm one (BN folded into the convolutions, running statistics),
// with and without the flow branch; plus the exported file's structure and
// the errors of the export and the session.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import type { Tensor2D, Tensor5D } from '../../src/engine/tf.js';
import { initBackend } from '../../src/engine/backends.js';
import { maxRelativeError } from '../../src/engine/check.js';
import { decodeOnnxModel } from '../../src/engine/onnx/index.js';
import { createAlexNet2Plus1D } from '../../src/models/alexnet-2plus1d.js';
import type { AlexNet2Plus1D, ModelNorm } from '../../src/models/alexnet-2plus1d.js';
import { exportModelOnnx, openClipSession } from '../../src/models/alexnet-2plus1d-onnx.js';
import type { OnnxGraphForm, OnnxScores } from '../../src/models/alexnet-2plus1d-onnx.js';
import { InputError, ShapeError } from '../../src/errors.js';

const TOLERANCE = 1e-4;
const TINY = { widthMultiplier: 0.0625, fcWidth: 64, embeddingSize: 16 };

interface Case {
  frames: number;
  size: number;
  form: OnnxGraphForm;
  /** With the FlowNetS branch (frames 1 and T through its encoder, joined at fc6). */
  flow?: boolean;
  norm: ModelNorm;
}

const CASES: Case[] = [
  { frames: 2, size: 112, form: '2d', norm: 'none' },
  { frames: 3, size: 112, form: '2d', norm: 'none' },
  { frames: 5, size: 112, form: '2d', norm: 'none' },
  { frames: 2, size: 224, form: '2d', norm: 'none' },
  { frames: 5, size: 112, form: '3d', norm: 'none' },
  { frames: 3, size: 112, form: '2d', flow: true, norm: 'none' },
  { frames: 5, size: 112, form: '3d', flow: true, norm: 'none' },
  { frames: 5, size: 112, form: '2d', norm: 'batch' },
  { frames: 3, size: 112, form: '3d', norm: 'batch' },
  { frames: 3, size: 112, form: '2d', flow: true, norm: 'batch' },
];
const BATCHES = [1, 3];

/**
 * Non-zero biases and He-scaled weights, so every layer's output depends on
 * the clip; BatchNorm scales and shifts away from 1 and 0, and running
 * statistics those of a calibration batch (as a trained network's would be),
 * so the folding is exercised on realistic values.
 */
function randomise(model: AlexNet2Plus1D, seed: number): void {
  let s = seed;
  for (const [name, v] of model.variables) {
    const fanIn = v.shape.slice(0, -1).reduce((n, d) => n * d, 1);
    tf.tidy(() => {
      if (name.endsWith('.bn.weight')) v.assign(tf.randomUniform(v.shape, 0.5, 2, 'float32', s++));
      else if (name.endsWith('.bias')) v.assign(tf.randomUniform(v.shape, -0.2, 0.2, 'float32', s++));
      else v.assign(tf.randomNormal(v.shape, 0, Math.sqrt(2 / Math.max(1, fanIn)), 'float32', s++));
    });
  }
  if (model.buffers.size === 0) return;
  // A training forward from zeroed estimates leaves momentum (0.1) × the batch statistics in them.
  model.buffers.forEach((b) => b.assign(tf.zerosLike(b)));
  const { frames, inputSize } = model.plan.config;
  tf.tidy(() => {
    model.forward(tf.randomNormal([4, frames, inputSize, inputSize, 3], 0, 1, 'float32', s++) as Tensor5D, { training: true });
    model.buffers.forEach((b) => b.assign(tf.mul(b, 10)));
  });
}

function prototypeFor(size: number): number[] {
  return Array.from({ length: size }, (_, i) => Math.sin(1.7 * i + 0.3));
}

/** Reference cosine, computed independently in float64 from the tfjs embedding. */
function cosineScores(embedding: Float32Array, batch: number, prototype: number[]): Float32Array {
  const d = prototype.length;
  const pn = Math.hypot(...prototype);
  return Float32Array.from({ length: batch }, (_, b) => {
    let dot = 0;
    let sq = 0;
    for (let i = 0; i < d; i++) {
      dot += embedding[b * d + i]! * prototype[i]!;
      sq += embedding[b * d + i]! ** 2;
    }
    return dot / (Math.sqrt(sq) * pn);
  });
}

function clipData(batch: number, c: Case, seed: number): Float32Array {
  return tf.tidy(() => tf.randomNormal([batch, c.frames, c.size, c.size, 3], 0, 1, 'float32', seed).dataSync() as Float32Array);
}

function tfjsScores(model: AlexNet2Plus1D, clip: Float32Array, batch: number, c: Case): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor(clip, [batch, c.frames, c.size, c.size, 3]) as Tensor5D;
    return (model.forward(x) as Tensor2D).dataSync() as Float32Array;
  });
}

before(async () => {
  await initBackend('cpu');
});

for (const c of CASES) {
  test(`tfjs cpu and wasm match ONNX Runtime: T=${c.frames}, ${c.size}², ${c.form} form${c.flow ? ', flow branch' : ''}, norm ${c.norm}, batch ${BATCHES.join(' and ')}`, async (t) => {
    await initBackend('cpu');
    let worst = 0;
    const model = createAlexNet2Plus1D({ ...TINY, frames: c.frames, inputSize: c.size, seed: c.frames, flowBranch: c.flow ?? false, norm: c.norm });
    const prototype = prototypeFor(TINY.embeddingSize);
    try {
      randomise(model, 100 * c.frames + c.size);
      const session = await openClipSession(exportModelOnnx(model, prototype, { form: c.form }), { threads: 1 });
      try {
        for (const batch of BATCHES) {
          const clip = clipData(batch, c, batch + c.frames);
          const onnx: OnnxScores = await session.run(clip, batch);
          assert.equal(onnx.embedding.length, batch * TINY.embeddingSize);
          assert.equal(onnx.liveScore.length, batch);
          for (const backend of ['cpu', 'wasm'] as const) {
            await initBackend(backend);
            const start = tf.memory().numTensors;
            const embedding = tfjsScores(model, clip, batch, c);
            assert.equal(tf.memory().numTensors, start, `${backend}: no tensor leaks`);
            const liveScore = cosineScores(embedding, batch, prototype);
            const errE = maxRelativeError(onnx.embedding, embedding);
            const errS = maxRelativeError(onnx.liveScore, liveScore);
            worst = Math.max(worst, errE, errS);
            assert.ok(errE <= TOLERANCE, `${backend} batch ${batch}: embedding relative error ${errE}`);
            assert.ok(errS <= TOLERANCE, `${backend} batch ${batch}: liveScore relative error ${errS}`);
          }
          await initBackend('cpu');
          if (batch > 1) {
            // The clips must actually give different scores, or parity would prove little.
            const spread = Math.max(...onnx.liveScore) - Math.min(...onnx.liveScore);
            assert.ok(spread > 1e-3, `liveScore varies across the batch (spread ${spread})`);
          }
          for (const s of onnx.liveScore) assert.ok(s >= -1 - 1e-6 && s <= 1 + 1e-6, `cosine in [-1, 1], got ${s}`);
        }
      } finally {
        await session.dispose();
      }
    } finally {
      model.dispose();
    }
    t.diagnostic(`largest relative error ${worst.toExponential(2)}`);
  });
}

test('the exported file is standard ONNX: IR 8, opset 17, dynamic batch, plain ops, int64 shapes, metadata', () => {
  const model = createAlexNet2Plus1D({ ...TINY, frames: 3, inputSize: 112 });
  try {
    for (const form of ['2d', '3d'] as const) {
      const decoded = decodeOnnxModel(exportModelOnnx(model, prototypeFor(16), { form, metadata: { 'vidpad.weightsSha256': 'abc' } }));
      assert.equal(decoded.irVersion, 8);
      assert.deepEqual(decoded.opsets, [{ domain: '', version: 17 }]);
      assert.equal(decoded.producerName, 'vidpad');
      assert.deepEqual(decoded.graph.inputs, [{ name: 'clip', elemType: 1, dims: ['batch', 3, 112, 112, 3] }]);
      assert.deepEqual(decoded.graph.outputs, [
        { name: 'embedding', elemType: 1, dims: ['batch', 16] },
        { name: 'liveScore', elemType: 1, dims: ['batch'] },
      ]);
      const allowed = new Set(['Transpose', 'Reshape', 'Conv', 'Relu', 'MaxPool', 'ReduceMean', 'Flatten', 'Gemm', 'ReduceL2', 'Max', 'Div', 'MatMul']);
      for (const n of decoded.graph.nodes) assert.ok(allowed.has(n.opType), `unexpected op ${n.opType}`);
      assert.equal(decoded.graph.nodes.filter((n) => n.opType === 'Conv').length, 10);
      assert.equal(decoded.graph.nodes.filter((n) => n.opType === 'MaxPool').length, 3);
      const conv1 = decoded.graph.initializers.find((i) => i.name === 'conv1.spatial.weight')!;
      const mid = model.plan.convs[0]!.midChannels;
      assert.deepEqual(conv1.dims, form === '2d' ? [mid, 3, 11, 11] : [mid, 3, 1, 11, 11]);
      assert.equal(conv1.byteLength, mid * 3 * 121 * 4);
      for (const i of decoded.graph.initializers.filter((x) => x.name.startsWith('shape_'))) assert.equal(i.elemType, 7, `${i.name} is int64`);
      // T = 3 with a 3-frame kernel: one frame of padding at each end.
      const temporal = decoded.graph.nodes.find((n) => n.opType === 'Conv' && n.inputs[1] === 'conv2.temporal.weight')!;
      assert.deepEqual(temporal.attributes.pads, form === '2d' ? [1, 0, 1, 0] : [1, 0, 0, 1, 0, 0]);
      assert.equal(decoded.metadata['vidpad.weightsSha256'], 'abc');
      assert.equal(decoded.metadata['vidpad.graphForm'], form);
      // The default network's BatchNorms are folded into the convolutions: no BatchNormalization node above.
      assert.equal(model.plan.config.norm, 'batch');
      assert.match(decoded.metadata['vidpad.norm'] ?? '', /^batch \(folded/);
    }
  } finally {
    model.dispose();
  }
});

test('export refuses a prototype of the wrong length, with a non-finite value or all zeros', () => {
  const model = createAlexNet2Plus1D({ ...TINY, frames: 2, inputSize: 112 });
  try {
    assert.throws(() => exportModelOnnx(model, [1, 2, 3]), (e: unknown) => e instanceof ShapeError && /3 values, expected the embedding size 16/.test(e.message));
    assert.throws(() => exportModelOnnx(model, [...prototypeFor(15), NaN]), (e: unknown) => e instanceof ShapeError && /value 15 is NaN/.test(e.message));
    assert.throws(() => exportModelOnnx(model, new Array(16).fill(0)), /all zeros/);
  } finally {
    model.dispose();
  }
});

test('the session checks its input and refuses files that are not a vidpad ONNX model', async () => {
  const model = createAlexNet2Plus1D({ ...TINY, frames: 2, inputSize: 112 });
  const bytes = exportModelOnnx(model, prototypeFor(16));
  model.dispose();
  const session = await openClipSession(bytes, { threads: 2 });
  try {
    assert.deepEqual(session.clipShape, [2, 112, 112, 3]);
    assert.equal(session.embeddingSize, 16);
    assert.equal(session.threads, 2);
    await assert.rejects(session.run(new Float32Array(10), 1), (e: unknown) => e instanceof ShapeError && /expected \[1, 2, 112, 112, 3\] = 75264 values, got 10/.test(e.message));
    await assert.rejects(session.run(new Float32Array(75264), 0), ShapeError);
  } finally {
    await session.dispose();
  }
  await assert.rejects(openClipSession(bytes.subarray(0, bytes.length >> 1)), InputError);
  await assert.rejects(openClipSession(new TextEncoder().encode('not an onnx file')), InputError);
  await assert.rejects(openClipSession('/nonexistent/model.onnx'), (e: unknown) => e instanceof InputError && e.message.includes('/nonexistent/model.onnx'));
  await assert.rejects(openClipSession(bytes, { threads: 0 }), /onnx.threads/);
  assert.throws(() => decodeOnnxModel(bytes.subarray(0, 100)), InputError);
});
