/**
 * The procedural face: an identity (shape, colours, feature layout) drawn
 * from a subject's seed, a per-frame pose and expression, and a renderer that
 * paints head, hair, neck and shoulders onto a FloatImage.
 *
 * The head is an ellipsoid seen in orthographic projection: every pixel is
 * mapped to a point on its surface, rotated into head coordinates (yaw,
 * pitch), and the features are laid out in those coordinates. That is enough
 * for what a face detector keys on: dark eye sockets under brows, a nose
 * shadow, a mouth, a shaded contour, and a face that turns a little.
 */
import type { FloatImage, Rgb } from './image.js';
import { smoothstep } from './image.js';
import type { Rng } from './random.js';
import type { BoxPx } from '../face/box.js';

export interface FaceIdentity {
  readonly skin: Rgb;
  readonly hair: Rgb;
  readonly brow: Rgb;
  readonly iris: Rgb;
  readonly lip: Rgb;
  readonly clothes: Rgb;
  /** Half-width over half-height of the head ellipse. */
  readonly aspect: number;
  /** How much the lower face narrows towards the chin (0 = plain ellipse). */
  readonly jaw: number;
  /** Head coordinates (x right, y down, both -1..1 over the head): eye centres at (±eyeX, eyeY). */
  readonly eyeX: number;
  readonly eyeY: number;
  readonly eyeW: number;
  readonly eyeH: number;
  readonly browGap: number;
  readonly browThick: number;
  readonly browArch: number;
  readonly noseTipY: number;
  readonly noseW: number;
  readonly mouthY: number;
  readonly mouthW: number;
  readonly lipThick: number;
  /** Head y of the hairline at the forehead's centre. */
  readonly hairline: number;
  /** 0: short hair, 1: long hair falling behind the shoulders. */
  readonly longHair: boolean;
  readonly beard: number;
  /** Relative amplitude of the skin's fine grain (pores, fine lines): the micro-texture a recapture loses. */
  readonly skinGrain: number;
  /** Seeds the grain's lattice, so each face has its own. */
  readonly grainSeed: number;
}

export interface FacePose {
  /** Centre of the head ellipse, frame pixels. */
  readonly cx: number;
  readonly cy: number;
  /** Half the head's height (crown to chin), frame pixels. */
  readonly halfHeightPx: number;
  readonly rollRad: number;
  readonly yawRad: number;
  readonly pitchRad: number;
  /** 0 = eyes open, 1 = closed. */
  readonly blink: number;
  readonly mouthOpen: number;
  readonly smile: number;
  readonly browRaise: number;
  /** Gaze offset, fraction of the eye's half-width. */
  readonly gazeX: number;
}

export interface Lighting {
  /** Unit vector towards the light, camera coordinates (x right, y down, z towards the camera). */
  readonly dir: readonly [number, number, number];
  readonly ambient: number;
  readonly diffuse: number;
  readonly tint: Rgb;
}

export const NEUTRAL_POSE: Omit<FacePose, 'cx' | 'cy' | 'halfHeightPx'> = Object.freeze({
  rollRad: 0,
  yawRad: 0,
  pitchRad: 0,
  blink: 0,
  mouthOpen: 0,
  smile: 0,
  browRaise: 0,
  gazeX: 0,
});

