// FlowNetS: layer sizes and parameter counts against sums written out here,
// the PyTorch-checkpoint name mapping (every name, values at the transposed
// position, round trip), the whole forward pass against a naive float64
// reference that follows PyTorch's conv / ConvTranspose2d / crop_like / cat
// semantics on OIHW weights (plain and BatchNorm checkpoints), clear errors
// for wrong files and inputs, cpu-vs-wasm parity of loss and gradients, and
// no tensor leaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { tf } from '../../src/engine/tf.js';
import type { Tensor4D, Tensor5D } from '../../src/engine/tf.js';
import { initBackend } from '../../src/engine/backends.js';
import { ConfigError, InputError, ShapeError } from '../../src/errors.js';
import { clipFramePair, createFlowNetS, estimateFlowNetSCost, planFlowNetS } from '../../src/models/flownets.js';
import { applyFlowNetSTensors, flowNetSToTorchTensors, loadFlowNetSWeights } from '../../src/models/flownets-weights.js';
import { encodeSafetensors, writeSafetensors } from '../../src/models/safetensors.js';
import type { NamedTensorData } from '../../src/models/safetensors.js';
import { createSeededRandom } from '../../src/data/random.js';
import { withTempDir as withTemp } from '../helpers/temp-dir.js';

// Dosovitskiy et al. 2015, FlowNetSimple: [name, kernel, stride, out channels].
const ENCODER: Array<[string, number, number, number]> = [
  ['conv1', 7, 2, 64],
  ['conv2', 5, 2, 128],
  ['conv3', 5, 2, 256],
  ['conv3_1', 3, 1, 256],
  ['conv4', 3, 2, 512],
  ['conv4_1', 3, 1, 512],
  ['conv5', 3, 2, 512],
  ['conv5_1', 3, 1, 512],
  ['conv6', 3, 2, 1024],
  ['conv6_1', 3, 1, 1024],
];
const WIDTH = 1 / 16;
const ch = (c: number, m = WIDTH) => Math.max(1, Math.round(c * m));

