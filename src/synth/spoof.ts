/**
 * Presentation-attack media: how a printed photo and a replaying screen
 * change the light that reaches the camera. Print: halftone dots, a narrow
 * gamut on paper, paper texture, all fixed to the sheet, and on glossy paper
 * a sheen that slides as the sheet tilts. Replay: a colour
 * cast and raised blacks, glare on the glass, and, where the camera samples
 * the screen, the pixel grid at a pitch that differs per medium, moiré
 * fringes that sweep as the screen moves, and refresh banding that rolls from
 * frame to frame.
 */
import type { FloatImage, Rgb } from './image.js';
import { createImage, sampleBilinear, blur121 } from './image.js';
import type { Mat3 } from './geometry.js';
import { invertMat3 } from './geometry.js';
import type { Rng } from './random.js';

export interface PrintMedium {
  readonly medium: 1 | 2;
  /** Halftone cell size on the sheet, plane pixels. */
  readonly dotPitchPx: number;
  /** 0 = continuous tone, 1 = hard dots. */
  readonly halftoneStrength: number;
  /** Saturation kept (1 = all). */
  readonly gamut: number;
  readonly paperWhite: Rgb;
  readonly inkBlack: number;
  /** Amplitude of the fixed paper-fibre texture. */
  readonly textureAmp: number;
  /** Ink bleed: [1 2 1] blur passes before the dots. */
  readonly bleedPasses: number;
  /** Peak of the sheen that glossy paper reflects from the room's light (0 = matte); it slides over the sheet as the sheet tilts. */
  readonly glossAmp: number;
}

/** Medium 1: a good photo print on glossy paper; medium 2: an office laser print (coarser dots, narrower gamut, rougher matte paper). */
export const PRINT_MEDIA: Readonly<Record<1 | 2, PrintMedium>> = Object.freeze({
  1: Object.freeze({ medium: 1, dotPitchPx: 2.4, halftoneStrength: 0.2, gamut: 0.78, paperWhite: [0.95, 0.94, 0.9] as Rgb, inkBlack: 0.09, textureAmp: 0.025, bleedPasses: 0, glossAmp: 0.22 }),
  2: Object.freeze({ medium: 2, dotPitchPx: 3.2, halftoneStrength: 0.25, gamut: 0.62, paperWhite: [0.93, 0.92, 0.84] as Rgb, inkBlack: 0.12, textureAmp: 0.045, bleedPasses: 1, glossAmp: 0 }),
});

export interface ReplayMedium {
  readonly medium: 1 | 2 | 3 | 4;
  /** Apparent period of the screen's pixel grid in the frame, frame pixels: the moiré cue protocol 2 holds out. */
  readonly gridPitchPx: number;
  readonly gridAmp: number;
  /** Period of the moiré's fringes (the beat between the screen's grid and the sensor's), frame pixels. */
  readonly beatPitchPx: number;
  /** Contrast of the fringes: a fraction of the screen's light. */
  readonly beatAmp: number;
  readonly cast: Rgb;
  readonly blackLift: number;
  readonly contrast: number;
  /** Refresh banding: amplitude, period as a fraction of the frame height, phase advance per frame (cycles). */
  readonly bandAmp: number;
  readonly bandPeriodFrac: number;
  readonly bandStep: number;
  /** Frame-to-frame brightness flicker, relative amplitude. */
  readonly flickerAmp: number;
  readonly glareAmp: number;
  /** Fraction of the frame width the screen spans (a phone is held nearer, a monitor stands further). */
  readonly screenScale: number;
}

/** Media 1-4 mirror SiW's iPad Pro, iPhone 7, Galaxy S8 and Asus MB168B monitor in spirit only: each gets its own pitch, cast and refresh. */
export const REPLAY_MEDIA: Readonly<Record<1 | 2 | 3 | 4, ReplayMedium>> = Object.freeze({
  1: Object.freeze({ medium: 1, gridPitchPx: 2.6, gridAmp: 0.09, beatPitchPx: 23, beatAmp: 0.08, cast: [0.94, 0.98, 1.08] as Rgb, blackLift: 0.05, contrast: 0.9, bandAmp: 0.05, bandPeriodFrac: 0.55, bandStep: 0.31, flickerAmp: 0.03, glareAmp: 0.22, screenScale: 0.98 }),
  2: Object.freeze({ medium: 2, gridPitchPx: 3.4, gridAmp: 0.1, beatPitchPx: 29, beatAmp: 0.09, cast: [1.06, 0.98, 0.9] as Rgb, blackLift: 0.06, contrast: 0.88, bandAmp: 0.06, bandPeriodFrac: 0.4, bandStep: 0.23, flickerAmp: 0.04, glareAmp: 0.28, screenScale: 0.9 }),
  3: Object.freeze({ medium: 3, gridPitchPx: 4.4, gridAmp: 0.1, beatPitchPx: 37, beatAmp: 0.1, cast: [0.95, 1.07, 0.96] as Rgb, blackLift: 0.04, contrast: 0.95, bandAmp: 0.055, bandPeriodFrac: 0.7, bandStep: 0.37, flickerAmp: 0.035, glareAmp: 0.2, screenScale: 0.94 }),
  4: Object.freeze({ medium: 4, gridPitchPx: 5.6, gridAmp: 0.11, beatPitchPx: 47, beatAmp: 0.1, cast: [1.04, 0.94, 1.06] as Rgb, blackLift: 0.08, contrast: 0.85, bandAmp: 0.07, bandPeriodFrac: 0.33, bandStep: 0.17, flickerAmp: 0.05, glareAmp: 0.16, screenScale: 1.04 }),
});

