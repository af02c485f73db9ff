import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planSynthSiw, renderSynthVideo, PRINT_MEDIA, REPLAY_MEDIA } from '../../src/synth/index.js';
import type { SynthFrame, SynthVideoSpec } from '../../src/synth/index.js';
import { addGlare, fringePhaseRad, highlightAt, moireFringeBasis, moirePattern, screenGridPattern } from '../../src/synth/spoof.js';

const W = 320;
const H = 240;
const SEED = 21;
const plan = planSynthSiw({ subjects: 1, seed: SEED });

function spec(stem: string): SynthVideoSpec {
  const s = plan.videos.find((v) => v.stem === stem);
  assert.ok(s, stem);
  return s;
}

function render(stem: string, frames: number, seed = SEED): SynthFrame[] {
  return [...renderSynthVideo(spec(stem), { seed, width: W, height: H, frames, fps: 30 })];
}

function luma(rgb: Uint8Array, x: number, y: number): number {
  const i = (y * W + x) * 3;
  return 0.299 * (rgb[i] as number) + 0.587 * (rgb[i + 1] as number) + 0.114 * (rgb[i + 2] as number);
}

/** |DFT|² of an N×N luma patch (mean removed, Hann window), by a plain separable DFT. */
function powerSpectrum(rgb: Uint8Array, x0: number, y0: number, n: number): Float64Array {
  const patch = new Float64Array(n * n);
  let mean = 0;
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) mean += patch[y * n + x] = luma(rgb, x0 + x, y0 + y);
  mean /= n * n;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const w = (0.5 - 0.5 * Math.cos((2 * Math.PI * (x + 0.5)) / n)) * (0.5 - 0.5 * Math.cos((2 * Math.PI * (y + 0.5)) / n));
      patch[y * n + x] = ((patch[y * n + x] as number) - mean) * w;
    }
  }
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  // rows
  for (let y = 0; y < n; y++) {
    for (let k = 0; k < n; k++) {
      let a = 0;
      let b = 0;
      for (let x = 0; x < n; x++) {
        const t = (-2 * Math.PI * k * x) / n;
        a += (patch[y * n + x] as number) * Math.cos(t);
        b += (patch[y * n + x] as number) * Math.sin(t);
      }
      re[y * n + k] = a;
      im[y * n + k] = b;
    }
  }
  const power = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    for (let l = 0; l < n; l++) {
      let a = 0;
      let b = 0;
      for (let y = 0; y < n; y++) {
        const t = (-2 * Math.PI * l * y) / n;
        const c = Math.cos(t);
        const s = Math.sin(t);
        const r = re[y * n + k] as number;
        const i = im[y * n + k] as number;
        a += r * c - i * s;
        b += r * s + i * c;
      }
      power[l * n + k] = a * a + b * b;
    }
  }
  return power;
}

/**
 * How much a spectrum peaks on the ring of radius n/pitch (cycles per patch):
 * the strongest bin on the ring over the median bin of the rings around it.
 */
function ringPeak(power: Float64Array, n: number, pitchPx: number): number {
  const r0 = n / pitchPx;
  let peak = 0;
  const around: number[] = [];
  for (let l = 0; l < n; l++) {
    for (let k = 0; k < n; k++) {
      const fx = k <= n / 2 ? k : k - n;
      const fy = l <= n / 2 ? l : l - n;
      const d = Math.abs(Math.hypot(fx, fy) - r0);
      const p = power[l * n + k] as number;
      if (d <= 1) peak = Math.max(peak, p);
      else if (d <= 4) around.push(p);
    }
  }
  around.sort((a, b) => a - b);
  return peak / (around[Math.floor(around.length / 2)] as number);
}

function faceCentre(f: SynthFrame): [number, number] {
  assert.ok(f.box);
  return [Math.round((f.box.left + f.box.right) / 2), Math.round((f.box.top + f.box.bottom) / 2)];
}