/** Every tensor of the PyTorch `flownets` state dict with its shape (OIHW; ConvTranspose [in, out, kh, kw]), at width m. */
function torchShapes(m: number, bn = false): Map<string, number[]> {
  const out = new Map<string, number[]>();
  let cin = 6;
  for (const [name, k, , c] of ENCODER) {
    out.set(`${name}.0.weight`, [ch(c, m), cin, k, k]);
    if (bn) for (const f of ['weight', 'bias', 'running_mean', 'running_var']) out.set(`${name}.1.${f}`, [ch(c, m)]);
    else out.set(`${name}.0.bias`, [ch(c, m)]);
    cin = ch(c, m);
  }
  const [c2, c3, c4, c5, c6] = [128, 256, 512, 512, 1024].map((c) => ch(c, m)) as [number, number, number, number, number];
  const [d5, d4, d3, d2] = [512, 256, 128, 64].map((c) => ch(c, m)) as [number, number, number, number];
  const cat5 = c5 + d5 + 2;
  const cat4 = c4 + d4 + 2;
  const cat3 = c3 + d3 + 2;
  const cat2 = c2 + d2 + 2;
  out.set('deconv5.0.weight', [c6, d5, 4, 4]);
  out.set('deconv4.0.weight', [cat5, d4, 4, 4]);
  out.set('deconv3.0.weight', [cat4, d3, 4, 4]);
  out.set('deconv2.0.weight', [cat3, d2, 4, 4]);
  out.set('predict_flow6.weight', [2, c6, 3, 3]);
  out.set('predict_flow5.weight', [2, cat5, 3, 3]);
  out.set('predict_flow4.weight', [2, cat4, 3, 3]);
  out.set('predict_flow3.weight', [2, cat3, 3, 3]);
  out.set('predict_flow2.weight', [2, cat2, 3, 3]);
  for (const [a, b] of [[6, 5], [5, 4], [4, 3], [3, 2]]) out.set(`upsampled_flow${a}_to_${b}.weight`, [2, 2, 4, 4]);
  return out;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function randomTensors(shapes: Map<string, number[]>, seed: number): Map<string, NamedTensorData> {
  const rng = createSeededRandom(seed);
  const out = new Map<string, NamedTensorData>();
  for (const [name, shape] of shapes) {
    const fan = shape.length === 4 ? shape[1]! * shape[2]! * shape[3]! : 1;
    const isVar = name.endsWith('running_var');
    const isGamma = name.includes('.1.weight');
    const data = Float32Array.from({ length: size(shape) }, () =>
      isVar ? rng.uniform(0.5, 2) : isGamma ? rng.uniform(0.5, 1.5) : shape.length === 4 ? rng.uniform(-1, 1) * Math.sqrt(3 / fan) : rng.uniform(-0.1, 0.1),
    );
    out.set(name, { shape, data });
  }
  return out;
}

// ---- A naive float64 FlowNetS in PyTorch's NCHW semantics -------------------------------
type Map3 = { c: number; h: number; w: number; d: Float64Array };
const at = (m: Map3, c: number, y: number, x: number) => m.d[(c * m.h + y) * m.w + x]!;

function convRef(x: Map3, w: NamedTensorData, stride: number, pad: number, bias?: Float32Array): Map3 {
  const [co, ci, kh, kw] = w.shape as [number, number, number, number];
  const h = Math.floor((x.h + 2 * pad - kh) / stride) + 1;
  const wd = Math.floor((x.w + 2 * pad - kw) / stride) + 1;
  const d = new Float64Array(co * h * wd);
  for (let o = 0; o < co; o++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < wd; xx++) {
        let s = bias ? bias[o]! : 0;
        for (let i = 0; i < ci; i++)
          for (let a = 0; a < kh; a++) {
            const iy = y * stride - pad + a;
            if (iy < 0 || iy >= x.h) continue;
            for (let b = 0; b < kw; b++) {
              const ix = xx * stride - pad + b;
              if (ix < 0 || ix >= x.w) continue;
              s += at(x, i, iy, ix) * w.data[((o * ci + i) * kh + a) * kw + b]!;
            }
          }
        d[(o * h + y) * wd + xx] = s;
      }
  return { c: co, h, w: wd, d };
}

/** ConvTranspose2d(k=4, s=2, p=1, no bias): every input pixel scatters through the kernel. */
function deconvRef(x: Map3, w: NamedTensorData): Map3 {
  const [ci, co, kh, kw] = w.shape as [number, number, number, number];
  const h = (x.h - 1) * 2 - 2 + kh;
  const wd = (x.w - 1) * 2 - 2 + kw;
  const d = new Float64Array(co * h * wd);
  for (let i = 0; i < ci; i++)
    for (let y = 0; y < x.h; y++)
      for (let xx = 0; xx < x.w; xx++)
        for (let o = 0; o < co; o++)
          for (let a = 0; a < kh; a++)
            for (let b = 0; b < kw; b++) {
              const oy = y * 2 - 1 + a;
              const ox = xx * 2 - 1 + b;
              if (oy < 0 || oy >= h || ox < 0 || ox >= wd) continue;
              d[(o * h + oy) * wd + ox]! += at(x, i, y, xx) * w.data[((i * co + o) * kh + a) * kw + b]!;
            }
  return { c: co, h, w: wd, d };
}

const leaky = (m: Map3): Map3 => ({ ...m, d: m.d.map((v) => (v > 0 ? v : 0.1 * v)) });
const crop = (m: Map3, h: number, w: number): Map3 => {
  const d = new Float64Array(m.c * h * w);
  for (let c = 0; c < m.c; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d[(c * h + y) * w + x] = at(m, c, y, x);
  return { c: m.c, h, w, d };
};
const cat = (...ms: Map3[]): Map3 => ({ c: ms.reduce((s, m) => s + m.c, 0), h: ms[0]!.h, w: ms[0]!.w, d: Float64Array.from(ms.flatMap((m) => [...m.d])) });

/** PyTorch FlowNetS forward (eval mode) on one NCHW image pair; returns [flow2 … flow6] and conv6_1. */
function flowNetSRef(t: Map<string, NamedTensorData>, input: Map3, bn: boolean): { flows: Map3[]; conv6: Map3 } {
  const outs = new Map<string, Map3>();
  let x = input;
  for (const [name, k, s] of ENCODER) {
    if (bn) {
      const y = convRef(x, t.get(`${name}.0.weight`)!, s, (k - 1) / 2);
      const g = t.get(`${name}.1.weight`)!.data;
      const be = t.get(`${name}.1.bias`)!.data;
      const mu = t.get(`${name}.1.running_mean`)!.data;
      const va = t.get(`${name}.1.running_var`)!.data;
      const per = y.h * y.w;
      x = leaky({ ...y, d: y.d.map((v, i) => { const c = Math.floor(i / per); return ((v - mu[c]!) / Math.sqrt(va[c]! + 1e-5)) * g[c]! + be[c]!; }) });
    } else {
      x = leaky(convRef(x, t.get(`${name}.0.weight`)!, s, (k - 1) / 2, t.get(`${name}.0.bias`)!.data));
    }
    outs.set(name, x);
  }
  const conv6 = outs.get('conv6_1')!;
  let feat = conv6;
  let flow = convRef(feat, t.get('predict_flow6.weight')!, 1, 1);
  const flows = [flow];
  for (const [lvl, skip] of [[5, 'conv5_1'], [4, 'conv4_1'], [3, 'conv3_1'], [2, 'conv2']] as const) {
    const target = outs.get(skip)!;
    const up = crop(deconvRef(flow, t.get(`upsampled_flow${lvl + 1}_to_${lvl}.weight`)!), target.h, target.w);
    const dec = crop(leaky(deconvRef(feat, t.get(`deconv${lvl}.0.weight`)!)), target.h, target.w);
    feat = cat(target, dec, up);
    flow = convRef(feat, t.get(`predict_flow${lvl}.weight`)!, 1, 1);
    flows.unshift(flow);
  }
  return { flows, conv6 };
}

/** NHWC tfjs output [1, h, w, c] vs a reference NCHW map: max |difference| / max |reference|. */
function relErr(tensor: tf.Tensor, ref: Map3): number {
  const [, h, w, c] = tensor.shape as [number, number, number, number];
  assert.deepEqual([c, h, w], [ref.c, ref.h, ref.w], 'shape differs from the reference');
  const data = tensor.dataSync();
  let maxDiff = 0;
  let maxRef = 0;
  for (let k = 0; k < c; k++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const r = at(ref, k, y, x);
        maxRef = Math.max(maxRef, Math.abs(r));
        maxDiff = Math.max(maxDiff, Math.abs(data[(y * w + x) * c + k]! - r));
      }
  return maxDiff / Math.max(maxRef, 1e-12);
}

const withTempDir = <T>(body: (dir: string) => Promise<T>): Promise<T> => withTemp('vidpad-flownets-', body);

test('FlowNetS layer sizes at 224² and 112², parameters and FLOPs against sums written out here', async () => {
  await initBackend('cpu');
  const independent = (m: number) => {
    let params = 0;
    let flops224 = 0;
    let cin = 6;
    let s = 224;
    for (const [, k, stride, c] of ENCODER) {
      const co = ch(c, m);
      s = Math.ceil(s / stride);
      params += k * k * cin * co + co;
      flops224 += 2 * k * k * cin * co * s * s;
      cin = co;
    }
    return { params, flops224 };
  };
  assert.equal(independent(1).params, 24_050_752);
  for (const m of [1, 0.25, WIDTH]) {
    const p224 = planFlowNetS({ widthMultiplier: m }, 224);
    const cost = estimateFlowNetSCost(p224);
    assert.equal(cost.encoderParameters, independent(m).params, `encoder parameters at width ${m}`);
    assert.equal(cost.encoderForwardFlops, independent(m).flops224, `encoder FLOPs at width ${m}`);
    assert.deepEqual(p224.encoder.map((l) => l.outSize), [112, 56, 28, 28, 14, 14, 7, 7, 4, 4]);
    assert.deepEqual(planFlowNetS({ widthMultiplier: m }, 112).encoder.map((l) => l.outSize), [56, 28, 14, 14, 7, 7, 4, 4, 2, 2]);
  }
  const full = estimateFlowNetSCost(planFlowNetS({ decoder: true }, 224));
  const decoderByHand = [...torchShapes(1).entries()].filter(([n]) => !n.startsWith('conv')).reduce((s, [, shape]) => s + size(shape), 0);
  assert.equal(full.decoderParameters, decoderByHand);
  assert.equal(full.encoderParameters + full.decoderParameters, 38_675_536);

  // The built variables hold exactly the planned parameters.
  const model = createFlowNetS({ widthMultiplier: WIDTH, decoder: true });
  try {
    const built = [...model.variables.values()].reduce((s, v) => s + v.size, 0);
    const planned = estimateFlowNetSCost(planFlowNetS({ widthMultiplier: WIDTH, decoder: true }, 64));
    assert.equal(built, planned.encoderParameters + planned.decoderParameters);
    assert.equal(built, [...torchShapes(WIDTH).values()].reduce((s, shape) => s + size(shape), 0));
  } finally {
    model.dispose();
  }
});

test('FlowNetS encoder and branch output shapes at 112² and 224² (tiny width), no leaks', async () => {
  await initBackend('cpu');
  const model = createFlowNetS({ widthMultiplier: WIDTH, seed: 1 });
  const before = tf.memory().numTensors;
  try {
    for (const [s, f] of [[112, 2], [224, 4]] as const) {
      const shape = tf.tidy(() => model.forwardEncoder(tf.randomNormal([2, s, s, 6], 0, 1, 'float32', 3) as Tensor4D).shape);
      assert.deepEqual(shape, [2, f, f, ch(1024)]);
    }
    const pooled = tf.tidy(() => {
      const clip = tf.randomNormal([2, 5, 112, 112, 3], 0, 1, 'float32', 4) as Tensor5D;
      const out = model.forwardBranch(clip);
      // The branch is the mean of conv6_1 over frames 1 and T.
      const direct = tf.mean(model.forwardEncoder(clipFramePair(clip)), [1, 2]);
      assert.ok(tf.max(tf.abs(tf.sub(out, direct))).dataSync()[0]! < 1e-6);
      const pair = clipFramePair(clip).dataSync();
      const c = clip.dataSync();
      // Pixel (0, 0) of batch 1: channels 0..2 from frame 0, 3..5 from frame 4.
      const pairAt = (b: number, y: number, x: number, k: number) => pair[((b * 112 + y) * 112 + x) * 6 + k]!;
      const clipAt = (b: number, t: number, y: number, x: number, k: number) => c[((((b * 5 + t) * 112 + y) * 112 + x) * 3) + k]!;
      for (let k = 0; k < 3; k++) {
        assert.equal(pairAt(1, 7, 9, k), clipAt(1, 0, 7, 9, k));
        assert.equal(pairAt(1, 7, 9, k + 3), clipAt(1, 4, 7, 9, k));
      }
      return out.shape;
    });
    assert.deepEqual(pooled, [2, model.outputChannels]);
    assert.equal(model.outputChannels, ch(1024));
    assert.equal(tf.memory().numTensors, before, 'forward passes leaked tensors');
  } finally {
    model.dispose();
  }
});

test('bad inputs and configs fail with typed errors', async () => {
  await initBackend('cpu');
  assert.throws(() => createFlowNetS({ widthMultiplier: 0 }), (e: unknown) => e instanceof ConfigError && e.path === 'flownets.widthMultiplier');
  assert.throws(() => createFlowNetS({ seed: -1 }), (e: unknown) => e instanceof ConfigError && e.path === 'flownets.seed');
  const empty = tf.memory().numTensors;
  createFlowNetS({ widthMultiplier: WIDTH, decoder: true }).dispose();
  assert.equal(tf.memory().numTensors, empty, 'create + dispose left tensors behind');
  const model = createFlowNetS({ widthMultiplier: WIDTH });
  try {
    tf.tidy(() => {
      assert.throws(() => model.forwardEncoder(tf.zeros([1, 64, 64, 3]) as Tensor4D), (e: unknown) => e instanceof ShapeError && /\[B, H, W, 6\].*\[1, 64, 64, 3\]/.test(e.message));
      assert.throws(() => model.forwardFlow(tf.zeros([1, 64, 64, 6]) as Tensor4D), (e: unknown) => e instanceof ShapeError && /decoder/.test(e.message));
      assert.throws(() => model.forwardBranch(tf.zeros([1, 1, 64, 64, 3]) as Tensor5D), (e: unknown) => e instanceof ShapeError && /T >= 2/.test(e.message));
    });
  } finally {
    model.dispose();
  }
});

test('every PyTorch tensor name maps: values land at the transposed position, and export round-trips', async () => {
  await initBackend('cpu');
  await withTempDir(async (dir) => {
    const shapes = torchShapes(WIDTH);
    const tensors = randomTensors(shapes, 11);
    const file = path.join(dir, 'flownets.safetensors');
    await writeSafetensors(file, tensors);
    const model = createFlowNetS({ widthMultiplier: WIDTH, decoder: true });
    try {
      const before = tf.memory().numTensors;
      const { info, report } = await loadFlowNetSWeights(model, file, { strict: true });
      assert.equal(tf.memory().numTensors, before, 'loading leaked tensors');
      const bytes = await import('node:fs/promises').then((fs) => fs.readFile(file));
      assert.equal(info.init, `pretrained:${createHash('sha256').update(bytes).digest('hex')}`);
      assert.equal(info.variant, 'flownets');
      assert.deepEqual([...report.loaded].sort(), [...shapes.keys()].sort());
      assert.deepEqual(report.extra, []);
      assert.deepEqual(report.unused, []);
      for (const [name, t] of tensors) {
        const variable = model.variables.get(name);
        assert.ok(variable, `no variable for ${name}`);
        const got = variable.dataSync();
        if (t.shape.length === 1) {
          assert.deepEqual(Array.from(got), Array.from(t.data), name);
          continue;
        }
        // conv OIHW [o, i, a, b] → HWIO [a, b, i, o]; ConvTranspose [in, out, a, b] → [a, b, out, in]: both tf[a, b, c, d] = torch[d, c, a, b].
        const [d0, d1, d2, d3] = t.shape as [number, number, number, number];
        assert.deepEqual(variable.shape, [d2, d3, d1, d0], `${name}: tfjs shape`);
        for (let i = 0; i < d0; i++)
          for (let j = 0; j < d1; j++)
            for (let a = 0; a < d2; a++)
              for (let b = 0; b < d3; b++) {
                const torchValue = t.data[((i * d1 + j) * d2 + a) * d3 + b]!;
                const tfValue = got[((a * d3 + b) * d1 + j) * d0 + i]!;
                if (tfValue !== torchValue) assert.fail(`${name}[${i}, ${j}, ${a}, ${b}]: ${tfValue} !== ${torchValue}`);
              }
      }
      const back = flowNetSToTorchTensors(model);
      assert.deepEqual([...back.keys()], [...shapes.keys()], 'export names, in state_dict order');
      for (const [name, t] of back) {
        assert.deepEqual(t.shape, tensors.get(name)!.shape, name);
        assert.deepEqual(t.data, tensors.get(name)!.data, name);
      }
      const encoderOnly = flowNetSToTorchTensors(model, 'encoder');
      assert.deepEqual([...encoderOnly.keys()], [...shapes.keys()].filter((n) => n.startsWith('conv')));
    } finally {
      model.dispose();
    }
  });
});

test('loaded weights compute what PyTorch computes: forward pass against a naive NCHW reference, plain and BatchNorm checkpoints', async () => {
  await initBackend('cpu');
  // 40×48 is odd at several scales, so the crops of the decoder are exercised.
  const [H, W] = [40, 48];
  const rng = createSeededRandom(5);
  const nhwc = Float32Array.from({ length: H * W * 6 }, () => rng.uniform(-1, 1));
  const nchw: Map3 = { c: 6, h: H, w: W, d: new Float64Array(6 * H * W) };
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let k = 0; k < 6; k++) nchw.d[(k * H + y) * W + x] = nhwc[(y * W + x) * 6 + k]!;
  for (const bn of [false, true]) {
    const tensors = randomTensors(torchShapes(WIDTH, bn), bn ? 13 : 12);
    const model = createFlowNetS({ widthMultiplier: WIDTH, decoder: true });
    try {
      const report = applyFlowNetSTensors(model, tensors, bn ? 'bn.safetensors' : 'plain.safetensors');
      assert.equal(report.variant, bn ? 'flownets_bn' : 'flownets');
      const ref = flowNetSRef(tensors, nchw, bn);
      tf.tidy(() => {
        const input = tf.tensor4d(nhwc, [1, H, W, 6]);
        const flows = model.forwardFlow(input);
        assert.deepEqual(flows.map((f) => f.shape.slice(1, 3)), [[10, 12], [5, 6], [3, 3], [2, 2], [1, 1]]);
        flows.forEach((f, i) => assert.ok(relErr(f, ref.flows[i]!) < 1e-4, `${bn ? 'bn' : 'plain'}: flow${i + 2} differs from the reference by ${relErr(f, ref.flows[i]!)}`));
        assert.ok(relErr(model.forwardEncoder(input), ref.conv6) < 1e-4, 'conv6_1 differs from the reference');
      });
    } finally {
      model.dispose();
    }
  }
});

test('a wrong, missing or extra tensor gives a clear error or is listed', async () => {
  await initBackend('cpu');
  const model = createFlowNetS({ widthMultiplier: WIDTH, decoder: true });
  const encoder = createFlowNetS({ widthMultiplier: WIDTH });
  try {
    const good = () => randomTensors(torchShapes(WIDTH), 21);
    const expectError = (tensors: Map<string, NamedTensorData>, ...parts: RegExp[]) =>
      assert.throws(
        () => applyFlowNetSTensors(model, tensors, 'bad.safetensors'),
        (e: unknown) => e instanceof InputError && parts.every((p) => p.test(e.message)) && e.message.startsWith('bad.safetensors'),
      );
    const missing = good();
    missing.delete('conv3_1.0.weight');
    expectError(missing, /missing tensor 'conv3_1\.0\.weight'/, new RegExp(`expected shape \\[${ch(256)}, ${ch(256)}, 3, 3\\]`), /OIHW/);
    const missingDecoder = good();
    missingDecoder.delete('upsampled_flow4_to_3.weight');
    expectError(missingDecoder, /missing tensor 'upsampled_flow4_to_3\.weight'/, /\[2, 2, 4, 4\]/);
    const wrong = good();
    wrong.set('conv2.0.weight', { shape: [128, 64, 5, 5], data: new Float32Array(128 * 64 * 25) });
    expectError(wrong, /'conv2\.0\.weight' has shape \[128, 64, 5, 5\]/, new RegExp(`expects \\[${ch(128)}, ${ch(64)}, 5, 5\\]`), /widthMultiplier 0\.0625/);
    const nan = good();
    nan.get('conv1.0.bias')!.data[2] = Number.NaN;
    expectError(nan, /'conv1\.0\.bias' holds a non-finite value/);
    expectError(new Map([['fc.weight', { shape: [1], data: new Float32Array(1) }]]), /not a FlowNetS checkpoint/, /'fc\.weight'/);

    // Nothing changed after the failed loads.
    const probe = model.variables.get('conv1.0.bias')!.dataSync();
    assert.ok(probe.every((v) => v === 0), 'a failed load changed a variable');

    const extra = good();
    extra.set('conv1.0.running_mean', { shape: [4], data: new Float32Array(4) });
    extra.set('head.weight', { shape: [2], data: new Float32Array(2) });
    const report = applyFlowNetSTensors(model, extra, 'extra.safetensors');
    assert.deepEqual(report.extra, ['conv1.0.running_mean', 'head.weight']);
    assert.throws(() => applyFlowNetSTensors(model, extra, 'extra.safetensors', { strict: true }), (e: unknown) => e instanceof InputError && /2 tensor\(s\).*'conv1\.0\.running_mean', 'head\.weight'/.test(e.message));

    // The branch (encoder only) takes a full checkpoint and lists the decoder as unused.
    const branchReport = applyFlowNetSTensors(encoder, good(), 'full.safetensors', { strict: true });
    assert.equal(branchReport.loaded.length, 20);
    assert.ok(branchReport.unused.includes('deconv5.0.weight') && branchReport.unused.includes('predict_flow2.weight'));
    assert.equal(branchReport.unused.length, 13);

    await withTempDir(async (dir) => {
      const notSafetensors = path.join(dir, 'model.pth');
      await writeFile(notSafetensors, Buffer.from('PK\u0003\u0004 a torch zip'));
      await assert.rejects(loadFlowNetSWeights(model, notSafetensors), (e: unknown) => e instanceof InputError && e.message.includes(notSafetensors));
      await assert.rejects(loadFlowNetSWeights(model, path.join(dir, 'absent.safetensors')), (e: unknown) => e instanceof InputError && /no such file/.test(e.message));
      const i64 = path.join(dir, 'bn-with-counter.safetensors');
      const bytes = encodeSafetensors(new Map([['conv1.1.num_batches_tracked', { shape: [1], data: new Float32Array(1) }]]));
      await writeFile(i64, Buffer.from(Buffer.from(bytes).toString('latin1').replace('"F32"', '"I64"'), 'latin1'));
      await assert.rejects(loadFlowNetSWeights(model, i64), (e: unknown) => e instanceof InputError && /num_batches_tracked/.test(e.message));
    });
  } finally {
    model.dispose();
    encoder.dispose();
  }
});

test('cpu and wasm agree on the FlowNetS flow loss and its gradients', async () => {
  const run = async (backend: 'cpu' | 'wasm') => {
    await initBackend(backend);
    const model = createFlowNetS({ widthMultiplier: WIDTH, decoder: true, seed: 7 });
    try {
      const names = [...model.variables.keys()];
      return tf.tidy(() => {
        const pair = tf.randomNormal([2, 64, 64, 6], 0, 1, 'float32', 8) as Tensor4D;
        const { value, grads } = tf.variableGrads(() => {
          const flows = model.forwardFlow(pair);
          return flows.reduce((s, f, i) => tf.add(s, tf.mul(tf.sum(tf.square(f)), i + 1)), tf.scalar(0)) as tf.Scalar;
        });
        return { loss: value.dataSync()[0]!, grads: names.map((n) => Array.from(grads[model.variables.get(n)!.name]!.dataSync())) };
      });
    } finally {
      model.dispose();
    }
  };
  const cpu = await run('cpu');
  const wasm = await run('wasm');
  await initBackend('cpu');
  assert.ok(Math.abs(cpu.loss - wasm.loss) / cpu.loss < 1e-4, `loss: cpu ${cpu.loss}, wasm ${wasm.loss}`);
  cpu.grads.forEach((g, i) => {
    const scale = Math.max(...g.map(Math.abs));
    const diff = Math.max(...g.map((v, j) => Math.abs(v - wasm.grads[i]![j]!)));
    assert.ok(scale > 0, `gradient ${i} is zero`);
    assert.ok(diff / scale < 1e-3, `gradient ${i}: max relative difference ${diff / scale}`);
  });
});
