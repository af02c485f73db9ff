import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createSeededRandom,
  childSeed,
  resolveClipSpec,
  clipSpan,
  allClips,
  randomClips,
  planTestClips,
  planTrainClips,
  frameRangeFor,
  countSplit,
  chooseAugmentation,
  augmentClip,
  resolveAugmentConfig,
  DEFAULT_AUGMENT_CONFIG,
  type ClipSource,
} from '../../src/data/index.js';
import { ConfigError } from '../../src/errors.js';

test('the seeded generator is deterministic, uniform enough, and seeds differ', () => {
  const a = createSeededRandom(42);
  const b = createSeededRandom(42);
  const xs = Array.from({ length: 1000 }, () => a.next());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b.next()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.03, String(mean));
  assert.notDeepEqual(Array.from({ length: 5 }, () => createSeededRandom(43).next()), xs.slice(0, 5));
  const r = createSeededRandom(7);
  const seen = new Set(Array.from({ length: 500 }, () => r.int(3, 8)));
  assert.deepEqual([...seen].sort(), [3, 4, 5, 6, 7]);
  assert.throws(() => r.int(5, 5), RangeError);
  assert.throws(() => createSeededRandom(NaN), RangeError);
  assert.equal(childSeed(1, 'clips', 'a'), childSeed(1, 'clips', 'a'));
  assert.notEqual(childSeed(1, 'clips', 'a'), childSeed(1, 'clips', 'b'));
  assert.notEqual(childSeed(1, 'ab', 'c'), childSeed(1, 'a', 'bc'));
  assert.notEqual(childSeed(1, 'a'), childSeed(2, 'a'));
});

test('clip specs: N in {2, 3, 5}, positive integer stride, errors name the field', () => {
  assert.deepEqual(resolveClipSpec(), { length: 5, stride: 1 });
  assert.deepEqual(resolveClipSpec({ length: 3, stride: 2 }), { length: 3, stride: 2 });
  assert.ok(Object.isFrozen(resolveClipSpec()));
  assert.throws(() => resolveClipSpec({ length: 4 as never }), (e: unknown) => e instanceof ConfigError && e.path === 'clip.length');
  assert.throws(() => resolveClipSpec({ stride: 0 }, 'train.clip'), (e: unknown) => e instanceof ConfigError && e.path === 'train.clip.stride');
  assert.throws(() => resolveClipSpec({ stride: 1.5 }), ConfigError);
  assert.equal(clipSpan({ length: 5, stride: 1 }), 5);
  assert.equal(clipSpan({ length: 5, stride: 3 }), 13);
  assert.equal(clipSpan({ length: 2, stride: 4 }), 5);
});

test('allClips lists every clip in the range, non-overlapping by default', () => {
  const spec = { length: 3, stride: 2 } as const; // span 5
  const clips = allClips({ start: 0, end: 17 }, spec);
  assert.deepEqual(clips, [[0, 2, 4], [5, 7, 9], [10, 12, 14]]);
  assert.equal(allClips({ start: 0, end: 17 }, spec, 1).length, 13); // starts 0..12
  assert.deepEqual(allClips({ start: 4, end: 9 }, spec, 1), [[4, 6, 8]]);
  assert.deepEqual(allClips({ start: 4, end: 8 }, spec), []);
  assert.throws(() => allClips({ start: 5, end: 2 }, spec), ConfigError);
  assert.throws(() => allClips({ start: 0, end: 10 }, spec, 0), ConfigError);
});

test('randomClips: deterministic for a seed, inside the range, distinct starts while possible', () => {
  const spec = { length: 5, stride: 2 } as const; // span 9
  const range = { start: 10, end: 40 }; // starts 10..31: 22 positions
  const a = randomClips(range, spec, 8, createSeededRandom(3));
  const b = randomClips(range, spec, 8, createSeededRandom(3));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, randomClips(range, spec, 8, createSeededRandom(4)));
  for (const c of a) {
    assert.equal(c.length, 5);
    assert.ok(c[0]! >= 10 && c[4]! <= 39, String(c));
    assert.deepEqual(c, [0, 2, 4, 6, 8].map((d) => c[0]! + d));
  }
  assert.equal(new Set(a.map((c) => c[0])).size, 8);
  const every = randomClips(range, spec, 22, createSeededRandom(9));
  assert.deepEqual(every.map((c) => c[0]).sort((x, y) => x! - y!), Array.from({ length: 22 }, (_, i) => 10 + i));
  const more = randomClips({ start: 0, end: 10 }, spec, 5, createSeededRandom(1)); // 2 positions, 5 clips
  assert.equal(more.length, 5);
  assert.ok(more.every((c) => c[0] === 0 || c[0] === 1));
  assert.deepEqual(randomClips({ start: 0, end: 8 }, spec, 3, createSeededRandom(1)), []);
  // Roughly uniform over the starts.
  const counts = new Array(22).fill(0) as number[];
  const r = createSeededRandom(11);
  for (let i = 0; i < 4400; i++) counts[randomClips(range, spec, 1, r)[0]![0]! - 10]! += 1;
  assert.ok(counts.every((c) => c > 130 && c < 270), counts.join(','));
});