test('replay frames carry a spectral peak at their medium\'s screen pitch that live frames lack', () => {
  const n = 64;
  const live = render('001-1-1-1-1', 1)[0] as SynthFrame;
  const [lx, ly] = faceCentre(live);
  const liveSpec = powerSpectrum(live.rgb, lx - n / 2, ly - n / 2, n);
  for (const medium of [1, 2, 3, 4] as const) {
    const frame = render(`001-1-3-${medium}-1`, 1)[0] as SynthFrame;
    const [cx, cy] = faceCentre(frame);
    const p = powerSpectrum(frame.rgb, cx - n / 2, cy - n / 2, n);
    const own = ringPeak(p, n, REPLAY_MEDIA[medium].gridPitchPx);
    const liveAtPitch = ringPeak(liveSpec, n, REPLAY_MEDIA[medium].gridPitchPx);
    // measured over seeds 3, 5, 9, 21, 77: 73-870 at the medium's own pitch; live frames 4-29 there
    assert.ok(own > 50, `replay medium ${medium}: peak ratio ${own.toFixed(1)} at its pitch`);
    assert.ok(liveAtPitch < own / 2, `live frame: peak ratio ${liveAtPitch.toFixed(1)} at medium ${medium}'s pitch, replay ${own.toFixed(1)}`);
    // the pitch tells the media apart (protocol 2 holds one out)
    for (const other of [1, 2, 3, 4] as const) {
      if (other === medium) continue;
      const at = ringPeak(p, n, REPLAY_MEDIA[other].gridPitchPx);
      assert.ok(own > 2 * at, `medium ${medium}: ${own.toFixed(1)} at its own pitch vs ${at.toFixed(1)} at medium ${other}'s`);
    }
  }
});

test('print attacks move rigidly: the eye region never changes against the face, while live eyes blink', () => {
  const eyeContrast = (f: SynthFrame): number => {
    assert.ok(f.box);
    const { left, top, right, bottom } = f.box;
    const w = right - left;
    const h = bottom - top;
    // the band of the eyes and the band of the cheeks below them, inside the face box
    let eyes = 0;
    let cheeks = 0;
    let ne = 0;
    let nc = 0;
    for (let y = Math.round(top + 0.14 * h); y < Math.round(top + 0.3 * h); y++) {
      for (let x = Math.round(left + 0.15 * w); x < Math.round(right - 0.15 * w); x++) {
        eyes += luma(f.rgb, x, y);
        ne++;
      }
    }
    for (let y = Math.round(top + 0.36 * h); y < Math.round(top + 0.5 * h); y++) {
      for (let x = Math.round(left + 0.15 * w); x < Math.round(right - 0.15 * w); x++) {
        cheeks += luma(f.rgb, x, y);
        nc++;
      }
    }
    return eyes / ne / (cheeks / nc);
  };
  const spread = (frames: SynthFrame[]): number => {
    const e = frames.map(eyeContrast);
    return Math.max(...e) - Math.min(...e);
  };
  // 45 frames (1.5 s) hold at least one blink: the first falls within 1.2 s. Same sensor, same distance session;
  // the matte print, since a glossy one's sheen sliding over the eyes changes their brightness by design.
  const live = spread(render('001-1-1-1-1', 45));
  const print = spread(render('001-1-2-2-1', 45));
  // measured over seeds 3, 5, 9, 21, 77: live 0.061-0.204, matte print 0.009-0.025
  assert.ok(live > 0.04, `live eye-band contrast spread ${live.toFixed(3)}`);
  assert.ok(print < 0.03 && print < live / 2.5, `print eye-band contrast spread ${print.toFixed(3)} vs live ${live.toFixed(3)}`);
});

