import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseFaceFile, loadFaceFile, boxFromEyes, eyesForBox } from '../../src/data/index.js';
import { InputError } from '../../src/errors.js';

test('each line is one frame: x1 y1 x2 y2 as left top right bottom, 0 0 0 0 is no face', () => {
  const { boxes, problems } = parseFaceFile('10 20 50 60\n0 0 0 0\n  7   8  9 10  \n', { width: 64, height: 48 });
  assert.deepEqual(problems, []);
  assert.deepEqual(boxes, [{ left: 10, top: 20, right: 50, bottom: 48 }, null, { left: 7, top: 8, right: 9, bottom: 10 }]);
});

test('boxes are clamped to the frame; without a frame size only to 0', () => {
  const text = '-5 -3 70 50\n60 40 100 100\n1.5 2.5 3.5 4.5';
  assert.deepEqual(parseFaceFile(text, { width: 64, height: 48 }).boxes, [
    { left: 0, top: 0, right: 64, bottom: 48 },
    { left: 60, top: 40, right: 64, bottom: 48 },
    { left: 1.5, top: 2.5, right: 3.5, bottom: 4.5 },
  ]);
  assert.deepEqual(parseFaceFile('-5 -3 70 50').boxes, [{ left: 0, top: 0, right: 70, bottom: 50 }]);
});

test('CRLF line ends, comma separators and a missing final newline are accepted', () => {
  const { boxes, problems } = parseFaceFile('1 2 3 4\r\n5,6,7,8', { width: 100, height: 100 });
  assert.deepEqual(problems, []);
  assert.equal(boxes.length, 2);
  assert.deepEqual(boxes[1], { left: 5, top: 6, right: 7, bottom: 8 });
});

test('malformed lines become null and are listed with their 1-based line numbers', () => {
  const text = ['1 2 3 4', '1 2 3', '', 'a b c d', '10 10 5 20', '1 2 3 4 5', '100 100 120 120', '0 0 0 0'].join('\n') + '\n';
  const { boxes, problems } = parseFaceFile(text, { width: 64, height: 48 });
  assert.equal(boxes.length, 8);
  assert.deepEqual(boxes.map((b) => b !== null), [true, false, false, false, false, false, false, false]);
  assert.deepEqual(problems.map((p) => p.line), [2, 3, 4, 5, 6, 7]);
  assert.match(problems[0]!.message, /expected 4 numbers/);
  assert.match(problems[1]!.message, /empty line/);
  assert.match(problems[3]!.message, /empty or inverted/);
  assert.match(problems[5]!.message, /outside the 64x48 frame/);
});

