/**
 * The pure parts of predict: the clip layout against a naive enumeration and
 * against the evaluation's own planner, the video score and decision, the
 * verdict and CSV lines, the detector-box calibration, and the rule that the
 * modules a browser shares import nothing from Node or a tensor library.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  aggregateClipScores,
  calibrateBox,
  clipFrameIndices,
  clipStartEndingAt,
  ConfigError,
  cropFace,
  cropForModel,
  decide,
  fitBoxCalibration,
  formatVerdict,
  modelInput,
  planClips,
  planTestClips,
  resultCsvRow,
  standardizeClips,
  stillClip,
  clipPixels,
  iou,
  validateInputContract,
  inputContractFor,
  resolvePreprocessConfig,
} from '../../src/index.js';
import type { BoxPx, ClipLayout, LivenessResult } from '../../src/index.js';
import { mulberry32 } from '../helpers/seeded-random.js';
import { runtimeImports } from '../helpers/runtime-imports.js';
import { patternFrame } from '../face/helpers.js';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

describe('clip layout', () => {
  it('lists the clips a naive enumeration finds, leaving out those touching a frame without a face', () => {
    const rand = mulberry32(5);
    for (let trial = 0; trial < 200; trial++) {
      const layout: ClipLayout = { frames: 1 + Math.floor(rand() * 5), frameStride: 1 + Math.floor(rand() * 3), hopFrames: 1 + Math.floor(rand() * 6) };
      const n = Math.floor(rand() * 40);
      const face = Array.from({ length: n }, () => rand() > 0.15);
      const naive: number[][] = [];
      let noFace = 0;
      for (let s = 0; s < n; s += layout.hopFrames) {
        const frames = Array.from({ length: layout.frames }, (_, i) => s + i * layout.frameStride);
        if (frames[frames.length - 1]! >= n) break;
        if (frames.every((f) => face[f])) naive.push(frames);
        else noFace++;
      }
      const planned = planClips(n, layout, (f) => face[f]!);
      assert.deepEqual(planned.clips, naive);
      assert.equal(planned.noFace, noFace);
      // Streaming: the clips ending at each frame, in order, are the same clips.
      const streamed: number[][] = [];
      for (let f = 0; f < n; f++) {
        const s = clipStartEndingAt(f, layout);
        if (s !== null && clipFrameIndices(s, layout).every((g) => face[g])) streamed.push(clipFrameIndices(s, layout));
      }
      assert.deepEqual(streamed, naive);
    }
  });

  it('is the layout vidpad eval scores a video with (planTestClips, default hop)', () => {
    for (const length of [2, 3, 5] as const) {
      for (const frameCount of [1, 4, 5, 11, 60]) {
        const ours = planClips(frameCount, { frames: length, frameStride: 1, hopFrames: length }).clips;
        const evals = planTestClips([{ id: 'v', frameCount, frames: { kind: 'all' } }], { length, stride: 1 }).clips.map((c) => c.frames);
        assert.deepEqual(ours, evals, `T=${length}, ${frameCount} frames`);
      }
    }
  });

  it('refuses a bad layout, naming the field', () => {
    assert.throws(() => planClips(10, { frames: 0, frameStride: 1, hopFrames: 1 }), (e: unknown) => e instanceof ConfigError && e.path === 'clipLayout.frames');
    assert.throws(() => planClips(10, { frames: 2, frameStride: 1, hopFrames: 0.5 }), (e: unknown) => e instanceof ConfigError && e.path === 'clipLayout.hopFrames');
  });
});

describe('clip input', () => {
  it('crops with the contract and standardises each frame, as preprocessing and training do', () => {
    const frame = patternFrame(200, 150);
    const box: BoxPx = { left: 60, top: 30, right: 130, bottom: 110 };
    const crop = { sizePx: 32, marginFrac: 0.3, edge: 'pad-edge' as const, antialias: true };
    const ours = cropForModel(frame, box, crop);
    assert.deepEqual(ours, cropFace(frame, box, { sizePx: 32, marginFrac: 0.3, edge: 'pad-edge' }).frame.data);
    const clip = clipPixels([ours, ours.map((v) => 255 - v)], 32);
    assert.deepEqual(modelInput([clip]), standardizeClips([clip]));
    const still = stillClip(ours, 5, 32);
    assert.equal(still.frames.length, 5);
    const x = modelInput([still]);
    const n = 32 * 32 * 3;
    for (let t = 1; t < 5; t++) assert.deepEqual(x.subarray(t * n, (t + 1) * n), x.subarray(0, n));
  });

  it('fits a calibration that recovers a known box mapping, and applying it raises the IoU', () => {
    const rand = mulberry32(9);
    const truth = { sideScale: 0.85, shiftXFrac: 0.02, shiftYFrac: 0.12 };
    const pairs = Array.from({ length: 50 }, () => {
      const side = 40 + rand() * 60;
      const x = rand() * 200;
      const y = rand() * 100;
      const detected: BoxPx = { left: x, top: y, right: x + side, bottom: y + side * (0.9 + 0.2 * rand()) };
      return { detected, target: calibrateBox(detected, truth) };
    });
    const fit = fitBoxCalibration(pairs, 'blazeface');
    assert.equal(fit.samples, 50);
    assert.ok(Math.abs(fit.sideScale - truth.sideScale) < 1e-9);
    assert.ok(Math.abs(fit.shiftXFrac - truth.shiftXFrac) < 1e-9);
    assert.ok(Math.abs(fit.shiftYFrac - truth.shiftYFrac) < 1e-9);
    assert.ok(fit.meanIouAfter > 0.999 && fit.meanIouBefore < 0.8, JSON.stringify(fit));
    const b = pairs[0]!;
    assert.ok(iou(calibrateBox(b.detected, fit), b.target) > 0.999);
    assert.deepEqual(calibrateBox(b.detected, null), b.detected);
  });
});

describe('video score, decision and output lines', () => {
  it('is the mean of the clip scores, live at or above the threshold, no-face without clips', () => {
    assert.equal(aggregateClipScores([]), null);
    assert.equal(aggregateClipScores([0.5]), 0.5);
    assert.ok(Math.abs(aggregateClipScores([0.1, 0.2, 0.6])! - 0.3) < 1e-15);
    assert.equal(decide(0.3, 0.3), 'live');
    assert.equal(decide(0.2999, 0.3), 'attack');
    assert.equal(decide(null, 0.3), 'no-face');
  });

  it('renders a verdict line and a CSV row', () => {
    const r = {
      input: 'a,b.mp4', kind: 'video', decision: 'attack', score: 0.25, threshold: { value: 0.4, chosenOn: 'val', rule: 'eer', source: 'model' },
      clips: [{}, {}], frames: { read: 10, withFace: 9 }, reason: null,
    } as unknown as LivenessResult;
    assert.equal(formatVerdict(r), 'a,b.mp4: ATTACK (score 0.2500 < threshold 0.4000, 2 clips)');
    assert.equal(resultCsvRow(r), '"a,b.mp4",video,attack,0.25,0.4,2,10,9,');
    assert.equal(resultCsvRow({ input: 'x.mp4', error: 'x.mp4: no "such" file' }), 'x.mp4,,error,,,,,,"x.mp4: no ""such"" file"');
    const none = { ...r, decision: 'no-face', score: null, reason: 'no face found in any of the 10 frames read' } as LivenessResult;
    assert.equal(formatVerdict(none), 'a,b.mp4: NO FACE (no face found in any of the 10 frames read)');
  });
});

describe('input contract', () => {
  const contract = inputContractFor(resolvePreprocessConfig({ cropSizePx: 96, boxPolicy: 'dataset-then-detector' }), 'dlib-hog', { length: 3, stride: 2 });

  it('is made from the preprocessing settings and the clip spec', () => {
    assert.deepEqual(contract, {
      crop: { sizePx: 96, marginFrac: 0.2, edge: 'clamp', antialias: true },
      decodeWidthPx: 640,
      boxes: { policy: 'dataset-then-detector', detector: 'dlib-hog', track: { choose: 'nearest', maxGapFrames: 5, smoothWindowFrames: 3 }, calibrations: [] },
      clip: { frames: 3, frameStride: 2, hopFrames: 5 },
      standardization: 'per-frame mean 0 var 1',
    });
    assert.deepEqual(validateInputContract(JSON.parse(JSON.stringify(contract))), contract);
  });

  it('names the bad field', () => {
    const bad = (patch: (c: Record<string, any>) => void, field: string) => {
      const c = JSON.parse(JSON.stringify(contract)) as Record<string, any>;
      patch(c);
      assert.throws(() => validateInputContract(c, 'contract', 'model.json'), (e: unknown) => e instanceof ConfigError && e.path === field && /model\.json/.test(e.message), field);
    };
    bad((c) => (c.crop.edge = 'wrap'), 'contract.crop.edge');
    bad((c) => (c.decodeWidthPx = 0), 'contract.decodeWidthPx');
    bad((c) => (c.boxes.detector = 'none'), 'contract.boxes.detector');
    bad((c) => (c.boxes.track.smoothWindowFrames = 4), 'contract.boxes.track.smoothWindowFrames');
    bad((c) => (c.clip.hopFrames = -1), 'contract.clip.hopFrames');
    bad((c) => (c.standardization = 'none'), 'contract.standardization');
    bad((c) => (c.boxes.calibrations = [{ detector: 'blazeface', sideScale: 0.9, shiftXFrac: 0, shiftYFrac: 0.1, samples: 0, meanIouBefore: 0.7, meanIouAfter: 0.9 }]), 'contract.boxes.calibrations[0].samples');
  });
});

describe('what the browser shares', () => {
  it('the crop, clip layout, standardisation, contract and result modules import nothing from Node or a tensor library', () => {
    const roots = ['predict/clip-layout.ts', 'predict/clip-input.ts', 'predict/result.ts', 'models/input-contract.ts', 'face/crop.ts', 'face/box-calibration.ts', 'data/standardize.ts', 'explain/draw.ts'];
    const seen = new Set<string>();
    const queue = roots.map((r) => path.join(SRC, r));
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of runtimeImports(file)) {
        assert.ok(spec.startsWith('.'), `${path.relative(SRC, file)} imports '${spec}'`);
        queue.push(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
      }
    }
    assert.ok(seen.size >= roots.length);
  });
});
