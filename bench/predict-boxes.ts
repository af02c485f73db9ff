/**
 * `npm run bench:predict-boxes -- --demo DIR`: the box-policy question of
 * predict, measured on the demo's synthetic SiW and its protocol-1 model
 * (`vidpad demo --out DIR` first). The demo trains on the dataset's own
 * boxes (the `.face` files); a user's video has none, so predict detects.
 *
 * 1. Geometry: on the Test videos' frames (every --every'th), the crop
 *    square of each detector's box against the `.face` box's: IoU, side
 *    ratio and centre offset, before and after the calibration that
 *    preprocessing measures (fitted here on the Train videos only).
 * 2. Decisions: the model on a sample of the Test videos (every --stride'th)
 *    through createLivenessDetector with the `.face` boxes (as in training),
 *    with each detector's boxes raw, and calibrated: video-level APCER (worst
 *    attack type), BPCER and ACER at the model's threshold, and the mean
 *    absolute change of the video score against the `.face` run.
 *    Also with detection on every 3rd frame only (tracking between), and how
 *    far those boxes lie from the every-frame ones.
 * 3. The video score's rule: mean, median and minimum of the clip scores,
 *    with the `.face` boxes, at the same threshold.
 *
 * Options: --demo DIR (required)  --every 5  --stride 4  --json FILE
 */
import { parseArgs } from 'node:util';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  boxCenter,
  boxHeight,
  boxWidth,
  calibrateBox,
  createFaceDetector,
  createLivenessDetector,
  fitBoxCalibration,
  indexSiw,
  iou,
  listFaceDetectors,
  loadFaceFile,
  readFrames,
} from '../src/index.js';
import type { BoxCalibration, BoxPx, FaceDetectorName, LivenessResult } from '../src/index.js';

const args = parseArgs({ options: { demo: { type: 'string' }, every: { type: 'string', default: '5' }, stride: { type: 'string', default: '4' }, json: { type: 'string' } } }).values;
if (!args.demo) {
  console.error('bench:predict-boxes needs --demo DIR, the output folder of `vidpad demo`');
  process.exit(2);
}
const demo = path.resolve(args.demo);
const every = Number(args.every);
const stride = Number(args.stride);
const index = await indexSiw(path.join(demo, 'siw'));
const cells = await readdir(path.join(demo, 'cells'));
const p1 = cells.find((c) => c.endsWith('-p1'));
if (!p1) throw new Error(`no protocol-1 model under ${demo}/cells`);
// The experiment keeps each cell's model folder in cells/<cell>/model.
const modelDir = path.join(demo, 'cells', p1, 'model');
const detectors = listFaceDetectors().filter((p) => p.available).map((p) => p.name);

const square = (b: BoxPx): BoxPx => {
  const c = boxCenter(b);
  const s = Math.max(boxWidth(b), boxHeight(b));
  return { left: c.x - s / 2, top: c.y - s / 2, right: c.x + s / 2, bottom: c.y + s / 2 };
};
const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);