/**
 * The printed sheet: `photo` pushed through the medium's gamut, ink bleed,
 * a rotated halftone screen per channel and a fixed paper texture. Returns a
 * new image; the sheet is then moved rigidly, never redrawn.
 */
export function printPhoto(photo: FloatImage, medium: PrintMedium, rng: Rng): FloatImage {
  const src = medium.bleedPasses > 0 ? blur121(photo, medium.bleedPasses) : photo;
  const { width: w, height: h } = photo;
  const out = createImage(w, h);
  const s = src.data;
  const d = out.data;
  // Screen angles as in CMY printing, so the dots of the three channels do not coincide.
  const angles = [0.2618, 1.309, 0];
  const cosA = angles.map(Math.cos);
  const sinA = angles.map(Math.sin);
  const omega = (2 * Math.PI) / medium.dotPitchPx;
  // Paper fibres: a fixed, slightly streaky low-amplitude field.
  const fibre = new Float32Array(w * h);
  for (let i = 0; i < fibre.length; i++) fibre[i] = rng.next() - 0.5;
  for (let pass = 0; pass < 2; pass++) {
    for (let y = 0; y < h; y++) {
      for (let x = 1; x < w; x++) fibre[y * w + x] = 0.6 * (fibre[y * w + x] as number) + 0.4 * (fibre[y * w + x - 1] as number);
    }
  }
  const ink = medium.inkBlack;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      const r0 = s[i] as number;
      const g0 = s[i + 1] as number;
      const b0 = s[i + 2] as number;
      const grey = 0.3 * r0 + 0.59 * g0 + 0.11 * b0;
      const tex = 1 + medium.textureAmp * 2 * (fibre[y * w + x] as number);
      for (let c = 0; c < 3; c++) {
        const v0 = c === 0 ? r0 : c === 1 ? g0 : b0;
        let v = grey + medium.gamut * (v0 - grey);
        v = v < 0 ? 0 : v > 1 ? 1 : v;
        // ink coverage against a dot screen: coverage k is printed where the cell's dot profile is below it
        const xr = x * (cosA[c] as number) + y * (sinA[c] as number);
        const yr = -x * (sinA[c] as number) + y * (cosA[c] as number);
        const dot = 0.5 + 0.25 * (Math.cos(omega * xr) + Math.cos(omega * yr));
        const k = 1 - v;
        const t = (k - dot) / 0.18 + 0.5;
        const hard = t < 0 ? 0 : t > 1 ? 1 : t;
        const cover = k + medium.halftoneStrength * (hard - k);
        const white = medium.paperWhite[c] as number;
        d[i + c] = (white - (white - ink) * cover) * tex;
      }
    }
  }
  return out;
}

/**
 * What the screen emits for content value v, per channel: `gain[c]·v + offset`
 * (the medium's cast and contrast, and blacks raised by the backlight).
 */
export function screenTransfer(medium: ReplayMedium): { gain: Rgb; offset: number } {
  return {
    gain: [medium.cast[0] * medium.contrast, medium.cast[1] * medium.contrast, medium.cast[2] * medium.contrast],
    offset: medium.blackLift,
  };
}

/** A specular highlight's place and size on a glossy plane (a screen, photo paper) when the plane faces the camera, plane pixels. */
export interface Highlight {
  readonly xPx: number;
  readonly yPx: number;
  readonly radiusPx: number;
}

/**
 * Where a highlight lies on the plane once it is tilted by (tiltXRad,
 * tiltYRad): the mirror image of the light slides over the plane, 0.8 of the
 * frame's size per radian.
 */
export function highlightAt(h: Highlight, tiltXRad: number, tiltYRad: number, width: number, height: number): [number, number] {
  return [h.xPx + tiltYRad * width * 0.8, h.yPx - tiltXRad * height * 0.8];
}

