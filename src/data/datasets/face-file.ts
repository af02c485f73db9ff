/**
 * SiW's `.face` files: one line `x1 y1 x2 y2` per frame of the video beside
 * it (line n+1 describes decoded frame n), in pixels of the displayed frame,
 * `0 0 0 0` when no face was found. Read here into `BoxPx | null` per frame,
 * clamped to the frame.
 *
 * `x2`/`y2` are taken as the box's right/bottom edges in the `BoxPx`
 * convention (`right - left` is the width); whether SiW meant them inclusive
 * changes a box by one pixel, far below what the square crop's margin adds.
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../../errors.js';
import type { BoxPx } from '../../face/box.js';

export interface FrameSize {
  width: number;
  height: number;
}

export interface FaceFileProblem {
  /** 1-based line number. */
  line: number;
  message: string;
}

export interface ParsedFaceFile {
  /** One entry per line (= per frame); `null` where there is no face or the line is unusable. */
  boxes: (BoxPx | null)[];
  /** Lines that could not be read as a box; their entries in `boxes` are `null`. */
  problems: FaceFileProblem[];
}

/**
 * Parses a `.face` file's text. With `frame`, boxes are clamped to
 * `[0, width] × [0, height]`; without it, only to non-negative coordinates.
 * Never throws: unusable lines are listed in `problems`.
 */
export function parseFaceFile(text: string, frame?: FrameSize): ParsedFaceFile {
  const lines = text.split(/\r?\n/);
  // A final newline ends the last line; it does not start a frame.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const boxes: (BoxPx | null)[] = [];
  const problems: FaceFileProblem[] = [];
  const maxX = frame?.width ?? Infinity;
  const maxY = frame?.height ?? Infinity;
  lines.forEach((raw, i) => {
    const line = i + 1;
    const fields = raw.trim().split(/[\s,]+/).filter((s) => s.length > 0);
    if (fields.length !== 4) {
      problems.push({ line, message: `expected 4 numbers 'x1 y1 x2 y2', got ${fields.length === 0 ? 'an empty line' : `'${raw.trim()}'`}` });
      boxes.push(null);
      return;
    }
    const v = fields.map(Number);
    if (v.some((n) => !Number.isFinite(n))) {
      problems.push({ line, message: `expected 4 numbers 'x1 y1 x2 y2', got '${raw.trim()}'` });
      boxes.push(null);
      return;
    }
    const [x1, y1, x2, y2] = v as [number, number, number, number];
    if (x1 === 0 && y1 === 0 && x2 === 0 && y2 === 0) {
      boxes.push(null);
      return;
    }
    if (x2 <= x1 || y2 <= y1) {
      problems.push({ line, message: `box '${raw.trim()}' is empty or inverted (needs x2 > x1 and y2 > y1)` });
      boxes.push(null);
      return;
    }
    const box: BoxPx = { left: clamp(x1, 0, maxX), top: clamp(y1, 0, maxY), right: clamp(x2, 0, maxX), bottom: clamp(y2, 0, maxY) };
    if (box.right <= box.left || box.bottom <= box.top) {
      problems.push({ line, message: `box '${raw.trim()}' lies outside the ${frame ? `${frame.width}x${frame.height} ` : ''}frame` });
      boxes.push(null);
      return;
    }
    boxes.push(box);
  });
  return { boxes, problems };
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * Reads a `.face` file. Strict by default: any unusable line is an
 * `InputError` naming `file:line`; with `strict: false` those lines are `null`.
 */
export async function loadFaceFile(file: string, frame?: FrameSize, options: { strict?: boolean } = {}): Promise<(BoxPx | null)[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`${file}: cannot read the face file: ${(err as Error).message}`, { cause: err });
  }
  const parsed = parseFaceFile(text, frame);
  if ((options.strict ?? true) && parsed.problems.length > 0) {
    const first = parsed.problems[0]!;
    const more = parsed.problems.length > 1 ? ` (and ${parsed.problems.length - 1} more line(s))` : '';
    throw new InputError(`${file}:${first.line}: ${first.message}${more}`);
  }
  return parsed.boxes;
}
