import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeMetrics, bpcerAtApcer, type ScoreRow } from '../../src/eval/index.js';
import { ConfigError, InputError } from '../../src/errors.js';
import { attack, live, deepFreeze, seededRandom, assertClose } from './helpers.js';

// live 0.9 0.5 0.5 0.2; print 0.5 0.1; replay 0.7 0.3
const TIES = deepFreeze([live(0.9), live(0.5), live(0.5), live(0.2), attack('print', 0.5), attack('print', 0.1), attack('replay', 0.7), attack('replay', 0.3)]);

test('metrics at a threshold equal to tied scores: ties are accepted as live', () => {
  // threshold 0.5: live rejected = {0.2} -> BPCER 1/4; print accepted = {0.5} -> 1/2;
  // replay accepted = {0.7} -> 1/2; max APCER 1/2; ACER (1/2 + 1/4)/2 = 0.375;
  // FAR pooled 2/4, HTER (1/2 + 1/4)/2 = 0.375.
  const m = computeMetrics(TIES, 0.5);
  assert.deepEqual(m.apcerByType, [
    { attackType: 'print', count: 2, acceptedAsLive: 1, apcer: 0.5 },
    { attackType: 'replay', count: 2, acceptedAsLive: 1, apcer: 0.5 },
  ]);
  assert.equal(m.maxApcer, 0.5);
  assert.equal(m.worstAttackType, 'print'); // first on a tie
  assert.equal(m.liveRejected, 1);
  assert.equal(m.bpcer, 0.25);
  assert.equal(m.acer, 0.375);
  assert.equal(m.far, 0.5);
  assert.equal(m.frr, 0.25);
  assert.equal(m.hter, 0.375);
  assert.equal(m.liveCount, 4);
  assert.equal(m.attackCount, 4);
  assert.deepEqual(m.absentAttackTypes, []);
  // the EER of the same scores is threshold independent: 0.375 (see threshold.test.ts)
  assert.equal(m.eer.eer, 0.375);
  // just above 0.5 the tied live scores are rejected and the tied print attack too:
  // BPCER 3/4, print 0, replay 1/2.
  const above = computeMetrics(TIES, 0.5000001);
  assert.equal(above.bpcer, 0.75);
  assert.equal(above.apcerByType[0]?.apcer, 0);
  assert.equal(above.maxApcer, 0.5);
  assert.equal(above.worstAttackType, 'replay');
});

test('metrics with a worst type different from the pooled rate: APCER max vs FAR', () => {
  // live 0.8 0.6; print 0.9 0.1 0.1 0.1; replay 0.2 0.2; threshold 0.5
  // print 1/4, replay 0/2 -> max 1/4 (print); pooled FAR 1/6; BPCER 0.
  // ACER = 1/8, HTER = 1/12.
  const m = computeMetrics([live(0.8), live(0.6), attack('print', 0.9), attack('print', 0.1), attack('print', 0.1), attack('print', 0.1), attack('replay', 0.2), attack('replay', 0.2)], 0.5);
  assert.equal(m.maxApcer, 0.25);
  assert.equal(m.worstAttackType, 'print');
  assert.equal(m.far, 1 / 6);
  assert.equal(m.acer, 0.125);
  assertClose(m.hter, 1 / 12);
});

test('metrics with a single attack type: ACER equals HTER, BPCER@APCER by hand', () => {
  // live 0.8 0.6 0.4; print 0.7 0.3 0.2 0.1; threshold 0.5
  // BPCER 1/3 (0.4), APCER 1/4 (0.7), ACER = HTER = (1/4 + 1/3)/2 = 7/24.
  const rows = deepFreeze([live(0.8), live(0.6), live(0.4), attack('print', 0.7), attack('print', 0.3), attack('print', 0.2), attack('print', 0.1)]);
  const m = computeMetrics(rows, 0.5, { apcerTargets: [0.1, 0.25, 0.5] });
  assert.equal(m.bpcer, 1 / 3);
  assert.equal(m.maxApcer, 0.25);
  assertClose(m.acer, 7 / 24);
  assert.equal(m.acer, m.hter);
  // APCER at each candidate: 0.1:1 0.2:3/4 0.3:1/2 0.4:1/4 0.6:1/4 0.7:1/4 0.8:0 +inf:0
  // BPCER:                  0.1..0.4: 0   0.6: 1/3   0.7: 2/3   0.8: 2/3   +inf: 1
  // ≤10% first at 0.8 -> BPCER 2/3; ≤25% first at 0.4 -> 0; ≤50% first at 0.3 -> 0.
  assert.deepEqual(m.bpcerAtApcer, [
    { targetMaxApcer: 0.1, threshold: 0.8, maxApcer: 0, bpcer: 2 / 3 },
    { targetMaxApcer: 0.25, threshold: 0.4, maxApcer: 0.25, bpcer: 0 },
    { targetMaxApcer: 0.5, threshold: 0.3, maxApcer: 0.5, bpcer: 0 },
  ]);
});

test('BPCER@APCER uses the worst attack type, and defaults to 1%, 5%, 10%', () => {
  // with 2 attacks per type, APCER is 0, 1/2 or 1, so every default target needs no
  // attack accepted at all: the first candidate above 0.7 is 0.9, BPCER 3/4.
  const r = bpcerAtApcer(TIES);
  assert.deepEqual(r.map((b) => [b.targetMaxApcer, b.threshold, b.bpcer]), [
    [0.01, 0.9, 0.75],
    [0.05, 0.9, 0.75],
    [0.1, 0.9, 0.75],
  ]);
  // target 1/2: at 0.3 replay is still 1 (0.3 and 0.7 accepted); at 0.5 both types are 1/2.
  assert.deepEqual(bpcerAtApcer(TIES, [0.5]), [{ targetMaxApcer: 0.5, threshold: 0.5, maxApcer: 0.5, bpcer: 0.25 }]);
});

