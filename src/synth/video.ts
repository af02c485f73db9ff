/**
 * One synthetic video, frame by frame: the subject's identity, the room, the
 * motion of the session, the attack medium if any, and the sensor. Every
 * video draws its randomness from seeds derived from its own name, so any
 * video can be rendered alone and comes out the same every time.
 */
import type { FloatImage } from './image.js';
import { blur121, blur121Into, createImage } from './image.js';
import type { FaceIdentity, FacePose, Lighting } from './face.js';
import { createFaceIdentity, drawPerson, eyesForPose, faceBoxForPose, NEUTRAL_POSE } from './face.js';
import { drawRoom, makeLighting } from './scene.js';
import { exposeFrame, SENSOR_PROFILES } from './camera.js';
import type { Mat3, PlanePose } from './geometry.js';
import { applyHomography, planeHomography, projectBox } from './geometry.js';
import type { Highlight, ReplayMedium } from './spoof.js';
import { PRINT_MEDIA, REPLAY_MEDIA, printPhoto, screenTransfer, addHighlight, compositePlane, drawReplayCapture, screenGridPattern, moireFringeBasis, fringePhaseRad, moirePattern, applyScreenCapture } from './spoof.js';
import type { Rng } from './random.js';
import { createRng, deriveSeed } from './random.js';
import type { SynthVideoSpec } from './plan.js';
import type { BoxPx } from '../face/box.js';

export interface SynthFrame {
  /** 8-bit RGB, width·height·3, interleaved: what is piped to ffmpeg. */
  readonly rgb: Uint8Array;
  /** The face as the `.face` file records it, rounded to whole pixels and clamped to the frame; null when no face is visible. */
  readonly box: BoxPx | null;
  /** The eye centres (image-left first), frame pixels, rounded; null when no face is visible. */
  readonly eyes: SynthEyes | null;
}

export interface SynthEyes {
  readonly left: { readonly x: number; readonly y: number };
  readonly right: { readonly x: number; readonly y: number };
}

/** Eyes rounded to whole pixels, and only for a face the `.face` box calls visible. */
function roundEyes(box: BoxPx | null, e: SynthEyes): SynthEyes | null {
  if (!box) return null;
  const r = (p: { x: number; y: number }) => ({ x: Math.round(p.x), y: Math.round(p.y) });
  return { left: r(e.left), right: r(e.right) };
}

function projectEyes(hm: Mat3, e: SynthEyes): SynthEyes {
  const [lx, ly] = applyHomography(hm, e.left.x, e.left.y);
  const [rx, ry] = applyHomography(hm, e.right.x, e.right.y);
  return { left: { x: lx, y: ly }, right: { x: rx, y: ry } };
}

export interface SynthRenderOptions {
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly frames: number;
  readonly fps: number;
}

export function subjectIdentity(seed: number, sid: string): FaceIdentity {
  return createFaceIdentity(createRng(deriveSeed(seed, 'identity', sid)));
}

/** Smooth pseudo-random wobble: a sum of two sines with random phases, roughly in -1..1. */
function wobble(rng: Rng, cyclesPerSec: number): (tSec: number) => number {
  const f1 = cyclesPerSec * rng.uniform(0.7, 1.3);
  const f2 = cyclesPerSec * rng.uniform(1.7, 2.6);
  const p1 = rng.uniform(0, 2 * Math.PI);
  const p2 = rng.uniform(0, 2 * Math.PI);
  return (t) => 0.7 * Math.sin(2 * Math.PI * f1 * t + p1) + 0.3 * Math.sin(2 * Math.PI * f2 * t + p2);
}

