/**
 * The two recording sensors of SiW, as far as the synthetic data models them:
 * white balance, contrast, optical softness and sensor noise. Noise is drawn
 * afresh for every frame, so it is temporally independent, unlike the fixed
 * texture of a printed sheet or the pixel grid of a screen.
 */
import type { FloatImage, Rgb } from './image.js';
import { blur121, blur121Into } from './image.js';
import type { Rng } from './random.js';

export interface SensorProfile {
  readonly sensor: 1 | 2;
  /** Standard deviation of the noise at mid-grey, intensity units (0..1). */
  readonly noiseSigma: number;
  readonly whiteBalance: Rgb;
  readonly contrast: number;
  readonly blackLevel: number;
  /** Passes of a [1 2 1] blur: lens and demosaicing softness. */
  readonly blurPasses: number;
}

/** Sensor 1 stands for SiW's DSLR (clean, neutral), sensor 2 for its webcam (noisier, warmer, softer). */
export const SENSOR_PROFILES: Readonly<Record<1 | 2, SensorProfile>> = Object.freeze({
  1: Object.freeze({ sensor: 1, noiseSigma: 0.012, whiteBalance: [1.0, 1.0, 0.98] as Rgb, contrast: 1.0, blackLevel: 0.0, blurPasses: 0 }),
  2: Object.freeze({ sensor: 2, noiseSigma: 0.026, whiteBalance: [1.06, 1.0, 0.88] as Rgb, contrast: 0.92, blackLevel: 0.025, blurPasses: 1 }),
});

/**
 * Turns the scene's light into the 8-bit RGB a sensor records: blur, white
 * balance and exposure `gain`, contrast, fresh noise, rounding. Writes `out`
 * (width·height·3 bytes) and returns it; `img` is left untouched. `work`, two
 * buffers of the image's length, saves a blurring sensor from allocating them
 * every frame.
 */
export function exposeFrame(
  img: FloatImage,
  sensor: SensorProfile,
  gain: number,
  rng: Rng,
  out: Uint8Array,
  work?: { readonly a: Float32Array; readonly b: Float32Array },
): Uint8Array {
  let src = img.data;
  if (sensor.blurPasses === 1 && work) {
    blur121Into(img, work.a, work.b);
    src = work.a;
  } else if (sensor.blurPasses > 0) {
    src = blur121(img, sensor.blurPasses).data;
  }
  const n = img.width * img.height * 3;
  const [wr, wg, wb] = sensor.whiteBalance;
  const k = sensor.contrast * gain * 255;
  const black = sensor.blackLevel * 255;
  // noise grows with the signal as shot noise does: 2·sigma·(0.6 + 0.8·v) per unit of the centred uniform sum below, in 8-bit steps
  const s0 = 2 * sensor.noiseSigma * 255 * 0.6;
  const s1 = 2 * sensor.noiseSigma * 0.8;
  // The clamped view rounds and saturates on store, which is exactly 8-bit quantisation.
  const q = new Uint8ClampedArray(out.buffer, out.byteOffset, n);
  // A fresh xorshift state per frame, seeded from the video's stream: the
  // noise of each frame is independent of every other frame's.
  let x = rng.nextU32() | 1;
  for (let j = 0; j < n; j++) {
    const c = j % 3;
    const v = (src[j] as number) * k * (c === 0 ? wr : c === 1 ? wg : wb) + black;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    // three 10-bit uniforms from one draw: their centred sum is close enough to Gaussian
    const g = ((x & 1023) + ((x >>> 10) & 1023) + ((x >>> 20) & 1023)) / 1023 - 1.5;
    const vc = v < 0 ? 0 : v > 255 ? 255 : v;
    q[j] = v + g * (s0 + s1 * vc);
  }
  return out;
}
