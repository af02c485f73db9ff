/**
 * Small self-contained SVG line charts for the HTML report (ROC and DET
 * curves): axes with ticks, a legend, one polyline per series. No script,
 * no external font or stylesheet, so the report opens anywhere offline.
 */

export interface ChartSeries {
  name: string;
  points: ReadonlyArray<{ x: number; y: number }>;
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
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function lineChartSvg(chart: LineChart, width = 420, height = 340): string {
  const m = { left: 56, right: 12, top: 28, bottom: 46 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  const sx = (x: number) => m.left + ((clamp(x, ...chart.xRange) - chart.xRange[0]) / (chart.xRange[1] - chart.xRange[0])) * pw;
  const sy = (y: number) => m.top + ph - ((clamp(y, ...chart.yRange) - chart.yRange[0]) / (chart.yRange[1] - chart.yRange[0])) * ph;
  const f = (n: number) => n.toFixed(1);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
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
  parts.push(`<text x="${m.left + pw / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yLabel)}</text>`);
  if (chart.diagonal) parts.push(`<line x1="${f(sx(chart.xRange[0]))}" y1="${f(sy(chart.yRange[0]))}" x2="${f(sx(chart.xRange[1]))}" y2="${f(sy(chart.yRange[1]))}" stroke="#aaa" stroke-dasharray="4 3"/>`);
  chart.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const pts = s.points.filter((p) => Number.isFinite(p.x) || Number.isFinite(p.y)).map((p) => `${f(sx(p.x))},${f(sy(p.y))}`);
    if (pts.length > 0) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.6" points="${pts.join(' ')}"/>`);
    const ly = m.top + 12 + i * 14;
    parts.push(`<line x1="${m.left + pw - 110}" y1="${ly}" x2="${m.left + pw - 92}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
    parts.push(`<text x="${m.left + pw - 88}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
