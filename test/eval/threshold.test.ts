import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eerThreshold } from '../../src/eval/index.js';
import { InputError } from '../../src/errors.js';
import { attack, live, deepFreeze, seededRandom, assertClose } from './helpers.js';

test('EER threshold: ties at a score and the plateau midpoint', () => {
  // live 0.9 0.5 0.5 0.2; print 0.5 0.1; replay 0.7 0.3 (4 live, 4 attacks pooled).
  // candidate: FAR, FRR -> |diff|
  //   0.1: 4/4, 0/4 -> 1      0.2: 3/4, 0 -> .75     0.3: 3/4, 1/4 -> .5
  //   0.5: 2/4, 1/4 -> .25    0.7: 1/4, 3/4 -> .5    0.9: 0, 3/4 -> .75
  // best 0.5, whose plateau is (0.3, 0.5]: threshold 0.4, EER (0.5 + 0.25)/2.
  const rows = deepFreeze([live(0.9), live(0.5), live(0.5), live(0.2), attack('print', 0.5), attack('print', 0.1), attack('replay', 0.7), attack('replay', 0.3)]);
  const r = eerThreshold(rows);
  assertClose(r.threshold, 0.4);
  assert.equal(r.far, 0.5);
  assert.equal(r.frr, 0.25);
  assert.equal(r.eer, 0.375);
  assert.equal(r.plateauLow, 0.3);
  assert.equal(r.plateauHigh, 0.5);
});

test('EER threshold: equal |FAR-FRR| is broken by the smaller FAR+FRR', () => {
  // live 0.3 0.6; attack 0.5.  0.3: (1, 0) -> 1;  0.5: (1, 1/2) -> .5, sum 1.5;  0.6: (0, 1/2) -> .5, sum .5
  // 0.6 wins on the sum; plateau (0.5, 0.6] -> 0.55; EER 0.25.
  const r = eerThreshold([live(0.3), live(0.6), attack('print', 0.5)]);
  assertClose(r.threshold, 0.55);
  assert.equal(r.far, 0);
  assert.equal(r.frr, 0.5);
  assert.equal(r.eer, 0.25);
});

test('EER threshold: equal |FAR-FRR| and FAR+FRR is broken by the lower threshold', () => {
  // a live and an attack tied at each of 0.1, 0.5, 0.9 (3 live, 3 attacks).
  //   0.1: (1, 0) -> 1;  0.5: (2/3, 1/3) -> 1/3, sum 1;  0.9: (1/3, 2/3) -> 1/3, sum 1
  // 0.5 and 0.9 tie on both; the lower, 0.5, wins: plateau (0.1, 0.5] -> 0.3.
  const rows = [0.1, 0.5, 0.9].flatMap((s) => [live(s), attack('print', s)]);
  const r = eerThreshold(rows);
  assertClose(r.threshold, 0.3);
  assert.equal(r.far, 2 / 3);
  assert.equal(r.frr, 1 / 3);
  assertClose(r.eer, 0.5);
});

test('EER threshold: all scores equal gives that score, FAR 1, FRR 0, EER 0.5', () => {
  const r = eerThreshold([live(0.5), live(0.5), attack('print', 0.5)]);
  assert.equal(r.threshold, 0.5);
  assert.equal(r.far, 1);
  assert.equal(r.frr, 0);
  assert.equal(r.eer, 0.5);
  assert.equal(r.plateauLow, -Infinity);
});

test('EER threshold: perfectly separated scores give EER 0 and the margin midpoint', () => {
  const r = eerThreshold([live(0.8), live(0.95), attack('print', 0.1), attack('replay', 0.3)]);
  assert.equal(r.eer, 0);
  assertClose(r.threshold, 0.55);
});

test('EER threshold agrees with a naive search over every candidate on random tied scores', () => {
  const rand = seededRandom(7);
  for (let trial = 0; trial < 200; trial += 1) {
    const n = 2 + Math.floor(rand() * 20);
    const rows = Array.from({ length: n }, (_, i) => {
      const s = Math.floor(rand() * 6) / 5; // few distinct values: many ties
      return i === 0 ? live(s) : i === 1 ? attack('a', s) : rand() < 0.5 ? live(s) : attack(rand() < 0.5 ? 'a' : 'b', s);
    });
    const lives = rows.filter((r) => r.label === 'live').map((r) => r.liveScore);
    const atts = rows.filter((r) => r.label === 'attack').map((r) => r.liveScore);
    const candidates = [...new Set(rows.map((r) => r.liveScore))].sort((a, b) => a - b);
    let best: { t: number; diff: number; sum: number } | undefined;
    for (const t of candidates) {
      const far = atts.filter((s) => s >= t).length / atts.length;
      const frr = lives.filter((s) => s < t).length / lives.length;
      const diff = Math.abs(far - frr);
      const sum = far + frr;
      const eps = 1e-12;
      if (!best || diff < best.diff - eps || (Math.abs(diff - best.diff) <= eps && sum < best.sum - eps)) best = { t, diff, sum };
    }
    const r = eerThreshold(rows);
    assert.equal(r.plateauHigh, best!.t, `trial ${trial}`);
    assertClose(r.eer, best!.sum / 2);
    // the returned threshold gives the same operating point as the candidate itself
    assertClose(atts.filter((s) => s >= r.threshold).length / atts.length, r.far);
    assertClose(lives.filter((s) => s < r.threshold).length / lives.length, r.frr);
  }
});

test('EER threshold: missing live or attack rows, NaN scores and empty input are InputErrors naming the problem', () => {
  assert.throws(() => eerThreshold([attack('print', 0.2)], 'validation scores'), (e: unknown) => e instanceof InputError && /validation scores: no live presentations/.test((e as Error).message));
  assert.throws(() => eerThreshold([live(0.2), live(0.3)]), /no attack presentations/);
  assert.throws(() => eerThreshold([]), /no score rows/);
  assert.throws(() => eerThreshold([live(0.2), attack('print', NaN, { line: 7 })]), (e: unknown) => e instanceof InputError && /row 1 \(line 7\) has liveScore NaN/.test((e as Error).message));
  assert.throws(() => eerThreshold([live(Infinity), attack('print', 0)]), /row 0 has liveScore Infinity/);
  assert.throws(() => eerThreshold([live(0.1), { label: 'spoof', attackType: 'x', liveScore: 0 } as never]), /row 1 has label "spoof"; expected 'live' or 'attack'/);
  assert.throws(() => eerThreshold([live(0.1), attack('', 0.3)]), /row 1 is an attack without an attack type/);
});