/** Adds highlight `h` to a glossy plane tilted by (tiltXRad, tiltYRad), at peak `amp`: highlightAt's place, an ellipse 0.7 as tall as wide. In place. */
export function addHighlight(plane: FloatImage, h: Highlight, tiltXRad: number, tiltYRad: number, amp: number): void {
  const [gx, gy] = highlightAt(h, tiltXRad, tiltYRad, plane.width, plane.height);
  addGlare(plane, gx, gy, h.radiusPx, h.radiusPx * 0.7, amp);
}

/** Adds a soft specular highlight to a screen or glossy sheet at plane position (gx, gy) with radii (rx, ry). In place on a renderer-owned buffer. */
export function addGlare(screen: FloatImage, gx: number, gy: number, rx: number, ry: number, amp: number): void {
  const { width: w, height: h, data } = screen;
  const x0 = Math.max(0, Math.floor(gx - 3 * rx));
  const x1 = Math.min(w, Math.ceil(gx + 3 * rx));
  const y0 = Math.max(0, Math.floor(gy - 3 * ry));
  const y1 = Math.min(h, Math.ceil(gy + 3 * ry));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const dx = (x + 0.5 - gx) / rx;
      const dy = (y + 0.5 - gy) / ry;
      const g = amp * Math.exp(-0.5 * (dx * dx + dy * dy));
      const i = (y * w + x) * 3;
      data[i] = (data[i] as number) + g;
      data[i + 1] = (data[i + 1] as number) + g;
      data[i + 2] = (data[i + 2] as number) + g * 0.97;
    }
  }
}

/**
 * Composites the plane image `plane` into `dst` through the homography
 * `planeToFrame`, with a border of `bezelPx` plane pixels in `bezelColor`
 * (a phone's bezel, a print's white margin), each channel mapped through
 * `gain[c]·v + offset` (the sheet's lighting, a screen's transfer). Returns the
 * per-pixel coverage of the plane's active area (0..1), which the capture
 * effects use to act only where the camera sees the medium (in
 * `coverageOut` when given, a buffer reused across frames).
 */
export function compositePlane(
  dst: FloatImage,
  plane: FloatImage,
  planeToFrame: Mat3,
  gain: Rgb,
  offset: number,
  bezelPx: number,
  bezelColor: Rgb,
  coverageOut?: Float32Array,
): Float32Array {
  const inv = invertMat3(planeToFrame);
  const { width: W, height: H, data } = dst;
  const pw = plane.width;
  const ph = plane.height;
  const coverage = coverageOut ?? new Float32Array(W * H);
  coverage.fill(0);
  const px = [0, 0, 0];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const fx = x + 0.5;
      const fy = y + 0.5;
      const wq = inv[6] * fx + inv[7] * fy + inv[8];
      const u = (inv[0] * fx + inv[1] * fy + inv[2]) / wq;
      const v = (inv[3] * fx + inv[4] * fy + inv[5]) / wq;
      // signed distance (plane px) outside the active area and outside the bezel
      const out = Math.max(-u, u - pw, -v, v - ph);
      const outer = out - bezelPx;
      if (outer > 1) continue;
      const i = (y * W + x) * 3;
      const mOuter = outer < -1 ? 1 : (1 - outer) / 2;
      const mActive = out < -1 ? 1 : out > 1 ? 0 : (1 - out) / 2;
      coverage[y * W + x] = mActive;
      let r = bezelColor[0];
      let g = bezelColor[1];
      let b = bezelColor[2];
      if (mActive > 0) {
        sampleBilinear(plane, u, v, px);
        r += ((px[0] as number) * gain[0] + offset - r) * mActive;
        g += ((px[1] as number) * gain[1] + offset - g) * mActive;
        b += ((px[2] as number) * gain[2] + offset - b) * mActive;
      }
      data[i] = (data[i] as number) + (r - (data[i] as number)) * mOuter;
      data[i + 1] = (data[i + 1] as number) + (g - (data[i + 1] as number)) * mOuter;
      data[i + 2] = (data[i + 2] as number) + (b - (data[i + 2] as number)) * mOuter;
    }
  }
  return coverage;
}

/** Per-video constants of the capture artefacts, drawn once so the grid keeps its pitch and angle across frames. */
export interface ReplayCapture {
  readonly gridAngleRad: number;
  readonly beatAngleRad: number;
  readonly bandPhase0: number;
}

export function drawReplayCapture(rng: Rng): ReplayCapture {
  return { gridAngleRad: rng.uniform(-0.12, 0.12), beatAngleRad: rng.uniform(0.5, 1.1), bandPhase0: rng.next() };
}

