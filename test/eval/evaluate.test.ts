import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateScores, eerThreshold, formatEvaluationReport, type ScoreRow } from '../../src/eval/index.js';
import { ConfigError, InputError } from '../../src/errors.js';
import { attack, live, deepFreeze, assertClose } from './helpers.js';

// validation: live 0.8 0.6; print 0.3 0.5 -> separable, EER point 0.6 with plateau (0.5, 0.6] -> 0.55
const VAL = deepFreeze([live(0.8), live(0.6), attack('print', 0.3), attack('print', 0.5)]);
// test at 0.55: live 0.9 0.5 -> BPCER 1/2; print 0.7 0.2 -> 1/2; replay 0.1 -> 0
const TEST = deepFreeze([live(0.9), live(0.5), attack('print', 0.7), attack('print', 0.2), attack('replay', 0.1)]);

test('evaluateScores: the threshold is the validation EER point and never depends on the test scores', () => {
  const r = evaluateScores(TEST, { validation: VAL });
  assert.equal(r.thresholdSource, 'validation-eer');
  assert.equal(r.summary, undefined);
  assert.equal(r.folds.length, 1);
  const f = r.folds[0]!;
  assert.equal(f.fold, null);
  assertClose(f.metrics.threshold, 0.55);
  assert.equal(f.thresholdEer?.eer, 0);
  assert.equal(f.validationCount, 4);
  assert.equal(f.metrics.bpcer, 0.5);
  assert.equal(f.metrics.maxApcer, 0.5);
  // any other test scores: the same threshold
  const other = evaluateScores([live(0.1), attack('print', 0.99)], { validation: VAL });
  assert.equal(other.folds[0]!.metrics.threshold, f.metrics.threshold);
});

test('evaluateScores: a fixed threshold, and the oracle (test EER point) when neither is given', () => {
  const fixed = evaluateScores(TEST, { threshold: 0.95 });
  assert.equal(fixed.thresholdSource, 'fixed');
  assert.equal(fixed.folds[0]!.metrics.threshold, 0.95);
  assert.equal(fixed.folds[0]!.thresholdEer, undefined);
  const oracle = evaluateScores(TEST);
  assert.equal(oracle.thresholdSource, 'oracle-test-eer');
  assert.equal(oracle.folds[0]!.metrics.threshold, eerThreshold(TEST).threshold);
  assert.match(formatEvaluationReport(oracle, { test: 't.csv' }), /oracle \(chosen on test\)/);
});

test('evaluateScores with folds: validation folds are matched by their own fold, and mean ± std is computed', () => {
  const tag = (rows: readonly ScoreRow[], fold: string) => rows.map((r) => ({ ...r, fold }));
  // fold 2's validation is shifted by +0.2: EER threshold 0.75, where the test
  // gives BPCER 1/2 (0.5), print 0/2, replay 0 -> ACER 1/4; fold 10 at 0.55 -> ACER 1/2
  const val = deepFreeze([...tag(VAL, '10'), ...tag(VAL.map((r) => ({ ...r, liveScore: r.liveScore + 0.2 })), '2')]);
  const test = deepFreeze([...tag(TEST, '10'), ...tag(TEST, '2')]);
  const r = evaluateScores(test, { validation: val });
  assert.deepEqual(r.folds.map((f) => f.fold), ['2', '10']); // natural order
  assertClose(r.folds[0]!.metrics.threshold, 0.75);
  assertClose(r.folds[1]!.metrics.threshold, 0.55);
  assert.equal(r.folds[0]!.metrics.acer, 0.25);
  assert.equal(r.folds[1]!.metrics.acer, 0.5);
  assert.equal(r.summary!.acer.mean, 0.375);
  assertClose(r.summary!.acer.std!, Math.sqrt(2 * 0.125 ** 2));
  const text = formatEvaluationReport(r, { test: 't.csv', validation: 'v.csv' });
  assert.match(text, /fold 2 +fold 10 +mean ± std/);
  assert.match(text, /threshold: per fold \(see the table\)/);
  assert.match(text, /ACER +25\.00% +50\.00% +37\.50% ± 17\.68%/);

  assert.throws(() => evaluateScores(test, { validation: tag(VAL, '10') }), /validation scores have no rows for fold '2'; validation folds: 10/);
  assert.throws(() => evaluateScores(test, { validation: VAL }), /test scores have folds but the validation scores do not/);
  assert.throws(() => evaluateScores(TEST, { validation: val }), /validation scores have folds but the test scores do not/);
  assert.throws(() => evaluateScores([...test, live(0.3)]), /1 of 11 rows have no fold/);
});

test('evaluateScores at video level averages clips before choosing and applying the threshold', () => {
  // test videos: live a (0.9, 0.1 -> 0.5), live b (0.8), print c (0.6, 0.7 -> 0.65)
  const test = deepFreeze([live(0.9, { video: 'a' }), live(0.1, { video: 'a' }), live(0.8, { video: 'b' }), attack('print', 0.6, { video: 'c' }), attack('print', 0.7, { video: 'c' })]);
  const r = evaluateScores(test, { level: 'video', threshold: 0.6 });
  assert.equal(r.level, 'video');
  assert.equal(r.folds[0]!.testCount, 3);
  assert.equal(r.folds[0]!.metrics.bpcer, 0.5);
  assert.equal(r.folds[0]!.metrics.maxApcer, 1);
  // clip level at the same threshold: live rejected 0.1 of 3 clips; print 0.6 and 0.7 both accepted
  const clip = evaluateScores(test, { threshold: 0.6 });
  assert.equal(clip.folds[0]!.metrics.bpcer, 1 / 3);
});

test('evaluateScores: bad options are ConfigErrors naming the field', () => {
  assert.throws(() => evaluateScores(TEST, { validation: VAL, threshold: 0.5 }), (e: unknown) => e instanceof ConfigError && e.path === 'threshold');
  assert.throws(() => evaluateScores(TEST, { threshold: NaN }), (e: unknown) => e instanceof ConfigError && e.path === 'threshold');
  assert.throws(() => evaluateScores(TEST, { level: 'frame' as never }), (e: unknown) => e instanceof ConfigError && e.path === 'level');
  assert.throws(() => evaluateScores(TEST, { validation: [] }), (e: unknown) => e instanceof InputError && /validation scores: no rows/.test((e as Error).message));
  assert.throws(() => evaluateScores([live(0.4)], {}), /test scores: no attack presentations/);
});
