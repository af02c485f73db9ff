import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rocPoints, detPoints, inverseNormalCdf, rocAuc } from '../../src/eval/index.js';
import { ConfigError } from '../../src/errors.js';
import { attack, live, deepFreeze, assertClose, seededRandom } from './helpers.js';

test('inverse normal CDF matches known quantiles in all three ranges of AS 241', () => {
  const known: [number, number][] = [
    [0.5, 0],
    [0.9, 1.2815515655446004], // central range (|p - 0.5| <= 0.425)
    [0.3, -0.5244005127080407],
    [0.975, 1.959963984540054], // tail range
    [0.025, -1.959963984540054],
    [0.99, 2.3263478740408408],
    [0.001, -3.090232306167813],
    [1e-10, -6.361340902404056],
    [1e-20, -9.262340089798408], // far tail (r > 5)
  ];
  for (const [p, z] of known) assertClose(inverseNormalCdf(p), z, 1e-13, `p=${p}`);
  assertClose(inverseNormalCdf(0.975), 1.959963985, 1e-9);
  assertClose(inverseNormalCdf(0.001), -3.090232306, 1e-9);
});

test('inverse normal CDF is odd about 0.5, increasing, infinite at 0 and 1, and rejects non-probabilities', () => {
  for (const p of [0.01, 0.2, 0.4, 0.45, 0.49]) assertClose(inverseNormalCdf(1 - p), -inverseNormalCdf(p), 1e-12);
  let prev = -Infinity;
  for (let k = 1; k < 1000; k += 1) {
    const z = inverseNormalCdf(k / 1000);
    assert.ok(z > prev, `not increasing at ${k / 1000}`);
    prev = z;
  }
  assert.equal(inverseNormalCdf(0), -Infinity);
  assert.equal(inverseNormalCdf(1), Infinity);
  for (const bad of [-0.1, 1.5, NaN]) assert.throws(() => inverseNormalCdf(bad), (e: unknown) => e instanceof ConfigError && e.path === 'p');
});

test('ROC and DET points by hand, with ties', () => {
  // live 0.9 0.5 0.5 0.2; print 0.5 0.1; replay 0.7 0.3
  const rows = deepFreeze([live(0.9), live(0.5), live(0.5), live(0.2), attack('print', 0.5), attack('print', 0.1), attack('replay', 0.7), attack('replay', 0.3)]);
  // threshold: FAR (attacks >= t), TPR (live >= t)
  assert.deepEqual(rocPoints(rows), [
    { threshold: Infinity, far: 0, tpr: 0 },
    { threshold: 0.9, far: 0, tpr: 0.25 },
    { threshold: 0.7, far: 0.25, tpr: 0.25 },
    { threshold: 0.5, far: 0.5, tpr: 0.75 },
    { threshold: 0.3, far: 0.75, tpr: 0.75 },
    { threshold: 0.2, far: 0.75, tpr: 1 },
    { threshold: 0.1, far: 1, tpr: 1 },
  ]);
  const det = detPoints(rows);
  assert.deepEqual(det.map((d) => [d.threshold, d.apcer, d.bpcer]), [
    [Infinity, 0, 1],
    [0.9, 0, 0.75],
    [0.7, 0.25, 0.75],
    [0.5, 0.5, 0.25],
    [0.3, 0.75, 0.25],
    [0.2, 0.75, 0],
    [0.1, 1, 0],
  ]);
  const at05 = det[3]!;
  assert.equal(at05.probitApcer, 0);
  assertClose(at05.probitBpcer, -0.6744897501960817, 1e-13);
  assert.equal(det[0]!.probitApcer, -Infinity);
  assert.equal(det[0]!.probitBpcer, Infinity);
});

test('curves need live and attack rows', () => {
  assert.throws(() => rocPoints([live(0.3)]), /no attack presentations/);
  assert.throws(() => detPoints([attack('print', 0.3)]), /no live presentations/);
});

test('ROC AUC equals the naive count over every live/attack pair (ties one half), and the trapezoid area under rocPoints', () => {
  const rand = seededRandom(17);
  for (let trial = 0; trial < 20; trial++) {
    // Scores on a coarse grid, so ties between and within classes are common.
    const rows = [
      ...Array.from({ length: 3 + trial }, () => live(Math.round(rand() * 10) / 10)),
      ...Array.from({ length: 2 + (trial % 7) }, (_, i) => attack(i % 2 ? 'print' : 'replay', Math.round(rand() * 8) / 10)),
    ];
    deepFreeze(rows);
    let wins = 0;
    const lives = rows.filter((r) => r.label === 'live');
    const attacks = rows.filter((r) => r.label === 'attack');
    for (const l of lives) for (const a of attacks) wins += l.liveScore > a.liveScore ? 1 : l.liveScore === a.liveScore ? 0.5 : 0;
    const naive = wins / (lives.length * attacks.length);
    assertClose(rocAuc(rows), naive, 1e-12, `trial ${trial}`);
    const pts = rocPoints(rows);
    let area = 0;
    for (let i = 1; i < pts.length; i++) area += ((pts[i]!.far - pts[i - 1]!.far) * (pts[i]!.tpr + pts[i - 1]!.tpr)) / 2;
    assertClose(rocAuc(rows), area, 1e-12, `trial ${trial} trapezoids`);
  }
  assert.equal(rocAuc([live(0.9), live(0.8), attack('print', 0.1)]), 1);
  assert.equal(rocAuc([live(0.1), attack('print', 0.9)]), 0);
  assert.equal(rocAuc([live(0.5), attack('print', 0.5)]), 0.5);
  assert.throws(() => rocAuc([live(0.5)], 'only live'), /only live: no attack presentations/);
});
