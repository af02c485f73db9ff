/**
 * The per-frame face files datasets ship beside (or apart from) their videos,
 * read into `BoxPx | null` per decoded frame, clamped to the frame.
 *
 * Four formats (`FaceFileFormat`):
 * - `siw`: SiW's `.face`, one line `x1 y1 x2 y2` per frame (line n+1 is
 *   decoded frame n), `0 0 0 0` when no face was found. `x2`/`y2` are taken as
 *   the box's right/bottom edges (`right - left` is the width); whether SiW
 *   meant them inclusive changes a box by one pixel, far below what the square
 *   crop's margin adds.
 * - `frame-xywh`: Idiap Replay-Attack's `face-locations/**.face`, lines
 *   `frame x y width height` (top-left corner and size, integers).
 * - `frame-corners`: MSU-MFSD's `.face`, lines `frame,x1,y1,x2,y2[,…]` (the
 *   first five fields; further columns are ignored).
 * - `frame-eyes`: OULU-NPU's `.txt`, lines `frame, x_left_eye, y_left_eye,
 *   x_right_eye, y_right_eye`: eye centres, not a box. The box is derived by
 *   `boxFromEyes` (see there for the geometry).
 *
 * The frame-numbered formats may skip frames (no line: no face). Their frame
 * numbers are read as 0-based when any line says frame 0, else as 1-based (a
 * file made by MATLAB-style tools starts at 1): which one a distribution uses
 * is not documented everywhere, and guessing wrong moves every box by one
 * frame, which the tracker's smoothing absorbs. Fields may be separated by
 * spaces, tabs or commas in every format. A line that gives no usable box
 * (all zeros, a zero eye distance) is no face.
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../../errors.js';
import type { BoxPx } from '../../face/box.js';
import type { FaceFileFormat } from './types.js';

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
  /** One entry per decoded frame (for `siw`: per line); `null` where there is no face or the line is unusable. */
  boxes: (BoxPx | null)[];
  /** Lines that could not be read as a box; their frames are `null`. */
  problems: FaceFileProblem[];
  /** Frame-numbered formats: the highest frame a line describes (0-based), null for `siw` or an empty file. */
  lastFrame: number | null;
}

/**
 * The eye-to-box geometry for `frame-eyes` files: a square box of side
 * `sideOverEyeDistance` × the distance between the eye centres, centred
 * horizontally on their midpoint (along the eye line, so a tilted head keeps
 * its box centred), with the eye line `eyeLineFromTop` of the side below its
 * top edge. Chosen to match where frontal detectors such as dlib's put a box
 * (eyes at about a third of its height, the box about 2.4 inter-eye distances
 * wide); the crop's margin then adds context.
 */
export const EYE_BOX_GEOMETRY = Object.freeze({ sideOverEyeDistance: 2.4, eyeLineFromTop: 0.32 });

export interface EyePoint {
  x: number;
  y: number;
}

/** The face box of two eye centres (see `EYE_BOX_GEOMETRY`); null when the eyes coincide. */
export function boxFromEyes(left: EyePoint, right: EyePoint): BoxPx | null {
  const dx = right.x - left.x;
  const dy = right.y - left.y;
  const d = Math.sqrt(dx * dx + dy * dy);
  if (!(d > 0) || !Number.isFinite(d)) return null;
  const side = EYE_BOX_GEOMETRY.sideOverEyeDistance * d;
  // From the eye midpoint, down the face (perpendicular to the eye line) to the box centre.
  const down = (0.5 - EYE_BOX_GEOMETRY.eyeLineFromTop) * side;
  // Unit vector perpendicular to the eye line, pointing down in image coordinates (y grows downwards).
  const px = -dy / d;
  const py = dx / d;
  const flip = py < 0 ? -1 : 1;
  const cx = (left.x + right.x) / 2 + flip * px * down;
  const cy = (left.y + right.y) / 2 + flip * py * down;
  return { left: cx - side / 2, top: cy - side / 2, right: cx + side / 2, bottom: cy + side / 2 };
}

