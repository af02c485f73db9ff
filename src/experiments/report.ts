/**
 * The experiment report: the paper's tables (APCER, BPCER, ACER as mean ±
 * std over a protocol's folds, one row per configuration) as Markdown, and an
 * HTML page with the same tables and ROC and DET curves (SVG) per protocol,
 * from each configuration's test scores pooled over the folds.
 */
import path from 'node:path';
import { loadScoresCsv, meanStd, rocPoints, detPoints, inverseNormalCdf } from '../eval/index.js';
import type { MeanStd, ScoreRow } from '../eval/index.js';
import type { CellResult } from './cell.js';
import { escapeXml, lineChartSvg } from './svg.js';
import { readTrainingLog, TRAINING_SUBDIR } from '../train/index.js';
import type { EpochRecord } from '../train/index.js';

export interface ReportRow {
  table: string;
  config: string;
  protocol: string;
  folds: number;
  apcer: MeanStd;
  bpcer: MeanStd;
  acer: MeanStd;
  eer: MeanStd;
  /** The same at video level (mean of each video's clip scores). */
  videoAcer: MeanStd;
  /** Pooled-attack HTER at the validation threshold, and the ROC AUC (null when a cell predates it): the cross-dataset tables' figures. */
  hter: MeanStd;
  auc: MeanStd | null;
  videoHter: MeanStd;
  videoAuc: MeanStd | null;
}

export interface ExtraImage {
  title: string;
  /** Path relative to the report file. */
  src: string;
}

const unique = <T,>(xs: readonly T[]) => [...new Set(xs)];

/** One row per (table, configuration, protocol): metrics over that protocol's folds. */
export function summarizeCells(cells: readonly CellResult[]): ReportRow[] {
  const rows: ReportRow[] = [];
  for (const table of unique(cells.map((c) => c.table))) {
    const inTable = cells.filter((c) => c.table === table);
    for (const config of unique(inTable.map((c) => c.config))) {
      for (const protocol of unique(inTable.map((c) => c.protocol))) {
        const group = inTable.filter((c) => c.config === config && c.protocol === protocol);
        if (group.length === 0) continue;
        const what = `${table} ${config} P${protocol}`;
        rows.push({
          table,
          config,
          protocol,
          folds: group.length,
          apcer: meanStd(group.map((c) => c.clip.maxApcer), what),
          bpcer: meanStd(group.map((c) => c.clip.bpcer), what),
          acer: meanStd(group.map((c) => c.clip.acer), what),
          eer: meanStd(group.map((c) => c.clip.eer.eer), what),
          videoAcer: meanStd(group.map((c) => c.video.acer), what),
          hter: meanStd(group.map((c) => c.clip.hter), what),
          auc: group.every((c) => c.auc !== undefined) ? meanStd(group.map((c) => c.auc!), what) : null,
          videoHter: meanStd(group.map((c) => c.video.hter), what),
          videoAuc: group.every((c) => c.videoAuc !== undefined) ? meanStd(group.map((c) => c.videoAuc!), what) : null,
        });
      }
    }
  }
  return rows;
}

/** A rate as a percentage, with ± std when there are several folds. */
export function formatMeanStd(m: MeanStd): string {
  const mean = (100 * m.mean).toFixed(2);
  return m.std === null ? mean : `${mean} ± ${(100 * m.std).toFixed(2)}`;
}

const TABLE_TITLES: Record<string, string> = {
  frames: 'Table II: frames per clip, without and with the FlowNetS branch',
  loss: 'Table III: loss functions',
  compare: 'Table IV: comparison with other methods',
  ocim: 'Cross-dataset generalisation (O: OULU-NPU, C: CASIA-FASD, I: Replay-Attack, M: MSU-MFSD; train on three, test on the fourth)',
  demo: 'Demo: AlexNet-(2+1)D with ArcFace',
};

export function tableTitle(table: string): string {
  return TABLE_TITLES[table] ?? table;
}