/** Eyelid closure per frame: blinks every 0.8-2.5 s, the first within 1.2 s so even a short clip has one. */
export function blinkTrack(rng: Rng, frames: number, fps: number): Float32Array {
  const out = new Float32Array(frames);
  // a blink at 30 fps: 2 frames closing, 1 closed, 3 opening (~200 ms)
  const profile = [0.5, 0.9, 1, 0.75, 0.45, 0.15];
  const step = 30 / fps;
  let tSec = rng.uniform(0.15, 1.2);
  while (tSec * fps < frames) {
    const start = tSec * fps;
    for (let k = 0; k * step < profile.length; k++) {
      const f = Math.round(start + k);
      const v = profile[Math.min(profile.length - 1, Math.floor(k * step))] as number;
      if (f >= 0 && f < frames) out[f] = Math.max(out[f] as number, v);
    }
    tSec += rng.uniform(0.8, 2.5);
  }
  return out;
}

interface LiveFrameState {
  pose: FacePose;
  light: Lighting;
  /** Exposure change of the whole scene (session 3 dims and brightens the room). */
  gain: number;
}

/**
 * The motion of a live recording. All sessions blink, drift and turn the head
 * a little; session 1 walks nearer and further, 2 turns the head, 3 moves the
 * light, 4 changes expression. `mild` is the calmer take a replay shows.
 */
function liveTrack(rng: Rng, session: number, opts: SynthRenderOptions, mild: boolean): LiveFrameState[] {
  const { width: W, height: H, frames, fps } = opts;
  const cx0 = W * (0.5 + rng.uniform(-0.07, 0.07));
  const cy0 = H * (0.47 + rng.uniform(-0.03, 0.03));
  const hh0 = H * rng.uniform(0.26, 0.3);
  const dx = wobble(rng, 0.25);
  const dy = wobble(rng, 0.2);
  const roll = wobble(rng, 0.3);
  const yaw = wobble(rng, 0.35);
  const pitch = wobble(rng, 0.3);
  const gaze = wobble(rng, 0.6);
  const talk = wobble(rng, 1.5);
  const blinks = blinkTrack(rng, frames, fps);
  const az0 = rng.uniform(-0.5, 0.5);
  const el0 = rng.uniform(-0.45, -0.15);
  const tint: [number, number, number] = [rng.uniform(0.95, 1.05), 1, rng.uniform(0.88, 1.04)];
  const phase = rng.uniform(0, 2 * Math.PI);
  const durSec = frames / fps;
  const out: LiveFrameState[] = [];
  for (let f = 0; f < frames; f++) {
    const t = f / fps;
    const cyc = (2 * Math.PI * t) / Math.max(durSec, 1) + phase;
    let hh = hh0;
    let yawRad = 0.07 * yaw(t);
    let pitchRad = 0.04 * pitch(t);
    let smile = 0.15 + 0.1 * talk(t);
    let mouthOpen = Math.max(0, 0.15 * talk(t));
    let browRaise = 0;
    let az = az0;
    let gain = 1;
    let ambient = 0.36;
    let diffuse = 0.72;
    if (!mild) {
      if (session === 1) hh = hh0 * (0.95 + 0.2 * Math.sin(cyc));
      if (session === 2) {
        yawRad = 0.36 * Math.sin(cyc) + 0.05 * yaw(t);
        pitchRad = 0.14 * Math.sin(1.3 * cyc + 1) + 0.03 * pitch(t);
      }
      if (session === 3) {
        az = 0.85 * Math.sin(cyc);
        gain = 1 + 0.18 * Math.sin(1.7 * cyc + 0.5);
        ambient = 0.3 + 0.1 * Math.sin(cyc + 2);
        diffuse = 0.8;
      }
      if (session === 4) {
        smile = 0.5 + 0.5 * Math.sin(cyc);
        mouthOpen = Math.max(0, 0.9 * Math.sin(2.3 * cyc + 1));
        browRaise = Math.max(0, Math.sin(1.6 * cyc + 2));
      }
    }
    out.push({
      pose: {
        ...NEUTRAL_POSE,
        cx: cx0 + W * 0.025 * dx(t),
        cy: cy0 + H * 0.02 * dy(t),
        halfHeightPx: hh,
        rollRad: 0.05 * roll(t),
        yawRad,
        pitchRad,
        blink: blinks[f] as number,
        mouthOpen,
        smile: Math.min(1, Math.max(0, smile)),
        browRaise,
        gazeX: 0.5 * gaze(t),
      },
      light: makeLighting(az, el0, ambient, diffuse, tint),
      gain,
    });
  }
  return out;
}

