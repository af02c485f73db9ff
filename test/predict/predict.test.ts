/**
 * Predict end to end: a tiny model trained here on synthetic live, print and
 * replay videos gives the expected decisions on held-out subjects through the
 * library and the CLI; bad inputs each get their error while the batch goes
 * on; the CLI's JSON is the library's result; no tensors leak.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { createLivenessDetector, createTfjsScorer, loadModelFolder, quantizeModelFolderInt8, readFrames, readModelMeta, readVideoCrops, standardizeClips, tf, VIDEO_SCORE_RULE, RESULT_CSV_HEADER } from '../../src/index.js';
import type { LivenessResult } from '../../src/index.js';
import { captureIo } from '../helpers/capture-io.js';
import { makeVideo } from '../video/make-video.js';
import { encodeFrames, FIXTURE_CROP_PX, FIXTURE_FRAMES, FIXTURE_SIZE, liveFrames, trainFixtureModel } from './fixtures.js';
import type { TrainedFixture } from './fixtures.js';

const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const expected = (kind: string) => (kind === 'live' ? 'live' : 'attack');
const withoutTimings = (r: LivenessResult) => ({ ...r, timings: null });

let fx: TrainedFixture;
let dir: string;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-predict-'));
  fx = await trainFixtureModel(dir);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('predict with a model trained on synthetic live, print and replay videos', { timeout: 600_000 }, () => {
  it('records the input contract it was trained with', async () => {
    const meta = await readModelMeta(fx.modelDir);
    assert.equal(meta.formatVersion, 2);
    assert.ok(meta.contract);
    assert.deepEqual(meta.contract.crop, { sizePx: FIXTURE_CROP_PX, marginFrac: 0.2, edge: 'clamp', antialias: true });
    assert.equal(meta.contract.decodeWidthPx, 640);
    assert.equal(meta.contract.boxes.policy, 'dataset');
    assert.equal(meta.contract.boxes.detector, 'none');
    assert.deepEqual(meta.contract.clip, { frames: 2, frameStride: 1, hopFrames: 2 });
    // Preprocessing with the dataset's boxes measured how BlazeFace frames the same faces.
    const cal = meta.contract.boxes.calibrations.find((c) => c.detector === 'blazeface');
    assert.ok(cal && cal.samples > 0 && cal.meanIouAfter > cal.meanIouBefore, JSON.stringify(meta.contract.boxes.calibrations));
    assert.ok(meta.head, 'a cross-entropy model keeps its head');
    assert.equal(meta.head.classes, 2);
    // The default network normalises: predict, its tfjs/ONNX parity and Grad-CAM below all run a BatchNorm model.
    assert.equal(meta.config.norm, 'batch');
  });

  it('gives the expected decision for every held-out video, with the result the issue asks for', async () => {
    const detector = await createLivenessDetector({ model: fx.modelDir });
    try {
      assert.equal(detector.detectorName, 'blazeface');
      assert.equal(detector.threshold.source, 'model');
      assert.equal(detector.threshold.chosenOn, 'val');
      for (const v of fx.inputs) {
        const r = await detector.predictVideo(v.file);
        assert.equal(r.decision, expected(v.kind), `${v.subject} ${v.kind}: score ${r.score} vs threshold ${r.threshold.value}`);
        assert.equal(r.kind, 'video');
        assert.equal(r.scoreRule, VIDEO_SCORE_RULE);
        assert.equal(r.frames.read, FIXTURE_FRAMES);
        assert.equal(r.frames.withFace, FIXTURE_FRAMES, 'blazeface finds the face in every frame');
        assert.deepEqual([r.frames.width, r.frames.height], [FIXTURE_SIZE.width, FIXTURE_SIZE.height]);
        // Non-overlapping clips of 2 frames: the model's evaluation layout.
        assert.deepEqual(r.clips.map((c) => c.frames), Array.from({ length: FIXTURE_FRAMES / 2 }, (_, k) => [2 * k, 2 * k + 1]));
        const mean = r.clips.reduce((s, c) => s + c.score, 0) / r.clips.length;
        assert.ok(Math.abs(r.score! - mean) < 1e-12, 'the video score is the mean of the clip scores');
        for (const c of r.clips) {
          assert.equal(c.boxes.length, 2);
          for (const b of c.boxes) assert.ok(b.left >= 0 && b.right <= FIXTURE_SIZE.width && b.right - b.left > 20, JSON.stringify(b));
        }
        assert.equal(r.detector.name, 'blazeface');
        assert.equal(r.detector.calibrated, true);
        assert.equal(r.model.contract, 'recorded');
        assert.ok(r.warnings.some((w) => /trained on the dataset's own face boxes/.test(w)), 'says the boxes differ from training');
        assert.ok(r.timings.totalMs > 0 && r.timings.framesPerSec > 0);
        assert.deepEqual(JSON.parse(JSON.stringify(r)), r, 'the result is plain JSON data');
      }
    } finally {
      await detector.dispose();
    }
  });

  it('reproduces the training crops exactly: on a dataset video with its .face file, the clip scores of the cached crops', async () => {
    const detector = await createLivenessDetector({ model: fx.modelDir, scorer: 'tfjs' });
    const { scorer } = await createTfjsScorer(fx.modelDir);
    try {
      for (const v of fx.videos.filter((_, i) => i % 5 === 0)) {
        const r = await detector.predictVideo(v.path);
        assert.equal(r.detector.name, 'dataset', 'the .face file beside the video gives the boxes, as in training');
        const { meta, crops } = await readVideoCrops(fx.cache, v.id);
        const side = meta.cropSizePx;
        const clip = (frames: number[]) => ({ width: side, height: side, frames: frames.map((f) => crops.subarray(f * side * side * 3, (f + 1) * side * side * 3)) });
        const { liveScore } = await scorer.run(standardizeClips(r.clips.map((c) => clip(c.frames))), r.clips.length);
        r.clips.forEach((c, i) => assert.ok(Math.abs(c.score - liveScore[i]!) < 1e-6, `${v.id} clip ${i}: ${c.score} vs cached ${liveScore[i]}`));
        r.clips.forEach((c) => c.boxes.forEach((b, j) => assert.deepEqual(b, meta.boxes[c.frames[j]!])));
      }
    } finally {
      await scorer.dispose();
      await detector.dispose();
    }
  });

  it('reads a stream and decoded frames the same way as the file', async () => {
    const detector = await createLivenessDetector({ model: fx.modelDir });
    try {
      const video = fx.inputs.find((v) => v.kind === 'replay')!;
      const fromFile = await detector.predictVideo(video.file);
      const fromStream = await detector.predictVideo(createReadStream(video.file));
      assert.equal(fromStream.input, 'stream');
      assert.deepEqual(withoutTimings({ ...fromStream, input: fromFile.input, warnings: fromFile.warnings }), withoutTimings(fromFile));
      // Frames decoded by the caller at full size: the pipeline resizes nothing here (160 px < 640), so the same scores.
      const frames = await readFrames(video.file);
      const fromFrames = await detector.predictFrames(frames);
      assert.equal(fromFrames.kind, 'frames');
      assert.equal(fromFrames.decision, fromFile.decision);
      assert.deepEqual(fromFrames.clips.map((c) => c.score), fromFile.clips.map((c) => c.score));
    } finally {
      await detector.dispose();
    }
  });

  it('leaks no tensors across predictions', async () => {
    const detector = await createLivenessDetector({ model: fx.modelDir, scorer: 'tfjs' });
    try {
      await detector.predictVideo(fx.inputs[0]!.file);
      const before = tf.memory().numTensors;
      await detector.predictVideo(fx.inputs[1]!.file);
      assert.equal(tf.memory().numTensors, before);
    } finally {
      await detector.dispose();
    }
  });

  it('scores on tfjs and on ONNX Runtime alike', async () => {
    // A BatchNorm model with trained running statistics: tfjs normalises with them (inference mode), the ONNX export has them folded into its convolutions.
    const { model } = await loadModelFolder(fx.modelDir);
    try {
      const stats = [...model.buffers].filter(([name]) => name.endsWith('.running_var'));
      assert.ok(stats.length > 0 && stats.some(([, v]) => (v.dataSync() as Float32Array).some((x) => Math.abs(x - 1) > 1e-3)), 'the running statistics moved from their initial values');
    } finally {
      model.dispose();
    }
    const onnx = await createLivenessDetector({ model: fx.modelDir });
    const tfjs = await createLivenessDetector({ model: fx.modelDir, scorer: 'tfjs' });
    try {
      const a = await onnx.predictVideo(fx.inputs[0]!.file);
      const b = await tfjs.predictVideo(fx.inputs[0]!.file);
      a.clips.forEach((c, i) => assert.ok(Math.abs(c.score - b.clips[i]!.score) < 1e-4, `clip ${i}: ${c.score} vs ${b.clips[i]!.score}`));
    } finally {
      await onnx.dispose();
      await tfjs.dispose();
    }
  });

  it("scores with the int8 export when asked for (precision 'int8'), close to fp32, and refuses int8 on the tfjs scorer", async () => {
    // Calibrated on clips of the training cache (a test of the plumbing; vidpad export --quantize int8 takes validation clips).
    const meta = await readModelMeta(fx.modelDir);
    const t = meta.config.frames;
    const batches = [];
    for (const v of fx.videos.slice(0, 4)) {
      const { meta: cm, crops } = await readVideoCrops(fx.cache, v.id);
      const side = cm.cropSizePx;
      const clip = { width: side, height: side, frames: Array.from({ length: t }, (_, f) => crops.subarray(f * side * side * 3, (f + 1) * side * side * 3)) };
      batches.push({ data: standardizeClips([clip]), batch: 1 });
    }
    await quantizeModelFolderInt8(fx.modelDir, { calibration: batches, calibrationSource: 'fixture training clips' });
    await assert.rejects(createLivenessDetector({ model: fx.modelDir, scorer: 'tfjs', precision: 'int8' }), /int8 runs on the onnx scorer/);
    const fp32 = await createLivenessDetector({ model: fx.modelDir });
    const int8 = await createLivenessDetector({ model: fx.modelDir, precision: 'int8' });
    try {
      const a = await fp32.predictVideo(fx.inputs[0]!.file);
      const b = await int8.predictVideo(fx.inputs[0]!.file);
      assert.equal(b.clips.length, a.clips.length);
      a.clips.forEach((c, i) => assert.ok(Math.abs(c.score - b.clips[i]!.score) < 0.05, `clip ${i}: fp32 ${c.score} vs int8 ${b.clips[i]!.score}`));
      assert.ok(a.clips.some((c, i) => c.score !== b.clips[i]!.score), 'int8 scored with its own export');
    } finally {
      await fp32.dispose();
      await int8.dispose();
    }
  });
});

describe('vidpad predict', { timeout: 600_000 }, () => {
  it('prints a verdict per input, gives each bad input its error, goes on, and exits 1', async () => {
    const bad = path.join(dir, 'bad');
    await mkdir(bad, { recursive: true });
    const text = path.join(bad, 'notes.mp4');
    await writeFile(text, 'not a video at all\n');
    const short = path.join(bad, 'one-frame.mp4');
    await encodeFrames(short, liveFrames(6, 0, 1).map((f) => f.rgb), FIXTURE_SIZE.width, FIXTURE_SIZE.height);
    const noFace = path.join(bad, 'pattern.mp4');
    makeVideo(noFace, { frames: 6, width: 160, height: 120, kind: 'colours' });
    const missing = path.join(bad, 'missing.mov');
    const still = path.join(ROOT_DIR, 'test', 'fixtures', 'faces', 'image_T1.jpg');
    const good = fx.inputs.map((v) => v.file);
    const csv = path.join(dir, 'verdicts.csv');
    const { out, io } = captureIo();
    const code = await main(['predict', '--model', fx.modelDir, '--csv', csv, good[0]!, text, missing, short, noFace, still, good[1]!], io);
    assert.equal(code, 1, out.stderr);
    const lines = out.stdout.trim().split('\n');
    assert.equal(lines.length, 7);
    assert.match(lines[0]!, new RegExp(`^${good[0]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (LIVE|ATTACK) \\(score -?[\\d.]+ (>=|<) threshold -?[\\d.]+, 6 clips\\)$`));
    assert.match(lines[1]!, /notes\.mp4: ERROR \[E_INPUT\] .*not a readable video/);
    assert.match(lines[2]!, /missing\.mov: ERROR \[E_INPUT\] .*no such file/);
    assert.match(lines[3]!, /one-frame\.mp4: ERROR \[E_INPUT\] .*too few frames: 1.*spans 2 frames/);
    assert.match(lines[4]!, /pattern\.mp4: NO FACE \(no face found in any of the 6 frames read\)/);
    assert.match(lines[5]!, /image_T1\.jpg: (LIVE|ATTACK) \(score .*, 1 clip\)/);
    assert.match(lines[6]!, /: (LIVE|ATTACK) /);
    assert.match(out.stderr, /warning: a still image is scored as a clip/);
    const rows = (await readFile(csv, 'utf8')).trim().split('\n');
    assert.equal(rows[0], RESULT_CSV_HEADER);
    assert.equal(rows.length, 8);
    assert.match(rows[2]!, /notes\.mp4,,error,,,,,,/);
    assert.match(rows[5]!, /pattern\.mp4,video,no-face,,/);
  });

  it('prints the library result as JSON, one object per input', async () => {
    const detector = await createLivenessDetector({ model: fx.modelDir });
    let library: LivenessResult;
    try {
      library = await detector.predictVideo(fx.inputs[2]!.file);
    } finally {
      await detector.dispose();
    }
    const { out, io } = captureIo();
    const code = await main(['predict', '--json', '--model', fx.modelDir, fx.inputs[2]!.file, path.join(dir, 'nope.mp4')], io);
    assert.equal(code, 1);
    const [first, second] = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as LivenessResult & { error?: { code: string; message: string } });
    assert.deepEqual(withoutTimings(first!), withoutTimings(library));
    assert.equal(second!.error!.code, 'E_INPUT');
    assert.match(second!.error!.message, /nope\.mp4: no such file/);
  });

  it('reads a video from standard input (-)', () => {
    const video = fx.inputs.find((v) => v.kind === 'live')!;
    const script = `import { main } from ${JSON.stringify(path.join(ROOT_DIR, 'src', 'cli', 'main.ts'))}; process.exitCode = await main(process.argv.slice(1));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'predict', '--quiet', '--model', fx.modelDir, '-'], {
      cwd: ROOT_DIR,
      input: readFileSync(video.file),
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^-: LIVE \(score/);
  });

  it('refuses an incomplete, damaged or newer model folder with a clear error', async () => {
    const broken = path.join(dir, 'broken');
    await mkdir(broken, { recursive: true });
    for (const f of await readdir(fx.modelDir)) if (f.endsWith('.json') || f.endsWith('.safetensors')) await copyFile(path.join(fx.modelDir, f), path.join(broken, f));
    const run = async () => {
      const { out, io } = captureIo();
      const code = await main(['predict', '--model', broken, fx.inputs[0]!.file], io);
      return { code, err: out.stderr };
    };
    await rm(path.join(broken, 'weights.safetensors'));
    let r = await run();
    assert.equal(r.code, 1);
    assert.match(r.err, /weights\.safetensors: cannot read the weights \(no such file\)/);
    await writeFile(path.join(broken, 'weights.safetensors'), Buffer.from('not safetensors'));
    r = await run();
    assert.match(r.err, /weights\.safetensors: .*(bytes but model\.json records|SHA-256)/);
    const meta = JSON.parse(await readFile(path.join(fx.modelDir, 'model.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(path.join(broken, 'model.json'), JSON.stringify({ ...meta, formatVersion: 99 }));
    r = await run();
    assert.match(r.err, /formatVersion: 99 was written by a newer vidpad; this one reads up to 2/);
    await writeFile(path.join(broken, 'model.json'), '{ "format": "vidpad-model", ');
    r = await run();
    assert.match(r.err, /model\.json: not valid JSON/);
  });
});
