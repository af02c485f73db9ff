/**
 * From a playing <video> to the RGB frames the pipeline takes, at the
 * model's decode width: a frame no wider than `decodeWidthPx` is read as it
 * is; a wider one is scaled with vidpad's own area filter (`resizeRgb`, as
 * `predictFrames` scales), never the canvas's, so the page crops the same
 * pixels Node would from the same frame.
 */
import { resizeRgb } from '../face/crop.js';
import type { RgbFrame } from '../face/types.js';
import { InputError } from '../errors.js';

/** The size frames are processed at: as `predictFrames` computes it. */
export function decodeSize(width: number, height: number, maxWidthPx: number): { width: number; height: number } {
  return width <= maxWidthPx ? { width, height } : { width: maxWidthPx, height: Math.max(1, Math.round((height * maxWidthPx) / width)) };
}

/** Canvas RGBA bytes → RGB bytes (alpha dropped; a camera frame is opaque). */
export function rgbaToRgb(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): RgbFrame {
  const n = width * height;
  if (rgba.length !== n * 4) throw new InputError(`rgbaToRgb: ${rgba.length} bytes, expected ${width}×${height}×4 = ${n * 4}`);
  const data = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    data[3 * i] = rgba[j]!;
    data[3 * i + 1] = rgba[j + 1]!;
    data[3 * i + 2] = rgba[j + 2]!;
  }
  return { width, height, data };
}

export interface FrameGrabber {
  /** The video's current frame at the decode width; null before the video has a frame. */
  grab(video: HTMLVideoElement): RgbFrame | null;
}

export function createFrameGrabber(decodeWidthPx: number): FrameGrabber {
  let canvas: HTMLCanvasElement | OffscreenCanvas | null = null;
  let ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null = null;
  return {
    grab(video) {
      const w = video.videoWidth;
      const h = video.videoHeight;
      if (!w || !h) return null;
      if (!canvas || canvas.width !== w || canvas.height !== h) {
        canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(w, h) : Object.assign(document.createElement('canvas'), { width: w, height: h });
        ctx = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
        if (!ctx) throw new InputError('this browser gives no 2D canvas to read camera frames with');
      }
      ctx!.drawImage(video, 0, 0, w, h);
      const full = rgbaToRgb(ctx!.getImageData(0, 0, w, h).data, w, h);
      const size = decodeSize(w, h, decodeWidthPx);
      return size.width === w ? full : resizeRgb(full, size.width, size.height);
    },
  };
}
