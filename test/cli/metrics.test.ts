import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';

let dir = '';
const file = (name: string) => path.join(dir, name);

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'vidpad-metrics-'));
  // validation: live 0.8 0.6, print 0.3 0.5 -> EER threshold 0.55 (midpoint of (0.5, 0.6])
  writeFileSync(file('val.csv'), 'label,attack_type,score,video\nlive,,0.8,p\nlive,,0.6,q\nattack,print,0.3,r\nattack,print,0.5,s\n');
  writeFileSync(file('val-no-video.csv'), 'label,attack_type,score\nlive,,0.8\nattack,print,0.3\n');
  // test at 0.55: live 0.9 0.5 -> BPCER 1/2; print 0.7 0.2 -> 1/2; replay 0.1 -> 0; ACER 1/2
  writeFileSync(file('test.csv'), 'score,label,attack_type,video\r\n0.9,live,,a\r\n0.5,live,,b\r\n0.7,attack,print,c\r\n0.2,attack,print,c\r\n0.1,attack,"replay",d\r\n');
  writeFileSync(file('bad.csv'), 'label,attack_type,score\nlive,,0.9\nliv,,0.2\nattack,print,high\nattack,replay,0.1\n');
  const rows = (fold: string, shift: number) =>
    [['live', '', 0.9], ['live', '', 0.5], ['attack', 'print', 0.7], ['attack', 'print', 0.2], ['attack', 'replay', 0.1]].map(([l, t, s]) => `${l},${t},${(s as number) + shift},${fold}`);
  writeFileSync(file('test-folds.csv'), ['label,attack_type,score,fold', ...rows('1', 0), ...rows('2', 0.2)].join('\n') + '\n');
  writeFileSync(file('val-folds.csv'), ['fold,label,attack_type,score', '1,live,,0.8', '1,live,,0.6', '1,attack,print,0.3', '1,attack,print,0.5', '2,live,,0.8', '2,live,,0.6', '2,attack,print,0.3', '2,attack,print,0.5'].join('\n') + '\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

function sink(): { stream: Writable; text: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      out += String(chunk);
      done();
    },
  });
  return { stream, text: () => out };
}

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = sink();
  const err = sink();
  const code = await main(argv, { stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}

test('vidpad metrics --val prints the table with the validation threshold', async () => {
  const r = await run('metrics', '--scores', file('test.csv'), '--val', file('val.csv'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /threshold: 0\.55, the EER point of the validation scores .*val\.csv/);
  assert.match(r.stdout, /APCER print +50\.00% \(1\/2\)/);
  assert.match(r.stdout, /APCER replay +0\.00% \(0\/1\)/);
  assert.match(r.stdout, /APCER max +50\.00% \(print\)/);
  assert.match(r.stdout, /BPCER +50\.00% \(1\/2\)/);
  assert.match(r.stdout, /ACER +50\.00%/);
  assert.match(r.stdout, /live \/ attack count +2 \/ 3/);
});

test('vidpad metrics --json is parseable and carries the numbers; without --val the oracle is labelled', async () => {
  const r = await run('metrics', '--scores', file('test.csv'), '--threshold', '0.55', '--json');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.thresholdSource, 'fixed');
  assert.equal(j.level, 'clip');
  assert.equal(j.folds[0].metrics.threshold, 0.55);
  assert.equal(j.folds[0].metrics.acer, 0.5);
  assert.equal(j.folds[0].metrics.bpcerAtApcer.length, 3);
  const oracle = await run('metrics', '--scores', file('test.csv'));
  assert.equal(oracle.code, 0);
  assert.match(oracle.stdout, /oracle \(chosen on test\)/);
  // +inf thresholds (reject everything) survive JSON as a string
  const inf = JSON.parse((await run('metrics', '--scores', file('val.csv'), '--threshold', '0', '--json')).stdout);
  assert.ok(inf.folds[0].metrics.bpcerAtApcer.every((b: { threshold: unknown }) => typeof b.threshold === 'number' || b.threshold === 'Infinity'));
});

test('vidpad metrics --level video and --attack-types', async () => {
  // videos: a 0.9 live, b 0.5 live, c print mean 0.45, d replay 0.1; at 0.55: BPCER 1/2, print 0
  const r = await run('metrics', '--scores', file('test.csv'), '--val', file('val.csv'), '--level', 'video', '--attack-types', 'print,replay,mask', '--json');
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(r.stdout).folds[0].metrics;
  assert.equal(m.attackCount, 2);
  assert.equal(m.maxApcer, 0);
  assert.equal(m.bpcer, 0.5);
  assert.deepEqual(m.absentAttackTypes, ['mask']);
  const table = await run('metrics', '--scores', file('test.csv'), '--threshold', '0.5', '--attack-types', 'print,mask');
  assert.match(table.stdout, /no samples, so no APCER, for the attack types: mask/);
});

test('vidpad metrics with folds prints each fold and mean ± std', async () => {
  const r = await run('metrics', '--scores', file('test-folds.csv'), '--val', file('val-folds.csv'));
  assert.equal(r.code, 0, r.stderr);
  // fold 1 at 0.55: ACER 1/2; fold 2 (test shifted +0.2) at 0.55: live all accepted,
  // print 0.9 and 0.4 -> 1/2 -> ACER 1/4
  assert.match(r.stdout, /fold 1 +fold 2 +mean ± std/);
  assert.match(r.stdout, /threshold: 0\.55, the EER point of the validation scores/); // the same in both folds
  assert.match(r.stdout, /ACER +50\.00% +25\.00% +37\.50% ± 17\.68%/);
  const j = JSON.parse((await run('metrics', '--scores', file('test-folds.csv'), '--val', file('val-folds.csv'), '--json')).stdout);
  assert.equal(j.summary.acer.mean, 0.375);
  assert.deepEqual(j.summary.folds, ['1', '2']);
});

test('vidpad metrics: usage errors exit 2, input errors exit 1 with the line numbers', async () => {
  const both = await run('metrics', '--scores', file('test.csv'), '--val', file('val.csv'), '--threshold', '0.5');
  assert.equal(both.code, 2);
  assert.match(both.stderr, /either --val or --threshold/);
  assert.equal((await run('metrics')).code, 2);
  assert.match((await run('metrics', '--scores', file('test.csv'), '--threshold', 'abc')).stderr, /--threshold: expected a finite number, got 'abc'/);
  assert.equal((await run('metrics', '--scores', file('test.csv'), '--level', 'frame')).code, 2);
  const bad = await run('metrics', '--scores', file('bad.csv'));
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /\[E_INPUT\].*bad\.csv: 2 malformed rows:\n  line 3: label "liv" is not 'live' or 'attack'\n  line 4: score "high"/);
  const lenient = await run('metrics', '--scores', file('bad.csv'), '--threshold', '0.5', '--lenient', '--json');
  assert.equal(lenient.code, 0, lenient.stderr);
  assert.match(lenient.stderr, /warning: skipped .*bad\.csv: 2 malformed rows:\n  line 3/);
  const kept = JSON.parse(lenient.stdout).folds[0].metrics;
  assert.deepEqual([kept.liveCount, kept.attackCount, kept.acer], [1, 1, 0]);
  const missing = await run('metrics', '--scores', file('nope.csv'));
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /\[E_IO\]: cannot read score file .*nope\.csv/);
  const noVideo = await run('metrics', '--scores', file('test.csv'), '--val', file('val-no-video.csv'), '--level', 'video');
  assert.equal(noVideo.code, 1);
  assert.match(noVideo.stderr, /validation scores: row 0 \(line 2\) has no video/);
  const help = await run('metrics', '--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: vidpad metrics --scores TEST.csv/);
});
