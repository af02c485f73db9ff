/**
 * `npm run bench:face`: milliseconds per frame of each available face
 * detector at 1920×1080, 960×540 and 640×480, side by side in one run.
 *
 * The frames: the sample photo image_T1 (upright), scaled to the frame's
 * height and centred on grey, so every size holds the same face at the same
 * relative size. Each figure is the median of --reps timed calls after one
 * warm-up call. Baseline: dlib-hog on the full-resolution frame (no
 * downscale, what calling dlib directly does), measured in the same run;
 * vidpad's dlib-hog detects on the frame downscaled to 640 px wide. Also
 * printed: the IoU of blazeface's box with dlib's on the three sample photos
 * before and after the BLAZEFACE_TO_DLIB calibration, and each detector's
 * detection rate on synthetic SiW frames (the generator's own face box is the
 * truth: a frame counts as detected when a box has IoU >= 0.5 with it), per
 * presentation type: every --synth-every'th video of --synth subjects, frames
 * 0, 10, 20 of each, at the generator's default 320×240.
 *
 * Options: --reps 5  --upsample 1  --backend wasm  --no-baseline
 *          --synth 4 (subjects; 0 skips)  --synth-every 4  --json FILE
 */
import { parseArgs } from 'node:util';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  BLAZEFACE_TO_DLIB,
  createFaceDetector,
  initBackend,
  iou,
  listFaceDetectors,
  readImage,
  resizeRgb,
  type BoxPx,
  type FaceDetector,
  type FaceDetectorName,
  type RgbFrame,
} from '../src/index.js';
import { DEFAULT_SYNTH_CONFIG, planSynthSiw, renderSynthVideo } from '../src/synth/index.js';

const args = parseArgs({
  options: {
    reps: { type: 'string', default: '5' },
    upsample: { type: 'string', default: '1' },
    backend: { type: 'string', default: 'wasm' },
    'no-baseline': { type: 'boolean', default: false },
    synth: { type: 'string', default: '4' },
    'synth-every': { type: 'string', default: '4' },
    json: { type: 'string' },
  },
}).values;
const reps = Number(args.reps);
const upsample = Number(args.upsample);

const SAMPLES = path.resolve(process.cwd(), 'test', 'fixtures', 'faces');
if (!existsSync(path.join(SAMPLES, 'image_T1.jpg'))) {
  console.error(`bench:face needs the sample photographs in ${SAMPLES}`);
  process.exit(1);
}

const SIZES: [number, number][] = [
  [1920, 1080],
  [960, 540],
  [640, 480],
];

function frameWithPhoto(photo: RgbFrame, width: number, height: number): RgbFrame {
  const h = height;
  const w = Math.round((photo.width * h) / photo.height);
  const scaled = resizeRgb(photo, w, h);
  const data = new Uint8Array(width * height * 3).fill(110);
  const x0 = Math.floor((width - w) / 2);
  for (let y = 0; y < h; y++) data.set(scaled.data.subarray(y * w * 3, (y + 1) * w * 3), (y * width + x0) * 3);
  return { width, height, data };
}

/**
 * Median wall time, and the process's CPU time per call (all threads: dlib
 * runs on libuv's pool). On a shared machine the CPU time is the steadier
 * figure; on an idle one the two agree for these single-threaded detectors.
 */
async function timeDetector(d: FaceDetector, frame: RgbFrame, n: number): Promise<{ ms: number; cpuMs: number; faces: number }> {
  const first = await d.detect(frame); // warm-up: first-call compilation, wasm kernel setup
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await d.detect(frame);
    times.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, cpuMs: (cpu.user + cpu.system) / 1000 / n, faces: first.length };
}

const active = await initBackend(args.backend);
const probes = listFaceDetectors();
const available = probes.filter((p) => p.available).map((p) => p.name);
for (const p of probes) if (!p.available) console.log(`${p.name}: unavailable (${p.reason ?? ''})`);

const photo = (await readImage(path.join(SAMPLES, 'image_T1.jpg'))).frame;
const frames = SIZES.map(([w, h]) => frameWithPhoto(photo, w, h));

type Row = { size: string; detector: string; ms: number; cpuMs: number; faces: number };
const rows: Row[] = [];
const columns: { label: string; make: () => Promise<FaceDetector>; reps: number }[] = [];
if (available.includes('dlib-hog') && !args['no-baseline']) {
  columns.push({ label: 'baseline: dlib-hog full-res', make: () => createFaceDetector({ detector: 'dlib-hog', upsample, maxWidthPx: 8192 }), reps: 1 });
}
for (const name of available as FaceDetectorName[]) {
  const label = name === 'dlib-hog' ? `dlib-hog (≤640 px, up ${upsample})` : `blazeface (${active.name})`;
  columns.push({ label, make: () => createFaceDetector({ detector: name, upsample }), reps });
}

for (const col of columns) {
  const d = await col.make();
  try {
    for (let i = 0; i < SIZES.length; i++) {
      const r = await timeDetector(d, frames[i]!, col.reps);
      rows.push({ size: `${SIZES[i]![0]}×${SIZES[i]![1]}`, detector: col.label, ...r });
    }
  } finally {
    d.dispose();
  }
}

