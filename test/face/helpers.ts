/** Shared fixtures for the face tests: the sample photographs and their known boxes. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { BoxPx, RgbFrame } from '../../src/index.js';

/** ../shared/samples beside the repository (CI has the same layout). */
export const SAMPLES_DIR = path.resolve(process.cwd(), '..', 'shared', 'samples');
export const HAVE_SAMPLES = existsSync(path.join(SAMPLES_DIR, 'image_T1.jpg'));

/** The README's dlib boxes (upright pixels, dlib's inclusive right/bottom) as BoxPx (exclusive). */
export const SAMPLE_FACES: readonly { file: string; box: BoxPx }[] = [
  { file: 'image_T1.jpg', box: { left: 119, top: 119, right: 343, bottom: 343 } },
  { file: 'image_F1.jpg', box: { left: 143, top: 119, right: 368, bottom: 343 } },
  { file: 'image_F2.jpg', box: { left: 113, top: 261, right: 382, bottom: 530 } },
];

export function samplePath(file: string): string {
  return path.join(SAMPLES_DIR, file);
}

/** A deterministic frame whose pixel (x, y) has distinct, position-dependent channels. */
export function patternFrame(width: number, height: number): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 7 + y * 3) & 255;
      data[i + 1] = (x * 13 + y * 29 + 5) & 255;
      data[i + 2] = (x * x + y * 11) & 255;
    }
  }
  return { width, height, data };
}

/** A seeded xorshift generator for noise frames. */
export function seededNoise(width: number, height: number, seed: number): RgbFrame {
  let s = seed >>> 0 || 1;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    data[i] = s & 255;
  }
  return { width, height, data };
}
