import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseFaceFile, loadFaceFile } from '../../src/data/index.js';
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
