/**
 * Plain-text rendering of an evaluation report: an aligned table with one row
 * per metric and, with folds, one column per fold plus mean ± std.
 */
import type { EvaluationReport, FoldEvaluation } from './evaluate.js';
import type { MeanStd } from './folds.js';

export interface ReportNames {
  /** How to name the test scores, e.g. their file. */
  test: string;
  /** How to name the validation scores, when the threshold came from them. */
  validation?: string;
}

/** A rate as a percentage with two decimals. */
export function formatPercent(rate: number): string {
  return `${(rate * 100).toFixed(2)}%`;
}

/** A threshold or score: six significant digits, `+inf`/`-inf` for infinities. */
export function formatScore(x: number): string {
  if (x === Infinity) return '+inf';
  if (x === -Infinity) return '-inf';
  return String(Number(x.toPrecision(6)));
}

function formatMeanStd(m: MeanStd | undefined, unit: (x: number) => string): string {
  if (m === undefined) return '-';
  return `${unit(m.mean)} ± ${m.std === null ? 'n/a' : unit(m.std)}`;
}

/** Aligned columns: the first left-aligned, the others right-aligned, two spaces apart. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ').trimEnd())
    .join('\n');
}

function thresholdLine(report: EvaluationReport, names: ReportNames): string {
  const first = report.folds[0] as FoldEvaluation;
  const same = report.folds.every((f) => f.metrics.threshold === first.metrics.threshold);
  const value = same ? `${formatScore(first.metrics.threshold)}, ` : 'per fold (see the table), ';
  switch (report.thresholdSource) {
    case 'validation-eer':
      return `threshold: ${value}the EER point of the validation scores ${names.validation ?? ''}`.trimEnd();
    case 'fixed':
      return `threshold: ${value}fixed by the caller`;
    case 'oracle-test-eer':
      return `threshold: ${value}oracle (chosen on test): the EER point of these test scores, optimistic; give validation scores for a protocol result`;
  }
}

/**
 * The report as text: a heading naming the scores, the level and where the
 * threshold came from, then the table. Rates are percentages; APCER is per
 * attack type and the worst type, HTER and FAR pool all attacks.
 */
export function formatEvaluationReport(report: EvaluationReport, names: ReportNames): string {
  const folds = report.folds;
  const single = folds.length === 1 && folds[0]?.fold === null;
  const header = single ? ['metric', 'value', ''] : ['metric', ...folds.map((f) => `fold ${f.fold}`), 'mean ± std'];
  const rows: string[][] = [header];
  const summary = report.summary;
  const add = (label: string, cells: string[], tail: string) => rows.push([label, ...cells, tail]);
  const types: string[] = [];
  for (const f of folds) for (const t of f.metrics.apcerByType) if (!types.includes(t.attackType)) types.push(t.attackType);

  add('threshold', folds.map((f) => formatScore(f.metrics.threshold)), single ? '' : formatMeanStd(summary?.threshold, formatScore));
  if (report.thresholdSource === 'validation-eer') {
    add('EER on validation', folds.map((f) => (f.thresholdEer ? formatPercent(f.thresholdEer.eer) : '-')), '');
  }
  for (const type of types) {
    const cells = folds.map((f) => {
      const t = f.metrics.apcerByType.find((x) => x.attackType === type);
      return t === undefined ? 'absent' : single ? `${formatPercent(t.apcer)} (${t.acceptedAsLive}/${t.count})` : formatPercent(t.apcer);
    });
    add(`APCER ${type}`, cells, single ? '' : formatMeanStd(summary?.apcerByType.find((x) => x.attackType === type)?.apcer, formatPercent));
  }
  add('APCER max', folds.map((f) => (single ? `${formatPercent(f.metrics.maxApcer)} (${f.metrics.worstAttackType})` : formatPercent(f.metrics.maxApcer))), single ? '' : formatMeanStd(summary?.maxApcer, formatPercent));
  add('BPCER', folds.map((f) => (single ? `${formatPercent(f.metrics.bpcer)} (${f.metrics.liveRejected}/${f.metrics.liveCount})` : formatPercent(f.metrics.bpcer))), single ? '' : formatMeanStd(summary?.bpcer, formatPercent));
  add('ACER', folds.map((f) => formatPercent(f.metrics.acer)), single ? '' : formatMeanStd(summary?.acer, formatPercent));
  add('HTER (attacks pooled)', folds.map((f) => formatPercent(f.metrics.hter)), single ? '' : formatMeanStd(summary?.hter, formatPercent));
  add('EER (test, own point)', folds.map((f) => formatPercent(f.metrics.eer.eer)), single ? '' : formatMeanStd(summary?.eer, formatPercent));
  const targets = (folds[0] as FoldEvaluation).metrics.bpcerAtApcer.map((b) => b.targetMaxApcer);
  targets.forEach((target, i) => {
    add(
      `BPCER @ APCER max ≤ ${Number((target * 100).toPrecision(6))}%`,
      folds.map((f) => formatPercent((f.metrics.bpcerAtApcer[i] as { bpcer: number }).bpcer)),
      single ? '' : formatMeanStd(summary?.bpcerAtApcer[i]?.bpcer, formatPercent),
    );
  });
  add('live / attack count', folds.map((f) => `${f.metrics.liveCount} / ${f.metrics.attackCount}`), '');

  const absent = [...new Set(folds.flatMap((f) => f.metrics.absentAttackTypes))];
  const lines = [
    `test scores: ${names.test} (${report.level} level${single ? '' : `, ${folds.length} folds`})`,
    thresholdLine(report, names),
    '',
    formatTable(rows.map((r) => (single ? r.slice(0, 2) : r))),
  ];
  if (absent.length > 0) lines.push('', `no samples, so no APCER, for the attack types: ${absent.join(', ')} (left out of the maximum)`);
  if (!single) lines.push('', 'std is the sample standard deviation over folds (n − 1); n/a where only one fold has the value.');
  return lines.join('\n') + '\n';
}