test("frame rules: P1's first 60 frames, or all; split counts add up the frames each rule allows", () => {
  const v = (id: string, frameCount?: number) => ({ id, path: id, label: 'live' as const, attackType: null, subject: id, sourceSplit: null, faceFile: null, ...(frameCount !== undefined ? { frameCount } : {}) });
  const first60 = { kind: 'first', count: 60 } as const;
  assert.equal(countSplit([{ video: v('a', 300), frames: first60 }, { video: v('b', 40), frames: first60 }, { video: v('c', 7), frames: { kind: 'all' } }]).frames, 60 + 40 + 7);
  assert.equal(countSplit([{ video: v('a', 300), frames: first60 }, { video: v('b'), frames: first60 }]).frames, undefined);
  assert.deepEqual(frameRangeFor({ kind: 'first', count: 60 }, 300), { start: 0, end: 60 });
  assert.deepEqual(frameRangeFor({ kind: 'first', count: 60 }, 40), { start: 0, end: 40 });
  assert.deepEqual(frameRangeFor({ kind: 'all' }, 300), { start: 0, end: 300 });
  assert.throws(() => frameRangeFor({ kind: 'all' }, -1), RangeError);
});

test('clip plans respect each video range, and a video draws the same clips whatever the order', () => {
  const spec = { length: 5, stride: 1 } as const;
  const videos: ClipSource[] = [
    { id: 'a', frameCount: 300, frames: { kind: 'first', count: 60 } },
    { id: 'b', frameCount: 100, frames: { kind: 'all' } },
    { id: 'c', frameCount: 3, frames: { kind: 'all' } },
  ];
  const plan = planTrainClips(videos, spec, 4, 123);
  assert.deepEqual(plan.skipped, ['c']);
  assert.equal(plan.clips.length, 8);
  assert.ok(plan.clips.filter((c) => c.videoId === 'a').every((c) => c.frames[4]! < 60));
  assert.ok(plan.clips.every((c) => c.frames[4]! < (c.videoId === 'a' ? 60 : 100)));
  const reversed = planTrainClips([...videos].reverse(), spec, 4, 123);
  const byVideo = (p: typeof plan, id: string): number[][] => p.clips.filter((c) => c.videoId === id).map((c) => c.frames);
  assert.deepEqual(byVideo(reversed, 'a'), byVideo(plan, 'a'));
  assert.deepEqual(byVideo(reversed, 'b'), byVideo(plan, 'b'));
  assert.notDeepEqual(byVideo(planTrainClips(videos, spec, 4, 123, 1), 'b'), byVideo(plan, 'b')); // a new epoch, new clips
  assert.notDeepEqual(byVideo(planTrainClips(videos, spec, 4, 124), 'b'), byVideo(plan, 'b'));
  assert.throws(() => planTrainClips(videos, spec, 0, 1), ConfigError);
  const test_ = planTestClips(videos, spec);
  assert.equal(test_.clips.filter((c) => c.videoId === 'a').length, 12); // 60 / 5
  assert.equal(test_.clips.filter((c) => c.videoId === 'b').length, 20);
  assert.deepEqual(test_.skipped, ['c']);
  assert.equal(planTestClips(videos, spec, 1).clips.length, 56 + 96);
});

