// A guard against silent training bugs in a backend: the same tiny
// AlexNet-(2+1)D, trained for 20 Nesterov steps on the same clips with the
// project's cross-entropy loss, gives the same loss curve (relative 1e-3 at
// every step) on cpu, wasm and native, for the paper's plain network, the
// BatchNorm one and one with the FlowNetS branch. The curves must also move
// (a collapsed network would agree trivially). cpu is tfjs's own reference;
// native skips, saying why, when its addon is not built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import type { Tensor5D } from '../../src/engine/tf.js';
import { initBackend } from '../../src/engine/backends.js';
import { loadNativeAddon } from '../../src/engine/native/addon.js';
import { createAlexNet2Plus1D } from '../../src/models/alexnet-2plus1d.js';
import type { AlexNet2Plus1DConfig } from '../../src/models/alexnet-2plus1d.js';
import { createLoss } from '../../src/losses/index.js';

const load = loadNativeAddon();
const BACKENDS = ['cpu', 'wasm', ...(load.ok ? ['native'] : [])];
const STEPS = 20;
const TOLERANCE = 1e-3;
// The smallest network the plan allows (63², T = 2, a few channels per layer): tfjs's
// cpu kernels, the reference, are naive loops. No dropout, so the curve falls within 20 steps.
const TINY: Partial<AlexNet2Plus1DConfig> = { frames: 2, inputSize: 63, widthMultiplier: 0.03, fcWidth: 512, embeddingSize: 8, dropoutRate: 0, seed: 4 };
const MODELS: Array<[string, Partial<AlexNet2Plus1DConfig>]> = [
  ['plain', { ...TINY, norm: 'none' }],
  ['BatchNorm', { ...TINY, norm: 'batch' }],
  ['flow branch (with BatchNorm)', { ...TINY, norm: 'batch', flowBranch: true }],
];

/** The losses of `STEPS` training steps on the current backend, and no tensor left behind by the model. */
function lossCurve(config: Partial<AlexNet2Plus1DConfig>): number[] {
  const model = createAlexNet2Plus1D(config);
  const loss = createLoss('ce', { embeddingSize: config.embeddingSize!, seed: 1 });
  const optimizer = tf.train.momentum(0.005, 0.9, true);
  // One live and one attack clip, the same values on every backend.
  const x = tf.randomNormal([2, config.frames!, config.inputSize!, config.inputSize!, 3], 0, 1, 'float32', 7) as Tensor5D;
  const y = tf.tensor1d([0, 1], 'int32');
  try {
    const varList = [...model.variables.values(), ...loss.variables.values()];
    return Array.from({ length: STEPS }, (_, step) => {
      const cost = optimizer.minimize(() => loss.compute(model.forward(x, { training: true, seed: step }), y), true, varList)!;
      const value = cost.dataSync()[0]!;
      cost.dispose();
      return value;
    });
  } finally {
    optimizer.dispose();
    tf.dispose([x, y]);
    loss.dispose();
    model.dispose();
  }
}

for (const [name, config] of MODELS) {
  test(`${name}: 20 training steps give the same loss curve on ${BACKENDS.join(', ')}`, async (t) => {
    if (!load.ok) t.diagnostic(`native skipped: ${load.reason}`);
    const curves = new Map<string, number[]>();
    for (const backend of BACKENDS) {
      await initBackend(backend);
      curves.set(backend, lossCurve(config));
    }
    const reference = curves.get('cpu')!;
    assert.ok(reference.every(Number.isFinite), `cpu curve ${reference}`);
    // The network learns: the last loss is well below the first, so agreement is not that of a stuck network.
    assert.ok(reference[STEPS - 1]! < 0.8 * reference[0]!, `the loss falls: ${reference.map((v) => v.toFixed(4)).join(' ')}`);
    let worst = 0;
    for (const [backend, curve] of curves) {
      curve.forEach((v, step) => {
        const err = Math.abs(v - reference[step]!) / Math.abs(reference[step]!);
        worst = Math.max(worst, err);
        assert.ok(err <= TOLERANCE, `${backend} step ${step + 1}: loss ${v} vs cpu ${reference[step]} (relative ${err.toExponential(2)})`);
      });
    }
    t.diagnostic(`cpu curve ${reference.map((v) => v.toFixed(4)).join(' ')}; largest relative difference ${worst.toExponential(2)}`);
  });
}
