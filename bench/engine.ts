/**
 * `npm run bench:engine`: one training step (forward, backward, Nesterov
 * update) and inference of AlexNet-(2+1)D, batch 8, T = 5, at 112² and 224²,
 * computed three ways in the same run:
 *   (a) baseline: tfjs's own `conv3d`/`maxPool3d`, as a user would write the
 *       (2+1)D network without vidpad, on the wasm backend;
 *   (b) vidpad's engine on wasm: (2+1)D as `conv2d` plus vidpad's wasm kernels;
 *   (c) vidpad's engine on the native (oneDNN) backend, when it is available.
 * Both forms share the same weights, and the bench checks that they give the
 * same loss. Each figure is printed with the ratio to the baseline and the
 * share of the machine's peak, measured here with the fastest large sgemm the
 * project has (native `MatMul` when available, else wasm's).
 *
 * On each engine backend the network runs twice more: without normalisation
 * (`norm: 'none'`, the paper's, which rows (a)-(c) are) and with BatchNorm
 * after every conv half (`norm: 'batch'`). Their steps are timed interleaved,
 * step for step, so that load from other processes falls on both alike, and
 * a second table gives the BN step's cost relative to the plain one (issue
 * 11 asks for at most 1.15× on native): the ratio of their best
 * repetitions, the ones least disturbed by other processes, in wall-clock
 * time and in the process's CPU time (all threads), which load from other
 * processes moves less. (Measured on the shared 2-core machine, the ratio of
 * the bests varied by ~±5% from run to run; the median of per-pair ratios,
 * tried first, by ~±15%.)
 *
 * Precision (issue 17): on the native backend the BatchNorm network's
 * training step runs once more per precision in --precisions (default fp32
 * and bf16), interleaved step for step with fp32, and a third table gives
 * each one's speed-up over fp32. bf16 runs only where the CPU has
 * AVX512-BF16 or AMX-BF16 (cpuid); elsewhere the bench says so and why, and
 * measures no bf16 figure. `--precisions fp32,bf16-emulated` times the
 * emulation instead (bf16's numbers on fp32 kernels: a cost, not a speed-up).
 * `--precision-only` skips the other tables.
 *
 * The FlowNetS branch: on the native backend the BatchNorm network runs once
 * more with the branch (frames 1 and T through FlowNetS's encoder, joined at
 * fc6), interleaved step for step with the network without it, and a fourth
 * table gives the branch's cost. Taking frames 1 and T out of the clip is a
 * strided slice, which tfjs's cpu kernel computes element by element; a last
 * table times that pair on cpu's kernel against native's, in the same run.
 * `--no-flow` skips both.
 *
 * Options: --sizes 112,224  --width 0.25  --batch 8  --reps 7
 *          --baseline-reps 1  --no-baseline  --backends wasm,native  --json FILE
 *          --precisions fp32,bf16  --precision-only  --no-flow
 */
import { parseArgs } from 'node:util';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { tf, initBackend, probeBackends, createAlexNet2Plus1D, estimateCost, planAlexNet2Plus1D, clipFramePair } from '../src/index.js';
import { detectCpuFeatures, describeCpu, bf16Refusal, PRECISIONS } from '../src/index.js';
import type { AlexNet2Plus1D, BackendName, ModelNorm, PoolPlan, Precision, Tensor, Tensor2D, Tensor5D, Variable } from '../src/index.js';
import { setNativePrecision } from '../src/engine/native/backend.js';

const args = parseArgs({
  options: {
    sizes: { type: 'string', default: '112,224' },
    width: { type: 'string', default: '0.25' },
    batch: { type: 'string', default: '8' },
    frames: { type: 'string', default: '5' },
    reps: { type: 'string', default: '7' },
    'baseline-reps': { type: 'string', default: '1' },
    'no-baseline': { type: 'boolean', default: false },
    backends: { type: 'string', default: 'wasm,native' },
    json: { type: 'string' },
    precisions: { type: 'string', default: 'fp32,bf16' },
    'precision-only': { type: 'boolean', default: false },
    'no-flow': { type: 'boolean', default: false },
  },
}).values;