test('live sensor noise is temporally independent', () => {
  // a corner of the room that the subject never enters
  const frames = render('001-1-1-1-1', 12);
  const n = 20;
  const res: number[][] = [];
  const mean = new Float64Array(n * n);
  for (const f of frames) {
    for (let i = 0; i < n * n; i++) mean[i] = (mean[i] as number) + luma(f.rgb, (i % n) + 2, Math.floor(i / n) + 2) / frames.length;
  }
  for (const f of frames) res.push(Array.from({ length: n * n }, (_, i) => luma(f.rgb, (i % n) + 2, Math.floor(i / n) + 2) - (mean[i] as number)));
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let t = 0; t + 1 < res.length; t++) {
    const a = res[t] as number[];
    const b = res[t + 1] as number[];
    for (let i = 0; i < a.length; i++) {
      sxy += (a[i] as number) * (b[i] as number);
      sxx += (a[i] as number) ** 2;
      syy += (b[i] as number) ** 2;
    }
  }
  const rho = sxy / Math.sqrt(sxx * syy);
  const sd = Math.sqrt(sxx / (n * n * (res.length - 1)));
  // residuals about a T-frame mean of independent noise correlate at exactly -1/(T-1) between frames
  const expected = -1 / (frames.length - 1);
  assert.ok(Math.abs(rho - expected) < 0.05, `lag-1 correlation of the noise ${rho.toFixed(3)}, independent noise gives ${expected.toFixed(3)}`);
  assert.ok(sd > 1, `noise sd ${sd.toFixed(2)} (8-bit levels)`);
});

test('replay refresh banding and flicker change from frame to frame; a live background stays put', () => {
  // RMS over rows of log(row mean at t+1 / row mean at t), in a region that is static background in live videos
  const rowChange = (frames: SynthFrame[]): number => {
    let worst = 0;
    for (let t = 0; t + 1 < frames.length; t++) {
      let sum = 0;
      let rows = 0;
      for (let y = 5; y < 100; y++) {
        let a = 0;
        let b = 0;
        for (let x = 5; x < 60; x++) {
          a += luma((frames[t] as SynthFrame).rgb, x, y);
          b += luma((frames[t + 1] as SynthFrame).rgb, x, y);
        }
        sum += Math.log(b / a) ** 2;
        rows++;
      }
      worst = Math.max(worst, Math.sqrt(sum / rows));
    }
    return worst;
  };
  const live = rowChange(render('001-1-1-1-1', 4));
  // measured: replay 0.04-0.09, live 0.003
  assert.ok(live < 0.01, `live background row change ${live.toFixed(4)}`);
  for (const m of [1, 2, 3, 4]) {
    const replay = rowChange(render(`001-1-3-${m}-1`, 4));
    assert.ok(replay > 3 * live && replay > 0.02, `replay medium ${m}: row change ${replay.toFixed(4)} vs live ${live.toFixed(4)}`);
  }
});

test('rendering is deterministic for a seed and differs across seeds; boxes lie inside the frame', () => {
  for (const stem of ['001-2-1-1-3', '001-2-2-2-2', '001-2-3-3-1']) {
    const a = render(stem, 3);
    const b = render(stem, 3);
    const c = render(stem, 3, SEED + 1);
    for (let t = 0; t < 3; t++) {
      const fa = a[t] as SynthFrame;
      assert.equal(fa.rgb.length, W * H * 3);
      assert.deepEqual(fa.rgb, (b[t] as SynthFrame).rgb, `${stem} frame ${t} differs between two renders`);
      assert.deepEqual(fa.box, (b[t] as SynthFrame).box);
      assert.notDeepEqual(fa.rgb, (c[t] as SynthFrame).rgb, `${stem} frame ${t} is the same under another seed`);
      assert.ok(fa.box, `${stem} frame ${t} has a face`);
      const { left, top, right, bottom } = fa.box;
      assert.ok(left >= 0 && top >= 0 && right <= W && bottom <= H && right > left && bottom > top, JSON.stringify(fa.box));
      assert.ok(right - left >= 60, `face box ${right - left} px wide`);
    }
  }
  // a subject's face stays the subject's: seeds differ, identities differ
  assert.notDeepEqual(render('001-1-1-1-1', 1, 1)[0]?.rgb, render('001-1-1-1-1', 1, 2)[0]?.rgb);
});

