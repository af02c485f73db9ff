/**
 * Small self-contained SVG line charts for the HTML report (ROC and DET
 * curves, learning curves): axes with ticks, a legend under the plot, one
 * polyline per series (infinite values clamped to the plot's edge, NaN
 * points left out). No script, no external font or stylesheet, so the report
 * opens anywhere offline.
 */

export interface ChartSeries {
  name: string;
  points: ReadonlyArray<{ x: number; y: number }>;
  /** Overrides the palette's colour. */
  color?: string;
  dashed?: boolean;
  /** A dot at every point (few points, e.g. one per epoch). */
  markers?: boolean;
}

export interface ChartTick {
  value: number;
  label: string;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  xRange: [number, number];
  yRange: [number, number];
  xTicks: ChartTick[];
  yTicks: ChartTick[];
  series: ChartSeries[];
  /** Draw the y = x diagonal (chance line of a ROC). */
  diagonal?: boolean;
  /** Labelled vertical lines, e.g. the best epoch of a learning curve. */
  verticalMarkers?: ChartTick[];
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Average advance of an 11 px sans-serif character, generous so estimated labels are never narrower than drawn ones. */
const CHAR_WIDTH_PX = 6.6;
const LEGEND_ROW_PX = 16;
const LEGEND_SWATCH_PX = 26;
const LEGEND_GAP_PX = 14;

export interface LegendItem {
  name: string;
  /** Left end of the colour swatch and the text baseline's row centre, in SVG pixels. */
  x: number;
  y: number;
  /** The label drawn: the name, shortened with an ellipsis when it cannot fit the chart's width. */
  label: string;
}

/**
 * Lays legend entries out in rows under the plot, left to right, wrapping
 * before an entry would pass the right edge; a name too long for a whole row
 * is shortened with an ellipsis (the full name stays in a tooltip). Below the
 * plot, the legend can never cover a curve nor be cut off by the chart's edge,
 * which a fixed top-right box did for long configuration names.
 */
export function layoutLegend(names: readonly string[], left: number, right: number, top: number): { items: LegendItem[]; height: number } {
  const items: LegendItem[] = [];
  const maxChars = Math.max(4, Math.floor((right - left - LEGEND_SWATCH_PX) / CHAR_WIDTH_PX));
  let x = left;
  let row = 0;
  for (const name of names) {
    const label = name.length <= maxChars ? name : `${name.slice(0, maxChars - 1)}…`;
    const width = LEGEND_SWATCH_PX + label.length * CHAR_WIDTH_PX;
    if (x > left && x + width > right) {
      row += 1;
      x = left;
    }
    items.push({ name, x, y: top + row * LEGEND_ROW_PX + LEGEND_ROW_PX / 2, label });
    x += width + LEGEND_GAP_PX;
  }
  return { items, height: names.length === 0 ? 0 : (row + 1) * LEGEND_ROW_PX };
}

/**
 * An SVG line chart of `width` and at least `height` pixels: the legend takes
 * rows below the axes, so the chart grows by the rows it needs.
 */
export function lineChartSvg(chart: LineChart, width = 420, height = 340): string {
  const m = { left: 56, right: 20, top: 28, bottom: 46 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const legend = layoutLegend(chart.series.map((s) => s.name), m.left, width - m.right, height - 4);
  const fullHeight = height + legend.height + (legend.height > 0 ? 4 : 0);
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  const sx = (x: number) => m.left + ((clamp(x, ...chart.xRange) - chart.xRange[0]) / (chart.xRange[1] - chart.xRange[0])) * pw;
  const sy = (y: number) => m.top + ph - ((clamp(y, ...chart.yRange) - chart.yRange[0]) / (chart.yRange[1] - chart.yRange[0])) * ph;
  const f = (n: number) => n.toFixed(1);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${fullHeight}" viewBox="0 0 ${width} ${fullHeight}" font-family="sans-serif" font-size="11">`);
  parts.push(`<text x="${width / 2}" y="16" text-anchor="middle" font-size="13">${escapeXml(chart.title)}</text>`);
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
  for (const t of chart.xTicks) {
    const x = f(sx(t.value));
    parts.push(`<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + ph}" stroke="#ddd"/>`);
    parts.push(`<text x="${x}" y="${m.top + ph + 14}" text-anchor="middle">${escapeXml(t.label)}</text>`);
  }
  for (const t of chart.yTicks) {
    const y = f(sy(t.value));
    parts.push(`<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#ddd"/>`);
    parts.push(`<text x="${m.left - 4}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(t.label)}</text>`);
  }
  parts.push(`<text x="${m.left + pw / 2}" y="${height - 14}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yLabel)}</text>`);
  if (chart.diagonal) parts.push(`<line x1="${f(sx(chart.xRange[0]))}" y1="${f(sy(chart.yRange[0]))}" x2="${f(sx(chart.xRange[1]))}" y2="${f(sy(chart.yRange[1]))}" stroke="#aaa" stroke-dasharray="4 3"/>`);
  for (const v of chart.verticalMarkers ?? []) {
    const x = f(sx(v.value));
    parts.push(`<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + ph}" stroke="#888" stroke-dasharray="2 3"/>`);
    parts.push(`<text x="${x}" y="${m.top - 3}" text-anchor="middle" fill="#555">${escapeXml(v.label)}</text>`);
  }
  chart.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const dash = s.dashed ? ' stroke-dasharray="5 3"' : '';
    const pts = s.points.filter((p) => !Number.isNaN(p.x) && !Number.isNaN(p.y)).map((p) => `${f(sx(p.x))},${f(sy(p.y))}`);
    if (pts.length > 0) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.6"${dash} points="${pts.join(' ')}"/>`);
    if (s.markers) for (const p of pts) parts.push(`<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="2.2" fill="${color}"/>`);
    const item = legend.items[i]!;
    parts.push(`<g><title>${escapeXml(s.name)}</title><line x1="${f(item.x)}" y1="${f(item.y)}" x2="${f(item.x + 18)}" y2="${f(item.y)}" stroke="${color}" stroke-width="2"${dash}/>`);
    parts.push(`<text x="${f(item.x + LEGEND_SWATCH_PX - 4)}" y="${f(item.y)}" dominant-baseline="middle">${escapeXml(item.label)}</text></g>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
