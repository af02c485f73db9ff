import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScoresCsv, tokenizeCsv } from '../../src/eval/index.js';
import { InputError } from '../../src/errors.js';

test('tokenizer: RFC 4180 quoting, doubled quotes, separators and line breaks inside quotes, CRLF', () => {
  const text = 'a,b,c\r\n"x, y","say ""hi""",3\r\n"multi\r\nline",,\r\nlast,row,z';
  const { records, problems } = tokenizeCsv(text);
  assert.deepEqual(problems, []);
  assert.deepEqual(records, [
    { line: 1, fields: ['a', 'b', 'c'] },
    { line: 2, fields: ['x, y', 'say "hi"', '3'] },
    { line: 3, fields: ['multi\nline', '', ''] },
    { line: 5, fields: ['last', 'row', 'z'] },
  ]);
});

test('tokenizer: BOM and blank lines are skipped; stray quotes are reported with their line', () => {
  const { records, problems } = tokenizeCsv('\uFEFFa,b\n\n1,2\nx"y,3\n"q"z,4\n5,6\n');
  assert.deepEqual(records.map((r) => [r.line, r.fields]), [[1, ['a', 'b']], [3, ['1', '2']], [6, ['5', '6']]]);
  assert.deepEqual(problems.map((p) => p.line), [4, 5]);
  assert.match(problems[0]!.message, /quote inside the unquoted field "x\\"y"/);
  assert.match(problems[1]!.message, /after a closing quote/);
  const open = tokenizeCsv('a,b\n1,"2\n3,4\n');
  assert.deepEqual(open.problems, [{ line: 2, message: 'unterminated quoted field: a " opens here and is never closed' }]);
});

test('score CSV: any column order, extra columns ignored, values trimmed, CRLF, optional video and fold', () => {
  const text = 'score,Video,clip,LABEL,attack_type,fold\r\n0.9,v1,0,live,,1\r\n"-1.5e-1", v2 ,3,Attack,"print, glossy",2\r\n.5,,1,live,ignored,1\r\n';
  const parsed = parseScoresCsv(text, { source: 'test.csv' });
  assert.equal(parsed.hasVideo, true);
  assert.equal(parsed.hasFold, true);
  assert.deepEqual(parsed.problems, []);
  assert.deepEqual(parsed.rows, [
    { label: 'live', attackType: '', liveScore: 0.9, line: 2, video: 'v1', fold: '1' },
    { label: 'attack', attackType: 'print, glossy', liveScore: -0.15, line: 3, video: 'v2', fold: '2' },
    { label: 'live', attackType: '', liveScore: 0.5, line: 4, fold: '1' },
  ]);
  const minimal = parseScoresCsv('label,attack_type,score\nlive,,1\nattack,replay,0\n');
  assert.equal(minimal.hasVideo, false);
  assert.equal(minimal.hasFold, false);
  assert.deepEqual(minimal.rows.map((r) => [r.label, r.attackType, r.liveScore, r.video, r.fold]), [
    ['live', '', 1, undefined, undefined],
    ['attack', 'replay', 0, undefined, undefined],
  ]);
});

test('score CSV: a missing header or column is an InputError naming the file and the columns', () => {
  assert.throws(() => parseScoresCsv('', { source: 'empty.csv' }), (e: unknown) => e instanceof InputError && /empty.csv: no readable header line \(the file is empty\)/.test((e as Error).message));
  assert.throws(
    () => parseScoresCsv('label,score,video\nlive,0.4,a\n', { source: 's.csv' }),
    /s.csv: line 1: the header lacks the column attack_type; found 'label', 'score', 'video'/,
  );
  assert.throws(() => parseScoresCsv('video\nx\n', { source: 's.csv' }), /lacks the columns label, attack_type, score/);
  assert.throws(() => parseScoresCsv('label,attack_type,score,score\n', { source: 's.csv' }), /column 'score' appears twice/);
  // lenient mode cannot skip a broken header either
  assert.throws(() => parseScoresCsv('label,score\n', { lenient: true }), /lacks the column attack_type/);
});

test('score CSV strict mode: every malformed row is listed with its line number in one InputError', () => {
  const text = [
    'label,attack_type,score',
    'live,,0.9', // 2 ok
    'spoof,print,0.1', // 3 bad label
    'attack,print,abc', // 4 bad score
    'attack,,0.3', // 5 attack without type
    'live,,NaN', // 6 NaN
    'live,,', // 7 empty score
    'attack,print', // 8 too few fields
    'live,,0x10', // 9 hex is not a decimal
    'attack,replay,1e400', // 10 overflows to Infinity
    'attack,replay,0.2', // 11 ok
  ].join('\n');
  let error: unknown;
  try {
    parseScoresCsv(text, { source: 'bad.csv' });
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof InputError);
  const lines = (error as Error).message.split('\n');
  assert.equal(lines[0], 'bad.csv: 8 malformed rows:');
  assert.deepEqual(lines.slice(1), [
    `  line 3: label "spoof" is not 'live' or 'attack'`,
    '  line 4: score "abc" is not a finite decimal number',
    "  line 5: attack row with an empty attack_type; name the attack type, e.g. 'print'",
    '  line 6: score "NaN" is not a finite decimal number',
    '  line 7: score "" is not a finite decimal number',
    '  line 8: expected 3 fields as in the header, found 2',
    '  line 9: score "0x10" is not a finite decimal number',
    '  line 10: score "1e400" is not a finite decimal number',
  ]);
});

test('score CSV: several problems on one row are joined; more than 20 rows are summarised', () => {
  assert.throws(() => parseScoresCsv('label,attack_type,score\nfoo,,x\n'), /line 2: label "foo" is not 'live' or 'attack'; score "x" is not a finite decimal number/);
  const many = ['label,attack_type,score', ...Array.from({ length: 25 }, () => 'live,,?')].join('\n');
  let message = '';
  try {
    parseScoresCsv(many, { source: 'many.csv' });
  } catch (e) {
    message = (e as Error).message;
  }
  assert.match(message, /^many.csv: 25 malformed rows:/);
  assert.match(message, /line 21: /);
  assert.doesNotMatch(message, /line 22: /);
  assert.match(message, /\.\.\. and 5 more$/);
});

test('score CSV lenient mode keeps the good rows and returns the problems; empty fold is a problem', () => {
  const text = 'label,attack_type,score,fold\nlive,,0.9,1\nlive,,zero,1\nattack,print,0.1,\nattack,print,0.2,2\n';
  const parsed = parseScoresCsv(text, { lenient: true });
  assert.deepEqual(parsed.rows.map((r) => r.line), [2, 5]);
  assert.deepEqual(parsed.problems, [
    { line: 3, message: 'score "zero" is not a finite decimal number' },
    { line: 4, message: 'empty fold; the file has a fold column, so every row needs one' },
  ]);
  assert.throws(() => parseScoresCsv(text), /2 malformed rows/);
});
