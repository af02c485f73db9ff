import { test } from 'node:test';
import assert from 'node:assert/strict';
import { standardizeClips, standardizeFrameValues, standardizeFrames, initBackend, tf, createSeededRandom, ShapeError } from '../../src/index.js';
import type { Tensor5D } from '../../src/index.js';

function randomClip(t: number, side: number, seed: number, flat = false) {
  const rng = createSeededRandom(seed);
  return { width: side, height: side, frames: Array.from({ length: t }, () => Uint8Array.from({ length: side * side * 3 }, () => (flat ? 77 : rng.int(0, 256)))) };
}

test('array standardisation equals the tensor one (standardizeFrames)', async () => {
  await initBackend('cpu');
  const clips = [randomClip(3, 9, 1), randomClip(3, 9, 2), randomClip(3, 9, 3, true)];
  const raw = new Float32Array(clips.flatMap((c) => c.frames.flatMap((f) => Array.from(f))));
  const want = tf.tidy(() => standardizeFrames(tf.tensor5d(raw, [3, 3, 9, 9, 3]) as Tensor5D).dataSync() as Float32Array);
  const got = standardizeClips(clips);
  assert.equal(got.length, want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  assert.ok(worst < 1e-4, `max difference ${worst}`);
  // A flat frame becomes zeros, not NaN.
  assert.ok(got.subarray(2 * 3 * 243).every((v) => v === 0));
});

test('each frame has mean 0 and variance 1 (worked independently)', () => {
  const out = standardizeClips([randomClip(2, 5, 9)]);
  for (let f = 0; f < 2; f++) {
    const frame = out.subarray(f * 75, (f + 1) * 75);
    const mean = frame.reduce((a, b) => a + b, 0) / 75;
    const variance = frame.reduce((a, b) => a + (b - mean) ** 2, 0) / 75;
    assert.ok(Math.abs(mean) < 1e-5);
    assert.ok(Math.abs(variance - 1) < 1e-4);
  }
});

test('mismatched clips are a ShapeError naming the clip', () => {
  assert.throws(() => standardizeClips([randomClip(2, 5, 1), randomClip(3, 5, 1)]), (e: unknown) => e instanceof ShapeError && /clips\[1\]/.test(e.message));
  assert.throws(() => standardizeClips([]), ShapeError);
});

test('standardizeFrameValues is standardizeClips for frames of any range, to the bit', async () => {
  const clips = [randomClip(2, 7, 4), randomClip(2, 7, 5, true)];
  const bytes = Float64Array.from(clips.flatMap((c) => c.frames.flatMap((f) => Array.from(f))));
  assert.deepEqual(standardizeFrameValues(bytes, 7 * 7 * 3), standardizeClips(clips));
  // Scaling a frame's values does not change its standardised form (up to rounding).
  const scaled = standardizeFrameValues(bytes.map((v) => v / 255), 147);
  const plain = standardizeClips(clips);
  for (let i = 0; i < plain.length; i++) assert.ok(Math.abs(scaled[i]! - plain[i]!) < 1e-5);
  assert.throws(() => standardizeFrameValues(new Float32Array(10), 3), (e: unknown) => e instanceof ShapeError && /not whole frames of 3/.test(e.message));
});
