import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  computeMetrics, formatTrainingLog, layoutLegend, learningCurveSvgs, learningCurveTable, lineChartSvg, readTrainingLog, renderHtml,
  scoresToCsv, summarizeCells, InputError, TRAINING_LOG_FILE, TRAINING_SUBDIR,
} from '../../src/index.js';
import type { CellResult, ClipScore, EpochRecord } from '../../src/index.js';

const epoch = (n: number, trainLoss: number, valLoss: number, valEer: number | null): EpochRecord => ({
  epoch: n, learningRate: 0.005 * 0.9 ** (n - 1), trainLoss, valLoss, valEer, trainClips: 32, seconds: 1, clipsPerSec: 32, improved: n === 2,
});
const HISTORY = [epoch(1, 0.9, 0.8, 0.4), epoch(2, 0.5, 0.6, 0.2), epoch(3, 0.3, 0.7, 0.25)];

/** Text x positions and estimated right ends (6.6 px per character, the layout's own estimate) of every legend label. */
function legendExtents(svg: string): Array<{ x: number; right: number; text: string }> {
  return [...svg.matchAll(/<g><title>[^<]*<\/title><line[^>]*\/>\s*<text x="([\d.]+)"[^>]*>([^<]*)<\/text><\/g>/g)].map((m) => ({
    x: Number(m[1]),
    right: Number(m[1]) + m[2]!.length * 6.6,
    text: m[2]!,
  }));
}

