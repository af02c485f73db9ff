import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drawPerson, PRINT_MEDIA, REPLAY_MEDIA, subjectIdentity } from '../../src/synth/index.js';
import type { FaceIdentity, FacePose } from '../../src/synth/index.js';
import { NEUTRAL_POSE, skinGrainAt } from '../../src/synth/face.js';
import { makeLighting } from '../../src/synth/scene.js';
import { blur121, createImage } from '../../src/synth/image.js';
import type { FloatImage } from '../../src/synth/image.js';
import { mediumResolutionPasses } from '../../src/synth/video.js';

const W = 160;
const H = 160;
const POSE: FacePose = { ...NEUTRAL_POSE, cx: 80, cy: 78, halfHeightPx: 67 };
const LIGHT = makeLighting(0.2, -0.3, 0.36, 0.72, [1, 1, 1]);

function render(id: FaceIdentity, pose: FacePose = POSE): FloatImage {
  const img = createImage(W, H);
  img.data.fill(0.5);
  drawPerson(img, id, pose, LIGHT);
  return img;
}

/**
 * The grain alone: a face rendered with its grain, divided by the same face
 * without it, minus one, over a cheek-and-forehead window shifted `dx` px right.
 */
function grainField(withGrain: FloatImage, plain: FloatImage, dx = 0): Float64Array {
  const out: number[] = [];
  for (let y = 45; y < 110; y++) {
    for (let x = 55 + dx; x < 105 + dx; x++) {
      const i = (y * W + x) * 3 + 1;
      const p = plain.data[i] as number;
      if (p > 0.05) out.push((withGrain.data[i] as number) / p - 1);
    }
  }
  return Float64Array.from(out);
}

const rms = (a: Float64Array): number => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);

test('skin grain: value noise in -1..1 whose bilinear mix has the variance worked by hand (4/27 of a unit square)', () => {
  let sum = 0;
  let sq = 0;
  let min = Infinity;
  let max = -Infinity;
  const n = 200_000;
  for (let k = 0; k < n; k++) {
    // points spread over many lattice cells, off the lattice
    const v = skinGrainAt(((k * 0.6180339887) % 1) * 1.9 - 0.95, ((k * 0.7548776662) % 1) * 1.9 - 0.95, 12345);
    sum += v;
    sq += v * v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = sum / n;
  // uniform lattice values (variance 1/3) mixed with bilinear weights: E[((1-f)² + f²)]² = (2/3)², so 1/3 · 4/9
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(sq / n - mean * mean - 4 / 27) < 0.01, `variance ${sq / n - mean * mean} vs ${4 / 27}`);
  assert.ok(min >= -1 && max <= 1);
  // another seed, another grain
  assert.notEqual(skinGrainAt(0.1234, 0.321, 1), skinGrainAt(0.1234, 0.321, 2));
});

test('live skin carries its grain at the identity\'s amplitude, fixed to the face: it moves with the head', () => {
  for (const sid of ['001', '002', '003']) {
    const id = subjectIdentity(5, sid);
    const grain = grainField(render(id), render({ ...id, skinGrain: 0 }));
    // the relative RMS is the amplitude times the noise's standard deviation, √(4/27)
    const expected = id.skinGrain * Math.sqrt(4 / 27);
    assert.ok(Math.abs(rms(grain) - expected) < 0.25 * expected, `${sid}: grain RMS ${rms(grain)} vs ${expected}`);
  }
  // the head moved by 7 px: the grain moved with it (same values 7 px over), rather than staying on the sensor
  const id = subjectIdentity(5, '001');
  const moved = { ...POSE, cx: POSE.cx + 7 };
  const a = grainField(render(id), render({ ...id, skinGrain: 0 }));
  const b = grainField(render(id, moved), render({ ...id, skinGrain: 0 }, moved), 7);
  assert.equal(b.length, a.length);
  const same = a.filter((v, k) => Math.abs((b[k] as number) - v) < 1e-4).length;
  assert.ok(same > 0.95 * a.length, `${same} of ${a.length} pixels carry the same grain 7 px over`);
});

test('what a print or a screen shows of the face keeps at most about half of the skin\'s grain, the coarser medium less', () => {
  const id = subjectIdentity(5, '002');
  const withGrain = render(id);
  const plain = render({ ...id, skinGrain: 0 });
  const live = rms(grainField(withGrain, plain));
  const kept = (passes: number): number => rms(grainField(blur121(withGrain, passes), blur121(plain, passes))) / live;
  const media = [
    ...Object.values(PRINT_MEDIA).map((m) => ({ name: `print medium ${m.medium}`, pitch: m.dotPitchPx })),
    ...Object.values(REPLAY_MEDIA).map((m) => ({ name: `replay medium ${m.medium}`, pitch: m.gridPitchPx })),
  ];
  const kepts: { pitch: number; fraction: number }[] = [];
  for (const { name, pitch } of media) {
    const passes = mediumResolutionPasses(pitch);
    // the source camera's pass, and at least one for the medium, one per two pixels of its pitch
    assert.equal(passes, 1 + Math.max(1, Math.round(pitch / 2)), name);
    const fraction = kept(passes);
    // the grain's RMS: what the medium keeps is mostly its coarser part (value noise has power at every scale above its cell)
    assert.ok(fraction < 0.55, `${name} (pitch ${pitch} px, ${passes} passes) keeps ${fraction} of the grain`);
    kepts.push({ pitch, fraction });
  }
  // a coarser pitch never keeps more
  kepts.sort((a, b) => a.pitch - b.pitch);
  for (let k = 1; k < kepts.length; k++) assert.ok(kepts[k]!.fraction <= kepts[k - 1]!.fraction, JSON.stringify(kepts));
  assert.ok(kepts[kepts.length - 1]!.fraction < kepts[0]!.fraction);
});