const sizes = args.sizes!.split(',').map(Number);
const widthMultiplier = Number(args.width);
const batch = Number(args.batch);
const frames = Number(args.frames);
const reps = Number(args.reps);
const baselineReps = Number(args['baseline-reps']);

type Mode = 'baseline conv3d' | 'engine';
interface Row {
  size: number;
  mode: Mode;
  norm: ModelNorm;
  flow: boolean;
  backend: BackendName;
  task: 'train step' | 'inference';
  precision: Precision;
  msPerStep: number;
  /** CPU time of the process (user + system, all threads) for the step. */
  cpuMsPerStep: number;
  /** Every repetition's wall-clock and CPU ms, in order (variants of a group ran interleaved); in the --json output. */
  samples: { wall: number[]; cpu: number[] };
  msPerClip: number;
  gflops: number;
  vsBaseline?: number;
  ofPeak: number;
  loss?: number;
}

function modelConfig(inputSize: number, norm: ModelNorm = 'none', flowBranch = false) {
  // fcWidth is the width at multiplier 1: the plan scales it like every layer. No dropout: the
  // training step runs in training mode (BatchNorm's batch statistics), and the engine's plain
  // network must compute the conv3d baseline's loss, which the bench checks.
  return { inputSize, frames, widthMultiplier, fcWidth: 4096, embeddingSize: 128, seed: 1, norm, dropoutRate: 0, flowBranch };
}

/** The same network written with tfjs's 3D ops, reading the model's variables. */
function forwardConv3d(model: AlexNet2Plus1D, clip: Tensor5D): Tensor2D {
  const v = (name: string) => model.variables.get(name)! as Tensor;
  return tf.tidy(() => {
    let x: Tensor5D = clip;
    const pool = (t: Tensor5D, p: PoolPlan) => tf.maxPool3d(t, [1, p.kernel, p.kernel], [1, p.stride, p.stride], 'valid');
    model.plan.convs.forEach((l, i) => {
      const before = i > 0 ? model.plan.convs[i - 1]!.pool : null;
      if (before) x = pool(x, before);
      const padded = tf.pad(x, [[0, 0], [0, 0], [l.pad, l.pad], [l.pad, l.pad], [0, 0]]) as Tensor5D;
      const ws = tf.reshape(v(`${l.name}.spatial.weight`), [1, l.kernel, l.kernel, l.inChannels, l.midChannels]) as tf.Tensor5D;
      let y = tf.relu(tf.add(tf.conv3d(padded, ws, [1, l.stride, l.stride], 'valid'), v(`${l.name}.spatial.bias`))) as Tensor5D;
      const wt = tf.reshape(v(`${l.name}.temporal.weight`), [model.plan.config.temporalKernel, 1, 1, l.midChannels, l.outChannels]) as tf.Tensor5D;
      y = tf.relu(tf.add(tf.conv3d(y, wt, 1, 'same'), v(`${l.name}.temporal.bias`))) as Tensor5D;
      x = y;
    });
    const pool5 = model.plan.convs.at(-1)!.pool;
    const pooled = pool5 ? pool(x, pool5) : x;
    let h = tf.reshape(tf.mean(pooled, 1), [clip.shape[0], model.plan.fcInputSize]) as Tensor2D;
    for (const l of model.plan.dense) {
      const y = tf.add(tf.matMul(h, v(`${l.name}.weight`) as Tensor2D), v(`${l.name}.bias`)) as Tensor2D;
      h = l.relu ? tf.relu(y) : y;
    }
    return h;
  });
}

function timeMs(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** Wall-clock and CPU time (user + system, every thread of the process) of `fn`, in ms. */
function timeBoth(fn: () => void): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const wall = timeMs(fn);
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e3 };
}

async function measurePeak(available: Set<BackendName>): Promise<{ backend: BackendName; gflops: number }> {
  const backend: BackendName = available.has('native') ? 'native' : 'wasm';
  await initBackend(backend);
  const n = 2048;
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1) as Tensor2D;
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2) as Tensor2D;
  let best = Infinity;
  for (let i = 0; i < 4; i++) {
    // A block body: tidy walks whatever it returns, and a 4M-element array costs seconds.
    best = Math.min(best, timeMs(() => tf.tidy(() => {
      tf.matMul(a, b).dataSync();
    })));
  }
  tf.dispose([a, b]);
  return { backend, gflops: (2 * n ** 3) / (best / 1e3) / 1e9 };
}

