/** The streaming tracker: exactly trackFaces' output, one frame at a time, with a fixed lookahead and constant memory. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, createFaceTracker, trackFaces, type BoxPx, type FaceCandidate, type FaceTrackConfig } from '../../src/index.js';
import { mulberry32 } from '../helpers/seeded-random.js';

/** Random per-frame candidates: runs of faces that drift, gaps of every length, sometimes two faces. */
function randomVideo(rand: () => number, n: number): FaceCandidate[][] {
  const out: FaceCandidate[][] = [];
  let x = 100;
  let y = 80;
  for (let f = 0; f < n; f++) {
    x += (rand() - 0.5) * 8;
    y += (rand() - 0.5) * 8;
    const r = rand();
    if (r < 0.25) {
      out.push([]);
      continue;
    }
    const main: BoxPx = { left: x, top: y, right: x + 60 + rand() * 5, bottom: y + 60 + rand() * 5 };
    const cands: FaceCandidate[] = [{ box: main, score: 1 }];
    if (r > 0.9) cands.push({ box: { left: x + 150, top: y, right: x + 150 + 80, bottom: y + 80 }, score: 0.5 });
    out.push(cands);
  }
  return out;
}

/** Long runs of empty frames too, so gaps longer than maxGapFrames occur. */
function withLongGaps(rand: () => number, frames: FaceCandidate[][]): FaceCandidate[][] {
  return frames.map((c, i) => (Math.floor(i / 9) % 3 === 1 && rand() < 0.9 ? [] : c));
}

function streamAll(frames: readonly FaceCandidate[][], config: Partial<FaceTrackConfig>) {
  const tracker = createFaceTracker(config);
  const out = [];
  for (const c of frames) out.push(...tracker.push(c));
  out.push(...tracker.finish());
  return out;
}

describe('createFaceTracker', () => {
  const configs: Partial<FaceTrackConfig>[] = [
    {},
    { smoothWindowFrames: 1 },
    { smoothWindowFrames: 5, maxGapFrames: 2 },
    { maxGapFrames: 0 },
    { choose: 'largest', smoothWindowFrames: 7, maxGapFrames: 8 },
  ];
  for (const [ci, config] of configs.entries()) {
    it(`gives trackFaces' boxes and sources exactly (config ${ci}: ${JSON.stringify(config)})`, () => {
      const rand = mulberry32(100 + ci);
      for (let trial = 0; trial < 40; trial++) {
        const n = 1 + Math.floor(rand() * 80);
        const frames = trial % 2 === 0 ? randomVideo(rand, n) : withLongGaps(rand, randomVideo(rand, n));
        const batch = trackFaces(frames, config);
        const streamed = streamAll(frames, config);
        assert.equal(streamed.length, n);
        streamed.forEach((s, i) => {
          assert.equal(s.index, i);
          assert.equal(s.source, batch[i]!.source, `trial ${trial}, frame ${i}`);
          assert.deepEqual(s.box, batch[i]!.box, `trial ${trial}, frame ${i}`);
        });
      }
    });
  }

  it('hands frame f out once frame f + lookahead is pushed, never earlier or later', () => {
    const tracker = createFaceTracker({ smoothWindowFrames: 3, maxGapFrames: 5 });
    assert.equal(tracker.lookaheadFrames, 1 + 5 + 1);
    const frames = randomVideo(mulberry32(7), 30);
    const seen: number[] = [];
    frames.forEach((c, pushed) => {
      const out = tracker.push(c);
      for (const o of out) seen.push(o.index);
      const expectedCount = Math.max(0, pushed + 1 - tracker.lookaheadFrames);
      assert.equal(seen.length, expectedCount, `after pushing frame ${pushed}`);
    });
    const rest = tracker.finish().map((o) => o.index);
    assert.deepEqual([...seen, ...rest], Array.from({ length: 30 }, (_, i) => i));
    assert.deepEqual(tracker.finish(), []);
    assert.throws(() => tracker.push([]), ConfigError);
  });

  it('does not mutate the candidates it is given', () => {
    const frames = randomVideo(mulberry32(3), 20);
    const copy = JSON.parse(JSON.stringify(frames)) as FaceCandidate[][];
    streamAll(frames, {});
    assert.deepEqual(frames, copy);
  });
});
