import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initBackend } from '../../src/engine/backends.js';
import { clipsToBatch, standardizeFrames, augmentClip, type ClipPixels } from '../../src/data/index.js';
import { ShapeError } from '../../src/errors.js';

before(async () => {
  await initBackend('cpu');
});

function pseudoFrame(w: number, h: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 31 + seed * 17 + ((i * seed) % 13)) % 256);
}

/** Reference standardisation of one frame in plain JS (float64). */
function reference(frame: Uint8Array): number[] {
  const n = frame.length;
  let mean = 0;
  for (const v of frame) mean += v;
  mean /= n;
  let variance = 0;
  for (const v of frame) variance += (v - mean) ** 2;
  variance /= n;
  const std = Math.max(Math.sqrt(variance), 1 / Math.sqrt(n));
  return Array.from(frame, (v) => (v - mean) / std);
}

test('clipsToBatch gives [B, T, H, W, 3] float32, each frame with mean 0 and variance 1, matching a plain-JS reference', () => {
  const w = 8;
  const h = 6;
  const clips: ClipPixels[] = [0, 1].map((b) => ({ width: w, height: h, frames: [0, 1, 2].map((t) => pseudoFrame(w, h, 1 + b * 3 + t)) }));
  const before = tf.memory().numTensors;
  const batch = clipsToBatch(clips);
  assert.equal(tf.memory().numTensors, before + 1);
  assert.deepEqual(batch.shape, [2, 3, h, w, 3]);
  assert.equal(batch.dtype, 'float32');
  const data = batch.dataSync();
  batch.dispose();
  assert.equal(tf.memory().numTensors, before);
  const per = h * w * 3;
  for (let b = 0; b < 2; b++) {
    for (let t = 0; t < 3; t++) {
      const got = Array.from(data.subarray((b * 3 + t) * per, (b * 3 + t + 1) * per));
      const want = reference(clips[b]!.frames[t]!);
      got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) < 1e-4, `b${b} t${t} i${i}: ${g} vs ${want[i]}`));
      const mean = got.reduce((s, x) => s + x, 0) / per;
      const variance = got.reduce((s, x) => s + (x - mean) ** 2, 0) / per;
      assert.ok(Math.abs(mean) < 1e-5, String(mean));
      assert.ok(Math.abs(variance - 1) < 1e-4, String(variance));
    }
  }
});

test('a flat frame becomes zeros, not NaN; standardizeFrames leaves its input alone and leaks nothing', () => {
  const flat = new Uint8Array(4 * 4 * 3).fill(77);
  const batch = clipsToBatch([{ width: 4, height: 4, frames: [flat, pseudoFrame(4, 4, 2)] }]);
  const d = batch.dataSync();
  assert.ok(Array.from(d.subarray(0, 48)).every((x) => x === 0));
  assert.ok(Array.from(d).every(Number.isFinite));
  batch.dispose();
  const x = tf.tensor5d(Array.from({ length: 2 * 2 * 2 * 3 }, (_, i) => i), [1, 2, 2, 2, 3]);
  const copy = x.dataSync().slice();
  const before = tf.memory().numTensors;
  const y = standardizeFrames(x);
  assert.equal(tf.memory().numTensors, before + 1);
  assert.deepEqual(x.dataSync(), copy);
  // Both frames are 0..11 and 12..23: the same standardised values.
  const yd = y.dataSync();
  for (let i = 0; i < 12; i++) assert.ok(Math.abs(yd[i]! - yd[12 + i]!) < 1e-6);
  x.dispose();
  y.dispose();
  const rank4 = tf.zeros([2, 2, 2, 3]);
  assert.throws(() => standardizeFrames(rank4 as never), ShapeError);
  rank4.dispose();
});

test('an augmented clip stays consistent through standardisation: mirrored frames mirror', () => {
  const w = 5;
  const h = 3;
  const frames = [pseudoFrame(w, h, 4), pseudoFrame(w, h, 5)];
  const flipped = augmentClip(frames, w, h, { flip: true, erase: null });
  const batch = clipsToBatch([{ width: w, height: h, frames }, { width: w, height: h, frames: flipped }]);
  const d = batch.arraySync() as number[][][][][];
  batch.dispose();
  for (let t = 0; t < 2; t++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
    assert.ok(Math.abs(d[0]![t]![y]![x]![c]! - d[1]![t]![y]![w - 1 - x]![c]!) < 1e-5);
  }
});

test('mismatched or empty clips are ShapeErrors naming the clip, and allocate nothing', () => {
  const before = tf.memory().numTensors;
  const f = pseudoFrame(4, 4, 1);
  assert.throws(() => clipsToBatch([]), ShapeError);
  assert.throws(() => clipsToBatch([{ width: 4, height: 4, frames: [] }]), ShapeError);
  assert.throws(() => clipsToBatch([{ width: 4, height: 4, frames: [f, f] }, { width: 4, height: 4, frames: [f] }]), (e: unknown) => e instanceof ShapeError && /clips\[1\]/.test(e.message));
  assert.throws(() => clipsToBatch([{ width: 4, height: 4, frames: [f, new Uint8Array(10)] }]), (e: unknown) => e instanceof ShapeError && /clips\[0\]\.frames\[1\]/.test(e.message));
  assert.equal(tf.memory().numTensors, before);
});
