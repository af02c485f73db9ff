/**
 * Rooms and light: the static background a subject is filmed against (a wall
 * with a few pieces of furniture and a window), and the lighting of a
 * recording. Backgrounds are drawn once per video; people and media are
 * composited over them frame by frame.
 */
import type { FloatImage, Rgb } from './image.js';
import { createImage, smoothstep } from './image.js';
import type { Lighting } from './face.js';
import type { Rng } from './random.js';

/** A wall with a vertical light gradient and 2-5 soft-edged rectangles (doors, shelves, pictures, a window). */
export function drawRoom(width: number, height: number, rng: Rng): FloatImage {
  const img = createImage(width, height);
  const d = img.data;
  const wall: Rgb = [rng.uniform(0.3, 0.85), rng.uniform(0.3, 0.85), rng.uniform(0.3, 0.85)];
  const gx = rng.uniform(-0.25, 0.25);
  const gy = rng.uniform(-0.3, 0.1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = 1 + gx * (x / width - 0.5) + gy * (y / height - 0.5);
      const i = (y * width + x) * 3;
      d[i] = wall[0] * s;
      d[i + 1] = wall[1] * s;
      d[i + 2] = wall[2] * s;
    }
  }
  const count = rng.int(2, 6);
  for (let k = 0; k < count; k++) {
    const window = k === 0 && rng.next() < 0.35;
    const w = rng.uniform(0.1, 0.4) * width;
    const h = rng.uniform(0.15, 0.7) * height;
    const x0 = rng.uniform(-0.1, 1) * width - w / 2;
    const y0 = rng.uniform(-0.1, 0.8) * height - h / 2;
    const col: Rgb = window ? [0.95, 0.97, 1.0] : [rng.uniform(0.05, 0.9), rng.uniform(0.05, 0.9), rng.uniform(0.05, 0.9)];
    const soft = rng.uniform(0.5, 2.5);
    const xa = Math.max(0, Math.floor(x0 - 3));
    const xb = Math.min(width, Math.ceil(x0 + w + 3));
    const ya = Math.max(0, Math.floor(y0 - 3));
    const yb = Math.min(height, Math.ceil(y0 + h + 3));
    for (let y = ya; y < yb; y++) {
      const my = smoothstep(y0 - soft, y0 + soft, y + 0.5) * (1 - smoothstep(y0 + h - soft, y0 + h + soft, y + 0.5));
      for (let x = xa; x < xb; x++) {
        const m = my * smoothstep(x0 - soft, x0 + soft, x + 0.5) * (1 - smoothstep(x0 + w - soft, x0 + w + soft, x + 0.5));
        if (m <= 0) continue;
        const i = (y * width + x) * 3;
        const shade = 0.85 + 0.15 * ((y - y0) / h);
        d[i] = (d[i] as number) + (col[0] * shade - (d[i] as number)) * m;
        d[i + 1] = (d[i + 1] as number) + (col[1] * shade - (d[i + 1] as number)) * m;
        d[i + 2] = (d[i + 2] as number) + (col[2] * shade - (d[i + 2] as number)) * m;
      }
    }
  }
  return img;
}

/** A key light from the front, somewhat to one side and above, with a warm or cool tint. */
export function randomLighting(rng: Rng): Lighting {
  const az = rng.uniform(-0.6, 0.6);
  const el = rng.uniform(-0.5, -0.1);
  return makeLighting(az, el, rng.uniform(0.3, 0.42), rng.uniform(0.6, 0.8), [rng.uniform(0.92, 1.05), 1, rng.uniform(0.85, 1.05)]);
}

/** Lighting from an azimuth and elevation (radians; negative elevation = from above). */
export function makeLighting(azimuthRad: number, elevationRad: number, ambient: number, diffuse: number, tint: Rgb): Lighting {
  const x = Math.sin(azimuthRad) * Math.cos(elevationRad);
  const y = Math.sin(elevationRad);
  const z = Math.cos(azimuthRad) * Math.cos(elevationRad);
  return { dir: [x, y, z], ambient, diffuse, tint };
}