/** Tables over cross-dataset protocols report HTER and AUC first, as those papers do. */
export function isCrossTable(table: string): boolean {
  return table === 'ocim';
}

const orDash = (m: MeanStd | null) => (m === null ? '–' : formatMeanStd(m));

export function renderMarkdown(rows: readonly ReportRow[], intro: string): string {
  const out: string[] = [intro.trim(), ''];
  for (const table of unique(rows.map((r) => r.table))) {
    out.push(`## ${tableTitle(table)}`, '');
    if (isCrossTable(table)) {
      out.push('| Sources→target | Method | HTER (%) | AUC (%) | APCER (%) | BPCER (%) | ACER (%) | EER (%) | video HTER (%) | video AUC (%) |');
      out.push('|---|---|---|---|---|---|---|---|---|---|');
      for (const r of rows.filter((x) => x.table === table)) {
        out.push(`| ${r.protocol} | ${r.config} | ${formatMeanStd(r.hter)} | ${orDash(r.auc)} | ${formatMeanStd(r.apcer)} | ${formatMeanStd(r.bpcer)} | ${formatMeanStd(r.acer)} | ${formatMeanStd(r.eer)} | ${formatMeanStd(r.videoHter)} | ${orDash(r.videoAuc)} |`);
      }
      out.push('', 'HTER pools every attack type of the target at the threshold chosen on the sources\' validation parts; AUC is threshold free.', '');
      continue;
    }
    out.push('| Prot. | Method | APCER (%) | BPCER (%) | ACER (%) | EER (%) | video ACER (%) | folds |');
    out.push('|---|---|---|---|---|---|---|---|');
    for (const r of rows.filter((x) => x.table === table)) {
      out.push(`| ${r.protocol} | ${r.config} | ${formatMeanStd(r.apcer)} | ${formatMeanStd(r.bpcer)} | ${formatMeanStd(r.acer)} | ${formatMeanStd(r.eer)} | ${formatMeanStd(r.videoAcer)} | ${r.folds} |`);
    }
    out.push('');
  }
  out.push(
    'APCER is the worst attack type\'s (ISO/IEC 30107-3); the threshold of every fold is the EER point of its validation split;',
    'clip level unless marked; mean ± sample std over the folds of a protocol.',
    '',
  );
  return out.join('\n');
}

function thin<T>(points: readonly T[], max = 200): T[] {
  if (points.length <= max) return [...points];
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)]!);
}

const PROBIT_TICKS = [0.001, 0.01, 0.05, 0.2, 0.5, 0.8, 0.95];

async function pooledScores(cells: readonly CellResult[]): Promise<ScoreRow[]> {
  const rows: ScoreRow[] = [];
  for (const c of cells) rows.push(...(await loadScoresCsv(c.scoresFile)).rows);
  return rows;
}

/** ROC and DET charts for one table and protocol, a series per configuration. */
export async function curvesSvg(cells: readonly CellResult[], table: string, protocol: string): Promise<string[]> {
  const group = cells.filter((c) => c.table === table && c.protocol === protocol);
  const roc = [];
  const det = [];
  for (const config of unique(group.map((c) => c.config))) {
    const rows = await pooledScores(group.filter((c) => c.config === config));
    if (!rows.some((r) => r.label === 'live') || !rows.some((r) => r.label === 'attack')) continue;
    roc.push({ name: config, points: thin(rocPoints(rows)).map((p) => ({ x: p.far, y: p.tpr })) });
    const lo = inverseNormalCdf(0.0005);
    const hi = inverseNormalCdf(0.9995);
    const clampP = (v: number) => Math.min(hi, Math.max(lo, v));
    det.push({ name: config, points: thin(detPoints(rows)).map((p) => ({ x: clampP(p.probitApcer), y: clampP(p.probitBpcer) })) });
  }
  const pct = [0, 0.2, 0.4, 0.6, 0.8, 1].map((v) => ({ value: v, label: `${100 * v}%` }));
  const probit = PROBIT_TICKS.map((v) => ({ value: inverseNormalCdf(v), label: `${100 * v}%` }));
  const range: [number, number] = [inverseNormalCdf(0.0005), inverseNormalCdf(0.9995)];
  return [
    lineChartSvg({ title: `ROC, protocol ${protocol}`, xLabel: 'APCER (attacks pooled)', yLabel: '1 − BPCER', xRange: [0, 1], yRange: [0, 1], xTicks: pct, yTicks: pct, series: roc, diagonal: true }),
    lineChartSvg({ title: `DET, protocol ${protocol}`, xLabel: 'APCER (attacks pooled)', yLabel: 'BPCER', xRange: range, yRange: range, xTicks: probit, yTicks: probit, series: det }),
  ];
}

