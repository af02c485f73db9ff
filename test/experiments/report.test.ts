import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeCells, renderMarkdown, formatMeanStd, lineChartSvg, computeMetrics, experimentCells, gridConfigs, LOSS_NAMES } from '../../src/index.js';
import type { CellResult, ProtocolFold, ScoreRow } from '../../src/index.js';

function cell(protocol: string, fold: number | null, config: string, rows: ScoreRow[], threshold: number): CellResult {
  const m = computeMetrics(rows, threshold);
  return {
    id: `${config}-${protocol}-${fold}`, config, table: 'loss', protocol, fold, split: 's', threshold, valEer: null, clip: m, video: m,
    epochs: 1, bestEpoch: 1, trainSeconds: 0, clipsPerSec: null, testClips: rows.length, noFaceClips: 0, missingVideos: 0, modelDir: '', scoresFile: '',
  };
}

const live = (s: number): ScoreRow => ({ label: 'live', attackType: '', liveScore: s });
const attack = (type: string, s: number): ScoreRow => ({ label: 'attack', attackType: type, liveScore: s });

test('fold aggregation: mean and sample std of APCER, BPCER and ACER over a protocol\'s folds', () => {
  // Fold 1 at threshold 0.5: live 0.9, 0.4 → BPCER 1/2; print 0.6 accepted, 0.1 rejected → APCER 1/2; ACER 1/2.
  const f1 = cell('2', 1, 'arcface', [live(0.9), live(0.4), attack('print', 0.6), attack('print', 0.1)], 0.5);
  // Fold 2: live 0.9, 0.8 → BPCER 0; replay 0.2, 0.3 → APCER 0; ACER 0.
  const f2 = cell('2', 2, 'arcface', [live(0.9), live(0.8), attack('replay', 0.2), attack('replay', 0.3)], 0.5);
  const [row] = summarizeCells([f1, f2]);
  assert.equal(row!.folds, 2);
  assert.equal(row!.acer.mean, 0.25);
  // Sample std of {0.5, 0}: sqrt(((0.25)^2 · 2) / 1) = 0.35355…
  assert.ok(Math.abs(row!.acer.std! - Math.SQRT1_2 / 2) < 1e-12);
  assert.equal(row!.bpcer.mean, 0.25);
  assert.equal(formatMeanStd(row!.acer), '25.00 ± 35.36');
  const md = renderMarkdown(summarizeCells([f1, f2]), 'intro');
  assert.match(md, /## Table III: loss functions/);
  assert.match(md, /\| 2 \| arcface \| 25\.00 ± 35\.36 \| 25\.00 ± 35\.36 \| 25\.00 ± 35\.36 \|/);
});

test('a protocol with one split reports no std', () => {
  const c = cell('1', null, 'ce', [live(0.9), attack('print', 0.1)], 0.5);
  const [row] = summarizeCells([c]);
  assert.equal(row!.acer.std, null);
  assert.equal(formatMeanStd(row!.acer), '0.00');
});

test('grids: Table II has T = 2, 3, 5 without and with flow; Table III the eight losses; cells cover every fold', () => {
  const frames = gridConfigs('frames', { model: {} });
  assert.deepEqual(frames.map((c) => c.config), ['T=2', 'T=3', 'T=5', 'T=2 + flow', 'T=3 + flow', 'T=5 + flow']);
  assert.equal(frames[4]!.train.model!.flowBranch, true);
  assert.equal(frames[4]!.train.clip!.length, 3);
  assert.deepEqual(gridConfigs('loss', {}).map((c) => c.config), [...LOSS_NAMES]);
  const folds = [1, 2, 3, 4].map((f) => ({ protocol: '2', split: { fold: f } })) as unknown as ProtocolFold[];
  const cells = experimentCells('loss', gridConfigs('loss', {}), folds);
  assert.equal(cells.length, 8 * 4);
  assert.equal(new Set(cells.map((c) => c.id)).size, cells.length, 'cell ids are unique');
});

test('SVG charts: one polyline per series, escaped labels, points inside the plot', () => {
  const svg = lineChartSvg({
    title: 'ROC <P1>', xLabel: 'x', yLabel: 'y', xRange: [0, 1], yRange: [0, 1], xTicks: [{ value: 0, label: '0%' }], yTicks: [],
    series: [{ name: 'a&b', points: [{ x: 0, y: 0 }, { x: 2, y: 1 }] }, { name: 'c', points: [{ x: 0.5, y: 0.5 }] }],
  });
  assert.equal((svg.match(/<polyline/g) ?? []).length, 2);
  assert.match(svg, /ROC &lt;P1&gt;/);
  assert.match(svg, /a&amp;b/);
  const xs = [...svg.matchAll(/points="([^"]+)"/g)].flatMap((m) => m[1]!.split(' ').map((p) => Number(p.split(',')[0])));
  assert.ok(xs.every((x) => x >= 56 && x <= 420 - 12), 'x clamped into the plot area');
});