// 1. Geometry.
const report: Record<string, unknown> = {};
const calibrations: BoxCalibration[] = [];
console.log(`\n1. Crop squares of detector boxes against the .face boxes (frames every ${every}; calibration fitted on Train, measured on Test)\n`);
for (const name of detectors) {
  const detector = await createFaceDetector({ detector: name });
  const pairs: Record<'Train' | 'Test', { detected: BoxPx; target: BoxPx }[]> = { Train: [], Test: [] };
  let missed = 0;
  try {
    for (const v of index.videos) {
      const part = v.path.includes(`${path.sep}Train${path.sep}`) ? 'Train' : 'Test';
      const frames = await readFrames(v.path);
      const boxes = await loadFaceFile(v.faceFile!, { width: frames[0]!.width, height: frames[0]!.height }, { strict: false });
      for (let f = 0; f < frames.length; f += every) {
        const target = boxes[f];
        if (!target) continue;
        const found = (await detector.detect(frames[f]!)).filter((d) => iou(d.box, target) >= 0.3).sort((a, b) => iou(b.box, target) - iou(a.box, target));
        if (found.length === 0) missed++;
        else pairs[part].push({ detected: found[0]!.box, target });
      }
    }
  } finally {
    detector.dispose();
  }
  const fit = fitBoxCalibration(pairs.Train, name);
  calibrations.push(fitBoxCalibration([...pairs.Train, ...pairs.Test], name));
  const test = pairs.Test;
  const before = mean(test.map((p) => iou(square(p.detected), square(p.target))));
  const after = mean(test.map((p) => iou(calibrateBox(p.detected, fit), square(p.target))));
  const side = mean(test.map((p) => Math.max(boxWidth(p.target), boxHeight(p.target)) / Math.max(boxWidth(p.detected), boxHeight(p.detected))));
  const dy = mean(test.map((p) => (boxCenter(p.target).y - boxCenter(p.detected).y) / Math.max(boxWidth(p.detected), boxHeight(p.detected))));
  const dx = mean(test.map((p) => (boxCenter(p.target).x - boxCenter(p.detected).x) / Math.max(boxWidth(p.detected), boxHeight(p.detected))));
  console.log(
    `${name.padEnd(10)} ${test.length} Test frames (${missed} frames without a match): IoU ${before.toFixed(3)} → ${after.toFixed(3)} calibrated; ` +
      `.face side / detector side ${side.toFixed(3)}, centre offset (${dx.toFixed(3)}, ${dy.toFixed(3)}) × side; fit ${JSON.stringify({ sideScale: +fit.sideScale.toFixed(3), shiftXFrac: +fit.shiftXFrac.toFixed(3), shiftYFrac: +fit.shiftYFrac.toFixed(3) })}`,
  );
  report[`geometry-${name}`] = { frames: test.length, missed, iouBefore: before, iouAfter: after, sideRatio: side, dx, dy, fit };
}

// 2. Decisions.
const work = await mkdtemp(path.join(os.tmpdir(), 'vidpad-boxes-'));
const sample = index.videos.filter((v) => v.path.includes(`${path.sep}Test${path.sep}`)).filter((_, i) => i % stride === 0);
const bare = path.join(work, 'videos');
await mkdir(bare);
for (const v of sample) await copyFile(v.path, path.join(bare, `${v.id.replace(/[/\\]/g, '_')}.mov`));
async function modelWith(cal: BoxCalibration[]): Promise<string> {
  const dir = path.join(work, `model-${cal.length}`);
  await mkdir(dir, { recursive: true });
  for (const f of await readdir(modelDir)) if (/\.(json|safetensors|onnx)$/.test(f)) await copyFile(path.join(modelDir, f), path.join(dir, f));
  const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as { contract: { boxes: { calibrations: BoxCalibration[] } } | null };
  if (!json.contract) throw new Error(`${modelDir} records no input contract: rerun the demo with this vidpad`);
  json.contract.boxes.calibrations = cal;
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
  return dir;
}
interface Run {
  name: string;
  results: LivenessResult[];
}
async function run(name: string, dir: string, detector: FaceDetectorName, files: string[], detectEveryFrames = 1): Promise<Run> {
  const d = await createLivenessDetector({ model: dir, detector, detectEveryFrames });
  try {
    const results: LivenessResult[] = [];
    for (const f of files) results.push(await d.predictVideo(f));
    return { name, results };
  } finally {
    await d.dispose();
  }
}
function metrics(r: Run, score: (res: LivenessResult) => number | null = (res) => res.score): { apcer: number; bpcer: number; acer: number } {
  const byType = new Map<string, { n: number; accepted: number }>();
  let live = 0;
  let rejected = 0;
  r.results.forEach((res, i) => {
    const v = sample[i]!;
    const s = score(res);
    const accepted = s !== null && s >= res.threshold.value;
    if (v.label === 'live') {
      live++;
      if (!accepted) rejected++;
    } else {
      const t = byType.get(v.attackType ?? 'attack') ?? { n: 0, accepted: 0 };
      t.n++;
      if (accepted) t.accepted++;
      byType.set(v.attackType ?? 'attack', t);
    }
  });
  const apcer = Math.max(...[...byType.values()].map((t) => t.accepted / t.n));
  const bpcer = rejected / live;
  return { apcer, bpcer, acer: (apcer + bpcer) / 2 };
}
const plain = await modelWith([]);
const withCal = await modelWith(calibrations);
const faceRun = await run('.face boxes (as trained)', plain, detectors[0]!, sample.map((v) => v.path));
const runs: Run[] = [faceRun];
for (const name of detectors) {
  const files = sample.map((v) => path.join(bare, `${v.id.replace(/[/\\]/g, '_')}.mov`));
  runs.push(await run(`${name} boxes`, plain, name, files));
  runs.push(await run(`${name} boxes, calibrated`, withCal, name, files));
  runs.push(await run(`${name} calibrated, every 3rd frame`, withCal, name, files, 3));
}
console.log(`\n2. The demo's protocol-1 model on ${sample.length} Test videos (every ${stride}th), video level, threshold ${faceRun.results[0]!.threshold.value.toFixed(4)} (${faceRun.results[0]!.threshold.chosenOn})\n`);
for (const r of runs) {
  const m = metrics(r);
  const dScore = mean(r.results.map((res, i) => Math.abs((res.score ?? 0) - (faceRun.results[i]!.score ?? 0))));
  const noFace = r.results.filter((res) => res.decision === 'no-face').length;
  console.log(`${r.name.padEnd(32)} APCER ${(100 * m.apcer).toFixed(1).padStart(5)}%  BPCER ${(100 * m.bpcer).toFixed(1).padStart(5)}%  ACER ${(100 * m.acer).toFixed(1).padStart(5)}%  mean |Δscore| vs .face ${dScore.toFixed(4)}${noFace ? `  (${noFace} no-face)` : ''}`);
  report[`decisions-${r.name}`] = { ...m, meanAbsScoreChange: dScore, noFace };
}

