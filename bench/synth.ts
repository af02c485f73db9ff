/**
 * `npm run bench:synth`: how long `vidpad synth` takes, and how often the
 * project's face detector finds the synthetic faces in the encoded videos.
 *
 * 1. Unless --skip-generate, generates --subjects (default 12) with --seed
 *    into --out at the default size, and reports wall time and CPU time
 *    (this process's threads plus the ffmpeg encoders it waited for), so a
 *    figure from a busy shared machine can be read against 2 idle cores.
 * 2. Decodes every --every'th frame of each video (.mov as written, H.264)
 *    and runs --detector (default dlib-hog, upsample 1): a frame counts as
 *    found when the detector returns a face, and as a hit when a face has
 *    IoU >= 0.5 with the `.face` box. Reported per presentation type.
 *
 * Options: --out DIR (default .vidpad-out/synth-bench)  --subjects 12  --seed 1
 *          --every 10  --detector dlib-hog|blazeface  --upsample 1  --backend wasm (blazeface's tfjs backend)
 *          --skip-generate  --json FILE
 */
import { parseArgs } from 'node:util';
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createFaceDetector, generateSynthSiw, initBackend, iou, streamFrames } from '../src/index.js';
import type { BoxPx, FaceDetectorRequest } from '../src/index.js';

const args = parseArgs({
  options: {
    out: { type: 'string', default: '.vidpad-out/synth-bench' },
    subjects: { type: 'string', default: '12' },
    seed: { type: 'string', default: '1' },
    every: { type: 'string', default: '10' },
    detector: { type: 'string', default: 'dlib-hog' },
    upsample: { type: 'string', default: '1' },
    backend: { type: 'string', default: 'wasm' },
    'skip-generate': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
}).values;

/** CPU seconds of this process (all threads) and of its reaped children, from /proc (Linux). */
function cpuSeconds(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    // after the command name: utime, stime, cutime, cstime are fields 14-17 of stat(5), i.e. 11-14 here
    const ticks = [11, 12, 13, 14].reduce((s, i) => s + Number(fields[i]), 0);
    return ticks / 100;
  } catch {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
}

const out = path.resolve(args.out!);
const report: Record<string, unknown> = {};
if (!args['skip-generate']) {
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  const r = await generateSynthSiw(out, { subjects: Number(args.subjects), seed: Number(args.seed) }, {
    onProgress: (p) => {
      if (p.done % 24 === 0) process.stderr.write(`  ${p.done}/${p.total} videos\n`);
    },
  });
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - cpu0;
  report.generate = { videos: r.written.length, skipped: r.skipped.length, frames: r.frames, wallSec: wall, cpuSec: cpu, cpuMsPerFrame: (1000 * cpu) / Math.max(1, r.frames) };
  console.log(
    `generate: ${r.written.length} videos (${r.skipped.length} already there), ${r.frames} frames in ${wall.toFixed(1)} s wall, ` +
      `${cpu.toFixed(1)} s CPU (${((1000 * cpu) / Math.max(1, r.frames)).toFixed(1)} ms CPU/frame; ${(cpu / 2).toFixed(0)} s on 2 idle cores)`,
  );
}

function movFiles(dir: string): string[] {
  const found: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) found.push(...movFiles(p));
    else if (e.name.endsWith('.mov')) found.push(p);
  }
  return found.sort();
}

const every = Number(args.every);
if (args.detector !== 'dlib-hog') await initBackend(args.backend!);
const detector = await createFaceDetector({ detector: args.detector as FaceDetectorRequest, upsample: Number(args.upsample) });
const kinds: Record<string, string> = { '1': 'live', '2': 'print', '3': 'replay' };
const stats = new Map<string, { frames: number; found: number; hits: number; iouSum: number }>();
const t0 = performance.now();
for (const mov of movFiles(out)) {
  const type = kinds[path.basename(mov).split('-')[2]!] ?? 'unknown';
  const boxes: Array<BoxPx | null> = readFileSync(mov.replace(/\.mov$/, '.face'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => {
      const [left, top, right, bottom] = l.split(' ').map(Number) as [number, number, number, number];
      return right > left ? { left, top, right, bottom } : null;
    });
  const s = stats.get(type) ?? { frames: 0, found: 0, hits: 0, iouSum: 0 };
  for await (const frame of streamFrames(mov)) {
    if (frame.index % every !== 0) continue;
    const faces = await detector.detect(frame);
    const truth = boxes[frame.index];
    const best = truth ? Math.max(0, ...faces.map((f) => iou(f.box, truth))) : 0;
    s.frames++;
    if (faces.length > 0) s.found++;
    if (best >= 0.5) s.hits++;
    s.iouSum += best;
  }
  stats.set(type, s);
}
detector.dispose();
const rows = [...stats.entries()].map(([type, s]) => ({ type, frames: s.frames, foundRate: s.found / s.frames, hitRate: s.hits / s.frames, meanIou: s.iouSum / s.frames }));
const all = [...stats.values()].reduce((a, s) => ({ frames: a.frames + s.frames, found: a.found + s.found, hits: a.hits + s.hits }), { frames: 0, found: 0, hits: 0 });
console.log(`\ndetection (${detector.name}, upsample ${args.upsample}) on every ${every}th frame of ${movFiles(out).length} encoded videos, ${((performance.now() - t0) / 1000).toFixed(0)} s:`);
for (const r of rows) console.log(`  ${r.type.padEnd(7)} ${String(r.frames).padStart(5)} frames  found ${(100 * r.foundRate).toFixed(1)}%  IoU>=0.5 with .face ${(100 * r.hitRate).toFixed(1)}%  mean IoU ${r.meanIou.toFixed(3)}`);
console.log(`  all     ${String(all.frames).padStart(5)} frames  found ${((100 * all.found) / all.frames).toFixed(1)}%  IoU>=0.5 with .face ${((100 * all.hits) / all.frames).toFixed(1)}%`);
report.detection = { detector: detector.name, upsample: Number(args.upsample), every, rows, all };
if (args.json) writeFileSync(args.json, JSON.stringify(report, null, 2) + '\n');