function roundBox(b: BoxPx, W: number, H: number): BoxPx | null {
  const left = Math.max(0, Math.round(b.left));
  const top = Math.max(0, Math.round(b.top));
  const right = Math.min(W, Math.round(b.right));
  const bottom = Math.min(H, Math.round(b.bottom));
  // a face cut to less than a third of its size by the frame edge counts as not visible
  if ((right - left) * (bottom - top) < ((b.right - b.left) * (b.bottom - b.top)) / 3 || right <= left || bottom <= top) return null;
  return { left, top, right, bottom };
}

/** A hand-held medium's pose over time: slow sway, hand tremor and tilt around a base pose. */
function handHeldTrack(rng: Rng, opts: SynthRenderOptions, base: PlanePose, swayPx: number, tiltRad: number): PlanePose[] {
  const sx = wobble(rng, 0.3);
  const sy = wobble(rng, 0.25);
  const tx = wobble(rng, 0.4);
  const ty = wobble(rng, 0.35);
  const rz = wobble(rng, 0.3);
  const sc = wobble(rng, 0.2);
  const out: PlanePose[] = [];
  for (let f = 0; f < opts.frames; f++) {
    const t = f / opts.fps;
    out.push({
      cx: base.cx + swayPx * sx(t) + rng.normal() * 0.15 * swayPx * 0.1,
      cy: base.cy + swayPx * 0.7 * sy(t),
      tiltXRad: base.tiltXRad + tiltRad * tx(t),
      tiltYRad: base.tiltYRad + tiltRad * ty(t),
      rollRad: base.rollRad + 0.4 * tiltRad * rz(t),
      scale: base.scale * (1 + 0.04 * sc(t)),
    });
  }
  return out;
}

/**
 * [1 2 1] blur passes that stand for what an attack's medium keeps of the
 * face's finest detail: the camera that took the photo or recorded the
 * replayed video (one pass), then the medium itself, which reproduces nothing
 * finer than its halftone cell or pixel pitch (one pass per two pixels of
 * pitch, at least one). Live skin's grain reaches the sensor directly.
 */
export function mediumResolutionPasses(pitchPx: number): number {
  return 1 + Math.max(1, Math.round(pitchPx / 2));
}

function copyInto(dst: FloatImage, src: FloatImage): void {
  dst.data.set(src.data);
}

/**
 * Renders the video `spec` frame by frame. Each yielded frame owns its
 * buffer. Deterministic: the same spec and options give the same bytes.
 */