/**
 * The screen's pixel grid as the camera samples it, frame pixels: a fine
 * two-axis grating at the medium's pitch. Fixed for a video, so it is
 * computed once: 1 minus the darkening at each pixel.
 */
export function screenGridPattern(width: number, height: number, medium: ReplayMedium, capture: ReplayCapture): Float32Array {
  const out = new Float32Array(width * height);
  const omega = (2 * Math.PI) / medium.gridPitchPx;
  const ca = Math.cos(capture.gridAngleRad);
  const sa = Math.sin(capture.gridAngleRad);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const xr = (x + 0.5) * ca + (y + 0.5) * sa;
      const yr = -(x + 0.5) * sa + (y + 0.5) * ca;
      out[y * width + x] = 1 - medium.gridAmp * (0.5 + 0.25 * (Math.cos(omega * xr) + Math.cos(omega * yr)));
    }
  }
  return out;
}

/**
 * The moiré's fringes, the slow beat between the screen's grid and the
 * sensor's, as cos and sin of the fringe phase at each pixel (frame at rest).
 * Fixed for a video; moirePattern shifts them per frame.
 */
export interface FringeBasis {
  readonly cos: Float32Array;
  readonly sin: Float32Array;
}

export function moireFringeBasis(width: number, height: number, medium: ReplayMedium, capture: ReplayCapture): FringeBasis {
  const cos = new Float32Array(width * height);
  const sin = new Float32Array(width * height);
  const omega = (2 * Math.PI) / medium.beatPitchPx;
  const cb = Math.cos(capture.beatAngleRad);
  const sb = Math.sin(capture.beatAngleRad);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const phase = omega * ((x + 0.5) * cb + (y + 0.5) * sb);
      cos[y * width + x] = Math.cos(phase);
      sin[y * width + x] = Math.sin(phase);
    }
  }
  return { cos, sin };
}

/**
 * Phase (radians) the fringes have moved by when the screen has shifted by
 * (dxPx, dyPx) in the frame. A fringe is where the screen's grid and the
 * sensor's fall in and out of step, so it moves with the grid's phase: one
 * whole fringe for every grid pitch the screen moves. A hand's sway of a few
 * pixels sweeps the fringes across the face; a standing monitor's stay put.
 */
export function fringePhaseRad(medium: ReplayMedium, capture: ReplayCapture, dxPx: number, dyPx: number): number {
  const along = dxPx * Math.cos(capture.beatAngleRad) + dyPx * Math.sin(capture.beatAngleRad);
  return (2 * Math.PI * along) / medium.gridPitchPx;
}

/**
 * The screen's light at each pixel in one frame, as a factor: the fixed
 * `grid` (screenGridPattern) less the fringes' darkening at `phaseRad`
 * (fringePhaseRad). Writes `out` and returns it.
 */
export function moirePattern(grid: Float32Array, fringes: FringeBasis, medium: ReplayMedium, phaseRad: number, out: Float32Array): Float32Array {
  const c = Math.cos(phaseRad);
  const s = Math.sin(phaseRad);
  for (let i = 0; i < out.length; i++) {
    // cos(a + phase) from the stored cos a and sin a
    const beat = (fringes.cos[i] as number) * c - (fringes.sin[i] as number) * s;
    out[i] = (grid[i] as number) - medium.beatAmp * beat;
  }
  return out;
}

/**
 * The camera's view of a lit screen, frame `frameIndex`: the moiré `pattern`
 * (from moirePattern), the refresh band rolling down the frame, and a flicker
 * of the whole screen. Acts where `coverage` says the screen is; in place on
 * the renderer's frame buffer.
 */
export function applyScreenCapture(
  frame: FloatImage,
  coverage: Float32Array,
  pattern: Float32Array,
  medium: ReplayMedium,
  capture: ReplayCapture,
  frameIndex: number,
  flicker: number,
): void {
  const { width: W, height: H, data } = frame;
  const bandPhase = capture.bandPhase0 + frameIndex * medium.bandStep;
  const bandOmega = (2 * Math.PI) / (medium.bandPeriodFrac * H);
  for (let y = 0; y < H; y++) {
    const band = (1 - medium.bandAmp * (0.5 + 0.5 * Math.sin(bandOmega * y + 2 * Math.PI * bandPhase))) * flicker;
    for (let x = 0; x < W; x++) {
      const m = coverage[y * W + x] as number;
      if (m <= 0) continue;
      const k = 1 + ((pattern[y * W + x] as number) * band - 1) * m;
      const i = (y * W + x) * 3;
      data[i] = (data[i] as number) * k;
      data[i + 1] = (data[i + 1] as number) * k;
      data[i + 2] = (data[i + 2] as number) * k;
    }
  }
}
