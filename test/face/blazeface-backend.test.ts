/**
 * BlazeFace never runs on tfjs's plain-JavaScript backend by accident: built
 * without a backend, it makes the fastest for it current (wasm here), even
 * after tfjs picked `cpu` by itself at a first tensor op, and tfjs's "install
 * tfjs-node" banner is never printed. Its own process (node --test runs each
 * file apart), since the tfjs backend is process-wide.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFaceDetector, readImage, tf } from '../../src/index.js';
import { samplePath } from './helpers.js';

function capture(): { printed: string[]; restore: () => void } {
  const printed: string[] = [];
  const original = { log: console.log, warn: console.warn, info: console.info };
  console.log = console.warn = console.info = (...args: unknown[]) => void printed.push(args.map(String).join(' '));
  return { printed, restore: () => Object.assign(console, original) };
}

test('a blazeface detector built without a backend runs on wasm and prints no tfjs banner', async () => {
  const out = capture();
  try {
    const detector = await createFaceDetector({ detector: 'blazeface' });
    try {
      assert.equal(tf.getBackend(), 'wasm');
      const { frame } = await readImage(samplePath('image_T1.jpg'));
      assert.equal((await detector.detect(frame)).length, 1);
    } finally {
      detector.dispose();
    }
  } finally {
    out.restore();
  }
  assert.deepEqual(out.printed.filter((l) => /tfjs-node|speed things up/i.test(l)), []);
});

test('after tfjs picked its cpu backend by itself, a new detector still moves to wasm; a named backend is honoured', async () => {
  await tf.setBackend('cpu');
  tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)));
  assert.equal(tf.getBackend(), 'cpu');
  const detector = await createFaceDetector({ detector: 'blazeface' });
  detector.dispose();
  assert.equal(tf.getBackend(), 'wasm');
  const onCpu = await createFaceDetector({ detector: 'blazeface', backend: 'cpu' });
  onCpu.dispose();
  assert.equal(tf.getBackend(), 'cpu');
});