/** A cell's epochs, from its model's `training/log.jsonl`; empty for cells without one (e.g. baseline score files). */
export async function cellHistory(cell: CellResult): Promise<EpochRecord[]> {
  return cell.modelDir ? readTrainingLog(path.join(cell.modelDir, TRAINING_SUBDIR)) : [];
}

function niceMax(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map((k) => k * p).find((k) => k >= v) ?? 10 * p;
}

/**
 * A cell's learning curves: training and validation loss per epoch, and the
 * validation EER per epoch, with the best epoch (the one kept) marked. Two
 * charts, since loss and EER have different units. None without epochs.
 */
export function learningCurveSvgs(title: string, history: readonly EpochRecord[], bestEpoch: number | null): string[] {
  if (history.length === 0) return [];
  const epochs = history.length;
  const xRange: [number, number] = [history[0]!.epoch - (epochs === 1 ? 1 : 0), history[epochs - 1]!.epoch];
  const step = Math.max(1, Math.ceil(epochs / 10));
  const xTicks = history.filter((r, i) => i % step === 0 || i === epochs - 1).map((r) => ({ value: r.epoch, label: String(r.epoch) }));
  const markers = bestEpoch === null ? [] : [{ value: bestEpoch, label: 'best' }];
  const losses = history.flatMap((r) => [r.trainLoss, r.valLoss]).filter(Number.isFinite);
  const lossMax = niceMax(Math.max(...losses, 0));
  const lossTicks = [0, 0.25, 0.5, 0.75, 1].map((k) => ({ value: k * lossMax, label: (k * lossMax).toPrecision(2) }));
  const eers = history.map((r) => r.valEer).filter((v): v is number => v !== null && Number.isFinite(v));
  const eerMax = niceMax(Math.max(...eers, 0.05));
  const eerTicks = [0, 0.25, 0.5, 0.75, 1].map((k) => ({ value: k * eerMax, label: `${(100 * k * eerMax).toFixed(eerMax < 0.2 ? 1 : 0)}%` }));
  return [
    lineChartSvg(
      {
        title: `${title}: loss`, xLabel: 'epoch', yLabel: 'loss', xRange, yRange: [0, lossMax], xTicks, yTicks: lossTicks, verticalMarkers: markers,
        series: [
          { name: 'train', points: history.map((r) => ({ x: r.epoch, y: r.trainLoss })), color: '#1f77b4', markers: true },
          { name: 'validation', points: history.map((r) => ({ x: r.epoch, y: r.valLoss })), color: '#d62728', dashed: true, markers: true },
        ],
      },
      340,
      240,
    ),
    lineChartSvg(
      {
        title: `${title}: validation EER`, xLabel: 'epoch', yLabel: 'EER', xRange, yRange: [0, eerMax], xTicks, yTicks: eerTicks, verticalMarkers: markers,
        series: [{ name: 'validation EER', points: history.filter((r) => r.valEer !== null).map((r) => ({ x: r.epoch, y: r.valEer! })), color: '#2ca02c', markers: true }],
      },
      340,
      240,
    ),
  ];
}

