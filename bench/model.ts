/**
 * `npm run bench:model`: AlexNet-(2+1)D presets at 224² and 112², with and
 * without the FlowNetS branch: parameters, FLOPs per clip, and inference
 * time per clip (batch 8, T = 5) on tfjs (wasm, native) and ONNX Runtime (1
 * and 2 threads), with GFLOP/s and the share of the machine's peak (a large
 * sgemm measured in the same run).
 *
 * Options: --width 0.25 (multiplier of every preset)  --batch 8  --reps 3  --json FILE
 */
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { tf, initBackend, probeBackends, createAlexNet2Plus1D, estimateCost, exportModelOnnx, openClipSession, standardizeClips } from '../src/index.js';
import type { BackendName, Tensor2D, Tensor5D } from '../src/index.js';

const args = parseArgs({
  options: {
    width: { type: 'string', default: '0.25' },
    batch: { type: 'string', default: '8' },
    reps: { type: 'string', default: '3' },
    json: { type: 'string' },
  },
}).values;
const width = Number(args.width);
const batch = Number(args.batch);
const reps = Number(args.reps);
const frames = 5;

function best(reps: number, fn: () => void): number {
  let ms = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ms = Math.min(ms, performance.now() - t0);
  }
  return ms;
}

async function bestAsync(reps: number, fn: () => Promise<void>): Promise<number> {
  let ms = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    ms = Math.min(ms, performance.now() - t0);
  }
  return ms;
}

async function peakGflops(available: Set<BackendName>): Promise<{ backend: BackendName; gflops: number }> {
  const backend: BackendName = available.has('native') ? 'native' : 'wasm';
  await initBackend(backend);
  const n = 2048;
  const a = tf.randomNormal([n, n]) as Tensor2D;
  const b = tf.randomNormal([n, n]) as Tensor2D;
  // Block bodies: tidy walks whatever it returns, and a 4M-element array costs seconds.
  const product = () =>
    tf.tidy(() => {
      tf.matMul(a, b).dataSync();
    });
  product();
  const ms = best(3, product);
  tf.dispose([a, b]);
  return { backend, gflops: (2 * n ** 3) / (ms / 1e3) / 1e9 };
}

interface Row {
  preset: string;
  params: number;
  gflopPerClip: number;
  runtime: string;
  msPerClip: number | null;
}

const probes = await probeBackends();
const available = new Set(probes.filter((p) => p.available).map((p) => p.name));
const peak = await peakGflops(available);
const rows: Row[] = [];
for (const inputSize of [224, 112]) {
  for (const flowBranch of [false, true]) {
    const preset = `${frames}×${inputSize}²${flowBranch ? ' + flow' : ''}`;
    const config = { inputSize, frames, widthMultiplier: width, fcWidth: 4096, embeddingSize: 512, flowBranch, seed: 1 };
    const clipsU8 = Array.from({ length: batch }, (_, i) => ({
      width: inputSize,
      height: inputSize,
      frames: Array.from({ length: frames }, (_, f) => Uint8Array.from({ length: inputSize * inputSize * 3 }, (_, k) => (k * 31 + f * 7 + i * 13) % 251)),
    }));
    const input = standardizeClips(clipsU8);
    let params = 0;
    let gflop = 0;
    let onnx: Uint8Array | null = null;
    for (const backend of ['wasm', 'native'] as BackendName[]) {
      if (!available.has(backend)) {
        rows.push({ preset, params, gflopPerClip: gflop, runtime: `tfjs ${backend} (unavailable)`, msPerClip: null });
        continue;
      }
      await initBackend(backend);
      const model = createAlexNet2Plus1D(config);
      const cost = estimateCost(model.plan);
      params = cost.parameters;
      gflop = cost.forwardFlops / 1e9;
      const x = tf.tensor5d(input, [batch, frames, inputSize, inputSize, 3]) as Tensor5D;
      const infer = () =>
        tf.tidy(() => {
          model.forward(x).dataSync();
        });
      infer();
      const ms = best(reps, infer);
      rows.push({ preset, params, gflopPerClip: gflop, runtime: `tfjs ${backend}`, msPerClip: ms / batch });
      if (onnx === null) onnx = exportModelOnnx(model, new Float32Array(512).fill(1));
      x.dispose();
      model.dispose();
    }
    for (const threads of [1, 2]) {
      if (!onnx) {
        rows.push({ preset, params, gflopPerClip: gflop, runtime: `onnxruntime ${threads} thread${threads > 1 ? 's' : ''} (n/a: flow branch not exported)`, msPerClip: null });
        continue;
      }
      const session = await openClipSession(onnx, { threads });
      await session.run(input, batch);
      const ms = await bestAsync(reps, async () => void (await session.run(input, batch)));
      await session.dispose();
      rows.push({ preset, params, gflopPerClip: gflop, runtime: `onnxruntime ${threads} thread${threads > 1 ? 's' : ''}`, msPerClip: ms / batch });
    }
  }
}

console.log(`# vidpad bench:model — ${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()} cores; width ×${width}, batch ${batch}, T=${frames}, embedding 512`);
console.log(`# peak = sgemm 2048² on ${peak.backend}: ${peak.gflops.toFixed(1)} GFLOP/s (measured in this run); baseline for the ratio: tfjs wasm`);
const header = ['preset', 'params (M)', 'GFLOP/clip', 'runtime', 'ms/clip', 'GFLOP/s', '× tfjs wasm', '% of peak'];
const table = rows.map((r) => {
  const base = rows.find((b) => b.preset === r.preset && b.runtime === 'tfjs wasm')?.msPerClip ?? null;
  const gflops = r.msPerClip ? r.gflopPerClip / (r.msPerClip / 1e3) : null;
  return [
    r.preset,
    (r.params / 1e6).toFixed(2),
    r.gflopPerClip.toFixed(2),
    r.runtime,
    r.msPerClip === null ? 'n/a' : r.msPerClip.toFixed(1),
    gflops === null ? 'n/a' : gflops.toFixed(1),
    base && r.msPerClip ? `${(base / r.msPerClip).toFixed(2)}×` : 'n/a',
    gflops === null ? 'n/a' : `${((100 * gflops) / peak.gflops).toFixed(1)}%`,
  ];
});
const widths = header.map((h, i) => Math.max(h.length, ...table.map((l) => l[i]!.length)));
const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
console.log(line(header));
console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const l of table) console.log(line(l));
if (args.json) writeFileSync(args.json, JSON.stringify({ peak, width, batch, rows }, null, 2));