function mixRgb(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** Draws an identity: the ranges keep every face a plausible frontal face. */
export function createFaceIdentity(rng: Rng): FaceIdentity {
  // Skin from a light-to-dark ramp with some hue spread.
  const tone = rng.next();
  const skin = mixRgb([0.93, 0.76, 0.64], [0.42, 0.28, 0.2], tone);
  const hue = rng.uniform(-0.04, 0.04);
  const hairChoices: Rgb[] = [
    [0.08, 0.06, 0.05],
    [0.22, 0.14, 0.08],
    [0.4, 0.26, 0.14],
    [0.62, 0.48, 0.3],
    [0.45, 0.44, 0.42],
  ];
  // Pale hair on pale skin would erase the hairline; keep it dark enough for contrast.
  const hairIdx = tone < 0.45 ? rng.int(0, hairChoices.length) : rng.int(0, 2);
  const hair = hairChoices[hairIdx] as Rgb;
  const brow = mixRgb(hair, [0.1, 0.07, 0.05], 0.5);
  const irisChoices: Rgb[] = [
    [0.25, 0.15, 0.08],
    [0.15, 0.1, 0.06],
    [0.3, 0.4, 0.5],
    [0.3, 0.38, 0.25],
  ];
  return {
    skin: [skin[0] + hue, skin[1], skin[2] - hue],
    hair,
    brow,
    iris: irisChoices[rng.int(0, irisChoices.length)] as Rgb,
    lip: mixRgb(mixRgb(skin, [0.62, 0.25, 0.25], 0.45), [0.3, 0.12, 0.12], tone * 0.4),
    clothes: [rng.uniform(0.05, 0.8), rng.uniform(0.05, 0.8), rng.uniform(0.05, 0.8)],
    aspect: rng.uniform(0.72, 0.8),
    jaw: rng.uniform(0.12, 0.3),
    eyeX: rng.uniform(0.3, 0.37),
    eyeY: rng.uniform(-0.04, 0.03),
    eyeW: rng.uniform(0.12, 0.15),
    eyeH: rng.uniform(0.05, 0.065),
    browGap: rng.uniform(0.13, 0.17),
    browThick: rng.uniform(0.035, 0.055),
    browArch: rng.uniform(0.01, 0.04),
    noseTipY: rng.uniform(0.34, 0.42),
    noseW: rng.uniform(0.1, 0.14),
    mouthY: rng.uniform(0.6, 0.66),
    mouthW: rng.uniform(0.17, 0.23),
    lipThick: rng.uniform(0.03, 0.05),
    hairline: rng.uniform(-0.62, -0.48),
    longHair: rng.next() < 0.4,
    beard: rng.next() < 0.15 ? rng.uniform(0.2, 0.5) : 0,
    skinGrain: rng.uniform(0.1, 0.16),
    grainSeed: rng.nextU32(),
  };
}

/**
 * The face box a `.face` file records for this pose, frame pixels: brows to
 * chin and cheek to cheek, roughly where frontal face detectors put theirs.
 */
export function faceBoxForPose(id: FaceIdentity, pose: FacePose): BoxPx {
  const b = pose.halfHeightPx;
  const a = b * id.aspect;
  // Box in the head frame before roll; the roll then grows the axis-aligned extent a little.
  const x0 = -0.86 * a + Math.sin(pose.yawRad) * 0.35 * a;
  const x1 = 0.86 * a + Math.sin(pose.yawRad) * 0.35 * a;
  const y0 = (id.eyeY - id.browGap - 0.12) * b + Math.sin(pose.pitchRad) * 0.3 * b;
  const y1 = 1.02 * b + Math.sin(pose.pitchRad) * 0.1 * b;
  const c = Math.cos(pose.rollRad);
  const s = Math.sin(pose.rollRad);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [x, y] of [
    [x0, y0],
    [x1, y0],
    [x0, y1],
    [x1, y1],
  ] as const) {
    xs.push(pose.cx + c * x - s * y);
    ys.push(pose.cy + s * x + c * y);
  }
  // A rotated rectangle's axis-aligned hull overstates the face; shrink halfway back.
  const cxBox = (Math.min(...xs) + Math.max(...xs)) / 2;
  const cyBox = (Math.min(...ys) + Math.max(...ys)) / 2;
  const hw = ((Math.max(...xs) - Math.min(...xs)) / 2 + (x1 - x0) / 2) / 2;
  const hh = ((Math.max(...ys) - Math.min(...ys)) / 2 + (y1 - y0) / 2) / 2;
  return { left: cxBox - hw, top: cyBox - hh, right: cxBox + hw, bottom: cyBox + hh };
}