/** The eye centres whose `boxFromEyes` box is `box` for an upright face (the inverse, for writers of synthetic data). */
export function eyesForBox(box: BoxPx): { left: EyePoint; right: EyePoint } {
  const side = Math.min(box.right - box.left, box.bottom - box.top);
  const d = side / EYE_BOX_GEOMETRY.sideOverEyeDistance;
  const cx = (box.left + box.right) / 2;
  const y = (box.top + box.bottom) / 2 - (0.5 - EYE_BOX_GEOMETRY.eyeLineFromTop) * side;
  return { left: { x: cx - d / 2, y }, right: { x: cx + d / 2, y } };
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

type LineResult = { box: BoxPx | null } | { problem: string };

/** A line quoted in a message: a binary file's bytes as '?', at most 60 characters, so the message stays one readable line. */
function shownLine(raw: string): string {
  const clean = raw.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 60 ? `${clean.slice(0, 57)}...` : clean;
}

function clampBox(raw: string, left: number, top: number, right: number, bottom: number, frame: FrameSize | undefined): LineResult {
  const maxX = frame?.width ?? Infinity;
  const maxY = frame?.height ?? Infinity;
  const box: BoxPx = { left: clamp(left, 0, maxX), top: clamp(top, 0, maxY), right: clamp(right, 0, maxX), bottom: clamp(bottom, 0, maxY) };
  if (box.right <= box.left || box.bottom <= box.top) return { problem: `box '${raw}' lies outside the ${frame ? `${frame.width}x${frame.height} ` : ''}frame` };
  return { box };
}

/** One box from its four numbers in the given format (after the frame number, for the frame formats). */
function boxOfFields(format: FaceFileFormat, v: readonly number[], raw: string, frame: FrameSize | undefined): LineResult {
  const [a, b, c, d] = v as [number, number, number, number];
  if (a === 0 && b === 0 && c === 0 && d === 0) return { box: null };
  if (format === 'frame-eyes') {
    const box = boxFromEyes({ x: a, y: b }, { x: c, y: d });
    if (!box) return { problem: `eye positions '${raw}' coincide: no face size can be derived` };
    return clampBox(raw, box.left, box.top, box.right, box.bottom, frame);
  }
  const [x1, y1, x2, y2] = format === 'frame-xywh' ? [a, b, a + c, b + d] : [a, b, c, d];
  if (x2 <= x1 || y2 <= y1) {
    return { problem: format === 'frame-xywh' ? `box '${raw}' has no width or height (needs w > 0 and h > 0)` : `box '${raw}' is empty or inverted (needs x2 > x1 and y2 > y1)` };
  }
  return clampBox(raw, x1, y1, x2, y2, frame);
}

const EXPECTED: Readonly<Record<FaceFileFormat, string>> = Object.freeze({
  siw: "4 numbers 'x1 y1 x2 y2'",
  'frame-xywh': "5 numbers 'frame x y width height'",
  'frame-corners': "at least 5 numbers 'frame,x1,y1,x2,y2'",
  'frame-eyes': "5 numbers 'frame, x_left_eye, y_left_eye, x_right_eye, y_right_eye'",
});

/**
 * Parses a face file's text in `format` (default `siw`). With `frame`, boxes
 * are clamped to `[0, width] × [0, height]`; without it, only to non-negative
 * coordinates. Never throws: unusable lines are listed in `problems`.
 */
export function parseFaceFile(text: string, frame?: FrameSize, format: FaceFileFormat = 'siw'): ParsedFaceFile {
  const lines = text.split(/\r?\n/);
  // A final newline ends the last line; it does not start a frame.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const problems: FaceFileProblem[] = [];
  if (format === 'siw') {
    const boxes: (BoxPx | null)[] = [];
    lines.forEach((rawLine, i) => {
      const raw = rawLine.trim();
      const fields = raw.split(/[\s,]+/).filter((s) => s.length > 0);
      const v = fields.map(Number);
      if (fields.length !== 4 || v.some((n) => !Number.isFinite(n))) {
        problems.push({ line: i + 1, message: `expected ${EXPECTED.siw}, got ${fields.length === 0 ? 'an empty line' : `'${shownLine(raw)}'`}` });
        boxes.push(null);
        return;
      }
      const r = boxOfFields('siw', v, raw, frame);
      if ('problem' in r) problems.push({ line: i + 1, message: r.problem });
      boxes.push('box' in r ? r.box : null);
    });
    return { boxes, problems, lastFrame: null };
  }
  // Frame-numbered: collect (frame, box) first, then lay them out by frame number.
  const entries: { frameNo: number; box: BoxPx | null }[] = [];
  const seen = new Map<number, number>();
  lines.forEach((rawLine, i) => {
    const raw = rawLine.trim();
    if (raw === '') return; // blank lines carry no frame in these formats
    const fields = raw.split(/[\s,]+/).filter((s) => s.length > 0);
    const v = fields.slice(0, 5).map(Number);
    const exact = format !== 'frame-corners';
    if (fields.length < 5 || (exact && fields.length !== 5) || v.some((n) => !Number.isFinite(n))) {
      problems.push({ line: i + 1, message: `expected ${EXPECTED[format]}, got '${shownLine(raw)}'` });
      return;
    }
    const frameNo = v[0]!;
    if (!Number.isInteger(frameNo) || frameNo < 0) {
      problems.push({ line: i + 1, message: `frame number '${fields[0]}' is not a whole number >= 0` });
      return;
    }
    if (seen.has(frameNo)) {
      problems.push({ line: i + 1, message: `frame ${frameNo} is described again (first on line ${seen.get(frameNo)}); this line is ignored` });
      return;
    }
    seen.set(frameNo, i + 1);
    const r = boxOfFields(format, v.slice(1), raw, frame);
    if ('problem' in r) problems.push({ line: i + 1, message: r.problem });
    entries.push({ frameNo, box: 'box' in r ? r.box : null });
  });
  if (entries.length === 0) return { boxes: [], problems, lastFrame: null };
  const base = entries.some((e) => e.frameNo === 0) ? 0 : 1;
  const lastFrame = Math.max(...entries.map((e) => e.frameNo)) - base;
  const boxes: (BoxPx | null)[] = new Array<BoxPx | null>(lastFrame + 1).fill(null);
  for (const e of entries) boxes[e.frameNo - base] = e.box;
  return { boxes, problems, lastFrame };
}

/**
 * Reads a face file in `format` (default `siw`). Strict by default: any
 * unusable line is an `InputError` naming `file:line`; with `strict: false`
 * those frames are `null`.
 */
export async function loadFaceFile(file: string, frame?: FrameSize, options: { strict?: boolean; format?: FaceFileFormat } = {}): Promise<(BoxPx | null)[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`${file}: cannot read the face file: ${(err as Error).message}`, { cause: err });
  }
  const parsed = parseFaceFile(text, frame, options.format ?? 'siw');
  if ((options.strict ?? true) && parsed.problems.length > 0) {
    const first = parsed.problems[0]!;
    const more = parsed.problems.length > 1 ? ` (and ${parsed.problems.length - 1} more line(s))` : '';
    throw new InputError(`${file}:${first.line}: ${first.message}${more}`);
  }
  return parsed.boxes;
}
