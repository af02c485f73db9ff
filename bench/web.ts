/**
 * npm run bench:web: the browser liveness loop in headless Chromium (Debian's,
 * through playwright-core) on a model of the demo's size (112², T = 5, width
 * ×0.25), 640×480 synthetic face video:
 * - the whole loop on a fake 30 fps camera (frames grabbed, BlazeFace every
 *   3rd frame, tracking, crops, the model per clip, decisions), with the
 *   networks in a worker (the default) and on the page's thread;
 * - the loop's capacity: frames pushed as fast as it takes them (no camera
 *   clock), for each backend tried: onnxruntime-web wasm with its default
 *   threads (cores - 1), 1 and 2 threads, WebGPU (reported absent when it is), and
 *   BlazeFace on tfjs wasm and webgl;
 * - baselines measured in the same run: onnxruntime-node per clip and
 *   BlazeFace on Node's tfjs-wasm per frame, the same model and frames.
 * The target: >= 15 fps end to end on 2 cores. Flags: --seconds S (per
 * scenario, default 8), --json FILE.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { createFaceDetector, initBackend, openModelSession } from '../src/index.js';
import { writeDemoShapedModel } from './demo-shaped-model.js';
import { planSynthSiw, renderSynthVideo } from '../src/synth/index.js';
import { prepareWebModel, startWebServer } from '../src/web/index.js';
import { buildPage, launchChromium } from '../test/web/helpers.js';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '8' }, json: { type: 'string' } } });
const seconds = Number(args.seconds);
const W = 640;
const H = 480;
const FRAMES = 45;
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
const loadStart = load();

function ffmpeg(argv: string[], input: Uint8Array[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...argv], { stdio: ['pipe', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`ffmpeg exited ${code}`))));
    for (const f of input) child.stdin.write(f);
    child.stdin.end();
  });
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-bench-web-'));
try {
  // The model: the demo's shape, random weights (speed does not depend on them), fed BlazeFace boxes.
  await initBackend('cpu');
  const modelDir = path.join(dir, 'model');
  await writeDemoShapedModel(modelDir, 'blazeface');
  await prepareWebModel(modelDir);
  const pageDir = path.join(dir, 'page');
  await buildPage(pageDir);

  // 640×480 synthetic face video: raw RGB for the capacity runs, y4m for the fake camera.
  const spec = planSynthSiw({ subjects: 1, seed: 3 }).videos.find((v) => v.type === 1)!;
  const small = [...renderSynthVideo(spec, { seed: 3, width: 320, height: 240, frames: FRAMES, fps: 30 })].map((f) => f.rgb);
  const scale = ['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '320x240', '-r', '30', '-i', 'pipe:0', '-vf', `scale=${W}:${H}:flags=bicubic`];
  const rgb = await ffmpeg([...scale, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], small);
  await writeFile(path.join(pageDir, 'bench-frames.rgb'), rgb);
  const y4m = path.join(dir, 'camera.y4m');
  await ffmpeg([...scale, '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', '-y', y4m], small);

  // Baselines in Node, same run: onnxruntime-node per clip, BlazeFace on tfjs-wasm per frame.
  const clip = Float32Array.from({ length: 5 * 112 * 112 * 3 }, (_, i) => Math.sin(i));
  const nodeOnnx: Record<string, number> = {};
  for (const threads of [1, 2]) {
    const { session } = await openModelSession(modelDir, { threads });
    for (let i = 0; i < 5; i++) await session.run(clip, 1);
    const t0 = performance.now();
    for (let i = 0; i < 30; i++) await session.run(clip, 1);
    nodeOnnx[threads] = (performance.now() - t0) / 30;
    await session.dispose();
  }
  await initBackend('wasm');
  const blaze = await createFaceDetector({ detector: 'blazeface', backend: 'wasm' });
  const frame0 = { width: W, height: H, data: new Uint8Array(rgb.subarray(0, W * H * 3)) };
  for (let i = 0; i < 3; i++) await blaze.detect(frame0);
  let t0 = performance.now();
  for (let i = 0; i < 15; i++) await blaze.detect(frame0);
  const nodeBlazeMs = (performance.now() - t0) / 15;
  blaze.dispose();

  const server = await startWebServer({ pageDir, modelDir, port: 0 });
  interface Row {
    scenario: string;
    fps: number;
    modelMs: number;
    detectMs: number;
    onnx: string;
    tf: string;
    runsIn: string;
    note: string;
  }
  const rows: Row[] = [];
  const open = async (query: string, camera: boolean): Promise<{ page: Page; close: () => Promise<void> }> => {
    const browser = await launchChromium(camera ? { y4m } : {});
    const page = await browser.newPage();
    await page.goto(`${server.url}?${query}`);
    await page.waitForFunction("document.body.dataset.state === 'running' || document.body.dataset.state === 'ready' || (globalThis.vidpadPage && globalThis.vidpadPage.errors.length > 0)", null, { timeout: 120_000 });
    return { page, close: () => browser.close() };
  };
  const info = (page: Page) =>
    page.evaluate('(() => { const s = globalThis.vidpadPage; return { errors: s.errors, stats: s.stats, onnx: s.session && s.session.backends.onnx, tf: s.session && s.session.backends.tf, skipped: s.session ? s.session.backends.skipped : [], runsIn: s.session && s.session.runsIn }; })()') as Promise<{
      errors: string[];
      stats: { fps: number; cameraFps: number | null; modelMs: number; detectMs: number; framesProcessed: number; framesMissed: number; framesBehind: number; clipsScored: number } | null;
      onnx: string;
      tf: string;
      skipped: string[];
      runsIn: string;
    }>;

  const camera = async (scenario: string, query: string) => {
    const { page, close } = await open(query, true);
    try {
      await page.waitForTimeout(3000); // warm-up: the first clips, the runtimes' first calls
      const before = await info(page);
      await page.waitForTimeout(seconds * 1000);
      const after = await info(page);
      if (after.errors.length > 0 || !after.stats || !before.stats) throw new Error(`${scenario}: ${after.errors.join('; ') || 'no statistics'}`);
      const frames = after.stats.framesProcessed - before.stats.framesProcessed;
      const missed = after.stats.framesMissed - before.stats.framesMissed;
      const behind = after.stats.framesBehind - before.stats.framesBehind;
      rows.push({
        scenario,
        fps: frames / seconds,
        modelMs: after.stats.modelMs,
        detectMs: after.stats.detectMs,
        onnx: after.onnx,
        tf: after.tf,
        runsIn: after.runsIn,
        note: `camera ${after.stats.cameraFps?.toFixed(1)} fps; dropped: ${missed} missed, ${behind} behind; ${after.stats.clipsScored - before.stats.clipsScored} clips`,
      });
    } finally {
      await close();
    }
  };
  const capacity = async (scenario: string, query: string) => {
    const { page, close } = await open(`camera=0&${query}`, false);
    try {
      const start = await info(page);
      if (start.errors.length > 0) {
        rows.push({ scenario, fps: NaN, modelMs: NaN, detectMs: NaN, onnx: '-', tf: '-', runsIn: '-', note: start.errors.join('; ') });
        return;
      }
      const result = (await page.evaluate(`(async () => {
        const s = globalThis.vidpadPage.session;
        const buf = new Uint8Array(await (await fetch('bench-frames.rgb')).arrayBuffer());
        const size = ${W * H * 3};
        const n = buf.length / size;
        const frame = (i) => ({ width: ${W}, height: ${H}, data: buf.slice((i % n) * size, (i % n + 1) * size) });
        for (let i = 0; i < 30; i++) await s.pushFrame(frame(i));
        const t0 = performance.now();
        let k = 0;
        while (performance.now() - t0 < ${seconds * 1000}) await s.pushFrame(frame(k++));
        return { frames: k, ms: performance.now() - t0 };
      })()`)) as { frames: number; ms: number };
      const end = await info(page);
      rows.push({
        scenario,
        fps: result.frames / (result.ms / 1e3),
        modelMs: end.stats?.modelMs ?? NaN,
        detectMs: end.stats?.detectMs ?? NaN,
        onnx: end.onnx,
        tf: end.tf,
        runsIn: end.runsIn,
        note: end.skipped.length > 0 ? `skipped: ${end.skipped.join('; ')}` : '',
      });
    } finally {
      await close();
    }
  };

  await camera('camera 30 fps, networks in a worker (default)', '');
  await camera('camera 30 fps, networks on the page thread', 'worker=0');
  await capacity('capacity, ONNX wasm (default threads: cores - 1)', '');
  await capacity('capacity, ONNX wasm, 1 thread', 'onnxThreads=1');
  await capacity('capacity, ONNX wasm, 2 threads', 'onnxThreads=2');
  await capacity('capacity, ONNX webgpu (else wasm)', 'onnx=webgpu,wasm');
  await capacity('capacity, BlazeFace on tfjs webgl', 'tf=webgl');
  await server.close();

  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '–');
  console.log(`\nbench:web: headless Chromium (Debian's), ${W}×${H} synthetic face video, model 112², T = 5, width ×0.25; BlazeFace every 3rd frame`);
  console.log(`${os.availableParallelism()} cores; load average at start ${loadStart}, at end ${load()}\n`);
  console.log('| scenario | fps (whole loop) | ms / model call | ms / BlazeFace | ONNX | BlazeFace | networks in | notes |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.scenario} | ${f(r.fps)} | ${f(r.modelMs)} | ${f(r.detectMs)} | ${r.onnx} | tfjs-${r.tf} | ${r.runsIn} | ${r.note} |`);
  console.log(`\nbaselines in Node, same run: onnxruntime-node ${f(nodeOnnx[1]!)} ms/clip on 1 thread, ${f(nodeOnnx[2]!)} on 2; BlazeFace tfjs-wasm ${f(nodeBlazeMs)} ms/frame`);
  const def = rows.find((r) => r.scenario.startsWith('capacity, ONNX wasm (default'));
  if (def) {
    console.log(`ratios: page model call / Node on 1 thread ${f(def.modelMs / nodeOnnx[1]!, 2)}, on 2 threads ${f(def.modelMs / nodeOnnx[2]!, 2)}; page BlazeFace / Node ${f(def.detectMs / nodeBlazeMs, 2)}`);
    console.log(`target >= 15 fps end to end: capacity ${f(def.fps)} fps (${def.fps >= 15 ? 'met' : 'NOT met'}); camera loop ${f(rows[0]?.fps ?? NaN)} fps of the camera's 30`);
  }
  if (args.json) await writeFile(args.json, JSON.stringify({ loadStart, loadEnd: load(), cores: os.availableParallelism(), nodeOnnxMs: nodeOnnx, nodeBlazeMs, rows }, null, 2) + '\n');
} finally {
  await rm(dir, { recursive: true, force: true });
}
