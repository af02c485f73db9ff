/**
 * `npm run bench:serve`: the HTTP service under load, next to the same work
 * done in-process by the library in the same run.
 *
 * Starts `vidpad serve` (the real program, a child process) on loopback with
 * a demo-shaped model (random weights: 112², T = 5, width ×0.25; the cost does
 * not depend on the weights) and drives POST /v1/predict with a short
 * synthetic face video (320×240, 30 fps) from closed-loop undici clients at
 * several concurrency levels for a bounded time each. For each level:
 * throughput, p50/p95/p99 latency, errors, the server's peak RSS. Baseline:
 * the same video scored by createLivenessDetector in this process, one input
 * after another on as many detectors as the service has workers, with the
 * same ONNX threads; the service's overhead is 1 − its throughput / the
 * baseline's (target ≤ 15%). Last, a run at 4× the queue bound (workers +
 * max-queue): only 200s and 503s are allowed, and the server's memory is
 * sampled to show it stays flat.
 *
 * Options: --seconds 15 (per level)  --levels 1,2,4  --workers 1  --max-queue 4  --frames 30  --json FILE
 */
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { createLivenessDetector, initBackend } from '../src/index.js';
import { writeDemoShapedModel } from './demo-shaped-model.js';
import { planSynthSiw, renderSynthVideo } from '../src/synth/index.js';

const args = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    levels: { type: 'string', default: '1,2,4' },
    workers: { type: 'string', default: '1' },
    'max-queue': { type: 'string', default: '4' },
    frames: { type: 'string', default: '30' },
    json: { type: 'string' },
  },
}).values;
const seconds = Number(args.seconds);
const levels = String(args.levels).split(',').map(Number);
const workers = Number(args.workers);
const maxQueue = Number(args['max-queue']);
const frameCount = Number(args.frames);
const threads = Math.max(1, Math.floor(os.availableParallelism() / workers));
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.resolve('bench-results');
mkdirSync(outDir, { recursive: true });