test('augmentation choice: deterministic, rectangles inside the frame with area and aspect in range, rates as configured', () => {
  const a = chooseAugmentation(createSeededRandom(5), 32, 40);
  assert.deepEqual(a, chooseAugmentation(createSeededRandom(5), 32, 40));
  let flips = 0;
  let erased = 0;
  const rng = createSeededRandom(8);
  const n = 3000;
  for (let i = 0; i < n; i++) {
    const aug = chooseAugmentation(rng, 32, 40);
    if (aug.flip) flips++;
    const r = aug.erase;
    if (!r) continue;
    erased++;
    assert.ok(r.top >= 0 && r.left >= 0 && r.top + r.height <= 32 && r.left + r.width <= 40, JSON.stringify(r));
    const frac = (r.height * r.width) / (32 * 40);
    assert.ok(frac > 0.01 && frac < 0.45, String(frac)); // [0.02, 0.4] before rounding to whole pixels
    const aspect = r.height / r.width;
    assert.ok(aspect > 0.2 && aspect < 5, String(aspect)); // [0.3, 3.33] before rounding
  }
  assert.ok(Math.abs(flips / n - 0.5) < 0.04, String(flips / n));
  // Erasing happens with p = 0.5 unless no rectangle fits; on 32×40 nearly all draws fit.
  assert.ok(Math.abs(erased / n - 0.5) < 0.05, String(erased / n));
  const never = resolveAugmentConfig({ flipProbability: 0, erasing: null });
  assert.deepEqual(chooseAugmentation(createSeededRandom(1), 8, 8, never), { flip: false, erase: null, color: null });
  const always = resolveAugmentConfig({ flipProbability: 1, erasing: { ...DEFAULT_AUGMENT_CONFIG.erasing!, probability: 1 } });
  const x = chooseAugmentation(createSeededRandom(1), 16, 16, always);
  assert.equal(x.flip, true);
  assert.ok(x.erase);
});

test('augmentation config errors name the field', () => {
  const bad: [object, string][] = [
    [{ flipProbability: 1.5 }, 'augment.flipProbability'],
    [{ erasing: { probability: -0.1 } }, 'augment.erasing.probability'],
    [{ erasing: { areaRange: [0.5, 0.2] } }, 'augment.erasing.areaRange'],
    [{ erasing: { areaRange: [0, 0.2] } }, 'augment.erasing.areaRange'],
    [{ erasing: { aspectRange: [1] } }, 'augment.erasing.aspectRange'],
    [{ erasing: { maxAttempts: 0 } }, 'augment.erasing.maxAttempts'],
    [{ erasing: { fill: 'zeros' } }, 'augment.erasing.fill'],
    [{ color: { gain: 1.5 } }, 'augment.color.gain'],
    [{ color: { saturation: -0.1 } }, 'augment.color.saturation'],
    [{ color: { probability: 2 } }, 'augment.color.probability'],
  ];
  for (const [cfg, field] of bad) assert.throws(() => resolveAugmentConfig(cfg as never), (e: unknown) => e instanceof ConfigError && e.path === field, field);
  assert.throws(() => chooseAugmentation(createSeededRandom(1), 0, 8), ConfigError);
});

test('augmentClip: the same flip and the same erased rectangle, with the same fill, in every frame; inputs untouched', () => {
  const w = 6;
  const h = 4;
  const frames = [0, 1, 2].map((t) => Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 7 + t * 50) % 256));
  const copies = frames.map((f) => f.slice());
  const rect = { top: 1, left: 2, height: 2, width: 3, fillSeed: 99 };
  const out = augmentClip(frames, w, h, { flip: true, erase: rect });
  assert.deepEqual(frames, copies);
  const at = (f: Uint8Array, x: number, y: number, c: number): number => f[(y * w + x) * 3 + c]!;
  const inRect = (x: number, y: number): boolean => y >= 1 && y < 3 && x >= 2 && x < 5;
  for (let t = 0; t < 3; t++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < 3; c++) {
          if (inRect(x, y)) assert.equal(at(out[t]!, x, y, c), at(out[0]!, x, y, c)); // identical fill across frames
          else assert.equal(at(out[t]!, x, y, c), at(frames[t]!, w - 1 - x, y, c)); // mirrored source outside the rectangle
        }
      }
    }
  }
  // The fill is not the source: at least some erased values differ from the flipped frame.
  let differs = 0;
  for (let y = 1; y < 3; y++) for (let x = 2; x < 5; x++) if (at(out[1]!, x, y, 0) !== at(frames[1]!, w - 1 - x, y, 0)) differs++;
  assert.ok(differs >= 4);
  const plain = augmentClip(frames, w, h, { flip: false, erase: null });
  assert.deepEqual(plain, frames);
  assert.notEqual(plain[0], frames[0]);
  assert.throws(() => augmentClip(frames, w, h, { flip: false, erase: { ...rect, left: 4 } }), ConfigError);
  assert.throws(() => augmentClip([new Uint8Array(5)], w, h, { flip: true, erase: null }), (e: unknown) => e instanceof ConfigError && e.path === 'frames[0]');
});

