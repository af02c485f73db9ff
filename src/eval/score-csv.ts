/**
 * Score files: CSV with a header and the columns `label` (live|attack),
 * `attack_type`, `score`, and optionally `video` and `fold`, in any order (other
 * columns are ignored). Owns the RFC 4180 tokenizer and the row checks; every
 * malformed row is reported with its line number.
 */
import { ConfigError, InputError } from '../errors.js';
import type { ScoreRow } from './scores.js';

export interface CsvRecord {
  /** Line the record starts on, 1-based (the header is line 1 of a file). */
  line: number;
  fields: string[];
}

export interface ScoreFileProblem {
  line: number;
  message: string;
}

/**
 * Splits CSV text into records (RFC 4180: `,` separators, fields optionally in
 * double quotes with `""` for a quote, line breaks allowed inside quotes). CRLF,
 * LF and lone CR all end a record; a leading byte-order mark and blank lines are
 * skipped. A record with a stray quote is reported and dropped; an unterminated
 * quote ends the text, since everything after it is inside the quote.
 */
export function tokenizeCsv(text: string): { records: CsvRecord[]; problems: ScoreFileProblem[] } {
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const records: CsvRecord[] = [];
  const problems: ScoreFileProblem[] = [];
  let i = 0;
  let line = 1;
  while (i < src.length) {
    const startLine = line;
    const fields: string[] = [];
    let bad: string | undefined;
    for (;;) {
      let field = '';
      if (src[i] === '"') {
        const quoteLine = line;
        i += 1;
        let closed = false;
        while (i < src.length) {
          const c = src[i] as string;
          if (c === '"') {
            if (src[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i += 1;
            closed = true;
            break;
          }
          if (c === '\n') line += 1;
          field += c;
          i += 1;
        }
        if (!closed) {
          problems.push({ line: quoteLine, message: 'unterminated quoted field: a " opens here and is never closed' });
          return { records, problems };
        }
        if (i < src.length && src[i] !== ',' && src[i] !== '\n') {
          bad ??= `unexpected ${JSON.stringify(src[i])} after a closing quote; quote the whole field`;
          while (i < src.length && src[i] !== ',' && src[i] !== '\n') i += 1;
        }
      } else {
        const start = i;
        while (i < src.length && src[i] !== ',' && src[i] !== '\n') i += 1;
        field = src.slice(start, i);
        if (field.includes('"')) bad ??= `a quote inside the unquoted field ${JSON.stringify(field)}; quote the field and double inner quotes`;
      }
      fields.push(field);
      if (i >= src.length) break;
      const sep = src[i];
      i += 1;
      if (sep === '\n') {
        line += 1;
        break;
      }
    }
    if (bad !== undefined) problems.push({ line: startLine, message: bad });
    else if (!(fields.length === 1 && (fields[0] as string).trim() === '')) records.push({ line: startLine, fields });
  }
  return { records, problems };
}

export interface ParseScoresOptions {
  /** Names the file in messages. */
  source: string;
  /** Skip malformed rows and return them as `problems` instead of throwing. */
  lenient: boolean;
}

export const DEFAULT_PARSE_SCORES_OPTIONS: Readonly<ParseScoresOptions> = Object.freeze({ source: 'scores', lenient: false });

/** How many problems a strict-mode error lists before summarising the rest. */
export const MAX_LISTED_PROBLEMS = 20;

export interface ParsedScores {
  rows: ScoreRow[];
  /** Malformed rows that were skipped (always empty in strict mode, which throws instead). */
  problems: ScoreFileProblem[];
  /** Whether the file has a `video` / `fold` column. */
  hasVideo: boolean;
  hasFold: boolean;
}

const REQUIRED_COLUMNS = ['label', 'attack_type', 'score'] as const;
const OPTIONAL_COLUMNS = ['video', 'fold'] as const;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function resolveParseOptions(options: Partial<ParseScoresOptions>): Readonly<ParseScoresOptions> {
  const source = options.source ?? DEFAULT_PARSE_SCORES_OPTIONS.source;
  const lenient = options.lenient ?? DEFAULT_PARSE_SCORES_OPTIONS.lenient;
  if (typeof source !== 'string') throw new ConfigError('source', `expected a string naming the score file, got ${typeof source}`);
  if (typeof lenient !== 'boolean') throw new ConfigError('lenient', `expected true or false, got ${String(lenient)}`);
  return Object.freeze({ source, lenient });
}

/**
 * Reads score rows from CSV text. Column names are matched case-insensitively
 * after trimming; values are trimmed. `label` is `live` or `attack` (any case);
 * `attack_type` is required on attack rows and ignored on live rows (which get
 * `''`); `score` is a finite decimal number; an empty `video` means none; `fold`,
 * when the column exists, must be filled on every row.
 *
 * A missing header or required column always throws an `InputError`. Malformed
 * rows are collected; strict mode (the default) then throws one `InputError`
 * listing the first MAX_LISTED_PROBLEMS with their line numbers, lenient mode
 * returns them beside the good rows.
 */
export function parseScoresCsv(text: string, options: Partial<ParseScoresOptions> = {}): ParsedScores {
  const { source, lenient } = resolveParseOptions(options);
  if (typeof text !== 'string') throw new InputError(`${source}: expected CSV text, got ${typeof text}`);
  const { records, problems: csvProblems } = tokenizeCsv(text);
  const header = records[0];
  if (header === undefined || (csvProblems[0] !== undefined && csvProblems[0].line < header.line)) {
    const why = csvProblems[0] ? `line ${csvProblems[0].line}: ${csvProblems[0].message}` : 'the file is empty';
    throw new InputError(`${source}: no readable header line (${why}); expected a header with the columns ${REQUIRED_COLUMNS.join(', ')}`);
  }
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const column = new Map<string, number>();
  names.forEach((name, index) => {
    if (name === '') return;
    if (column.has(name)) throw new InputError(`${source}: line ${header.line}: column '${name}' appears twice in the header`);
    column.set(name, index);
  });
  const missing = REQUIRED_COLUMNS.filter((c) => !column.has(c));
  if (missing.length > 0) {
    throw new InputError(
      `${source}: line ${header.line}: the header lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; ` +
        `found ${names.map((n) => `'${n}'`).join(', ')}; expected ${REQUIRED_COLUMNS.join(', ')} and optionally ${OPTIONAL_COLUMNS.join(', ')}`,
    );
  }
  const at = (name: string) => column.get(name) as number;
  const videoAt = column.get('video');
  const foldAt = column.get('fold');

  const problems: ScoreFileProblem[] = [...csvProblems];
  const rows: ScoreRow[] = [];
  for (const record of records.slice(1)) {
    if (record.fields.length !== names.length) {
      problems.push({ line: record.line, message: `expected ${names.length} fields as in the header, found ${record.fields.length}` });
      continue;
    }
    const value = (index: number) => (record.fields[index] as string).trim();
    const wrong: string[] = [];
    const labelText = value(at('label')).toLowerCase();
    if (labelText !== 'live' && labelText !== 'attack') wrong.push(`label ${JSON.stringify(value(at('label')))} is not 'live' or 'attack'`);
    const attackType = value(at('attack_type'));
    if (labelText === 'attack' && attackType === '') wrong.push(`attack row with an empty attack_type; name the attack type, e.g. 'print'`);
    const scoreText = value(at('score'));
    const score = Number(scoreText);
    if (!DECIMAL.test(scoreText) || !Number.isFinite(score)) wrong.push(`score ${JSON.stringify(scoreText)} is not a finite decimal number`);
    const video = videoAt === undefined ? '' : value(videoAt);
    const fold = foldAt === undefined ? undefined : value(foldAt);
    if (fold === '') wrong.push('empty fold; the file has a fold column, so every row needs one');
    if (wrong.length > 0) {
      problems.push({ line: record.line, message: wrong.join('; ') });
      continue;
    }
    const row: ScoreRow = { label: labelText as ScoreRow['label'], attackType: labelText === 'live' ? '' : attackType, liveScore: score, line: record.line };
    if (video !== '') row.video = video;
    if (fold !== undefined) row.fold = fold;
    rows.push(row);
  }
  problems.sort((a, b) => a.line - b.line);
  if (problems.length > 0 && !lenient) throw new InputError(describeProblems(source, problems));
  return { rows, problems, hasVideo: videoAt !== undefined, hasFold: foldAt !== undefined };
}

/** One message for a list of row problems: the first MAX_LISTED_PROBLEMS, then a count of the rest. */
export function describeProblems(source: string, problems: readonly ScoreFileProblem[]): string {
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `  line ${p.line}: ${p.message}`);
  const rest = problems.length - listed.length;
  return [
    `${source}: ${problems.length} malformed row${problems.length === 1 ? '' : 's'}:`,
    ...listed,
    ...(rest > 0 ? [`  ... and ${rest} more`] : []),
  ].join('\n');
}