// Detecting every 3rd frame against every frame: how far the tracked boxes move.
for (const name of detectors) {
  const full = runs.find((r) => r.name === `${name} boxes, calibrated`)!;
  const sparse = runs.find((r) => r.name === `${name} calibrated, every 3rd frame`)!;
  const ious: number[] = [];
  full.results.forEach((res, i) => res.clips.forEach((c, k) => c.boxes.forEach((b, j) => {
    const o = sparse.results[i]!.clips[k]?.boxes[j];
    if (o) ious.push(iou(b, o));
  })));
  console.log(`${name}: boxes with detection on every 3rd frame (tracking between) vs every frame: mean IoU ${mean(ious).toFixed(3)}, min ${Math.min(...ious).toFixed(3)} over ${ious.length} frames`);
  report[`every3-${name}`] = { meanIou: mean(ious), minIou: Math.min(...ious), frames: ious.length };
}

// 3. The video score's rule.
console.log('\n3. Video score rules (.face boxes, same threshold)\n');
const rules: [string, (res: LivenessResult) => number | null][] = [
  ['mean', (res) => res.score],
  ['median', (res) => {
    const s = res.clips.map((c) => c.score).sort((a, b) => a - b);
    return s.length === 0 ? null : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  }],
  ['minimum', (res) => (res.clips.length === 0 ? null : Math.min(...res.clips.map((c) => c.score)))],
];
for (const [name, rule] of rules) {
  const m = metrics(faceRun, rule);
  console.log(`${name.padEnd(8)} APCER ${(100 * m.apcer).toFixed(1).padStart(5)}%  BPCER ${(100 * m.bpcer).toFixed(1).padStart(5)}%  ACER ${(100 * m.acer).toFixed(1).padStart(5)}%`);
  report[`rule-${name}`] = m;
}
await rm(work, { recursive: true, force: true });
if (args.json) writeFileSync(String(args.json), JSON.stringify(report, null, 2) + '\n');
