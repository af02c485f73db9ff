/**
 * Drawing Grad-CAM (apart from its maths): a colour scale, heat maps laid
 * over the crops, one strip image per clip (the crops above, the overlays
 * below, the colour scale at the right end) and the index page. Pure: RGB
 * pixels and strings in and out; writing files is the caller's.
 */
import type { RgbFrame } from '../face/types.js';
import { ShapeError } from '../errors.js';

/**
 * The colour scale: dark blue (0) through light blue, green and yellow to
 * dark red (1), piecewise linear through five anchors (jet's order, the
 * convention of Grad-CAM figures), the ends darkened so they stand apart
 * from skin tones.
 */
const ANCHORS: readonly (readonly [number, number, number, number])[] = [
  [0, 20, 20, 120],
  [0.25, 0, 120, 255],
  [0.5, 40, 220, 120],
  [0.75, 255, 210, 0],
  [1, 190, 0, 0],
];

/** The colour of `v` (clamped to 0..1) on the scale. */
export function heatColour(v: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0));
  for (let i = 1; i < ANCHORS.length; i++) {
    const [x1, r1, g1, b1] = ANCHORS[i]!;
    if (x <= x1) {
      const [x0, r0, g0, b0] = ANCHORS[i - 1]!;
      const f = (x - x0) / (x1 - x0);
      return [Math.round(r0 + (r1 - r0) * f), Math.round(g0 + (g1 - g0) * f), Math.round(b0 + (b1 - b0) * f)];
    }
  }
  const last = ANCHORS[ANCHORS.length - 1]!;
  return [last[1], last[2], last[3]];
}

/** The crop with the heat map (values 0..1, one per pixel) blended over it: colour weight 0.35 + 0.4·v, so hot areas stand out. */
export function overlayHeatmap(crop: RgbFrame, heat: ArrayLike<number>): RgbFrame {
  const n = crop.width * crop.height;
  if (heat.length !== n) throw new ShapeError(`overlayHeatmap: ${heat.length} heat values for a ${crop.width}×${crop.height} crop`);
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const v = Math.min(1, Math.max(0, heat[i]!));
    const [r, g, b] = heatColour(v);
    const a = 0.35 + 0.4 * v;
    out[3 * i] = Math.round((1 - a) * crop.data[3 * i]! + a * r);
    out[3 * i + 1] = Math.round((1 - a) * crop.data[3 * i + 1]! + a * g);
    out[3 * i + 2] = Math.round((1 - a) * crop.data[3 * i + 2]! + a * b);
  }
  return { width: crop.width, height: crop.height, data: out };
}

const GAP_PX = 2;
const SCALE_BAR_PX = 12;

/**
 * One clip's strip: the T crops in the top row, their overlays in the bottom
 * row, frames left to right with a 2-pixel gap, and a vertical colour scale
 * (1 at the top, 0 at the bottom) at the right end.
 */
export function clipStrip(crops: readonly RgbFrame[], heatmaps: readonly ArrayLike<number>[]): RgbFrame {
  if (crops.length === 0 || crops.length !== heatmaps.length) throw new ShapeError(`clipStrip: ${crops.length} crops and ${heatmaps.length} heat maps; expected the same number, at least one`);
  const s = crops[0]!.width;
  for (const c of crops) if (c.width !== s || c.height !== s) throw new ShapeError(`clipStrip: crops must be square and of one size, got ${c.width}×${c.height} beside ${s}×${s}`);
  const t = crops.length;
  const width = t * s + t * GAP_PX + SCALE_BAR_PX;
  const height = 2 * s + GAP_PX;
  const data = new Uint8Array(width * height * 3).fill(255);
  const blit = (img: RgbFrame, x0: number, y0: number) => {
    for (let y = 0; y < img.height; y++) data.set(img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3), ((y0 + y) * width + x0) * 3);
  };
  crops.forEach((c, i) => {
    blit(c, i * (s + GAP_PX), 0);
    blit(overlayHeatmap(c, heatmaps[i]!), i * (s + GAP_PX), s + GAP_PX);
  });
  const barX = t * (s + GAP_PX);
  for (let y = 0; y < height; y++) {
    const colour = heatColour(1 - y / (height - 1));
    for (let x = barX; x < width; x++) data.set(colour, (y * width + x) * 3);
  }
  return { width, height, data };
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface IndexEntry {
  /** The strip's file name, relative to the page. */
  image: string;
  frames: readonly number[];
  score: number;
  /** The explained target's value (e.g. the live logit), when it is not the score itself. */
  target?: number;
}

/** The index page of one input's strips: the verdict, what was explained, one row per clip. */
export function camIndexHtml(page: { input: string; verdict: string; target: string; entries: readonly IndexEntry[]; notes?: readonly string[] }): string {
  const rows = page.entries
    .map(
      (e, i) =>
        `<tr><td>${i + 1}</td><td>${e.frames[0]}–${e.frames[e.frames.length - 1]}</td><td>${e.score.toFixed(4)}</td>` +
        `${e.target !== undefined ? `<td>${e.target.toFixed(4)}</td>` : '<td></td>'}<td><img src="${escapeHtml(e.image)}" alt="clip ${i + 1}"></td></tr>`,
    )
    .join('\n');
  const notes = (page.notes ?? []).map((n) => `<li>${escapeHtml(n)}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Grad-CAM: ${escapeHtml(page.input)}</title>
<style>body{font-family:sans-serif;margin:1.5em}td,th{padding:4px 8px;text-align:left;vertical-align:middle}img{image-rendering:pixelated}</style>
</head><body>
<h1>Grad-CAM: ${escapeHtml(page.input)}</h1>
<p>${escapeHtml(page.verdict)}</p>
<p>Explained: ${escapeHtml(page.target)}. Each strip: the clip's face crops as the model saw them (top), the same with the Grad-CAM map laid over (bottom; weights averaged over the clip's frames and positions, ReLU, scaled by the clip's largest value), and the colour scale (top 1, bottom 0).</p>
${notes ? `<ul>${notes}</ul>` : ''}
<table><tr><th>clip</th><th>frames</th><th>live score</th><th>target</th><th>crops / Grad-CAM</th></tr>
${rows}
</table></body></html>
`;
}