interface Variant {
  mode: Mode;
  norm: ModelNorm;
  /** With the FlowNetS branch (engine mode only). */
  flow?: boolean;
  /** Native backend only; fp32 when absent. */
  precision?: Precision;
}

/** One network on the current backend, ready to time: a training step and an inference pass. */
function setUp(size: number, v: Variant) {
  const model = createAlexNet2Plus1D(modelConfig(size, v.norm, v.flow ?? false));
  const clip = tf.randomNormal([batch, frames, size, size, 3], 0, 1, 'float32', 5) as Tensor5D;
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 2), 'int32'), 2);
  const classifier = tf.variable(tf.randomNormal([128, 2], 0, 0.05, 'float32', 9)) as Variable;
  const forward = (x: Tensor5D, training: boolean) => (v.mode === 'engine' ? model.forward(x, { training }) : forwardConv3d(model, x));
  const lossFn = () => tf.losses.softmaxCrossEntropy(labels, tf.matMul(forward(clip, true), classifier)) as tf.Scalar;
  const optimizer = tf.train.momentum(0.005, 0.9, true);
  // Trainable weights only: BatchNorm's running statistics are state the forward updates.
  const varList = [...model.variables.values(), classifier];
  const run = {
    cost: estimateCost(model.plan),
    loss: NaN,
    trainStep: () => {
      const c = optimizer.minimize(lossFn, true, varList)!;
      run.loss = c.dataSync()[0]!;
      c.dispose();
    },
    infer: () =>
      tf.tidy(() => {
        forward(clip, false).dataSync();
      }),
    firstLoss: () => tf.tidy(() => lossFn().dataSync()[0]!),
    dispose: () => {
      optimizer.dispose();
      tf.dispose([clip, labels, classifier]);
      model.dispose();
    },
  };
  return run;
}

/**
 * Times `variants` of the network on `backend`, interleaved: every repetition
 * runs each variant once, and each keeps its best time, so a burst of load
 * from another process cannot favour one of them.
 */
async function benchGroup(size: number, backend: BackendName, variants: Variant[], repsHere: number, peak: number): Promise<Row[]> {
  await initBackend(backend);
  const runs = variants.map((v) => setUp(size, v));
  try {
    // The first call of each pays for kernel set-up (and, for training, the optimizer's slots).
    // Every repetition of every variant, interleaved.
    // Each variant computes in its own precision; the native context keeps primitives for each, so switching costs nothing.
    const inPrecision = (k: number) => {
      if (backend === 'native') setNativePrecision(variants[k]!.precision ?? 'fp32');
    };
    const firstLoss = runs.map((r, k) => {
      inPrecision(k);
      return r.firstLoss();
    });
    runs.forEach((r, k) => {
      inPrecision(k);
      r.infer();
    });
    const best = (fn: (r: (typeof runs)[number]) => () => void) => {
      const out = runs.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
      for (let i = 0; i < repsHere; i++) {
        runs.forEach((r, k) => {
          inPrecision(k);
          const t = timeBoth(fn(r));
          out[k]!.wall.push(t.wall);
          out[k]!.cpu.push(t.cpu);
        });
      }
      return out;
    };
    const bestInfer = best((r) => r.infer);
    runs.forEach((r, k) => {
      inPrecision(k);
      r.trainStep();
    });
    const bestTrain = best((r) => r.trainStep);
    return variants.flatMap((v, k) => {
      const run = runs[k]!;
      // Each figure is the best repetition.
      const row = (task: Row['task'], samples: { wall: number[]; cpu: number[] }, flopsPerClip: number): Row => {
        const wall = Math.min(...samples.wall);
        const gflops = (flopsPerClip * batch) / (wall / 1e3) / 1e9;
        return { size, mode: v.mode, norm: v.norm, flow: v.flow ?? false, precision: v.precision ?? 'fp32', backend, task, msPerStep: wall, cpuMsPerStep: Math.min(...samples.cpu), samples, msPerClip: wall / batch, gflops, ofPeak: gflops / peak };
      };
      return [{ ...row('train step', bestTrain[k]!, run.cost.trainFlops), loss: firstLoss[k]! }, row('inference', bestInfer[k]!, run.cost.forwardFlops)];
    });
  } finally {
    if (backend === 'native') setNativePrecision('fp32');
    runs.forEach((r) => r.dispose());
  }
}