test('moiré fringes sweep as the screen moves: one whole fringe per grid pitch of shift, none across the fringes', () => {
  const medium = REPLAY_MEDIA[2];
  const capture = { gridAngleRad: 0, beatAngleRad: 0, bandPhase0: 0 };
  // along the fringes' normal (x here) one grid pitch is one whole cycle; along y nothing moves
  assert.ok(Math.abs(fringePhaseRad(medium, capture, medium.gridPitchPx, 0) - 2 * Math.PI) < 1e-12);
  assert.ok(Math.abs(fringePhaseRad(medium, capture, 0, 7)) < 1e-12);
  const tilted = { ...capture, beatAngleRad: Math.PI / 3 };
  // a shift (dx, dy) counts by its component cos·dx + sin·dy: (2, 2) at 60° is 1 + √3 px along the normal
  assert.ok(Math.abs(fringePhaseRad(medium, tilted, 2, 2) - (2 * Math.PI * (1 + Math.sqrt(3))) / medium.gridPitchPx) < 1e-12);

  const w = 64;
  const h = 4;
  const flat = new Float32Array(w * h).fill(1);
  const basis = moireFringeBasis(w, h, medium, capture);
  const at0 = moirePattern(flat, basis, medium, 0, new Float32Array(w * h));
  for (const x of [0, 13, 40]) {
    const expected = 1 - medium.beatAmp * Math.cos((2 * Math.PI * (x + 0.5)) / medium.beatPitchPx);
    assert.ok(Math.abs((at0[x] as number) - expected) < 1e-6, `pixel ${x}: ${at0[x]} vs ${expected}`);
  }
  // a screen shift of d px moves the fringes by d · beat pitch / grid pitch (here 5 px): magnified, so a hand's sway sweeps them
  const fringeShiftPx = 5;
  const d = (fringeShiftPx * medium.gridPitchPx) / medium.beatPitchPx;
  const moved = moirePattern(flat, basis, medium, fringePhaseRad(medium, capture, d, 0), new Float32Array(w * h));
  for (let x = 0; x + fringeShiftPx < w; x++) {
    assert.ok(Math.abs((moved[x] as number) - (at0[x + fringeShiftPx] as number)) < 1e-5, `pixel ${x}`);
  }
  // the fine grid's darkening adds to the fringes' own
  const grid = screenGridPattern(w, h, medium, capture);
  const both = moirePattern(grid, basis, medium, 0, new Float32Array(w * h));
  assert.ok(Math.abs((both[9] as number) - ((grid[9] as number) - (1 - (at0[9] as number)))) < 1e-6);
});

test('a highlight on glossy paper or glass slides over the plane as it tilts; only the photo paper is glossy', () => {
  const h = { xPx: 100, yPx: 80, radiusPx: 20 };
  // 0.8 of the frame per radian: 0.1 rad about the vertical axis moves it 0.08·W right, about the horizontal axis 0.08·H up
  assert.deepEqual(highlightAt(h, 0, 0, W, H), [100, 80]);
  const [x1, y1] = highlightAt(h, 0, 0.1, W, H);
  assert.ok(Math.abs(x1 - (100 + 0.08 * W)) < 1e-9 && y1 === 80);
  const [x2, y2] = highlightAt(h, 0.1, 0, W, H);
  assert.ok(x2 === 100 && Math.abs(y2 - (80 - 0.08 * H)) < 1e-9);
  // drawn on a flat grey sheet, the brightest pixel is where highlightAt says, and as bright as the medium's gloss
  const sheet = { width: W, height: H, data: new Float32Array(W * H * 3).fill(0.5) };
  addGlare(sheet, x1, y1, h.radiusPx, h.radiusPx * 0.7, PRINT_MEDIA[1].glossAmp);
  let best = 0;
  for (let i = 0; i < W * H; i++) if ((sheet.data[3 * i] as number) > (sheet.data[3 * best] as number)) best = i;
  assert.ok(Math.abs((best % W) + 0.5 - x1) <= 1 && Math.abs(Math.floor(best / W) + 0.5 - y1) <= 1, `peak at ${best % W}, ${Math.floor(best / W)}`);
  assert.ok(Math.abs((sheet.data[3 * best] as number) - 0.5 - PRINT_MEDIA[1].glossAmp) < 0.01);
  assert.ok(PRINT_MEDIA[1].glossAmp > 0 && PRINT_MEDIA[2].glossAmp === 0, 'photo paper glossy, laser paper matte');
});
