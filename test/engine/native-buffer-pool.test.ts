// The native backend's output-array pool: arrays are reused only when exactly
// one tensor held them; views, pass-throughs and arrays handed to callers are
// never reused. The pure rules run everywhere; the end-to-end aliasing checks
// need the addon and skip, saying why, without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BufferPool } from '../../src/engine/native/buffer-pool.js';
import { tf } from '../../src/engine/tf.js';
import { initBackend } from '../../src/engine/backends.js';
import { loadNativeAddon } from '../../src/engine/native/addon.js';
import { NativeBackend } from '../../src/engine/native/backend.js';

const load = loadNativeAddon();
const skip = load.ok ? false : `native addon unavailable: ${load.reason}`;

test('an array stored once and released is reused for the next output of its length', () => {
  const pool = new BufferPool(1 << 20);
  const a = pool.take(20000);
  assert.equal(a.length, 20000);
  pool.noteStored(a);
  pool.release(a);
  assert.equal(pool.heldBytes, 80000);
  assert.equal(pool.take(20000), a, 'same length: reused');
  assert.equal(pool.heldBytes, 0);
  assert.notEqual(pool.take(20000), a, 'handed out again only once');
  const b = pool.take(7);
  pool.noteStored(b);
  pool.release(b);
  assert.notEqual(pool.take(8), b, 'another length: not reused');
  b.fill(3);
  assert.deepEqual(Array.from(pool.takeZeroed(7)), new Array(7).fill(0), 'takeZeroed clears a reused array');
});

test('views, second stores, escapes and foreign arrays are never reused', () => {
  const pool = new BufferPool(1 << 24);
  const viewed = pool.take(100);
  pool.noteStored(viewed);
  pool.noteStored(viewed.subarray(10, 20)); // a slice kernel's output
  pool.release(viewed);
  assert.equal(pool.heldBytes, 0);

  const passed = pool.take(100);
  pool.noteStored(passed);
  pool.noteStored(passed); // a kernel returned its input's array as a new tensor
  pool.release(passed);
  assert.equal(pool.heldBytes, 0);

  const escaped = pool.take(100);
  pool.noteStored(escaped);
  pool.noteEscaped(escaped); // dataSync() gave it to a caller
  pool.release(escaped);
  assert.equal(pool.heldBytes, 0);

  const foreign = new Float32Array(100);
  pool.noteStored(foreign);
  pool.release(foreign);
  assert.equal(pool.heldBytes, 0);

  const neverStored = pool.take(100);
  pool.release(neverStored);
  assert.equal(pool.heldBytes, 0);
});

test('the pool keeps no more than its capacity', () => {
  const pool = new BufferPool(100_000);
  const arrays = [pool.take(20000), pool.take(20000)];
  for (const a of arrays) {
    pool.noteStored(a);
    pool.release(a);
  }
  assert.equal(pool.heldBytes, 80000, 'the second array would pass the capacity and is left to the GC');
  pool.clear();
  assert.equal(pool.heldBytes, 0);
});

test('on native: slices, dataSync results and kept tensors survive their sources being recycled', { skip }, async () => {
  await initBackend('native');
  const backend = tf.backend() as NativeBackend;
  const x = tf.randomNormal([2, 33, 33, 8], 0, 1, 'float32', 1);
  const f = tf.randomNormal([3, 3, 8, 8], 0, 1, 'float32', 2);
  const conv = () => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same');
  // Warm the pool with this output size.
  for (let i = 0; i < 3; i++) conv().dispose();
  assert.ok(backend.pool.heldBytes > 0, 'released outputs are held for reuse');

  const y = conv();
  const ySlice = tf.slice(y, [1, 0, 0, 0], [1, 33, 33, 8]); // contiguous: a subarray of y's array on cpu kernels
  const sliceBefore = Float32Array.from(ySlice.dataSync());
  const z = conv();
  const zValues = z.dataSync(); // the stored array itself
  const zBefore = Float32Array.from(zValues);
  y.dispose();
  z.dispose();
  // Produce many outputs of the same size: a wrongly recycled array would be overwritten now.
  const churn = [];
  for (let i = 0; i < 4; i++) churn.push(tf.conv2d(tf.mul(x, 1 + i) as tf.Tensor4D, f as tf.Tensor4D, 1, 'same'));
  assert.deepEqual(ySlice.dataSync(), sliceBefore, 'a slice of a disposed output keeps its values');
  assert.deepEqual(zValues, zBefore, 'an array returned by dataSync keeps its values');
  tf.dispose([ySlice, x, f, ...churn]);
});
