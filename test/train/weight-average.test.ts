// The weights' moving average against a plain loop over numbers: the ramped
// decay, the average after several updates, the swap that validation runs
// inside (and undoes, also when it throws), the checkpoint round trip, and no
// tensor left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initBackend } from '../../src/engine/backends.js';
import { averageDecayAt, createWeightAverage } from '../../src/train/weight-average.js';
import { InputError } from '../../src/errors.js';

test('the bias-corrected decay makes the average the exponentially weighted mean of the weights after each step', () => {
  assert.equal(averageDecayAt(0.99, 0), 0, 'the first update takes the weights as they are');
  assert.ok(Math.abs(averageDecayAt(0.99, 1) - 0.99 / 1.99) < 1e-15, 'after two steps: weights (d, 1)/(1 + d)');
  assert.ok(Math.abs(averageDecayAt(0.99, 100_000) - 0.99) < 1e-12, 'tends to the set decay');
  // the recurrence with these decays against the closed form Σ d^(n-k)·w_k / Σ d^(n-k)
  const d = 0.9;
  const w = [3, -1, 4, 1, -5, 9, 2, 6];
  let avg = NaN;
  w.forEach((x, n) => (avg = n === 0 ? x : averageDecayAt(d, n) * avg + (1 - averageDecayAt(d, n)) * x));
  const weights = w.map((_, k) => d ** (w.length - 1 - k));
  const closed = w.reduce((s, x, k) => s + weights[k]! * x, 0) / weights.reduce((s, x) => s + x, 0);
  assert.ok(Math.abs(avg - closed) < 1e-12, `${avg} vs ${closed}`);
});

function variables(values: number[][]): Map<string, tf.Variable> {
  return new Map(values.map((v, i) => [`w${i}`, tf.tidy(() => tf.variable(tf.tensor1d(v), false, `avg-test-${i}-${Math.random()}`))] as const));
}

/** Sets a variable's values without leaving the new tensor behind. */
const set = (v: tf.Variable, values: number[]) => tf.tidy(() => v.assign(tf.tensor1d(values)));

test('after several updates each average is the weighted mean Σ d^(n−k)·w_k / Σ d^(n−k) of the values it saw, worked in doubles', async () => {
  await initBackend('cpu');
  const start = tf.memory().numTensors;
  const vars = variables([[1, -2, 3], [0.5]]);
  const average = createWeightAverage(vars, 0.6);
  const seen: number[][][] = [];
  for (let n = 0; n < 6; n++) {
    const next = [[n, 2 * n - 1, -n], [n * n]];
    next.forEach((v, i) => set(vars.get(`w${i}`)!, v));
    average.update();
    seen.push(next);
  }
  const weights = seen.map((_, k) => 0.6 ** (seen.length - 1 - k));
  const total = weights.reduce((s, x) => s + x, 0);
  const slots = average.slots();
  assert.equal(slots.get('average.#updates')!.data[0], 6);
  [3, 1].forEach((size, i) => {
    const got = Array.from(slots.get(`average.w${i}`)!.data);
    for (let j = 0; j < size; j++) {
      const want = seen.reduce((s, values, k) => s + weights[k]! * values[i]![j]!, 0) / total;
      assert.ok(Math.abs(got[j]! - want) < 1e-5, `w${i}[${j}]: ${got[j]} vs ${want}`);
    }
  });
  average.dispose();
  tf.dispose([...vars.values()]);
  assert.equal(tf.memory().numTensors, start);
});

test('withAverage puts the averages in, and the trained values back after, also when the work throws', async () => {
  await initBackend('cpu');
  const start = tf.memory().numTensors;
  const vars = variables([[1, 1]]);
  const w = vars.get('w0')!;
  const average = createWeightAverage(vars, 0.5);
  set(w, [3, 5]);
  average.update(); // the first update takes the weights as they are
  set(w, [5, 9]);
  average.update(); // d = 0.5·0.5/(1 − 0.25) = 1/3: (3, 5)/3 + 2·(5, 9)/3
  const seen = await average.withAverage(async () => Array.from(w.dataSync()));
  assert.deepEqual(seen.map((x) => +x.toFixed(5)), [4.33333, 7.66667]);
  assert.deepEqual(Array.from(w.dataSync()), [5, 9]);
  await assert.rejects(average.withAverage(async () => {
    throw new Error('validation failed');
  }), /validation failed/);
  assert.deepEqual(Array.from(w.dataSync()), [5, 9], 'the trained values are back after a throw');
  average.dispose();
  tf.dispose([...vars.values()]);
  assert.equal(tf.memory().numTensors, start);
});

test('restore continues exactly where the saved average was; a checkpoint without one is refused by name', async () => {
  await initBackend('cpu');
  const start = tf.memory().numTensors;
  const run = (restoreAfter: number | null) => {
    const vars = variables([[0, 0, 0]]);
    let average = createWeightAverage(vars, 0.9);
    for (let n = 0; n < 5; n++) {
      if (n === restoreAfter) {
        const saved = average.slots();
        average.dispose();
        average = createWeightAverage(vars, 0.9);
        average.restore(saved, 'checkpoint.safetensors');
      }
      set(vars.get('w0')!, [n, -n, 2 * n]);
      average.update();
    }
    const out = Array.from(average.slots().get('average.w0')!.data);
    average.dispose();
    tf.dispose([...vars.values()]);
    return out;
  };
  assert.deepEqual(run(3), run(null));
  const vars = variables([[0, 0]]);
  const average = createWeightAverage(vars, 0.9);
  assert.throws(() => average.restore(new Map(), 'ckpt.safetensors'), (e: unknown) => e instanceof InputError && /ckpt\.safetensors: .*update count.*without --ema/.test(e.message));
  const wrong = new Map([['average.#updates', { shape: [], data: Float32Array.of(2) }], ['average.w0', { shape: [3], data: new Float32Array(3) }]]);
  assert.throws(() => average.restore(wrong, 'ckpt.safetensors'), /tensor 'average\.w0' has shape \[3\], expected \[2\]/);
  assert.throws(() => createWeightAverage(vars, 1), /decay must be in \(0, 1\), got 1/);
  average.dispose();
  tf.dispose([...vars.values()]);
  assert.equal(tf.memory().numTensors, start);
});