console.log(`\nface detection, ms per frame: wall (median of ${reps}; baseline 1 run) / CPU; faces found in brackets; tfjs backend ${active.name}\n`);
const labels = columns.map((c) => c.label);
const width = Math.max(...labels.map((l) => l.length)) + 2;
console.log('frame'.padEnd(11) + labels.map((l) => l.padStart(width)).join(''));
for (const [w, h] of SIZES) {
  const size = `${w}×${h}`;
  const cells = labels.map((l) => {
    const r = rows.find((x) => x.size === size && x.detector === l)!;
    return `${r.ms.toFixed(0)} / ${r.cpuMs.toFixed(0)} [${r.faces}]`.padStart(width);
  });
  console.log(size.padEnd(11) + cells.join(''));
}
const base = rows.filter((r) => r.detector.startsWith('baseline'));
if (base.length > 0) {
  console.log('\nspeed-up over the baseline (full-resolution dlib):');
  for (const l of labels.filter((x) => !x.startsWith('baseline'))) {
    console.log(`  ${l}: ` + SIZES.map(([w, h]) => `${w}×${h} ${(base.find((b) => b.size === `${w}×${h}`)!.ms / rows.find((r) => r.size === `${w}×${h}` && r.detector === l)!.ms).toFixed(1)}×`).join(', '));
  }
}

let calibration: { file: string; before: number; after: number }[] = [];
if (available.includes('dlib-hog') && available.includes('blazeface')) {
  const dl = await createFaceDetector({ detector: 'dlib-hog', upsample });
  const raw = await createFaceDetector({ detector: 'blazeface', calibrate: false });
  const cal = await createFaceDetector({ detector: 'blazeface' });
  for (const file of ['image_T1.jpg', 'image_F1.jpg', 'image_F2.jpg']) {
    const img = (await readImage(path.join(SAMPLES, file))).frame;
    const a = (await dl.detect(img))[0];
    const r = (await raw.detect(img))[0];
    const c = (await cal.detect(img))[0];
    if (a && r && c) calibration.push({ file, before: iou(a.box, r.box), after: iou(a.box, c.box) });
  }
  dl.dispose();
  raw.dispose();
  cal.dispose();
  console.log(`\nblazeface vs dlib-hog IoU on the samples, raw -> calibrated ${JSON.stringify(BLAZEFACE_TO_DLIB)}:`);
  for (const c of calibration) console.log(`  ${c.file}: ${c.before.toFixed(3)} -> ${c.after.toFixed(3)}`);
  const mean = (k: 'before' | 'after'): number => calibration.reduce((s, c) => s + c[k], 0) / calibration.length;
  console.log(`  mean: ${mean('before').toFixed(3)} -> ${mean('after').toFixed(3)}`);
} else {
  calibration = [];
}

type SynthRate = { detector: string; type: string; frames: number; found: number; hits: number; meanIou: number };
const synthRates: SynthRate[] = [];
const synthSubjects = Number(args.synth);
if (synthSubjects > 0) {
  const every = Number(args['synth-every']);
  const { width: W, height: H, fps, seed } = DEFAULT_SYNTH_CONFIG;
  const videos = planSynthSiw({ subjects: synthSubjects, seed }).videos.filter((_, i) => i % every === 0);
  const kinds: Record<number, string> = { 1: 'live', 2: 'print', 3: 'replay' };
  // Render once, detect with each detector.
  const samples: { type: string; frame: RgbFrame; box: BoxPx }[] = [];
  for (const spec of videos) {
    let f = 0;
    for (const fr of renderSynthVideo(spec, { seed, width: W, height: H, frames: 21, fps })) {
      if (f++ % 10 === 0 && fr.box) samples.push({ type: kinds[spec.type]!, frame: { width: W, height: H, data: fr.rgb }, box: fr.box });
    }
  }
  for (const name of available as FaceDetectorName[]) {
    const d = await createFaceDetector({ detector: name, upsample });
    for (const type of ['live', 'print', 'replay']) {
      const mine = samples.filter((x) => x.type === type);
      let found = 0;
      let hits = 0;
      let iouSum = 0;
      for (const x of mine) {
        const faces = await d.detect(x.frame);
        if (faces.length > 0) found++;
        const best = Math.max(0, ...faces.map((f) => iou(f.box, x.box)));
        if (best >= 0.5) hits++;
        iouSum += best;
      }
      synthRates.push({ detector: name, type, frames: mine.length, found, hits, meanIou: mine.length ? iouSum / mine.length : 0 });
    }
    d.dispose();
  }
  console.log(`\ndetection rate on synthetic SiW frames (${videos.length} videos of ${synthSubjects} subjects, ${W}×${H}; hit = IoU >= 0.5 with the generator's box):`);
  for (const r of synthRates) {
    const pct = (n: number): string => `${((100 * n) / Math.max(1, r.frames)).toFixed(0)}%`;
    console.log(`  ${r.detector.padEnd(10)} ${r.type.padEnd(7)} ${String(r.frames).padStart(4)} frames: hit ${pct(r.hits).padStart(4)}, any face ${pct(r.found).padStart(4)}, mean best IoU ${r.meanIou.toFixed(2)}`);
  }
}

if (args.json) writeFileSync(args.json, JSON.stringify({ backend: active.name, reps, upsample, rows, calibration, synthRates }, null, 2) + '\n');
