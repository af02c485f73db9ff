import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planSynthSiw, planSubjects, trainSubjectCount, resolveSynthConfig, DEFAULT_SYNTH_CONFIG } from '../../src/synth/index.js';
import { ConfigError } from '../../src/errors.js';

/** The file stems of one subject, written out from the naming rules rather than from the planner's loops. */
function expectedStems(sid: string): string[] {
  const out: string[] = [];
  for (const sensor of [1, 2]) for (const session of [1, 2, 3, 4]) out.push(`${sid}-${sensor}-1-1-${session}`);
  for (const medium of [1, 2]) for (const sensor of [1, 2]) for (const session of [1, 2]) out.push(`${sid}-${sensor}-2-${medium}-${session}`);
  for (const medium of [1, 2, 3, 4]) for (const sensor of [1, 2]) out.push(`${sid}-${sensor}-3-${medium}-1`);
  return out.sort();
}

test('the plan names every video by SiW rules: 8 live, 8 print, 8 replay per subject, in Train|Test/live|spoof/<SID>/', () => {
  const plan = planSynthSiw({ subjects: 5, seed: 11 });
  assert.equal(plan.subjects.length, 5);
  assert.deepEqual(plan.subjects.map((s) => s.sid), ['001', '002', '003', '004', '005']);
  assert.equal(plan.videos.length, 5 * 24);
  for (const s of plan.subjects) {
    const mine = plan.videos.filter((v) => v.subject.sid === s.sid);
    assert.deepEqual(mine.map((v) => v.stem).sort(), expectedStems(s.sid));
    for (const v of mine) {
      const label = v.stem.split('-')[2] === '1' ? 'live' : 'spoof';
      assert.equal(v.relStem, `${s.split}/${label}/${s.sid}/${v.stem}`);
    }
  }
  const byType = (t: number) => plan.videos.filter((v) => v.type === t).length;
  assert.deepEqual([byType(1), byType(2), byType(3)], [40, 40, 40]);
  // protocol 2 needs every replay medium on both sensors
  for (const m of [1, 2, 3, 4]) assert.equal(plan.videos.filter((v) => v.type === 3 && v.medium === m).length, 10);
});

test("subjects split in SiW's 90:75 proportion, deterministically from the seed", () => {
  assert.equal(trainSubjectCount(165), 90);
  assert.equal(trainSubjectCount(12), 7); // 12·90/165 = 6.55
  assert.equal(trainSubjectCount(2), 1);
  assert.equal(trainSubjectCount(1), 1);
  for (const n of [2, 3, 12, 33, 165]) {
    const subjects = planSubjects(n, 3);
    assert.equal(subjects.filter((s) => s.split === 'Train').length, trainSubjectCount(n));
    assert.ok(n < 2 || subjects.some((s) => s.split === 'Test'));
  }
  assert.deepEqual(planSubjects(40, 7), planSubjects(40, 7));
  const splitOf = (seed: number) => planSubjects(40, seed).map((s) => s.split).join(',');
  assert.notEqual(splitOf(7), splitOf(8));
});

test('resolveSynthConfig fills defaults, freezes, and names the bad field', () => {
  const c = resolveSynthConfig({ subjects: 3 });
  assert.equal(c.subjects, 3);
  assert.equal(c.width, DEFAULT_SYNTH_CONFIG.width);
  assert.ok(Object.isFrozen(c));
  const bad: Array<[Record<string, unknown>, string]> = [
    [{ subjects: 0 }, 'synth.subjects'],
    [{ subjects: 2.5 }, 'synth.subjects'],
    [{ seed: -1 }, 'synth.seed'],
    [{ width: 321 }, 'synth.width'],
    [{ height: 10 }, 'synth.height'],
    [{ frames: 1 }, 'synth.frames'],
    [{ fps: 0 }, 'synth.fps'],
    [{ crf: 60 }, 'synth.crf'],
    [{ subjects: '4' }, 'synth.subjects'],
    [{ colour: true }, 'synth.colour'],
  ];
  for (const [partial, path] of bad) {
    assert.throws(
      () => resolveSynthConfig(partial as never),
      (e: unknown) => e instanceof ConfigError && e.path === path && e.message.includes(path),
      `${JSON.stringify(partial)} should fail on ${path}`,
    );
  }
});