test('all scores equal: everything accepted at that threshold, everything rejected above it', () => {
  const rows = deepFreeze([live(0.5), live(0.5), attack('print', 0.5), attack('replay', 0.5), attack('replay', 0.5)]);
  const at = computeMetrics(rows, 0.5);
  assert.deepEqual(at.apcerByType.map((t) => t.apcer), [1, 1]);
  assert.equal(at.bpcer, 0);
  assert.equal(at.acer, 0.5);
  const above = computeMetrics(rows, 0.6);
  assert.equal(above.maxApcer, 0);
  assert.equal(above.bpcer, 1);
  assert.equal(above.acer, 0.5);
  assert.equal(at.eer.eer, 0.5);
  // only rejecting everything gets APCER to 0: threshold +inf, BPCER 1
  assert.deepEqual(at.bpcerAtApcer[0], { targetMaxApcer: 0.01, threshold: Infinity, maxApcer: 0, bpcer: 1 });
});

test('an expected attack type with no samples is reported absent, not as APCER 0, and left out of the max', () => {
  // print 0.9 (accepted) 0.1; cutout 0.2; live 0.8 0.3; threshold 0.5
  const rows = deepFreeze([live(0.8), live(0.3), attack('print', 0.9), attack('print', 0.1), attack('cutout', 0.2)]);
  const m = computeMetrics(rows, 0.5, { attackTypes: ['replay', 'print', 'mask'] });
  // listed present types first in the listed order, then unlisted ones sorted
  assert.deepEqual(m.apcerByType.map((t) => [t.attackType, t.apcer]), [['print', 0.5], ['cutout', 0]]);
  assert.deepEqual(m.absentAttackTypes, ['replay', 'mask']);
  assert.equal(m.maxApcer, 0.5);
  assert.equal(m.bpcer, 0.5);
});

test('metrics agree with a naive per-row count on random tied scores', () => {
  const rand = seededRandom(11);
  for (let trial = 0; trial < 150; trial += 1) {
    const rows: ScoreRow[] = [live(rand()), attack('a', rand())];
    for (let i = 0; i < 30; i += 1) {
      const s = Math.round(rand() * 10) / 10;
      rows.push(rand() < 0.4 ? live(s) : attack(['a', 'b', 'c'][Math.floor(rand() * 3)] as string, s));
    }
    const threshold = Math.round(rand() * 10) / 10;
    const m = computeMetrics(rows, threshold);
    const lives = rows.filter((r) => r.label === 'live');
    const bpcer = lives.filter((r) => r.liveScore < threshold).length / lives.length;
    const types = [...new Set(rows.filter((r) => r.label === 'attack').map((r) => r.attackType))].sort();
    const apcers = types.map((t) => {
      const of = rows.filter((r) => r.label === 'attack' && r.attackType === t);
      return of.filter((r) => r.liveScore >= threshold).length / of.length;
    });
    assert.deepEqual(m.apcerByType.map((t) => t.attackType), types);
    assert.deepEqual(m.apcerByType.map((t) => t.apcer), apcers);
    assert.equal(m.bpcer, bpcer);
    assert.equal(m.acer, (Math.max(...apcers) + bpcer) / 2);
    // BPCER@APCER: brute force over every candidate threshold
    const candidates = [...new Set(rows.map((r) => r.liveScore)), Infinity].sort((a, b) => a - b);
    for (const b of m.bpcerAtApcer) {
      const feasible = candidates.filter((t) =>
        types.every((ty) => {
          const of = rows.filter((r) => r.label === 'attack' && r.attackType === ty);
          return of.filter((r) => r.liveScore >= t).length / of.length <= b.targetMaxApcer;
        }),
      );
      const bestBpcer = Math.min(...feasible.map((t) => lives.filter((r) => r.liveScore < t).length / lives.length));
      assert.equal(b.bpcer, bestBpcer, `trial ${trial} target ${b.targetMaxApcer}`);
      assert.equal(b.threshold, feasible[0]);
    }
  }
});

test('metrics: bad inputs are typed errors naming what is wrong', () => {
  assert.throws(() => computeMetrics([attack('print', 0.1)], 0.5), (e: unknown) => e instanceof InputError && /no live presentations/.test((e as Error).message));
  assert.throws(() => computeMetrics([live(0.1), live(0.9)], 0.5, {}, 'test scores'), /test scores: no attack presentations/);
  assert.throws(() => computeMetrics([live(0.1), attack('print', NaN)], 0.5), /row 1 has liveScore NaN/);
  assert.throws(() => computeMetrics(TIES, NaN), (e: unknown) => e instanceof ConfigError && e.path === 'threshold');
  assert.throws(() => computeMetrics(TIES, 0.5, { apcerTargets: [0.05, 1] }), (e: unknown) => e instanceof ConfigError && e.path === 'apcerTargets[1]');
  assert.throws(() => computeMetrics(TIES, 0.5, { attackTypes: ['print', ''] }), (e: unknown) => e instanceof ConfigError && e.path === 'attackTypes[1]');
});

test('metric functions leave their inputs untouched (frozen inputs, same values after)', () => {
  const rows = deepFreeze(TIES.map((r) => ({ ...r })));
  const before = JSON.stringify(rows);
  const targets = Object.freeze([0.05]);
  computeMetrics(rows, 0.5, deepFreeze({ attackTypes: ['print'], apcerTargets: targets }));
  bpcerAtApcer(rows, targets);
  assert.equal(JSON.stringify(rows), before);
});