/**
 * Frames 1 and T of a clip (the flow branch's input) on cpu's kernels and on
 * native's, alternating repetition by repetition; each backend's best ms.
 */
async function benchFramePair(size: number, repsHere: number): Promise<{ size: number; cpuMs: number; nativeMs: number }> {
  const backends = ['cpu', 'native'] as const;
  const best: Record<(typeof backends)[number], number> = { cpu: Infinity, native: Infinity };
  // Each backend's own copy of the same clip (a tensor lives on the backend it was made on).
  const clips = new Map<(typeof backends)[number], Tensor5D>();
  for (const backend of backends) {
    await tf.setBackend(backend);
    clips.set(backend, tf.randomNormal([batch, frames, size, size, 3], 0, 1, 'float32', 5) as Tensor5D);
  }
  for (let i = 0; i <= repsHere; i++) {
    for (const backend of backends) {
      await tf.setBackend(backend);
      const ms = timeMs(() => tf.tidy(() => void clipFramePair(clips.get(backend)!).dataSync()));
      // Repetition 0 warms up.
      if (i > 0) best[backend] = Math.min(best[backend], ms);
    }
  }
  for (const backend of backends) {
    await tf.setBackend(backend);
    clips.get(backend)!.dispose();
  }
  return { size, cpuMs: best.cpu, nativeMs: best.native };
}

function fmt(n: number, digits = 1): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(digits);
}

/** What issue 11 allows a BatchNorm training step on native, relative to the plain one. */
const NORM_RATIO_LIMIT = 1.15;

function printTable(header: string[], lines: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  console.log(row(header));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const l of lines) console.log(row(l));
}

