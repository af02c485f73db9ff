import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meanStd, summarizeFolds, computeMetrics, aggregateByVideo } from '../../src/eval/index.js';
import { InputError } from '../../src/errors.js';
import { attack, live, deepFreeze, assertClose } from './helpers.js';

test('meanStd: mean and sample standard deviation (n - 1); null std for one value', () => {
  // 0.1 0.2 0.6: mean 0.3; squared deviations .04 .01 .09 -> .14 / 2 = .07
  const m = meanStd(Object.freeze([0.1, 0.2, 0.6]));
  assertClose(m.mean, 0.3);
  assertClose(m.std as number, Math.sqrt(0.07));
  assert.equal(m.n, 3);
  assert.deepEqual(meanStd([0.25]), { mean: 0.25, std: null, n: 1 });
  assert.throws(() => meanStd([]), InputError);
  assert.throws(() => meanStd([0.1, NaN]), /value 1 is NaN/);
});

test('summarizeFolds: every metric as mean ± std, an attack type absent from a fold counts only where present', () => {
  // fold 1 at 0.5: live 0.9 0.4 -> BPCER 1/2; print 0.6 0.1 -> 1/2; replay 0.2 -> 0
  // fold 2 at 0.5: live 0.9 0.8 -> BPCER 0;   print 0.1 0.2 -> 0    (no replay)
  const f1 = computeMetrics([live(0.9), live(0.4), attack('print', 0.6), attack('print', 0.1), attack('replay', 0.2)], 0.5);
  const f2 = computeMetrics([live(0.9), live(0.8), attack('print', 0.1), attack('print', 0.2)], 0.5);
  const s = summarizeFolds(deepFreeze([{ fold: '1', metrics: f1 }, { fold: '2', metrics: f2 }]));
  assert.deepEqual(s.folds, ['1', '2']);
  // print APCER 1/2 and 0: mean 1/4, std sqrt(((1/4)^2 * 2) / 1) = sqrt(1/8)
  const print = s.apcerByType.find((t) => t.attackType === 'print')!.apcer;
  assert.equal(print.mean, 0.25);
  assertClose(print.std as number, Math.sqrt(1 / 8));
  assert.deepEqual(s.apcerByType.find((t) => t.attackType === 'replay')!.apcer, { mean: 0, std: null, n: 1 });
  // ACER fold 1: (1/2 + 1/2)/2 = 1/2; fold 2: 0 -> mean 1/4
  assert.equal(s.acer.mean, 0.25);
  assert.equal(s.bpcer.mean, 0.25);
  assert.equal(s.maxApcer.mean, 0.25);
  assert.equal(s.threshold.mean, 0.5);
  assert.equal(s.threshold.std, 0);
  // HTER fold 1: FAR 1/3, FRR 1/2 -> 5/12; fold 2: 0 -> mean 5/24
  assertClose(s.hter.mean, 5 / 24);
  assert.deepEqual(s.bpcerAtApcer.map((b) => b.targetMaxApcer), [0.01, 0.05, 0.1]);
  assert.equal(s.bpcerAtApcer[0]!.bpcer.n, 2);
  assert.throws(() => summarizeFolds([]), /no folds/);
});

test('summarizeFolds rejects folds with different APCER targets and infinite thresholds', () => {
  const rows = [live(0.9), attack('print', 0.1)];
  const a = computeMetrics(rows, 0.5);
  const b = computeMetrics(rows, 0.5, { apcerTargets: [0.2] });
  assert.throws(() => summarizeFolds([{ fold: 'a', metrics: a }, { fold: 'b', metrics: b }]), /fold 'b' has APCER targets \[0.2\]/);
  const inf = computeMetrics(rows, Infinity);
  assert.throws(() => summarizeFolds([{ fold: 'x', metrics: inf }]), /fold 'x' has threshold Infinity/);
});

test('aggregateByVideo: the mean of a video\'s clip scores, keyed by fold and video, in first-seen order', () => {
  const rows = deepFreeze([
    live(0.2, { video: 'v1' }),
    attack('print', 0.3, { video: 'v2' }),
    live(0.4, { video: 'v1' }),
    attack('print', 0.9, { video: 'v2' }),
    attack('print', 0.5, { video: 'v2' }),
    live(1, { video: 'v1', fold: '2' }),
  ]);
  const v = aggregateByVideo(rows);
  assert.equal(v.length, 3);
  assert.deepEqual(v.map((r) => [r.video, r.fold, r.label, r.attackType, r.clipCount]), [
    ['v1', undefined, 'live', '', 2],
    ['v2', undefined, 'attack', 'print', 3],
    ['v1', '2', 'live', '', 1],
  ]);
  assertClose(v[0]!.liveScore, 0.3);
  assertClose(v[1]!.liveScore, (0.3 + 0.9 + 0.5) / 3);
  assert.equal(v[2]!.liveScore, 1);
});

test('aggregateByVideo: conflicting labels or attack types in a video and rows without a video are errors naming them', () => {
  assert.throws(
    () => aggregateByVideo([live(0.2, { video: 'clip-07' }), attack('print', 0.3, { video: 'clip-07', line: 9 })]),
    (e: unknown) => e instanceof InputError && /video 'clip-07' has conflicting labels: row 0 is live but row 1 \(line 9\) is attack 'print'/.test((e as Error).message),
  );
  assert.throws(() => aggregateByVideo([attack('print', 0.2, { video: 'x' }), attack('replay', 0.3, { video: 'x' })]), /video 'x' has conflicting labels/);
  assert.throws(() => aggregateByVideo([live(0.2, { video: 'x' }), live(0.3, { line: 4 })]), /row 1 \(line 4\) has no video/);
  assert.throws(() => aggregateByVideo([live(NaN, { video: 'x' })]), /liveScore NaN/);
});
