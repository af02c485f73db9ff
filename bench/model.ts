/**
 * `npm run bench:model`: AlexNet-(2+1)D presets at 224² and 112², with and
 * without the FlowNetS branch: parameters, FLOPs per clip, and inference
 * time per clip (batch 8, T = 5) on tfjs (wasm, native) and ONNX Runtime (1
 * and 2 threads), with GFLOP/s and the share of the machine's peak (a large
 * sgemm measured in the same run).
 *
 * int8 (issue 17): each exported preset is also quantised statically to
 * int8 (`quantizeOnnxInt8`, calibrated on the bench's own input batch), and
 * the fp32 and int8 sessions run interleaved, run for run, at 1 and 2
 * threads; a second table gives int8's speed-up over fp32 and how far its
 * liveScores moved. Load from other processes falls on both alike.
 *
 * Options: --width 0.25 (multiplier of every preset)  --batch 8  --reps 3  --int8-reps 7  --json FILE
 */
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { tf, initBackend, probeBackends, createAlexNet2Plus1D, estimateCost, buildModelOnnx, encodeOnnxModel, openClipSession, standardizeClips, calibrateRanges, int8CalibrationValues, quantizeOnnxInt8, describeCpu, detectCpuFeatures } from '../src/index.js';
import type { BackendName, Tensor2D, Tensor5D } from '../src/index.js';

const args = parseArgs({
  options: {
    width: { type: 'string', default: '0.25' },
    batch: { type: 'string', default: '8' },
    reps: { type: 'string', default: '3' },
    'int8-reps': { type: 'string', default: '7' },
    json: { type: 'string' },
  },
}).values;
const width = Number(args.width);
const batch = Number(args.batch);
const reps = Number(args.reps);
const int8Reps = Number(args['int8-reps']);
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
interface Int8Row {
  preset: string;
  threads: number;
  fp32Ms: number;
  int8Ms: number;
  speedup: number;
  maxLiveScoreDiff: number;
  fp32Bytes: number;
  int8Bytes: number;
}
const int8Rows: Int8Row[] = [];
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
    let onnx: ReturnType<typeof buildModelOnnx> | null = null;
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
      if (onnx === null) onnx = buildModelOnnx(model, new Float32Array(512).fill(1));
      x.dispose();
      model.dispose();
    }
    for (const threads of [1, 2]) {
      if (!onnx) {
        rows.push({ preset, params, gflopPerClip: gflop, runtime: `onnxruntime ${threads} thread${threads > 1 ? 's' : ''} (n/a: flow branch not exported)`, msPerClip: null });
        continue;
      }
      const session = await openClipSession(encodeOnnxModel(onnx), { threads });
      await session.run(input, batch);
      const ms = await bestAsync(reps, async () => void (await session.run(input, batch)));
      await session.dispose();
      rows.push({ preset, params, gflopPerClip: gflop, runtime: `onnxruntime ${threads} thread${threads > 1 ? 's' : ''}`, msPerClip: ms / batch });
    }
    if (onnx) {
      // Calibrated on the bench's own (standardised) batch; in a model folder, validation clips calibrate.
      const ranges = await calibrateRanges(onnx, int8CalibrationValues(onnx), [{ data: input, batch }], { threads: 2 });
      const fp32Bytes = encodeOnnxModel(onnx);
      const int8Bytes = encodeOnnxModel(quantizeOnnxInt8(onnx, ranges));
      for (const threads of [1, 2]) {
        const fp32 = await openClipSession(fp32Bytes, { threads });
        const int8 = await openClipSession(int8Bytes, { threads });
        try {
          const a = (await fp32.run(input, batch)).liveScore;
          const b = (await int8.run(input, batch)).liveScore;
          let fp32Ms = Infinity;
          let int8Ms = Infinity;
          for (let i = 0; i < int8Reps; i++) {
            fp32Ms = Math.min(fp32Ms, await bestAsync(1, async () => void (await fp32.run(input, batch))));
            int8Ms = Math.min(int8Ms, await bestAsync(1, async () => void (await int8.run(input, batch))));
          }
          const maxLiveScoreDiff = Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
          int8Rows.push({ preset, threads, fp32Ms: fp32Ms / batch, int8Ms: int8Ms / batch, speedup: fp32Ms / int8Ms, maxLiveScoreDiff, fp32Bytes: fp32Bytes.length, int8Bytes: int8Bytes.length });
        } finally {
          await fp32.dispose();
          await int8.dispose();
        }
      }
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
console.log('');
console.log(`# int8 vs fp32 on ONNX Runtime, run for run interleaved, best of ${int8Reps} each (issue 17 asks >= 1.8×); ${describeCpu(detectCpuFeatures())}`);
const int8Header = ['preset', 'threads', 'fp32 ms/clip', 'int8 ms/clip', 'int8 speed-up', 'max |ΔliveScore|', 'fp32 MB', 'int8 MB'];
const int8Table = int8Rows.map((r) => [r.preset, String(r.threads), r.fp32Ms.toFixed(1), r.int8Ms.toFixed(1), `${r.speedup.toFixed(2)}×`, r.maxLiveScoreDiff.toExponential(1), (r.fp32Bytes / 1e6).toFixed(2), (r.int8Bytes / 1e6).toFixed(2)]);
const w8 = int8Header.map((h, i) => Math.max(h.length, ...int8Table.map((l) => l[i]!.length)));
const line8 = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(w8[i]!)).join(' | ') + ' |';
console.log(line8(int8Header));
console.log('|' + w8.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const l of int8Table) console.log(line8(l));
if (args.json) writeFileSync(args.json, JSON.stringify({ peak, width, batch, rows, int8: int8Rows }, null, 2));
