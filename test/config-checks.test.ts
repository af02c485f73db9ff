// The shared config validators: each returns the value it accepts and
// refuses the rest with a ConfigError at the field's path that says what was
// expected and what came.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkBoolean, checkKnownKeys, checkNumber, checkOneOf, checkWhole } from '../src/config-checks.js';
import { ConfigError } from '../src/errors.js';

const refuses = (f: () => unknown, path: string, message: RegExp) =>
  assert.throws(f, (e: unknown) => e instanceof ConfigError && e.path === path && message.test(e.message), `${path} ${message}`);

test('whole numbers: bounds inclusive, fractions, NaN and strings refused', () => {
  assert.equal(checkWhole('a.n', 3, 2), 3);
  assert.equal(checkWhole('a.n', 0), 0);
  assert.equal(checkWhole('a.n', 4, 1, 4), 4);
  refuses(() => checkWhole('a.n', 1, 2), 'a.n', /expected a whole number >= 2, got 1$/);
  refuses(() => checkWhole('a.n', 2.5, 1), 'a.n', /whole number >= 1, got 2\.5/);
  refuses(() => checkWhole('a.n', 5, 1, 4), 'a.n', /expected a whole number in \[1, 4\], got 5/);
  refuses(() => checkWhole('a.n', '3', 0), 'a.n', /got "3"/);
  refuses(() => checkWhole('a.n', Number.NaN), 'a.n', /got NaN/);
});

test('numbers in a range, open or closed at either end, finite only', () => {
  assert.equal(checkNumber('x', 0.5, { min: 0, max: 1, maxExclusive: true }), 0.5);
  assert.equal(checkNumber('x', 1, { min: 0, max: 1 }), 1);
  refuses(() => checkNumber('x', 1, { min: 0, max: 1, maxExclusive: true }), 'x', /expected a number in \[0, 1\), got 1/);
  refuses(() => checkNumber('x', 0, { min: 0, max: 4, minExclusive: true }), 'x', /expected a number in \(0, 4\], got 0/);
  refuses(() => checkNumber('x', 0, { min: 0, minExclusive: true }), 'x', /expected a number > 0, got 0/);
  refuses(() => checkNumber('x', -1, { min: 0 }), 'x', /expected a number >= 0/);
  refuses(() => checkNumber('x', Infinity), 'x', /got Infinity/);
  refuses(() => checkNumber('m', 2, { min: 0, max: 1.5 }, ' (radians)'), 'm', /expected a number \(radians\) in \[0, 1\.5\]/);
});

test('one of a list, booleans, and objects with known fields only', () => {
  assert.equal(checkOneOf('b', 'natural', ['balanced', 'natural']), 'natural');
  refuses(() => checkOneOf('b', 'odd', ['balanced', 'natural']), 'b', /expected one of balanced, natural, got "odd"/);
  assert.equal(checkBoolean('f', false), false);
  refuses(() => checkBoolean('f', 'yes'), 'f', /expected true or false, got "yes"/);
  assert.deepEqual(checkKnownKeys('loss', undefined, ['a']), {});
  assert.deepEqual(checkKnownKeys('loss', { a: 1 }, ['a', 'b']), { a: 1 });
  refuses(() => checkKnownKeys('loss', { a: 1, c: 2 }, ['a', 'b']), 'loss.c', /unknown field; valid fields are a, b/);
  refuses(() => checkKnownKeys('loss.triplet', 3, ['a']), 'loss.triplet', /expected an object, got 3/);
  refuses(() => checkKnownKeys('loss', [1], ['a']), 'loss', /expected an object/);
});