/** The two eye centres for this pose, frame pixels, image-left first: what an eye-position file (OULU-NPU's) records. */
export function eyesForPose(id: FaceIdentity, pose: FacePose): { left: { x: number; y: number }; right: { x: number; y: number } } {
  const b = pose.halfHeightPx;
  const a = b * id.aspect;
  // The same small-angle shifts faceBoxForPose applies for yaw and pitch.
  const shiftX = Math.sin(pose.yawRad) * 0.35 * a;
  const y = id.eyeY * b + Math.sin(pose.pitchRad) * 0.3 * b;
  const c = Math.cos(pose.rollRad);
  const s = Math.sin(pose.rollRad);
  const at = (x: number) => ({ x: pose.cx + c * x - s * y, y: pose.cy + s * x + c * y });
  return { left: at(-id.eyeX * a + shiftX), right: at(id.eyeX * a + shiftX) };
}

function len2(x: number, y: number): number {
  // Math.hypot is several times slower than this in V8, and it runs per pixel
  return Math.sqrt(x * x + y * y);
}

/** Grain cells per unit of head coordinates: about 1.3 frame pixels at the demo's face size, near the finest detail a 320×240 sensor keeps. */
const GRAIN_CELLS = 40;

/** A lattice value in -1..1 from an integer hash of the cell and the face's seed. */
function latticeValue(ix: number, iy: number, seed: number): number {
  let h = (Math.imul(ix, 374761393) + Math.imul(iy, 668265263) + seed) | 0;
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  h ^= h >>> 16;
  return (h & 0xffff) / 32767.5 - 1;
}

/**
 * The skin's grain at head point (hx, hy): value noise, bilinear between
 * lattice values, fixed to the face so it moves with it. Live skin shows it to
 * the camera; a print or a screen reproduces it only down to its own
 * resolution (video.ts), which is why it is a cue.
 */
export function skinGrainAt(hx: number, hy: number, seed: number): number {
  const gx = (hx + 2) * GRAIN_CELLS;
  const gy = (hy + 2) * GRAIN_CELLS;
  const ix = Math.floor(gx);
  const iy = Math.floor(gy);
  const fx = gx - ix;
  const fy = gy - iy;
  const top = latticeValue(ix, iy, seed) * (1 - fx) + latticeValue(ix + 1, iy, seed) * fx;
  const bottom = latticeValue(ix, iy + 1, seed) * (1 - fx) + latticeValue(ix + 1, iy + 1, seed) * fx;
  return top * (1 - fy) + bottom * fy;
}

/**
 * How much of the grain a pixel shows for a head `halfWidthPx` wide: all of it
 * when a grain cell spans more than 1.2 px, none below 0.6 px, where a
 * sensor's pixel would average it away (and point sampling would only alias
 * it into noise that hides small faces from detectors).
 */
export function grainVisibility(halfWidthPx: number): number {
  return smoothstep(0.6, 1.2, halfWidthPx / GRAIN_CELLS);
}

function gauss2(dx: number, dy: number, sx: number, sy: number): number {
  const e = (dx * dx) / (sx * sx) + (dy * dy) / (sy * sy);
  // beyond ~4 sigma the factor is < 3e-4: skipping exp there is most of the renderer's speed
  return e > 16 ? 0 : Math.exp(-0.5 * e);
}

/**
 * Paints neck, shoulders, hair and head for `pose` into `img` (in place: the
 * canvas is the renderer's own scratch buffer, never a caller's input).
 */