async function makeVideo(file: string): Promise<void> {
  const spec = planSynthSiw({ subjects: 1, seed: 3 }).videos.find((v) => v.type === 1)!;
  const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '320x240', '-r', '30', '-i', 'pipe:0', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p', file], {
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  const done = new Promise<void>((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`)))));
  for (const f of renderSynthVideo(spec, { seed: 3, width: 320, height: 240, frames: frameCount, fps: 30 })) {
    if (!child.stdin.write(f.rgb)) await new Promise((r) => child.stdin.once('drain', r));
  }
  child.stdin.end();
  await done;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Resident and peak resident memory of a process (Linux /proc), in MiB. */
function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

interface LevelResult {
  concurrency: number;
  requests: number;
  byStatus: Record<string, number>;
  transportErrors: number;
  throughputPerSec: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  serverRssMb: { start: number; end: number; peakDuring: number; secondHalfSlopeMbPerMin: number };
  serverPeakRssMb: number;
}

/** Closed-loop load: `concurrency` clients, each sending the next request when its answer is in, for `durationSec`. */
async function drive(base: string, body: Buffer, concurrency: number, durationSec: number, pid: number): Promise<LevelResult> {
  const pool = new Pool(base, { connections: concurrency, pipelining: 1 });
  const latencies: number[] = [];
  const byStatus: Record<string, number> = {};
  let transportErrors = 0;
  const samples: { t: number; rss: number }[] = [];
  const t0 = performance.now();
  const end = t0 + durationSec * 1000;
  const sampler = setInterval(() => samples.push({ t: (performance.now() - t0) / 1000, rss: memoryOf(pid).rssMb }), 250);
  samples.push({ t: 0, rss: memoryOf(pid).rssMb });
  const client = async () => {
    while (performance.now() < end) {
      const s = performance.now();
      try {
        const r = await pool.request({ path: '/v1/predict', method: 'POST', headers: { 'content-type': 'video/mp4' }, body });
        await r.body.text();
        byStatus[r.statusCode] = (byStatus[r.statusCode] ?? 0) + 1;
        if (r.statusCode === 200) latencies.push(performance.now() - s);
        // A refused client waits as told (Retry-After) would make the run measure sleep; retry at once, as a worst-case client does.
      } catch {
        transportErrors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  const elapsedSec = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  samples.push({ t: elapsedSec, rss: memoryOf(pid).rssMb });
  await pool.close();
  latencies.sort((a, b) => a - b);
  const half = samples.filter((s) => s.t >= elapsedSec / 2);
  const slope = linearSlope(half.map((s) => s.t), half.map((s) => s.rss)) * 60;
  return {
    concurrency,
    requests: Object.values(byStatus).reduce((a, b) => a + b, 0),
    byStatus,
    transportErrors,
    throughputPerSec: (byStatus['200'] ?? 0) / elapsedSec,
    latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies.at(-1) ?? NaN },
    serverRssMb: { start: samples[0]!.rss, end: samples.at(-1)!.rss, peakDuring: Math.max(...samples.map((s) => s.rss)), secondHalfSlopeMbPerMin: slope },
    serverPeakRssMb: memoryOf(pid).peakMb,
  };
}

function linearSlope(x: number[], y: number[]): number {
  const n = x.length;
  if (n < 2) return 0;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (x[i]! - mx) * (y[i]! - my);
    den += (x[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** The baseline: the same video scored by the library here, one after another on each of `workers` detectors, for `durationSec`. */
async function inProcess(modelDir: string, file: string, durationSec: number): Promise<{ throughputPerSec: number; latencyMs: { p50: number; p95: number; p99: number }; runs: number }> {
  const detectors = await Promise.all(Array.from({ length: workers }, () => createLivenessDetector({ model: modelDir, threads })));
  try {
    for (const d of detectors) await d.predictVideo(file);
    const latencies: number[] = [];
    const t0 = performance.now();
    const end = t0 + durationSec * 1000;
    await Promise.all(
      detectors.map(async (d) => {
        while (performance.now() < end) {
          const s = performance.now();
          await d.predictVideo(file);
          latencies.push(performance.now() - s);
        }
      }),
    );
    const elapsedSec = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    return { throughputPerSec: latencies.length / elapsedSec, latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) }, runs: latencies.length };
  } finally {
    for (const d of detectors) await d.dispose();
  }
}

const video = path.join(outDir, `serve-320x240-${frameCount}.mp4`);
if (!existsSync(video)) await makeVideo(video);
const body = await readFile(video);
const modelDir = path.join(outDir, 'serve-model');
await rm(modelDir, { recursive: true, force: true });
// A backend chosen before the model is built (else tfjs picks its cpu backend and prints its install banner).
await initBackend('auto');
await writeDemoShapedModel(modelDir, 'blazeface');
const loadStart = os.loadavg();
console.log(`\nbench:serve: POST /v1/predict with a ${frameCount}-frame 320×240 H.264 video (${body.length} bytes), ${workers} worker(s) × ${threads} ONNX thread(s), queue ${maxQueue}; ${os.availableParallelism()} cores, load average ${loadStart.map((l) => l.toFixed(1)).join(' ')}\n`);

// The baseline first, while the service is not running.
const baseline = await inProcess(modelDir, video, seconds);
console.log(`in-process (library, ${workers} detector(s) in a loop): ${baseline.throughputPerSec.toFixed(2)} videos/s, p50 ${baseline.latencyMs.p50.toFixed(0)} ms, p95 ${baseline.latencyMs.p95.toFixed(0)} ms, p99 ${baseline.latencyMs.p99.toFixed(0)} ms (${baseline.runs} runs)\n`);

const bin = path.join(ROOT, 'src', 'cli', 'bin.ts');
const child = spawn(process.execPath, ['--import', 'tsx', bin, 'serve', '--model', modelDir, '--port', '0', '--workers', String(workers), '--threads', String(threads), '--max-queue', String(maxQueue), '--quiet'], {
  cwd: ROOT,
  stdio: ['ignore', 'ignore', 'pipe'],
});
let stderr = '';
const base = await new Promise<string>((resolve, reject) => {
  child.stderr.on('data', (b: Buffer) => {
    stderr += String(b);
    const m = /listening on (http:\/\/[^\s]+)/.exec(stderr);
    if (m && stderr.includes('vidpad serve: ready')) resolve(m[1]!);
  });
  child.on('exit', (code) => reject(new Error(`vidpad serve exited ${code}:\n${stderr}`)));
});
const pid = child.pid!;
console.log(`service ${base} (pid ${pid}), ready; RSS ${memoryOf(pid).rssMb.toFixed(0)} MiB\n`);

const rows: (LevelResult & { overheadPct: number; kind: string })[] = [];
const header = 'kind        conc  requests  200s   503s  other  errors   videos/s  overhead   p50 ms   p95 ms   p99 ms   RSS start→end (peak) MiB';
console.log(header);
const print = (kind: string, r: LevelResult, overheadPct: number) => {
  const other = Object.entries(r.byStatus).filter(([s]) => s !== '200' && s !== '503').reduce((a, [, n]) => a + n, 0);
  console.log(
    `${kind.padEnd(10)} ${String(r.concurrency).padStart(5)} ${String(r.requests).padStart(9)} ${String(r.byStatus['200'] ?? 0).padStart(5)} ${String(r.byStatus['503'] ?? 0).padStart(6)} ${String(other).padStart(6)} ${String(r.transportErrors).padStart(7)} ${r.throughputPerSec.toFixed(2).padStart(10)} ${`${overheadPct.toFixed(1)}%`.padStart(9)} ${r.latencyMs.p50.toFixed(0).padStart(8)} ${r.latencyMs.p95.toFixed(0).padStart(8)} ${r.latencyMs.p99.toFixed(0).padStart(8)}   ${r.serverRssMb.start.toFixed(0)}→${r.serverRssMb.end.toFixed(0)} (${r.serverPeakRssMb.toFixed(0)})`,
  );
};
try {
  // Warm the HTTP path (connections, the first upload's spool) before measuring.
  await drive(base, body, 1, 2, pid);
  for (const c of levels) {
    const r = await drive(base, body, c, seconds, pid);
    const overheadPct = (1 - r.throughputPerSec / baseline.throughputPerSec) * 100;
    rows.push({ ...r, overheadPct, kind: 'level' });
    print('level', r, overheadPct);
  }
  const bound = workers + maxQueue;
  const over = await drive(base, body, 4 * bound, seconds, pid);
  const overOverhead = (1 - over.throughputPerSec / baseline.throughputPerSec) * 100;
  rows.push({ ...over, overheadPct: overOverhead, kind: 'overload' });
  print('4× bound', over, overOverhead);
  const onlyOkOrBusy = Object.keys(over.byStatus).every((s) => s === '200' || s === '503') && over.transportErrors === 0;
  console.log(
    `\noverload at 4× the bound (${4 * bound} clients, bound ${bound}): ${onlyOkOrBusy ? 'only 200s and 503s' : 'OTHER ANSWERS OR ERRORS'}; ` +
      `server RSS ${over.serverRssMb.start.toFixed(0)} → ${over.serverRssMb.end.toFixed(0)} MiB (highest sample ${over.serverRssMb.peakDuring.toFixed(0)}), slope over the second half ${over.serverRssMb.secondHalfSlopeMbPerMin.toFixed(1)} MiB/min`,
  );
  const levelRows = rows.filter((r) => r.kind === 'level');
  const worst = Math.max(...levelRows.filter((r) => r.concurrency >= workers).map((r) => r.overheadPct));
  const c1 = levelRows.find((r) => r.concurrency === 1);
  if (c1) console.log(`latency at concurrency 1: service p50 ${c1.latencyMs.p50.toFixed(0)} ms vs in-process ${baseline.latencyMs.p50.toFixed(0)} ms (${((c1.latencyMs.p50 / baseline.latencyMs.p50 - 1) * 100).toFixed(1)}%)`);
  console.log(`service overhead (1 − throughput / in-process), worst level: ${worst.toFixed(1)}% (target ≤ 15%)`);
  const loadEnd = os.loadavg();
  console.log(`load average at the end ${loadEnd.map((l) => l.toFixed(1)).join(' ')}`);
  if (args.json) writeFileSync(args.json, JSON.stringify({ frameCount, workers, threads, maxQueue, seconds, loadStart, loadEnd, baseline, rows }, null, 2));
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}