export function* renderSynthVideo(spec: SynthVideoSpec, opts: SynthRenderOptions): Generator<SynthFrame> {
  const { width: W, height: H, seed } = opts;
  const sid = spec.subject.sid;
  const id = subjectIdentity(seed, sid);
  const sensor = SENSOR_PROFILES[spec.sensor];
  const noiseRng = createRng(deriveSeed(seed, 'noise', spec.stem));
  const motionRng = createRng(deriveSeed(seed, 'motion', spec.stem));
  const canvas = createImage(W, H);
  // per-video scratch, reused every frame: the renderer allocates only the frames it hands out
  const work = { a: new Float32Array(W * H * 3), b: new Float32Array(W * H * 3) };
  const coverage = new Float32Array(W * H);

  if (spec.type === 1) {
    // the two sensors film the same room and the same session
    const room = drawRoom(W, H, createRng(deriveSeed(seed, 'room', sid, spec.session)));
    const track = liveTrack(motionRng, spec.session, opts, false);
    for (const st of track) {
      copyInto(canvas, room);
      drawPerson(canvas, id, st.pose, st.light);
      const rgb = exposeFrame(canvas, sensor, st.gain, noiseRng, new Uint8Array(W * H * 3), work);
      const box = roundBox(faceBoxForPose(id, st.pose), W, H);
      yield { rgb, box, eyes: roundEyes(box, eyesForPose(id, st.pose)) };
    }
    return;
  }

  const attackRoom = drawRoom(W, H, createRng(deriveSeed(seed, 'attack-room', sid, spec.type, spec.session)));
  const focal = 1.3 * W;

  if (spec.type === 2) {
    const medium = PRINT_MEDIA[spec.medium as 1 | 2];
    // one photograph per subject, printed on each medium
    const photoRng = createRng(deriveSeed(seed, 'photo', sid));
    const photo = drawRoom(W, H, photoRng);
    const photoPose: FacePose = {
      ...NEUTRAL_POSE,
      cx: W * (0.5 + photoRng.uniform(-0.05, 0.05)),
      cy: H * (0.47 + photoRng.uniform(-0.03, 0.03)),
      halfHeightPx: H * photoRng.uniform(0.27, 0.31),
      yawRad: photoRng.uniform(-0.08, 0.08),
      smile: photoRng.uniform(0, 0.4),
    };
    // portrait photos are exposed generously: a print loses contrast in the shadows, not the face
    drawPerson(photo, id, photoPose, makeLighting(photoRng.uniform(-0.4, 0.4), -0.3, 0.46, 0.72, [1, 0.98, 0.95]));
    // the photo's camera and the print's halftone cells keep none of the skin's finest grain
    const sheet = printPhoto(blur121(photo, mediumResolutionPasses(medium.dotPitchPx)), medium, createRng(deriveSeed(seed, 'paper', sid, spec.medium)));
    const photoBox = faceBoxForPose(id, photoPose);
    const photoEyes = eyesForPose(id, photoPose);
    const near = spec.session === 1;
    const base: PlanePose = {
      cx: W * (0.5 + motionRng.uniform(-0.05, 0.05)),
      cy: H * (0.5 + motionRng.uniform(-0.04, 0.04)),
      tiltXRad: motionRng.uniform(-0.1, 0.1),
      tiltYRad: motionRng.uniform(-0.1, 0.1),
      rollRad: motionRng.uniform(-0.05, 0.05),
      scale: near ? motionRng.uniform(1.0, 1.12) : motionRng.uniform(0.78, 0.88),
    };
    const track = handHeldTrack(motionRng, opts, base, W * (near ? 0.02 : 0.035), near ? 0.1 : 0.16);
    const paperWhite = medium.paperWhite;
    // glossy paper reflects the room's light: where on the sheet, for the untilted sheet
    const gloss: Highlight | null = medium.glossAmp > 0 ? { xPx: W * motionRng.uniform(0.25, 0.75), yPx: H * motionRng.uniform(0.2, 0.6), radiusPx: W * motionRng.uniform(0.1, 0.18) } : null;
    const litSheet = gloss ? createImage(W, H) : sheet;
    for (const pose of track) {
      const hm: Mat3 = planeHomography(pose, W, H, focal);
      if (gloss) {
        // the sheen slides over the sheet as the sheet tilts, as a screen's glare does
        copyInto(litSheet, sheet);
        addHighlight(litSheet, gloss, pose.tiltXRad, pose.tiltYRad, medium.glossAmp);
      }
      copyInto(canvas, attackRoom);
      // a rigid sheet turning under a fixed light: one brightness for the whole sheet
      const gain = 1.05 + 0.5 * (pose.tiltYRad * 0.4 - pose.tiltXRad * 0.6);
      compositePlane(canvas, litSheet, hm, [gain, gain, gain], 0, W * 0.03, [paperWhite[0] * gain, paperWhite[1] * gain, paperWhite[2] * gain], coverage);
      const rgb = exposeFrame(canvas, sensor, 1, noiseRng, new Uint8Array(W * H * 3), work);
      const box = roundBox(projectBox(hm, photoBox), W, H);
      yield { rgb, box, eyes: roundEyes(box, projectEyes(hm, photoEyes)) };
    }
    return;
  }

  // replay: a recorded live video of the subject, shown on a screen held (or standing) in front of the camera
  const medium: ReplayMedium = REPLAY_MEDIA[spec.medium as 1 | 2 | 3 | 4];
  const sourceRng = createRng(deriveSeed(seed, 'replay-source', sid, spec.sensor));
  const sourceRoom = drawRoom(W, H, sourceRng);
  const source = liveTrack(sourceRng, 1, opts, true);
  const capture = drawReplayCapture(motionRng);
  const handheld = spec.medium !== 4;
  const base: PlanePose = {
    cx: W * (0.5 + motionRng.uniform(-0.03, 0.03)),
    cy: H * (0.5 + motionRng.uniform(-0.03, 0.03)),
    tiltXRad: motionRng.uniform(-0.06, 0.06),
    tiltYRad: motionRng.uniform(-0.06, 0.06),
    rollRad: motionRng.uniform(-0.03, 0.03),
    scale: medium.screenScale * motionRng.uniform(0.96, 1.04),
  };
  const track = handHeldTrack(motionRng, opts, base, handheld ? W * 0.015 : W * 0.002, handheld ? 0.06 : 0.005);
  const glare: Highlight = { xPx: W * motionRng.uniform(0.15, 0.85), yPx: H * motionRng.uniform(0.1, 0.5), radiusPx: W * motionRng.uniform(0.08, 0.16) };
  const content = createImage(W, H);
  const grid = screenGridPattern(W, H, medium, capture);
  const fringes = moireFringeBasis(W, H, medium, capture);
  const pattern = new Float32Array(W * H);
  const transfer = screenTransfer(medium);
  const screenBlurPasses = mediumResolutionPasses(medium.gridPitchPx);
  const blurred = new Float32Array(W * H * 3);
  for (let f = 0; f < opts.frames; f++) {
    const st = source[f] as LiveFrameState;
    const pose = track[f] as PlanePose;
    copyInto(content, sourceRoom);
    drawPerson(content, id, st.pose, st.light);
    // the recording's camera and the screen's pixels keep none of the skin's finest grain
    for (let p = 0; p < screenBlurPasses; p++) {
      blur121Into(content, blurred, work.b);
      content.data.set(blurred);
    }
    // the reflection slides a little against the screen as the screen turns
    addHighlight(content, glare, pose.tiltXRad, pose.tiltYRad, medium.glareAmp);
    const hm = planeHomography(pose, W, H, focal);
    copyInto(canvas, attackRoom);
    compositePlane(canvas, content, hm, transfer.gain, transfer.offset, W * 0.025, [0.03, 0.03, 0.035], coverage);
    const flicker = 1 + medium.flickerAmp * (2 * motionRng.next() - 1);
    // the fringes move with the screen's shift since the first frame
    const phase = fringePhaseRad(medium, capture, pose.cx - (track[0] as PlanePose).cx, pose.cy - (track[0] as PlanePose).cy);
    applyScreenCapture(canvas, coverage, moirePattern(grid, fringes, medium, phase, pattern), medium, capture, f, flicker);
    const rgb = exposeFrame(canvas, sensor, 1, noiseRng, new Uint8Array(W * H * 3), work);
    const box = roundBox(projectBox(hm, faceBoxForPose(id, st.pose)), W, H);
    yield { rgb, box, eyes: roundEyes(box, projectEyes(hm, eyesForPose(id, st.pose))) };
  }
}