export async function renderHtml(cells: readonly CellResult[], rows: readonly ReportRow[], intro: string, images: readonly ExtraImage[] = []): Promise<string> {
  const out: string[] = [
    '<!doctype html><html><head><meta charset="utf-8"><title>vidpad report</title>',
    '<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:nth-child(2),th:nth-child(2){text-align:left}.charts svg{margin:4px}figure{display:inline-block;margin:6px}</style>',
    '</head><body>',
    `<h1>vidpad report</h1><p>${escapeXml(intro)}</p>`,
  ];
  for (const table of unique(rows.map((r) => r.table))) {
    if (isCrossTable(table)) {
      out.push(`<h2>${escapeXml(tableTitle(table))}</h2><table><tr><th>Sources→target</th><th>Method</th><th>HTER (%)</th><th>AUC (%)</th><th>APCER (%)</th><th>BPCER (%)</th><th>ACER (%)</th><th>EER (%)</th><th>video HTER (%)</th><th>video AUC (%)</th></tr>`);
      for (const r of rows.filter((x) => x.table === table)) {
        out.push(`<tr><td>${escapeXml(r.protocol)}</td><td>${escapeXml(r.config)}</td><td>${formatMeanStd(r.hter)}</td><td>${orDash(r.auc)}</td><td>${formatMeanStd(r.apcer)}</td><td>${formatMeanStd(r.bpcer)}</td><td>${formatMeanStd(r.acer)}</td><td>${formatMeanStd(r.eer)}</td><td>${formatMeanStd(r.videoHter)}</td><td>${orDash(r.videoAuc)}</td></tr>`);
      }
    } else {
      out.push(`<h2>${escapeXml(tableTitle(table))}</h2><table><tr><th>Prot.</th><th>Method</th><th>APCER (%)</th><th>BPCER (%)</th><th>ACER (%)</th><th>EER (%)</th><th>video ACER (%)</th><th>folds</th></tr>`);
      for (const r of rows.filter((x) => x.table === table)) {
        out.push(`<tr><td>${escapeXml(r.protocol)}</td><td>${escapeXml(r.config)}</td><td>${formatMeanStd(r.apcer)}</td><td>${formatMeanStd(r.bpcer)}</td><td>${formatMeanStd(r.acer)}</td><td>${formatMeanStd(r.eer)}</td><td>${formatMeanStd(r.videoAcer)}</td><td>${r.folds}</td></tr>`);
      }
    }
    out.push('</table>');
    for (const protocol of unique(rows.filter((r) => r.table === table).map((r) => r.protocol))) {
      out.push(`<div class="charts">${(await curvesSvg(cells, table, protocol)).join('\n')}</div>`);
    }
    const trained = cells.filter((c) => c.table === table);
    const curves: string[] = [];
    for (const c of trained) {
      const svgs = learningCurveSvgs(`${c.config}, ${c.split}`, await cellHistory(c), c.bestEpoch);
      if (svgs.length > 0) curves.push(`<div class="charts">${svgs.join('\n')}</div>`);
    }
    if (curves.length > 0) out.push('<h3>Learning curves</h3>', '<p>Per epoch: mean training loss, validation loss and validation EER (threshold-free, against the epoch\'s live prototype); the dotted line marks the epoch whose weights were kept (the best by the cell\'s selectBy figure, validation EER by default).</p>', ...curves);
  }
  if (images.length > 0) {
    out.push('<h2>What the network looked at (Grad-CAM)</h2>');
    for (const img of images) out.push(`<figure><img src="${escapeXml(img.src)}" width="224"><figcaption>${escapeXml(img.title)}</figcaption></figure>`);
  }
  out.push('<p>APCER is the worst attack type\'s (ISO/IEC 30107-3); each fold\'s threshold is the EER point of its validation split; curves pool the test clips of a protocol\'s folds.</p>');
  out.push('</body></html>');
  return out.join('\n');
}
