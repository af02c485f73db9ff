/** Boxes over time: choosing the face, filling gaps up to maxGapFrames, smoothing, "no face" clips, and the dataset box policy. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, chooseBoxByPolicy, clipHasFace, isUsableDatasetBox, trackFaces, type BoxPx, type FaceCandidate } from '../../src/index.js';

const box = (l: number, t: number, size: number): BoxPx => ({ left: l, top: t, right: l + size, bottom: t + size });
const det = (b: BoxPx, score = 1): FaceCandidate[] => [{ box: b, score }];

function approxBox(actual: BoxPx | null, expected: BoxPx, msg?: string): void {
  assert.ok(actual, msg ?? 'expected a box');
  for (const k of ['left', 'top', 'right', 'bottom'] as const) assert.ok(Math.abs(actual[k] - expected[k]) < 1e-9, `${msg ?? ''} ${k}: ${actual[k]} vs ${expected[k]}`);
}

describe('trackFaces: gaps', () => {
  it('fills a 1-frame gap by interpolating its neighbours', () => {
    const frames = [det(box(0, 0, 100)), det(box(10, 20, 100)), [], det(box(30, 40, 120)), det(box(30, 40, 120))];
    const t = trackFaces(frames, { smoothWindowFrames: 1 });
    assert.equal(t[2]!.source, 'filled');
    approxBox(t[2]!.box, { left: 20, top: 30, right: 130, bottom: 140 });
    assert.deepEqual(t.map((f) => f.source), ['detected', 'detected', 'filled', 'detected', 'detected']);
    assert.equal(clipHasFace(t, 0, 5), true);
  });

  it('interpolates a longer gap linearly, up to maxGapFrames', () => {
    const frames = [det(box(0, 0, 100)), [], [], [], det(box(40, 0, 100))];
    const t = trackFaces(frames, { smoothWindowFrames: 1, maxGapFrames: 3 });
    [10, 20, 30].forEach((l, i) => approxBox(t[i + 1]!.box, box(l, 0, 100)));
    const refused = trackFaces(frames, { smoothWindowFrames: 1, maxGapFrames: 2 });
    assert.deepEqual(refused.map((f) => f.source), ['detected', 'none', 'none', 'none', 'detected']);
  });

  it('refuses a 30-frame gap with the default maxGapFrames (5): those frames are "no face" and clips touching them are refused', () => {
    const frames: FaceCandidate[][] = [];
    for (let i = 0; i < 10; i++) frames.push(det(box(50, 50, 100)));
    for (let i = 0; i < 30; i++) frames.push([]);
    for (let i = 0; i < 10; i++) frames.push(det(box(50, 50, 100)));
    const t = trackFaces(frames);
    for (let i = 10; i < 40; i++) {
      assert.equal(t[i]!.box, null);
      assert.equal(t[i]!.source, 'none');
    }
    assert.equal(clipHasFace(t, 0, 10), true);
    assert.equal(clipHasFace(t, 5, 15), false);
    assert.equal(clipHasFace(t, 39, 41), false);
    assert.equal(clipHasFace(t, 40, 50), true);
  });

  it('holds the nearest box over a short gap at the start or end; a video with no face at all stays empty', () => {
    const t = trackFaces([[], [], det(box(5, 5, 50)), det(box(5, 5, 50)), []], { smoothWindowFrames: 1 });
    assert.deepEqual(t.map((f) => f.source), ['filled', 'filled', 'detected', 'detected', 'filled']);
    approxBox(t[0]!.box, box(5, 5, 50));
    approxBox(t[4]!.box, box(5, 5, 50));
    assert.deepEqual(trackFaces([[], [], []]).map((f) => f.box), [null, null, null]);
    assert.deepEqual(trackFaces([]), []);
  });
});

describe('trackFaces: choice and smoothing', () => {
  const big = box(0, 0, 200);
  const small = box(300, 300, 80);

  it('largest takes the biggest box in each frame', () => {
    const t = trackFaces([[{ box: small }, { box: big }], [{ box: big }, { box: small }]], { choose: 'largest', smoothWindowFrames: 1 });
    approxBox(t[0]!.box, big);
    approxBox(t[1]!.box, big);
  });

  it('nearest follows the face chosen first even when another one grows larger', () => {
    const drifted = box(305, 302, 82);
    const bigger = box(0, 0, 260);
    const t = trackFaces([[{ box: small }, { box: big }], [{ box: bigger }, { box: small }], [{ box: drifted }, { box: bigger }]], { choose: 'nearest', smoothWindowFrames: 1 });
    // Frame 0 has no previous box: the largest. Then the nearest to it.
    approxBox(t[0]!.box, big);
    approxBox(t[1]!.box, bigger);
    approxBox(t[2]!.box, bigger);
    const u = trackFaces([[{ box: small }], [{ box: big }, { box: drifted }]], { choose: 'nearest', smoothWindowFrames: 1 });
    approxBox(u[1]!.box, drifted);
  });

  it('ignores invalid candidate boxes', () => {
    const t = trackFaces([[{ box: { left: 5, top: 5, right: 5, bottom: 9 } }, { box: { left: Number.NaN, top: 0, right: 1, bottom: 1 } }]]);
    assert.equal(t[0]!.box, null);
  });

  it('a centred moving average removes jitter, keeps a steady box, never crosses a "no face" frame', () => {
    const jitter = [0, 4, 0, 4, 0, 4, 0].map((d) => det(box(100 + d, 100, 50)));
    const t = trackFaces(jitter, { smoothWindowFrames: 3 });
    // Interior frames: mean of three neighbours (e.g. (4 + 0 + 4) / 3); the ends are kept (window shrinks to 1).
    approxBox(t[0]!.box, box(100, 100, 50));
    approxBox(t[1]!.box, box(100 + 4 / 3, 100, 50));
    approxBox(t[2]!.box, box(100 + 8 / 3, 100, 50));
    const steady = trackFaces(Array.from({ length: 6 }, () => det(box(7, 9, 40))), { smoothWindowFrames: 5 });
    for (const f of steady) approxBox(f.box, box(7, 9, 40));
    const split = trackFaces([det(box(0, 0, 10)), det(box(0, 0, 10)), ...Array.from({ length: 8 }, () => []), det(box(90, 0, 10)), det(box(90, 0, 10))], { smoothWindowFrames: 5 });
    approxBox(split[1]!.box, box(0, 0, 10));
    approxBox(split[10]!.box, box(90, 0, 10));
  });

  it('does not modify its input', () => {
    const frames = [det(box(0, 0, 10)), [], det(box(4, 0, 10))];
    const copy = JSON.parse(JSON.stringify(frames)) as unknown;
    trackFaces(frames);
    assert.deepEqual(frames, copy);
  });

  it('bad config names the field', () => {
    assert.throws(() => trackFaces([], { maxGapFrames: -1 }), (e: unknown) => e instanceof ConfigError && e.path === 'track.maxGapFrames');
    assert.throws(() => trackFaces([], { smoothWindowFrames: 4 }), /track\.smoothWindowFrames: expected an odd integer/);
    assert.throws(() => trackFaces([], { choose: 'first' as never }), /track\.choose: unknown value 'first'; expected one of largest, nearest/);
    assert.throws(() => clipHasFace([], 0, 1), ConfigError);
  });
});

describe('box policy', () => {
  const W = 640;
  const H = 480;
  const shipped = box(100, 100, 200);
  const agrees = box(110, 105, 200); // IoU ~0.86
  const elsewhere = box(400, 200, 150);

  it('dataset: the shipped box when usable, else none', () => {
    assert.deepEqual(chooseBoxByPolicy(shipped, [{ box: elsewhere }], W, H, { policy: 'dataset' }), { box: shipped, source: 'dataset' });
    assert.deepEqual(chooseBoxByPolicy({ left: 0, top: 0, right: 0, bottom: 0 }, [{ box: elsewhere }], W, H, { policy: 'dataset' }), { box: null, source: 'none' });
  });

  it('detector: the largest detection, ignoring the shipped box', () => {
    assert.deepEqual(chooseBoxByPolicy(shipped, [{ box: box(0, 0, 20) }, { box: elsewhere }], W, H, { policy: 'detector' }), { box: elsewhere, source: 'detector' });
    assert.deepEqual(chooseBoxByPolicy(shipped, [], W, H, { policy: 'detector' }), { box: null, source: 'none' });
  });

  it('dataset-then-detector: the shipped box when it agrees with a detection, else the detector\'s', () => {
    assert.deepEqual(chooseBoxByPolicy(shipped, [{ box: elsewhere }, { box: agrees }], W, H), { box: shipped, source: 'dataset' });
    assert.deepEqual(chooseBoxByPolicy(shipped, [{ box: elsewhere }], W, H), { box: elsewhere, source: 'detector' });
    // Invalid shipped box: the detector's.
    assert.deepEqual(chooseBoxByPolicy({ left: 10, top: 10, right: 5, bottom: 50 }, [{ box: agrees }], W, H), { box: agrees, source: 'detector' });
    // No detection: the shipped box cannot be checked, so none.
    assert.deepEqual(chooseBoxByPolicy(shipped, [], W, H), { box: null, source: 'none' });
    // The agreement threshold decides.
    const partly = box(200, 100, 200); // IoU with shipped = 100·200 / (2·40000 − 20000) = 1/3
    assert.equal(chooseBoxByPolicy(shipped, [{ box: partly }], W, H, { minAgreementIou: 0.3 }).source, 'dataset');
    assert.equal(chooseBoxByPolicy(shipped, [{ box: partly }], W, H, { minAgreementIou: 0.34 }).source, 'detector');
  });

  it('a shipped box mostly outside the frame is not usable', () => {
    assert.equal(isUsableDatasetBox(box(600, 100, 200), W, H), false); // 40 of 200 px inside
    assert.equal(isUsableDatasetBox(box(500, 100, 200), W, H), true); // 140 of 200 inside
    assert.equal(isUsableDatasetBox(null, W, H), false);
  });

  it('bad policy config names the field', () => {
    assert.throws(() => chooseBoxByPolicy(shipped, [], W, H, { policy: 'both' as never }), /boxPolicy\.policy: unknown value 'both'/);
    assert.throws(() => chooseBoxByPolicy(shipped, [], W, H, { minAgreementIou: 1.5 }), /boxPolicy\.minAgreementIou/);
  });
});
