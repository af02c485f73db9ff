/** Shared fixtures for the face tests: the sample photographs and their known boxes. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BoxPx, RgbFrame } from '../../src/index.js';

/** The photographs committed with the tests (Apache-2.0, license beside them). */
export const SAMPLES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'faces');

/** The README's dlib boxes (upright pixels, dlib's inclusive right/bottom) as BoxPx (exclusive). */
export const SAMPLE_FACES: readonly { file: string; box: BoxPx }[] = [
  { file: 'image_T1.jpg', box: { left: 119, top: 119, right: 343, bottom: 343 } },
  { file: 'image_F1.jpg', box: { left: 143, top: 119, right: 368, bottom: 343 } },
  { file: 'image_F2.jpg', box: { left: 113, top: 261, right: 382, bottom: 530 } },
];

/** The fixture's path; a missing fixture is a failure, never a skipped test. */
export function samplePath(file: string): string {
  const full = path.join(SAMPLES_DIR, file);
  if (!existsSync(full)) throw new Error(`test fixture missing: ${full} (it is committed with the repository)`);
  return full;
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