export function drawPerson(img: FloatImage, id: FaceIdentity, pose: FacePose, light: Lighting): void {
  const { width: W, height: H, data } = img;
  const b = pose.halfHeightPx;
  const a = b * id.aspect;
  const cr = Math.cos(pose.rollRad);
  const sr = Math.sin(pose.rollRad);
  const cyw = Math.cos(pose.yawRad);
  const syw = Math.sin(pose.yawRad);
  const cp = Math.cos(pose.pitchRad);
  const sp = Math.sin(pose.pitchRad);
  const [lx, ly, lz] = light.dir;
  const tint = light.tint;
  const edge = 1.2 / b; // ~1 px anti-aliasing in normalised units
  const grainAmp = id.skinGrain * grainVisibility(a);

  // Shoulders and neck first: they sit behind the head.
  const shoulderTop = pose.cy + 1.45 * b;
  const x0 = Math.max(0, Math.floor(pose.cx - 3.2 * a));
  const x1 = Math.min(W, Math.ceil(pose.cx + 3.2 * a));
  const yStart = Math.max(0, Math.floor(pose.cy - 1.4 * b));
  // above the shoulders only hair, ears and neck can be drawn: a much narrower span
  const upperSpan = 1.5 * Math.max(a, b * Math.abs(sr)) + 2;
  for (let y = yStart; y < H; y++) {
    const upper = y + 0.5 < shoulderTop - 0.3 * b - 2;
    const xa = upper ? Math.max(x0, Math.floor(pose.cx - upperSpan)) : x0;
    const xb = upper ? Math.min(x1, Math.ceil(pose.cx + upperSpan)) : x1;
    for (let x = xa; x < xb; x++) {
      const px = x + 0.5 - pose.cx;
      const py = y + 0.5 - pose.cy;
      // head frame, roll removed, normalised so the head ellipse is the unit circle
      const u = (cr * px + sr * py) / a;
      const v = (-sr * px + cr * py) / b;
      const i = (y * W + x) * 3;
      let r = data[i] as number;
      let g = data[i + 1] as number;
      let bl = data[i + 2] as number;

      // long hair behind everything
      if (id.longHair) {
        const hd = len2(u / 1.22, (v - 0.25) / 1.35);
        const m = (1 - smoothstep(1 - edge, 1 + edge, hd)) * (1 - smoothstep(1.25, 1.4, v));
        if (m > 0) {
          const s = 0.55 + 0.25 * (1 - Math.abs(u) / 1.3);
          r += (id.hair[0] * s * tint[0] - r) * m;
          g += (id.hair[1] * s * tint[1] - g) * m;
          bl += (id.hair[2] * s * tint[2] - bl) * m;
        }
      }
      // torso: a rounded trapezoid widening downwards
      const ty = y + 0.5 - shoulderTop;
      if (ty > -0.3 * b) {
        const halfW = 1.1 * a + Math.min(1, Math.max(0, ty + 0.3 * b) / (0.5 * b)) * 1.6 * a;
        const m = smoothstep(-0.3 * b - 1, -0.3 * b + 1, ty) * (1 - smoothstep(halfW - 1, halfW + 1, Math.abs(px)));
        if (m > 0) {
          const s = light.ambient + light.diffuse * 0.6 * (1 - 0.4 * Math.abs(px) / halfW);
          r += (id.clothes[0] * s * tint[0] - r) * m;
          g += (id.clothes[1] * s * tint[1] - g) * m;
          bl += (id.clothes[2] * s * tint[2] - bl) * m;
        }
      }
      // neck: skin, darkest just under the jaw
      if (v > 0.4 && v < 1.7) {
        const m = (1 - smoothstep(0.42 - edge, 0.42 + edge, Math.abs(u))) * smoothstep(0.4, 0.45, v);
        if (m > 0) {
          const s = (light.ambient + light.diffuse * 0.5) * (0.55 + 0.3 * smoothstep(1.0, 1.4, v)) * (1 - 0.35 * Math.abs(u) / 0.42);
          r += (id.skin[0] * s * tint[0] - r) * m;
          g += (id.skin[1] * s * tint[1] - g) * m;
          bl += (id.skin[2] * s * tint[2] - bl) * m;
        }
      }
      // ears, just outside the cheeks at eye-to-nose height
      {
        const ex = Math.abs(u) - 0.97 * (1 - 0.1 * Math.abs(syw));
        const ev = (v - (id.eyeY + 0.18)) / 0.2;
        const ed = len2(ex / 0.1, ev);
        const m = 1 - smoothstep(1 - edge * 8, 1 + edge * 8, ed);
        if (m > 0) {
          const s = (light.ambient + light.diffuse * 0.55) * (0.75 - 0.2 * Math.max(0, -ex / 0.1));
          r += (id.skin[0] * s * tint[0] - r) * m;
          g += (id.skin[1] * s * tint[1] - g) * m;
          bl += (id.skin[2] * s * tint[2] - bl) * m;
        }
      }

      data[i] = r;
      data[i + 1] = g;
      data[i + 2] = bl;
    }
  }

  // The head and its hair, over the head's bounding box only: this is where the per-pixel work is.
  const reach = 1.12 * Math.max(a, b);
  const hx0 = Math.max(0, Math.floor(pose.cx - reach));
  const hx1 = Math.min(W, Math.ceil(pose.cx + reach));
  const hy0 = Math.max(0, Math.floor(pose.cy - reach));
  const hy1 = Math.min(H, Math.ceil(pose.cy + reach));
  for (let y = hy0; y < hy1; y++) {
    for (let x = hx0; x < hx1; x++) {
      const px = x + 0.5 - pose.cx;
      const py = y + 0.5 - pose.cy;
      const u = (cr * px + sr * py) / a;
      const v = (-sr * px + cr * py) / b;
      const i = (y * W + x) * 3;
      let r = data[i] as number;
      let g = data[i + 1] as number;
      let bl = data[i + 2] as number;
      // the head: a jaw-tapered ellipse
      const taper = 1 - id.jaw * Math.pow(Math.max(0, v), 2);
      const uu = u / taper;
      const rad = len2(uu, v);
      const hairTop = len2(u / 1.07, (v + 0.06) / 1.02); // hair volume around the crown
      if (rad < 1 + edge || hairTop < 1 + edge) {
        const mSkin = 1 - smoothstep(1 - edge, 1 + edge, rad);
        // surface normal of the sphere the pixel sees, camera coordinates
        const nx = Math.max(-1, Math.min(1, uu));
        const ny = Math.max(-1, Math.min(1, v));
        const nz = Math.sqrt(Math.max(0, 1 - nx * nx - ny * ny));
        // into head coordinates: undo yaw, then pitch
        const hx = cyw * nx - syw * nz;
        const hz0 = syw * nx + cyw * nz;
        const hy = cp * ny + sp * hz0;
        const hz = -sp * ny + cp * hz0;
        let lambert = nx * lx + ny * ly + nz * lz;
        if (lambert < 0) lambert = 0;
        const shade = (light.ambient + light.diffuse * lambert) * (0.62 + 0.38 * Math.sqrt(nz));

        // albedo with features, multiplicative darkening on skin
        let ar = id.skin[0];
        let ag = id.skin[1];
        let ab = id.skin[2];
        let dark = grainAmp > 0 ? 1 + grainAmp * skinGrainAt(hx, hy, id.grainSeed) : 1;

        // Each feature is evaluated only near where it lives: most of the renderer's time is here.
        const nearEyes = hy > id.eyeY - id.browGap - 0.2 && hy < id.eyeY + 0.3;
        // eye sockets: the broad shadows HOG keys on
        for (let side = -1; side <= 1 && nearEyes; side += 2) {
          const ex = side * id.eyeX;
          dark *= 1 - 0.32 * gauss2(hx - ex, hy - id.eyeY + 0.01, 0.17, 0.085);
        }
        // nose: side shadows along the bridge, stronger away from the light, and under the tip
        if (hy > id.eyeY - 0.05 && hy < id.noseTipY + 0.12) {
          const along = smoothstep(id.eyeY, id.noseTipY, hy);
          const sideW = 0.06 + along * (id.noseW - 0.04);
          for (let side = -1; side <= 1; side += 2) {
            const away = side * lx < 0 ? 1.4 : 0.7;
            dark *= 1 - 0.22 * away * gauss2(hx - side * sideW, hy - (id.eyeY + id.noseTipY) / 2 - 0.05, 0.035, 0.2);
          }
          dark *= 1 - 0.38 * gauss2(hx, hy - id.noseTipY - 0.05, id.noseW * 0.9, 0.03);
          for (let side = -1; side <= 1; side += 2) {
            dark *= 1 - 0.6 * gauss2(hx - side * id.noseW * 0.45, hy - id.noseTipY - 0.025, 0.03, 0.018);
          }
        }
        // cheek hollows under the cheekbones give the contour some shading
        for (let side = -1; side <= 1 && hy > -0.35 && Math.abs(hx) > 0.15; side += 2) {
          dark *= 1 - 0.12 * gauss2(hx - side * 0.62, hy - 0.45, 0.12, 0.2);
        }
        // chin shadow under the lower lip
        if (hy > id.mouthY - 0.05) dark *= 1 - 0.15 * gauss2(hx, hy - id.mouthY - 0.12, 0.15, 0.04);
        if (id.beard > 0) {
          const bm = id.beard * smoothstep(0.25, 0.45, hy) * (1 - gauss2(hx, hy - id.mouthY, id.mouthW * 1.1, 0.06));
          ar += (id.hair[0] - ar) * bm;
          ag += (id.hair[1] - ag) * bm;
          ab += (id.hair[2] - ab) * bm;
        }

        // eyes: sclera, iris, lid line; a blink closes the lid over them
        for (let side = -1; side <= 1 && nearEyes; side += 2) {
          const ex = side * id.eyeX;
          const dx = (hx - ex) / id.eyeW;
          if (Math.abs(dx) > 1.4) continue;
          const open = id.eyeH * (1 - pose.blink);
          const lidY = id.eyeY - open * Math.sqrt(Math.max(0, 1 - dx * dx)) * 0.9;
          const lowY = id.eyeY + id.eyeH * 0.8 * Math.sqrt(Math.max(0, 1 - dx * dx));
          const inX = 1 - smoothstep(0.95, 1.05, Math.abs(dx));
          const inside = inX * smoothstep(lidY - 0.006, lidY + 0.006, hy) * (1 - smoothstep(lowY - 0.006, lowY + 0.006, hy));
          if (inside > 0 && open > 0.004) {
            const ix = hx - ex - pose.gazeX * id.eyeW * 0.3;
            const idist = len2(ix, (hy - id.eyeY) * 1.1);
            const irisR = id.eyeH * 0.95;
            const irisM = 1 - smoothstep(irisR - 0.006, irisR + 0.006, idist);
            const pupilM = 1 - smoothstep(irisR * 0.4 - 0.005, irisR * 0.4 + 0.005, idist);
            let er = 0.82 + (id.iris[0] - 0.82) * irisM;
            let eg = 0.8 + (id.iris[1] - 0.8) * irisM;
            let eb = 0.76 + (id.iris[2] - 0.76) * irisM;
            er *= 1 - 0.85 * pupilM;
            eg *= 1 - 0.85 * pupilM;
            eb *= 1 - 0.85 * pupilM;
            ar += (er / dark - ar) * inside;
            ag += (eg / dark - ag) * inside;
            ab += (eb / dark - ab) * inside;
          }
          // upper lid and lashes: a dark line on the lid edge, still there when closed
          const lidLine = inX * gauss2(0, hy - lidY + 0.004, 1, 0.012 + 0.006 * pose.blink);
          dark *= 1 - 0.65 * lidLine * (0.6 + 0.4 * (1 - Math.abs(dx)));
          // crease above the open eye
          dark *= 1 - 0.12 * inX * gauss2(0, hy - (id.eyeY - id.eyeH * 1.6), 1, 0.012);
        }

        // brows
        const browLift = pose.browRaise * 0.05;
        for (let side = -1; side <= 1 && nearEyes; side += 2) {
          const ex = side * id.eyeX;
          const dx = (hx - ex) / (id.eyeW * 1.45);
          if (Math.abs(dx) > 1.3) continue;
          const cyb = id.eyeY - id.browGap - browLift - id.browArch * (1 - dx * dx);
          const thick = id.browThick * (1 - 0.45 * Math.max(0, side * dx));
          const m = (1 - smoothstep(0.9, 1.1, Math.abs(dx))) * (1 - smoothstep(thick * 0.5, thick * 0.5 + 0.012, Math.abs(hy - cyb)));
          ar += (id.brow[0] / dark - ar) * m * 0.9;
          ag += (id.brow[1] / dark - ag) * m * 0.9;
          ab += (id.brow[2] / dark - ab) * m * 0.9;
        }

        // mouth: lips, a dark line whose corners rise with a smile, a dark opening
        {
          const mw = id.mouthW * (1 + 0.15 * pose.smile);
          const dx = hx / mw;
          if (Math.abs(dx) < 1.2 && Math.abs(hy - id.mouthY) < 0.2) {
            const curve = -pose.smile * 0.045 * dx * dx + pose.smile * 0.012;
            const lineY = id.mouthY + curve;
            const openH = pose.mouthOpen * 0.07;
            const prof = Math.sqrt(Math.max(0, 1 - dx * dx));
            const upper = lineY - openH * 0.4 * prof - id.lipThick * prof * (0.8 + 0.2 * Math.cos(dx * 6));
            const lower = lineY + openH * 0.6 * prof + id.lipThick * 1.2 * prof;
            const inX = 1 - smoothstep(0.95, 1.05, Math.abs(dx));
            const lipM = inX * smoothstep(upper - 0.006, upper + 0.006, hy) * (1 - smoothstep(lower - 0.006, lower + 0.006, hy));
            ar += (id.lip[0] - ar) * lipM;
            ag += (id.lip[1] - ag) * lipM;
            ab += (id.lip[2] - ab) * lipM;
            if (openH > 0.002) {
              const o0 = lineY - openH * 0.4 * prof;
              const o1 = lineY + openH * 0.6 * prof;
              const om = inX * smoothstep(o0 - 0.004, o0 + 0.004, hy) * (1 - smoothstep(o1 - 0.004, o1 + 0.004, hy));
              const teeth = smoothstep(o0, o0 + 0.015, hy) * (1 - smoothstep(o0 + 0.02, o0 + 0.03, hy));
              const mr = 0.12 + 0.6 * teeth;
              ar += (mr - ar) * om;
              ag += (mr * 0.9 - ag) * om;
              ab += (mr * 0.85 - ab) * om;
            }
            dark *= 1 - 0.55 * inX * gauss2(0, hy - lineY, 1, 0.01 + 0.004 * (1 - pose.mouthOpen));
          }
        }

        // hair: above the hairline (a curve rising to the temples) and the crown outside the skin
        const hl = id.hairline + 0.25 * hx * hx * (hx * hx < 0.5 ? 1 : 0.5);
        let mHair = smoothstep(hl + 0.03, hl - 0.03, hy) * (hz > -0.2 ? 1 : 0);
        // side hair over the temples
        mHair = Math.max(mHair, smoothstep(0.86, 0.92, Math.abs(hx)) * smoothstep(id.eyeY + 0.05, id.eyeY - 0.05, hy));
        const mCrown = (1 - smoothstep(1 - edge, 1 + edge, hairTop)) * smoothstep(0.15, -0.05, v);
        const hairShade = 0.45 + 0.55 * shade;

        let fr = ar * dark * shade * tint[0];
        let fg = ag * dark * shade * tint[1];
        let fb = ab * dark * shade * tint[2];
        // specular sheen on the nose tip and forehead
        const spec = Math.abs(hx) < 0.9 ? 0.06 * light.diffuse * (gauss2(hx, hy - id.noseTipY + 0.03, 0.05, 0.04) + 0.5 * gauss2(hx, hy + 0.3, 0.25, 0.1)) : 0;
        fr += spec;
        fg += spec;
        fb += spec;
        fr += (id.hair[0] * hairShade * tint[0] - fr) * mHair;
        fg += (id.hair[1] * hairShade * tint[1] - fg) * mHair;
        fb += (id.hair[2] * hairShade * tint[2] - fb) * mHair;

        r += (fr - r) * mSkin;
        g += (fg - g) * mSkin;
        bl += (fb - bl) * mSkin;
        const mC = mCrown * (1 - mSkin);
        r += (id.hair[0] * 0.6 * tint[0] - r) * mC;
        g += (id.hair[1] * 0.6 * tint[1] - g) * mC;
        bl += (id.hair[2] * 0.6 * tint[2] - bl) * mC;
      }
      data[i] = r;
      data[i + 1] = g;
      data[i + 2] = bl;
    }
  }
}