async function main(): Promise<void> {
  const probes = await probeBackends();
  const available = new Set(probes.filter((p) => p.available).map((p) => p.name));
  const wanted = args.backends!.split(',').map((s) => s.trim()) as BackendName[];
  const engineBackends = wanted.filter((b) => {
    if (available.has(b)) return true;
    console.log(`# skipping backend ${b}: ${probes.find((p) => p.name === b)?.reason ?? 'unknown backend'}`);
    return false;
  });
  const peak = await measurePeak(available);
  console.log(`# vidpad bench:engine — ${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()} cores, node ${process.version}`);
  console.log(`# AlexNet-(2+1)D, width ×${widthMultiplier}, batch ${batch}, T=${frames}; peak = sgemm 2048² on ${peak.backend}: ${fmt(peak.gflops)} GFLOP/s`);
  const all: Row[] = [];
  const precisionRows: Row[] = [];
  const precisionNotes: string[] = [];
  const flowRows: Row[] = [];
  const framePairs: Array<{ size: number; cpuMs: number; nativeMs: number }> = [];
  const benchFlow = !args['no-flow'] && !args['precision-only'] && engineBackends.includes('native');
  const asked = args.precisions!.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
  const bad = asked.filter((p) => !(PRECISIONS as readonly string[]).includes(p));
  if (bad.length > 0) throw new Error(`--precisions: unknown ${bad.join(', ')}; valid: ${PRECISIONS.join(', ')}`);
  const cpu = detectCpuFeatures();
  console.log(`# ${describeCpu(cpu)}`);
  // fp32 is the baseline of the comparison; the others run only where they can.
  const others = (asked as Precision[]).filter((p) => p !== 'fp32').filter((p) => {
    if (!engineBackends.includes('native')) {
      precisionNotes.push(`${p}: not measured: the native backend is not benched here (${probes.find((q) => q.name === 'native')?.reason ?? 'not in --backends'})`);
      return false;
    }
    if (p === 'bf16' && !(cpu.known && cpu.features.bf16Hardware)) {
      precisionNotes.push(`bf16: NOT MEASURED on this machine: ${bf16Refusal(cpu).replace(/^precision bf16: /, '').replace(/; use --precision.*$/, '')}. Run npm run bench:engine on a CPU with AVX512-BF16 (AMD Zen 4, Intel Cooper Lake or later) or AMX (Intel Sapphire Rapids or later).`);
      return false;
    }
    return true;
  });
  for (const size of sizes) {
    const cost = estimateCost(planAlexNet2Plus1D(modelConfig(size)));
    console.log(`# ${frames}×${size}²: ${(cost.parameters / 1e6).toFixed(2)} M parameters, ${(cost.forwardFlops / 1e9).toFixed(2)} GFLOP/clip forward, ${(cost.trainFlops / 1e9).toFixed(2)} train`);
    if (others.length > 0) {
      // The default network (BatchNorm), fp32 and each other precision interleaved step for step.
      precisionRows.push(...(await benchGroup(size, 'native', [{ mode: 'engine', norm: 'batch', precision: 'fp32' }, ...others.map((p) => ({ mode: 'engine' as const, norm: 'batch' as const, precision: p }))], reps, peak.gflops)));
    }
    if (args['precision-only']) continue;
    let baseline: Row[] = [];
    if (!args['no-baseline']) {
      baseline = await benchGroup(size, 'wasm', [{ mode: 'baseline conv3d', norm: 'none' }], baselineReps, peak.gflops);
      all.push(...baseline);
    }
    for (const backend of engineBackends) {
      const rows = await benchGroup(size, backend, [{ mode: 'engine', norm: 'none' }, { mode: 'engine', norm: 'batch' }], reps, peak.gflops);
      for (const r of rows) {
        const base = baseline.find((b) => b.task === r.task);
        if (base) r.vsBaseline = base.msPerStep / r.msPerStep;
        const baseLoss = baseline[0]?.loss;
        if (r.norm === 'none' && r.task === 'train step' && baseLoss !== undefined && Math.abs((r.loss ?? NaN) - baseLoss) > 1e-3 * Math.max(1, Math.abs(baseLoss))) {
          console.log(`# WARNING: ${backend} engine loss ${r.loss} differs from the conv3d baseline's ${baseLoss}`);
        }
      }
      all.push(...rows);
    }
    if (benchFlow) {
      // The network with and without the flow branch, both with BatchNorm (the default), interleaved.
      flowRows.push(...(await benchGroup(size, 'native', [{ mode: 'engine', norm: 'batch' }, { mode: 'engine', norm: 'batch', flow: true }], reps, peak.gflops)));
      framePairs.push(await benchFramePair(size, reps));
    }
  }
  const header = ['size', 'mode', 'norm', 'backend', 'task', 'ms/step', 'CPU ms/step', 'ms/clip', 'GFLOP/s', '× baseline', '% of peak'];
  const lines = all.map((r) => [
    `${frames}×${r.size}²`,
    r.mode,
    r.norm,
    r.backend,
    r.task,
    fmt(r.msPerStep),
    fmt(r.cpuMsPerStep),
    fmt(r.msPerClip),
    fmt(r.gflops, 2),
    r.vsBaseline !== undefined ? `${fmt(r.vsBaseline)}×` : '1×',
    `${(100 * r.ofPeak).toFixed(1)}%`,
  ]);
  if (lines.length > 0) printTable(header, lines);
  // BatchNorm's cost: the BN network's best step against the plain one's, measured interleaved in this run.
  const normRatios = all
    .filter((r) => r.mode === 'engine' && r.norm === 'batch')
    .map((bn) => {
      const plain = all.find((r) => r.mode === 'engine' && r.norm === 'none' && r.backend === bn.backend && r.size === bn.size && r.task === bn.task)!;
      return {
        size: bn.size,
        backend: bn.backend,
        task: bn.task,
        plainMs: plain.msPerStep,
        batchNormMs: bn.msPerStep,
        ratio: bn.msPerStep / plain.msPerStep,
        plainCpuMs: plain.cpuMsPerStep,
        batchNormCpuMs: bn.cpuMsPerStep,
        cpuRatio: bn.cpuMsPerStep / plain.cpuMsPerStep,
      };
    });
  if (normRatios.length > 0) {
    console.log('');
    console.log(`# BatchNorm after every conv half vs none, same run, steps interleaved (issue 11: native train step <= ${NORM_RATIO_LIMIT}×);`);
    console.log('# each figure the best of the repetitions, wall-clock and CPU time (user + system, all threads)');
    printTable(
      ['size', 'backend', 'task', 'plain ms', 'BN ms', 'BN / plain', 'plain CPU ms', 'BN CPU ms', 'BN / plain (CPU)'],
      normRatios.map((r) => [
        `${frames}×${r.size}²`,
        r.backend,
        r.task,
        fmt(r.plainMs),
        fmt(r.batchNormMs),
        `${r.ratio.toFixed(3)}×`,
        fmt(r.plainCpuMs),
        fmt(r.batchNormCpuMs),
        `${r.cpuRatio.toFixed(3)}×`,
      ]),
    );
  }
  if (flowRows.length > 0) {
    console.log('');
    console.log('# The FlowNetS branch (frames 1 and T, encoder at the same width, joined at fc6): the BatchNorm network with and without it on native, steps interleaved; best of the repetitions');
    printTable(
      ['size', 'task', 'without ms', 'with flow ms', 'with / without', 'without CPU ms', 'with flow CPU ms', 'with / without (CPU)'],
      flowRows
        .filter((r) => r.flow)
        .map((r) => {
          const plain = flowRows.find((q) => !q.flow && q.size === r.size && q.task === r.task)!;
          return [`${frames}×${r.size}²`, r.task, fmt(plain.msPerStep), fmt(r.msPerStep), `${(r.msPerStep / plain.msPerStep).toFixed(2)}×`, fmt(plain.cpuMsPerStep), fmt(r.cpuMsPerStep), `${(r.cpuMsPerStep / plain.cpuMsPerStep).toFixed(2)}×`];
        }),
    );
    console.log('');
    console.log(`# Frames 1 and T of a batch of ${batch} clips (the branch's input, a strided slice): tfjs cpu's kernel against native's, alternating; best ms`);
    printTable(
      ['size', 'cpu ms', 'native ms', 'cpu / native'],
      framePairs.map((f) => [`${frames}×${f.size}²`, fmt(f.cpuMs, 2), fmt(f.nativeMs, 2), `${(f.cpuMs / f.nativeMs).toFixed(1)}×`]),
    );
  }
  console.log('');
  console.log('# Precision: the BatchNorm network on native, fp32 and each other precision interleaved step for step; speed-up = fp32 ms / ms (issue 17: bf16 >= 1.6× with AVX512-BF16, >= 3× with AMX, at 5×224²)');
  for (const note of precisionNotes) console.log(`# ${note}`);
  const precisionTable = precisionRows
    .filter((r) => r.precision !== 'fp32')
    .map((r) => {
      const fp32 = precisionRows.find((q) => q.precision === 'fp32' && q.size === r.size && q.task === r.task)!;
      return { size: r.size, task: r.task, precision: r.precision, fp32Ms: fp32.msPerStep, ms: r.msPerStep, speedup: fp32.msPerStep / r.msPerStep, loss: r.loss, fp32Loss: fp32.loss };
    });
  if (precisionTable.length > 0) {
    printTable(
      ['size', 'task', 'precision', 'fp32 ms', 'ms', 'speed-up over fp32', 'first loss (fp32 → this)'],
      precisionTable.map((r) => [`${frames}×${r.size}²`, r.task, r.precision, fmt(r.fp32Ms), fmt(r.ms), `${r.speedup.toFixed(2)}×`, r.loss !== undefined ? `${r.fp32Loss!.toFixed(5)} → ${r.loss.toFixed(5)}` : '']),
    );
    if (precisionTable.some((r) => r.precision === 'bf16-emulated')) console.log('# bf16-emulated rounds operands to bf16 and runs the fp32 kernels: its figure is the cost of the emulation, not a bf16 speed.');
  }
  if (args.json) {
    mkdirSync(path.dirname(path.resolve(args.json)), { recursive: true });
    writeFileSync(args.json, JSON.stringify({ peak, widthMultiplier, batch, frames, cpu: cpu.known ? cpu.features : null, rows: all, normRatios, flow: { rows: flowRows, framePairs }, precision: { rows: precisionRows, table: precisionTable, notes: precisionNotes } }, null, 2));
  }
}

await main();
