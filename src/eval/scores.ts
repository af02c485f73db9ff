/**
 * Score rows, the one record every evaluation function reads: a label, an
 * attack type and a `liveScore` (DESIGN §3: higher = more likely live). Owns
 * their validation and the clip → video aggregation.
 */
import { InputError } from '../errors.js';

export type ScoreLabel = 'live' | 'attack';

export interface ScoreRow {
  label: ScoreLabel;
  /** The presentation-attack instrument species, e.g. `print`; ignored on live rows (write `''`). */
  attackType: string;
  /** Higher = more likely live; accepted as live when `liveScore >= threshold`. */
  liveScore: number;
  /** The video this clip came from; needed only for video-level evaluation. */
  video?: string;
  /** The cross-validation fold this row belongs to, when there are folds. */
  fold?: string;
  /** Line of the score file the row was read from, so later errors can point at it. */
  line?: number;
}

/** A video-level row: the mean `liveScore` of the video's clips. */
export interface VideoScoreRow extends ScoreRow {
  video: string;
  clipCount: number;
}

/** How an error names a row: by its file line when it has one, else by its index. */
export function describeRow(row: ScoreRow, index: number): string {
  return row.line !== undefined ? `row ${index} (line ${row.line})` : `row ${index}`;
}

/**
 * Checks every row once at the boundary of the metric functions: a known label,
 * a finite score, an attack type on attack rows. Throws an `InputError` naming
 * the first bad row; `what` names the set in the message (e.g. `validation scores`).
 */
export function validateScoreRows(rows: readonly ScoreRow[], what = 'scores'): void {
  if (!Array.isArray(rows)) throw new InputError(`${what}: expected an array of score rows, got ${typeof rows}`);
  rows.forEach((row, i) => {
    if (row === null || typeof row !== 'object') throw new InputError(`${what}: row ${i} is not an object`);
    if (row.label !== 'live' && row.label !== 'attack') {
      throw new InputError(`${what}: ${describeRow(row, i)} has label ${JSON.stringify(row.label)}; expected 'live' or 'attack'`);
    }
    if (typeof row.liveScore !== 'number' || !Number.isFinite(row.liveScore)) {
      throw new InputError(`${what}: ${describeRow(row, i)} has liveScore ${String(row.liveScore)}; expected a finite number`);
    }
    if (row.label === 'attack' && (typeof row.attackType !== 'string' || row.attackType === '')) {
      throw new InputError(`${what}: ${describeRow(row, i)} is an attack without an attack type; expected a non-empty attackType such as 'print'`);
    }
  });
}

/**
 * Video-level scores: each video's score is the mean of its clips' scores, and
 * it keeps its label and attack type. Videos are keyed by fold and name (the same
 * video may be tested in several folds) and come out in order of first appearance.
 * A row without a video, or a video whose clips disagree on label or attack type,
 * is an `InputError` naming it; `what` names the set in the message.
 */
export function aggregateByVideo(rows: readonly ScoreRow[], what = 'scores'): VideoScoreRow[] {
  validateScoreRows(rows, what);
  const groups = new Map<string, { first: ScoreRow; firstIndex: number; sum: number; count: number }>();
  rows.forEach((row, i) => {
    if (row.video === undefined || row.video === '') {
      throw new InputError(`${what}: ${describeRow(row, i)} has no video; video-level evaluation needs a video for every row`);
    }
    const key = JSON.stringify([row.fold ?? null, row.video]);
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { first: row, firstIndex: i, sum: row.liveScore, count: 1 });
      return;
    }
    const where = `video '${row.video}'${row.fold !== undefined ? ` in fold '${row.fold}'` : ''}`;
    if (group.first.label !== row.label || (row.label === 'attack' && group.first.attackType !== row.attackType)) {
      throw new InputError(
        `${what}: ${where} has conflicting labels: ${describeRow(group.first, group.firstIndex)} is ${labelText(group.first)} ` +
          `but ${describeRow(row, i)} is ${labelText(row)}`,
      );
    }
    group.sum += row.liveScore;
    group.count += 1;
  });
  return [...groups.values()].map(({ first, sum, count }) => {
    const out: VideoScoreRow = { label: first.label, attackType: first.label === 'live' ? '' : first.attackType, liveScore: sum / count, video: first.video as string, clipCount: count };
    if (first.fold !== undefined) out.fold = first.fold;
    return out;
  });
}

function labelText(row: ScoreRow): string {
  return row.label === 'live' ? 'live' : `attack '${row.attackType}'`;
}
