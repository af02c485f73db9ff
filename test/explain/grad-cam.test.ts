/**
 * Grad-CAM: the channel weights and maps against a finite-difference
 * reference; maps finite and non-negative; on a network built so that only
 * one region of the input can move the score, the map's peak lies in that
 * region; targets; upsampling against a hand-worked case; drawing; no tensor
 * leaks; and `vidpad explain` / `vidpad predict --cam` writing strips and an
 * index page.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import {
  camIndexHtml,
  clipHeatmaps,
  clipStrip,
  cosineToPrototypeTarget,
  createAlexNet2Plus1D,
  gradCam,
  heatColour,
  initBackend,
  liveScores,
  logitTarget,
  overlayHeatmap,
  tf,
  upsampleMap,
} from '../../src/index.js';
import type { CamTarget, Tensor1D, Tensor2D, Tensor5D } from '../../src/index.js';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../helpers/capture-io.js';
import { mulberry32 } from '../helpers/seeded-random.js';
import { FIXTURE_SIZE, liveFrames, randomModelFolder } from '../predict/fixtures.js';

let dir: string;
before(async () => {
  await initBackend('cpu');
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-cam-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function randomClip(seed: number, frames: number, size: number): Tensor5D {
  const rand = mulberry32(seed);
  return tf.tensor5d(Float32Array.from({ length: frames * size * size * 3 }, () => rand() * 2 - 1), [1, frames, size, size, 3]);
}

describe('gradCam', () => {
  it('matches a finite-difference reference for the weights and the maps', () => {
    const net = createAlexNet2Plus1D({ frames: 2, inputSize: 64, widthMultiplier: 0.0625, fcWidth: 64, embeddingSize: 8, dropoutRate: 0, seed: 4 });
    const prototype = Float32Array.from({ length: 8 }, (_, i) => Math.sin(i + 1));
    const target = cosineToPrototypeTarget(prototype);
    const x = randomClip(1, 2, 64);
    try {
      const cam = gradCam(net, x, target);
      const features = net.forwardFeatures(x);
      const [, t, h, w, c] = features.shape;
      const a = features.dataSync() as Float32Array;
      const f = (values: Float32Array) => tf.tidy(() => target(net.forwardHead(tf.tensor5d(values, features.shape), { training: false })).dataSync()[0]!);
      const eps = 1e-2;
      const grad = new Float64Array(a.length);
      for (let i = 0; i < a.length; i++) {
        const up = Float32Array.from(a);
        const down = Float32Array.from(a);
        up[i]! += eps;
        down[i]! -= eps;
        grad[i] = (f(up) - f(down)) / (2 * eps);
      }
      features.dispose();
      const alpha = new Float64Array(c);
      for (let i = 0; i < a.length; i++) alpha[i % c]! += grad[i]! / (t * h * w);
      for (let k = 0; k < c; k++) assert.ok(Math.abs(cam.weights[k]! - alpha[k]!) < 2e-3 + 2e-2 * Math.abs(alpha[k]!), `α[${k}]: ${cam.weights[k]} vs ${alpha[k]}`);
      for (let p = 0; p < t * h * w; p++) {
        let s = 0;
        for (let k = 0; k < c; k++) s += alpha[k]! * a[p * c + k]!;
        const ref = Math.max(0, s);
        assert.ok(Math.abs(cam.maps[p]! - ref) < 2e-3 + 2e-2 * ref, `map[${p}]: ${cam.maps[p]} vs ${ref}`);
      }
      assert.deepEqual(cam.shape, [1, t, h, w]);
      assert.ok(Math.abs(cam.targets[0]! - tf.tidy(() => liveScores(net.forward(x), prototype).dataSync()[0]!)) < 1e-6, 'the target value is the live score');
    } finally {
      x.dispose();
      net.dispose();
    }
  });

  it('gives finite, non-negative maps, for batches too, and leaks no tensors', () => {
    const net = createAlexNet2Plus1D({ frames: 3, inputSize: 64, widthMultiplier: 0.0625, fcWidth: 32, embeddingSize: 4, seed: 7 });
    const before = tf.memory().numTensors;
    for (let seed = 0; seed < 4; seed++) {
      const x = tf.tidy(() => tf.concat([randomClip(seed, 3, 64), randomClip(seed + 10, 3, 64)]) as Tensor5D);
      const cam = gradCam(net, x, cosineToPrototypeTarget([1, -1, 0.5, 2]));
      x.dispose();
      assert.equal(cam.shape[0], 2);
      for (const v of cam.maps) assert.ok(Number.isFinite(v) && v >= 0, String(v));
      const heat = clipHeatmaps(cam.maps, 3, cam.shape[2], cam.shape[3], 64);
      for (const m of heat) for (const v of m) assert.ok(v >= 0 && v <= 1 + 1e-6);
    }
    assert.equal(tf.memory().numTensors, before);
    net.dispose();
  });

  it('puts the peak where the only input region that can move the score is', () => {
    const size = 112;
    const net = createAlexNet2Plus1D({ frames: 2, inputSize: size, widthMultiplier: 0.0625, fcWidth: 32, embeddingSize: 4, dropoutRate: 0, seed: 5 });
    try {
      // The first spatial filters sum to zero and no layer has a bias, so a flat region gives zero activations
      // everywhere downstream: only texture registers. fc6 reads only pool5's top-left cell, so only the
      // top-left part of the input can reach the score; dense weights are non-negative and the target is the
      // embedding's sum, so the score rises with what the network sees there.
      const conv1 = net.variables.get('conv1.spatial.weight')!;
      tf.tidy(() => conv1.assign(tf.sub(conv1, tf.mean(conv1, [0, 1], true))));
      const plan = net.plan;
      const pool5 = Math.sqrt(plan.fcInputSize / plan.convs[4]!.outChannels);
      const c5 = plan.convs[4]!.outChannels;
      const fc6 = net.variables.get('fc6.weight')!;
      tf.tidy(() => {
        const rows = fc6.shape[0]!;
        const keep = Float32Array.from({ length: rows }, (_, r) => (r < c5 ? 1 : 0)); // (y, x, c) order: cell (0, 0) is the first c5 rows
        fc6.assign(tf.mul(tf.abs(fc6), tf.reshape(tf.tensor1d(keep), [rows, 1])));
      });
      for (const name of ['fc7.weight', 'embed.weight']) {
        const v = net.variables.get(name)!;
        tf.tidy(() => v.assign(tf.abs(v)));
      }
      assert.equal(pool5, 2);
      const sumTarget: CamTarget = (e: Tensor2D) => tf.sum(e, 1) as Tensor1D;
      const rand = mulberry32(3);
      const data = new Float32Array(2 * size * size * 3);
      // One textured square in the top-left quarter; everything else flat.
      for (let t = 0; t < 2; t++) for (let y = 10; y < 46; y++) for (let x = 12; x < 48; x++) for (let ch = 0; ch < 3; ch++) data[((t * size + y) * size + x) * 3 + ch] = rand() * 2 - 1;
      const clip = tf.tensor5d(data, [1, 2, size, size, 3]);
      const cam = gradCam(net, clip, sumTarget);
      clip.dispose();
      const [, t, h, w] = cam.shape;
      const heat = clipHeatmaps(cam.maps, t, h, w, size);
      let best = -1;
      let at = 0;
      heat[0]!.forEach((v, i) => {
        if (v > best) {
          best = v;
          at = i;
        }
      });
      assert.ok(best > 0, 'the map is not all zero');
      const py = Math.floor(at / size);
      const px = at % size;
      assert.ok(px < size / 2 && py < size / 2, `peak at (${px}, ${py}), expected in the top-left quarter`);
      const mean = (x0: number, y0: number) => {
        let s = 0;
        for (let y = y0; y < y0 + size / 2; y++) for (let x = x0; x < x0 + size / 2; x++) s += heat[0]![y * size + x]!;
        return s;
      };
      assert.ok(mean(0, 0) > 2 * mean(size / 2, size / 2), `top-left ${mean(0, 0)} vs bottom-right ${mean(size / 2, size / 2)}`);
    } finally {
      net.dispose();
    }
  });

  it('explains the live logit of a cross-entropy head', () => {
    const head = { weight: [1, 2, -1, 0.5, 0, 1], bias: [0.1, -0.3], classes: 2 };
    const e = tf.tensor2d([[1, 2, 3], [0, -1, 4]]);
    const logit = logitTarget(head);
    const got = tf.tidy(() => logit(e).dataSync());
    // Column 1 of the [3, 2] weight: (2, 0.5, 1); bias -0.3.
    assert.deepEqual(Array.from(got).map((v) => +v.toFixed(5)), [1 * 2 + 2 * 0.5 + 3 * 1 - 0.3, 0 - 0.5 + 4 - 0.3].map((v) => +v.toFixed(5)));
    e.dispose();
    assert.throws(() => logitTarget(head, 2), /class 2 is not in \[0, 2\)/);
  });
});

describe('Grad-CAM drawing', () => {
  it('upsamples bilinearly with half-pixel centres', () => {
    // 2×2 → 4×4: output centres at source 0-0.25.. clamp to [0, 1].
    const up = upsampleMap([0, 4, 8, 12], 2, 2, 4, 4);
    assert.deepEqual(Array.from(up.slice(0, 4)), [0, 1, 3, 4]);
    assert.deepEqual(Array.from(up.slice(4, 8)), [2, 3, 5, 6]);
    assert.deepEqual(Array.from(up.slice(12, 16)), [8, 9, 11, 12]);
  });

  it('colours 0 to 1 from dark blue to dark red, overlays and lays out the strip', () => {
    assert.deepEqual(heatColour(0), [20, 20, 120]);
    assert.deepEqual(heatColour(1), [190, 0, 0]);
    assert.deepEqual(heatColour(2), heatColour(1));
    const crop = { width: 4, height: 4, data: new Uint8Array(48).fill(100) };
    const o = overlayHeatmap(crop, new Float32Array(16).fill(1));
    assert.deepEqual(Array.from(o.data.slice(0, 3)), [Math.round(0.25 * 100 + 0.75 * 190), Math.round(0.25 * 100), Math.round(0.25 * 100)]);
    const strip = clipStrip([crop, crop, crop], [new Float32Array(16), new Float32Array(16), new Float32Array(16)]);
    assert.deepEqual([strip.width, strip.height], [3 * 4 + 3 * 2 + 12, 2 * 4 + 2]);
    const html = camIndexHtml({ input: 'a<b>.mp4', verdict: 'v', target: 't', entries: [{ image: 'clip-0001.png', frames: [0, 1], score: 0.5 }] });
    assert.match(html, /a&lt;b&gt;\.mp4/);
    assert.match(html, /<img src="clip-0001\.png"/);
  });
});

describe('vidpad explain and predict --cam', { timeout: 300_000 }, () => {
  it('write one PNG strip per clip and an index page', async () => {
    const model = await randomModelFolder(path.join(dir, 'model'), { loss: 'ce' });
    const video = path.join(dir, 'face.mp4');
    await new Promise<void>((resolve, reject) => {
      const child = spawn('ffmpeg', ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${FIXTURE_SIZE.width}x${FIXTURE_SIZE.height}`, '-r', '30', '-i', 'pipe:0', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', video]);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`))));
      for (const f of liveFrames(6, 0, 6)) child.stdin.write(f.rgb);
      child.stdin.end();
    });
    const out = path.join(dir, 'cam');
    let r = captureIo();
    let code = await main(['explain', '--model', model, '--out', out, video], r.io);
    assert.equal(code, 0, r.out.stderr);
    assert.match(r.out.stdout, /3 clip strips → .*index\.html/);
    const files = (await readdir(out)).sort();
    assert.deepEqual(files, ['.vidpad', 'clip-0001.png', 'clip-0002.png', 'clip-0003.png', 'index.html'], 'the strips, the index and the folder marker');
    const png = await readFile(path.join(out, 'clip-0001.png'));
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [2 * 64 + 2 * 2 + 12, 2 * 64 + 2]);
    const html = await readFile(path.join(out, 'index.html'), 'utf8');
    assert.equal((html.match(/<img /g) ?? []).length, 3);
    // A random model without a head: the live score is explained (no logit to explain).
    assert.match(html, /Explained: the live score/);
    r = captureIo();
    code = await main(['predict', '--model', model, '--cam', path.join(dir, 'cams'), video, video], r.io);
    assert.equal(code, 0, r.out.stderr);
    assert.deepEqual((await readdir(path.join(dir, 'cams'))).sort(), ['.vidpad', 'face.mp4', 'face.mp4-2']);
    assert.equal((await readdir(path.join(dir, 'cams', 'face.mp4-2'))).length, 4);
    r = captureIo();
    code = await main(['explain', '--model', model, '--out', path.join(dir, 'attack'), '--target', 'attack-score', video], r.io);
    assert.equal(code, 0, r.out.stderr);
    assert.match(await readFile(path.join(dir, 'attack', 'index.html'), 'utf8'), /Explained: the attack score \(the live score negated/);
    r = captureIo();
    code = await main(['explain', '--model', model, '--out', out, '--target', 'live-logit', video], r.io);
    assert.equal(code, 2); // a configuration value that cannot work, found before any work (docs/reliability.md)
    assert.match(r.out.stderr, /'live-logit' needs a cross-entropy model's head/);
  });
});