test('loadFaceFile names file:line on a bad line unless lenient, and a missing file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vidpad-face-'));
  try {
    const good = path.join(dir, 'a.face');
    writeFileSync(good, '1 2 30 40\n0 0 0 0\n');
    assert.deepEqual(await loadFaceFile(good, { width: 64, height: 48 }), [{ left: 1, top: 2, right: 30, bottom: 40 }, null]);
    const bad = path.join(dir, 'b.face');
    writeFileSync(bad, '1 2 30 40\n1 2 x 4\nnope\n');
    await assert.rejects(loadFaceFile(bad), (e: unknown) => e instanceof InputError && e.message.startsWith(`${bad}:2:`) && /1 more line/.test(e.message));
    assert.deepEqual(await loadFaceFile(bad, undefined, { strict: false }), [{ left: 1, top: 2, right: 30, bottom: 40 }, null, null]);
    await assert.rejects(loadFaceFile(path.join(dir, 'none.face')), (e: unknown) => e instanceof InputError && e.message.includes('none.face'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parsing does not depend on anything but its input', () => {
  const frame = Object.freeze({ width: 64, height: 48 });
  const a = parseFaceFile('1 2 3 4\n', frame);
  const b = parseFaceFile('1 2 3 4\n', frame);
  assert.deepEqual(a, b);
  assert.notEqual(a.boxes[0], b.boxes[0]);
});

test('frame x y w h (Replay-Attack): boxes laid out by frame number, skipped frames are no face, 0-based when frame 0 is there', () => {
  const { boxes, problems, lastFrame } = parseFaceFile('0 10 20 30 40\n1 0 0 0 0\n3 5 6 7 8\n', { width: 64, height: 48 }, 'frame-xywh');
  assert.deepEqual(problems, []);
  assert.equal(lastFrame, 3);
  // x y w h → left top (x+w) (y+h), clamped to 64x48.
  assert.deepEqual(boxes, [{ left: 10, top: 20, right: 40, bottom: 48 }, null, null, { left: 5, top: 6, right: 12, bottom: 14 }]);
  // Without a frame 0 the numbers are 1-based.
  const one = parseFaceFile('1 1 2 3 4\n2 1 2 3 4\n', undefined, 'frame-xywh');
  assert.equal(one.boxes.length, 2);
  assert.deepEqual(one.boxes[0], { left: 1, top: 2, right: 4, bottom: 6 });
});

test('frame,x1,y1,x2,y2[,…] (MSU-MFSD): comma separated, extra columns ignored, corners as the box', () => {
  const { boxes, problems } = parseFaceFile('0,10,12,50,60,99,98\n1,11,12,51,60\n', { width: 640, height: 480 }, 'frame-corners');
  assert.deepEqual(problems, []);
  assert.deepEqual(boxes, [{ left: 10, top: 12, right: 50, bottom: 60 }, { left: 11, top: 12, right: 51, bottom: 60 }]);
});

test('frame-numbered files: bad lines, repeated frames and negative frames are problems with their line numbers', () => {
  const text = ['0 1 2 3 4', '0 1 2 3 4', 'x 1 2 3 4', '-1 1 2 3 4', '2 1 2 3', '3 1 2 0 4', '4 1 2 3 4 5'].join('\n');
  const { boxes, problems } = parseFaceFile(text, undefined, 'frame-xywh');
  assert.deepEqual(problems.map((p) => p.line), [2, 3, 4, 5, 6, 7]);
  assert.match(problems[0]!.message, /frame 0 is described again \(first on line 1\)/);
  assert.match(problems[2]!.message, /not a whole number >= 0/);
  assert.match(problems[4]!.message, /no width or height/);
  assert.equal(boxes.length, 4);
  assert.deepEqual(boxes[0], { left: 1, top: 2, right: 4, bottom: 6 });
  assert.equal(boxes[3], null);
});

test('eye positions (OULU-NPU): a square box 2.4 eye distances wide, eyes a third from its top, turned with the head', () => {
  // Upright: eyes (40, 50) and (60, 50): d = 20, side 48, centre x 50, top 50 - 0.32·48 = 34.64.
  const up = boxFromEyes({ x: 40, y: 50 }, { x: 60, y: 50 })!;
  assert.ok(Math.abs(up.left - 26) < 1e-9 && Math.abs(up.right - 74) < 1e-9);
  assert.ok(Math.abs(up.top - 34.64) < 1e-9 && Math.abs(up.bottom - 82.64) < 1e-9);
  // The subject's left eye first (image right) gives the same box.
  assert.deepEqual(boxFromEyes({ x: 60, y: 50 }, { x: 40, y: 50 }), up);
  // Head rolled 90° (eye line vertical): the box centre leaves the eye midpoint across the eye line by (0.5 - 0.32)·side.
  const rolled = boxFromEyes({ x: 50, y: 40 }, { x: 50, y: 60 })!;
  const cx = (rolled.left + rolled.right) / 2;
  const cy = (rolled.top + rolled.bottom) / 2;
  assert.ok(Math.abs(Math.abs(cx - 50) - 0.18 * 48) < 1e-9 && Math.abs(cy - 50) < 1e-9, JSON.stringify(rolled));
  assert.equal(boxFromEyes({ x: 5, y: 5 }, { x: 5, y: 5 }), null);
  // eyesForBox is its inverse for an upright face.
  const e = eyesForBox(up);
  assert.deepEqual(boxFromEyes(e.left, e.right), up);
  // In a file: frames from 1 (no frame 0), zeros are no face, coinciding eyes are a problem.
  const parsed = parseFaceFile('1, 40, 50, 60, 50\n2, 0, 0, 0, 0\n3, 7, 7, 7, 7\n', { width: 100, height: 100 }, 'frame-eyes');
  assert.deepEqual(parsed.boxes[0], up);
  assert.equal(parsed.boxes[1], null);
  assert.equal(parsed.boxes[2], null);
  assert.deepEqual(parsed.problems.map((p) => p.line), [3]);
});

test('loadFaceFile reads any format', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vidpad-face-'));
  try {
    const f = path.join(dir, 'a.face');
    writeFileSync(f, '0 1 2 30 40\n');
    assert.deepEqual(await loadFaceFile(f, { width: 64, height: 48 }, { format: 'frame-xywh' }), [{ left: 1, top: 2, right: 31, bottom: 42 }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