test('chart legends stay inside the chart: long names wrap to new rows or are shortened, and the chart grows to hold them', () => {
  const names = ['AlexNet-(2+1)D arcface (vidpad)', 'arcface+contrastive', 'arcface+triplet', 'a name far too long to fit on a single row of a chart that is only 420 pixels wide'];
  const series = names.map((name, i) => ({ name, points: [{ x: 0, y: i / 4 }, { x: 1, y: 1 }] }));
  const svg = lineChartSvg({ title: 'ROC', xLabel: 'x', yLabel: 'y', xRange: [0, 1], yRange: [0, 1], xTicks: [], yTicks: [], series });
  const height = Number(/height="(\d+(?:\.\d+)?)"/.exec(svg)![1]);
  assert.ok(height > 340, `the chart grew below the axes for the legend (height ${height})`);
  const labels = legendExtents(svg);
  assert.equal(labels.length, 4);
  for (const l of labels) assert.ok(l.x >= 56 && l.right <= 420 - 20 + 1e-9, `legend '${l.text}' spans ${l.x}..${l.right}, inside 56..400`);
  assert.match(labels[3]!.text, /…$/, 'the over-long name is shortened');
  assert.match(svg, /<title>a name far too long to fit on a single row of a chart that is only 420 pixels wide<\/title>/, 'its full name stays as a tooltip');
  const ys = [...svg.matchAll(/<g><title>[^<]*<\/title><line x1="[\d.]+" y1="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.ok(ys.every((y) => y > 340 - 46), 'legend rows sit below the plot area');
});

test('layoutLegend: entries flow left to right and wrap before the right edge', () => {
  const { items, height } = layoutLegend(['aaaa', 'bbbb', 'cccc'], 10, 150, 100);
  // Each entry is 26 + 4 · 6.6 = 52.4 px wide plus a 14 px gap: two fit in 140 px, the third wraps.
  assert.deepEqual(items.map((i) => [Number(i.x.toFixed(1)), i.y]), [[10, 108], [76.4, 108], [10, 124]]);
  assert.equal(height, 32);
  assert.deepEqual(layoutLegend([], 0, 100, 0), { items: [], height: 0 });
});

test('learning curves: a loss chart (train and validation) and a validation EER chart, the kept epoch marked', () => {
  const [loss, eer] = learningCurveSvgs('arcface, P1', HISTORY, 2);
  assert.equal((loss!.match(/<polyline/g) ?? []).length, 2);
  assert.equal((eer!.match(/<polyline/g) ?? []).length, 1);
  for (const svg of [loss!, eer!]) {
    assert.match(svg, />best</);
    assert.equal((svg.match(/<circle/g) ?? []).length, (svg.match(/<polyline/g) ?? []).length * 3, 'a dot per epoch');
  }
  assert.match(loss!, /arcface, P1: loss/);
  assert.match(eer!, /validation EER/);
  assert.deepEqual(learningCurveSvgs('x', [], null), []);
  // An epoch without a validation EER (one class missing) is left out of the EER line, not drawn at 0.
  const [, gap] = learningCurveSvgs('x', [HISTORY[0]!, epoch(2, 0.5, 0.6, null)], null);
  assert.equal(/points="([^"]+)"/.exec(gap!)![1]!.split(' ').length, 1);
});

test('training log: written and read back line for line; a damaged line is an error naming the file and line', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-log-'));
  try {
    assert.deepEqual(await readTrainingLog(dir), [], 'no log yet: no epochs');
    await writeFile(path.join(dir, TRAINING_LOG_FILE), formatTrainingLog(HISTORY));
    assert.deepEqual(await readTrainingLog(dir), HISTORY);
    await writeFile(path.join(dir, TRAINING_LOG_FILE), formatTrainingLog(HISTORY) + '{"epoch": 4, "learningRate": "fast"}\n');
    await assert.rejects(readTrainingLog(dir), (e: unknown) => e instanceof InputError && /log\.jsonl line 4: 'learningRate' should be a number/.test(e.message));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('learningCurveTable: one row per epoch with the validation EER as a bar, the kept epoch starred', () => {
  const lines = learningCurveTable(HISTORY, 2).trimEnd().split('\n');
  assert.equal(lines.length, 4);
  assert.match(lines[0]!, /epoch\s+learning rate\s+train loss\s+val loss\s+val EER/);
  assert.match(lines[1]!, /^\s+1\s+0\.00500\s+0\.9000\s+0\.8000\s+40\.0%\s{3}#{16}$/);
  assert.match(lines[2]!, /^\s+2\s+0\.00450\s+0\.5000\s+0\.6000\s+20\.0% \* #{8}$/);
  assert.match(learningCurveTable([epoch(1, 1, 1, null)], null), /n\/a/);
});

test('the HTML report draws each trained cell\'s learning curves from its training log', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-report-'));
  try {
    const rows: ClipScore[] = [
      { label: 'live', attackType: '', liveScore: 0.9, video: 'a', clipStart: 0 }, { label: 'live', attackType: '', liveScore: 0.7, video: 'b', clipStart: 0 },
      { label: 'attack', attackType: 'print/1', liveScore: 0.2, video: 'c', clipStart: 0 }, { label: 'attack', attackType: 'replay/1', liveScore: 0.8, video: 'd', clipStart: 0 },
    ];
    const scoresFile = path.join(dir, 'scores.csv');
    await writeFile(scoresFile, scoresToCsv(rows));
    const modelDir = path.join(dir, 'model');
    await mkdir(path.join(modelDir, TRAINING_SUBDIR), { recursive: true });
    await writeFile(path.join(modelDir, TRAINING_SUBDIR, TRAINING_LOG_FILE), formatTrainingLog(HISTORY));
    const m = computeMetrics(rows, 0.5);
    const cell: CellResult = {
      id: 'c', config: 'arcface', table: 'loss', protocol: '1', fold: null, split: 'SiW P1', threshold: 0.5, valEer: 0.2, clip: m, video: m,
      epochs: 3, bestEpoch: 2, trainSeconds: 1, clipsPerSec: 1, testClips: 4, noFaceClips: 0, missingVideos: 0, modelDir, scoresFile,
    };
    const untrained: CellResult = { ...cell, id: 'd', config: 'baseline', modelDir: '' };
    const html = await renderHtml([cell, untrained], summarizeCells([cell, untrained]), 'intro');
    assert.match(html, /<h3>Learning curves<\/h3>/);
    assert.match(html, /arcface, SiW P1: loss/);
    assert.match(html, /arcface, SiW P1: validation EER/);
    assert.doesNotMatch(html, /baseline, SiW P1: loss/, 'no curves for a cell without a training log');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