test('augmentClip, mean fill: the rectangle holds its own mean colour in each frame, worked by hand', () => {
  const w = 4;
  const h = 3;
  // frame t: pixel (x, y) has R = 10x + t, G = 20y, B = 5 (x + y)
  const frames = [0, 40].map((t) => {
    const f = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) f.set([10 * x + t, 20 * y, 5 * (x + y)], (y * w + x) * 3);
    return f;
  });
  const rect = { top: 1, left: 1, height: 2, width: 2, fillSeed: 5, fill: 'mean' as const };
  const out = augmentClip(frames, w, h, { flip: false, erase: rect });
  // over x in {1, 2}, y in {1, 2}: R mean = 15 + t, G mean = 30, B mean = 15
  for (const [i, t] of [0, 40].entries()) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const px = Array.from(out[i]!.subarray((y * w + x) * 3, (y * w + x) * 3 + 3));
        const inside = x >= 1 && x < 3 && y >= 1 && y < 3;
        assert.deepEqual(px, inside ? [15 + t, 30, 15] : [10 * x + t, 20 * y, 5 * (x + y)], `frame ${i} (${x}, ${y})`);
      }
    }
  }
});

test('augmentClip, colour jitter: saturation about the Rec. 601 grey, then the gains, rounded and clamped; the same in every frame', () => {
  const frames = [Uint8Array.from([200, 100, 50, 0, 0, 0, 255, 255, 255]), Uint8Array.from([10, 20, 30, 90, 90, 90, 250, 10, 10])];
  const color = { gains: [1.1, 0.9, 1.2] as [number, number, number], saturation: 0.5 };
  const out = augmentClip(frames, 3, 1, { flip: false, erase: null, color });
  const naive = (r: number, g: number, b: number): number[] => {
    const grey = 0.299 * r + 0.587 * g + 0.114 * b;
    return [r, g, b].map((v, c) => Math.min(255, Math.max(0, Math.round(color.gains[c]! * (grey + 0.5 * (v - grey))))));
  };
  for (const [i, f] of frames.entries()) {
    for (let p = 0; p < 3; p++) assert.deepEqual(Array.from(out[i]!.subarray(3 * p, 3 * p + 3)), naive(f[3 * p]!, f[3 * p + 1]!, f[3 * p + 2]!));
  }
  // by hand for (200, 100, 50): grey = 59.8 + 58.7 + 5.7 = 124.2 → (162.1, 112.1, 87.1) → ×gains → 178, 101, 105
  assert.deepEqual(Array.from(out[0]!.subarray(0, 3)), [178, 101, 105]);
  assert.deepEqual(Array.from(out[0]!.subarray(6, 9)), [255, 230, 255], 'white: clamped where a gain exceeds 1');
});

test('colour jitter choice: off by default, deterministic, inside the configured ranges; a config without it draws as before', () => {
  const base = resolveAugmentConfig({});
  assert.equal(base.color, null);
  const withColor = resolveAugmentConfig({ color: { probability: 1, gain: 0.2, saturation: 0.4 } });
  for (let seed = 0; seed < 200; seed++) {
    const a = chooseAugmentation(createSeededRandom(seed), 32, 32, withColor);
    assert.deepEqual(a, chooseAugmentation(createSeededRandom(seed), 32, 32, withColor));
    assert.ok(a.color);
    for (const g of a.color.gains) assert.ok(g >= 0.8 && g <= 1.2, `gain ${g}`);
    assert.ok(a.color.saturation >= 0.6 && a.color.saturation <= 1.4);
    // the flip and the rectangle come first, so they match the draw without colour jitter
    const plain = chooseAugmentation(createSeededRandom(seed), 32, 32, base);
    assert.deepEqual({ flip: a.flip, erase: a.erase }, { flip: plain.flip, erase: plain.erase });
  }
});
