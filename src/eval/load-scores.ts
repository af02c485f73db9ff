/** Reading a score file from disk (Node only); the parsing itself is in score-csv.ts. */
import { readFile } from 'node:fs/promises';
import { VidpadError } from '../errors.js';
import { parseScoresCsv, type ParseScoresOptions, type ParsedScores } from './score-csv.js';

/** Reads and parses the score CSV at `path`; messages name the file by its path unless `options.source` says otherwise. */
export async function loadScoresCsv(path: string, options: Partial<ParseScoresOptions> = {}): Promise<ParsedScores> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new VidpadError('E_IO', `cannot read score file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseScoresCsv(text, { ...options, source: options.source ?? path });
}
