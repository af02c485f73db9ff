/**
 * The network's initial weights: `uniform` is PyTorch's default for Conv and
 * Linear layers (U(±1/√fan_in)), `he-normal` N(0, 2/fan_in). Checked on the
 * drawn values of every conv and dense weight against the formulas, not
 * against numbers recorded from a run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, createAlexNet2Plus1D, initBackend, planAlexNet2Plus1D, resolveAlexNetConfig, tf } from '../../src/index.js';

const SMALL = { inputSize: 112, widthMultiplier: 0.25, fcWidth: 256, embeddingSize: 16, seed: 3 } as const;

/** fan_in of each weight: k·k·C_in (spatial), t·C_mid (temporal), inputs (dense). */
function fanIns(config: Parameters<typeof planAlexNet2Plus1D>[0]): Map<string, number> {
  const plan = planAlexNet2Plus1D(config);
  const out = new Map<string, number>();
  for (const l of plan.convs) {
    out.set(`${l.name}.spatial.weight`, l.kernel * l.kernel * l.inChannels);
    out.set(`${l.name}.temporal.weight`, plan.config.temporalKernel * l.midChannels);
  }
  for (const l of plan.dense) out.set(`${l.name}.weight`, l.inputs);
  return out;
}

test("weightInit 'uniform' draws U(±1/√fan_in), 'he-normal' (the default) N(0, 2/fan_in), for every conv and dense weight; biases start at 0", async () => {
  await initBackend('cpu');
  const before = tf.memory().numTensors;
  assert.equal(resolveAlexNetConfig({}).weightInit, 'he-normal');
  for (const weightInit of ['uniform', 'he-normal'] as const) {
    const net = createAlexNet2Plus1D({ ...SMALL, weightInit });
    try {
      for (const [name, fanIn] of fanIns({ ...SMALL, weightInit })) {
        const values = net.variables.get(name)!.dataSync();
        const n = values.length;
        let sum = 0;
        let sq = 0;
        let maxAbs = 0;
        for (const v of values) {
          sum += v;
          sq += v * v;
          maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        const variance = sq / n - (sum / n) ** 2;
        const expected = weightInit === 'uniform' ? 1 / (3 * fanIn) : 2 / fanIn;
        // the relative standard error of a sample variance is √(2/n) for a normal, less for a uniform: 5/√n is generous
        assert.ok(Math.abs(variance / expected - 1) < 5 / Math.sqrt(n) + 0.02, `${weightInit} ${name}: variance ${variance} vs ${expected} (n = ${n})`);
        if (weightInit === 'uniform') assert.ok(maxAbs <= 1 / Math.sqrt(fanIn), `${name}: |w| ${maxAbs} beyond 1/√${fanIn}`);
        else assert.ok(maxAbs > 1 / Math.sqrt(fanIn), `${name}: a normal's tail exceeds the uniform bound`);
      }
      for (const [name, v] of net.variables) if (name.endsWith('.bias') && !name.includes('.bn.')) assert.ok(v.dataSync().every((x) => x === 0), name);
    } finally {
      net.dispose();
    }
  }
  // deterministic for a seed, different across seeds
  const a = createAlexNet2Plus1D(SMALL);
  const b = createAlexNet2Plus1D(SMALL);
  const c = createAlexNet2Plus1D({ ...SMALL, seed: 4 });
  try {
    const w = (net: typeof a) => Array.from(net.variables.get('conv1.spatial.weight')!.dataSync().slice(0, 50));
    assert.deepEqual(w(a), w(b));
    assert.notDeepEqual(w(a), w(c));
  } finally {
    [a, b, c].forEach((n) => n.dispose());
  }
  assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
});

test('an unknown weightInit is refused, naming the field', () => {
  assert.throws(() => resolveAlexNetConfig({ weightInit: 'xavier' as never }), (e: unknown) => e instanceof ConfigError && e.path === 'model.weightInit');
});
