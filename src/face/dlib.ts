/**
 * The `dlib-hog` detector: dlib's frontal face detector (HOG + linear SVM,
 * the paper's detector) through vidpad's optional addon in native-dlib/.
 * Finding and loading the addon, and mapping its rectangles to BoxPx.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DetectOptions, FaceDetection, FaceDetector, FaceDetectorConfig, FaceDetectorProbe, RgbFrame } from './types.js';
import { toBoxNorm, type BoxPx } from './box.js';
import { checkRgbFrame, resizeRgb } from './crop.js';
import { BackendError, InputError } from '../errors.js';
import { packageRoot } from '../io/index.js';

/** What to install when the addon is missing. */
export const DLIB_INSTALL_HINT =
  "vidpad's dlib addon is not built: install dlib's headers and library (Debian/Ubuntu: apt-get install libdlib-dev), then run `npm run build:dlib` (or reinstall vidpad)";

interface DlibRect {
  left: number;
  top: number;
  right: number;
  bottom: number;
  score: number;
}

interface DlibAddon {
  FrontalFaceDetector: new () => { detect(pixels: Uint8Array, width: number, height: number, upsample: number, adjustThreshold: number): Promise<DlibRect[]> };
  dlibVersion: string;
}

/** The path of the built addon, or null when it has not been built. */
export function dlibAddonPath(): string | null {
  const root = packageRoot();
  if (!root) return null;
  const file = path.join(root, 'native-dlib', 'build', 'Release', 'vidpad_dlib.node');
  return existsSync(file) ? file : null;
}

function loadAddon(): { addon: DlibAddon } | { error: string } {
  const file = dlibAddonPath();
  if (!file) return { error: DLIB_INSTALL_HINT };
  try {
    return { addon: createRequire(import.meta.url)(file) as DlibAddon };
  } catch (err) {
    // Built once, then libdlib was removed or upgraded: say so plainly.
    return { error: `vidpad's dlib addon (${file}) failed to load: ${(err as Error).message}; reinstall libdlib-dev and run \`npm run build:dlib\`` };
  }
}

export function probeDlib(): FaceDetectorProbe {
  const loaded = loadAddon();
  return 'addon' in loaded ? { name: 'dlib-hog', available: true } : { name: 'dlib-hog', available: false, reason: loaded.error };
}

/** Maps dlib's inclusive rectangle on a (possibly downscaled) frame to a BoxPx on the source frame. */
export function dlibRectToBoxPx(r: { left: number; top: number; right: number; bottom: number }, scaleX: number, scaleY: number): BoxPx {
  return { left: r.left * scaleX, top: r.top * scaleY, right: (r.right + 1) * scaleX, bottom: (r.bottom + 1) * scaleY };
}

export async function createDlibDetector(config: Readonly<FaceDetectorConfig>): Promise<FaceDetector> {
  const loaded = loadAddon();
  if (!('addon' in loaded)) throw new BackendError(`face detector 'dlib-hog' is unavailable: ${loaded.error}`);
  // Each native detector serialises its own calls (dlib's detector is not
  // re-entrant); one per core lets overlapping detect() calls (a video's next
  // frames) run side by side on libuv's threads. Each is a copy of a few
  // weight vectors.
  const pool = Array.from({ length: Math.max(1, Math.min(os.availableParallelism(), 4)) }, () => ({ native: new loaded.addon.FrontalFaceDetector(), busy: 0 }));
  let disposed = false;
  return {
    name: 'dlib-hog',
    config,
    async detect(frame: RgbFrame, options: DetectOptions = {}): Promise<FaceDetection[]> {
      if (disposed) throw new InputError('this dlib-hog face detector has been disposed');
      checkRgbFrame(frame);
      const slot = pool.reduce((a, b) => (b.busy < a.busy ? b : a));
      const maxFaces = options.maxFaces ?? config.maxFaces;
      const minScore = options.minScore ?? config.minScore ?? 0;
      const small = frame.width > config.maxWidthPx ? resizeRgb(frame, config.maxWidthPx, Math.max(1, Math.round((frame.height * config.maxWidthPx) / frame.width))) : frame;
      const sx = frame.width / small.width;
      const sy = frame.height / small.height;
      slot.busy += 1;
      let rects: DlibRect[];
      try {
        rects = await slot.native.detect(small.data, small.width, small.height, config.upsample, minScore);
      } finally {
        slot.busy -= 1;
      }
      return rects
        .sort((a, b) => b.score - a.score)
        .slice(0, maxFaces)
        .map((r) => {
          const box = dlibRectToBoxPx(r, sx, sy);
          return { box, boxNorm: toBoxNorm(box, frame.width, frame.height), score: r.score };
        });
    },
    dispose(): void {
      // The native objects are freed by V8's GC once unreferenced; dropping them
      // here makes later detect() calls fail loudly instead of silently working.
      disposed = true;
      pool.length = 0;
    },
  };
}
