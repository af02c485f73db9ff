import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createProgressBar, formatDuration } from '../../src/cli/progress.js';

test('durations read as m:ss or h:mm:ss', () => {
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(61.4), '1:01');
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(NaN), '--:--');
  assert.equal(formatDuration(-1), '--:--');
});

test('off a terminal: a plain line at most every interval, with rate and ETA from a fake clock', () => {
  let out = '';
  const stream = Object.assign(new Writable({ write(c, _e, d) { out += String(c); d(); } }), { isTTY: false });
  let now = 0;
  const bar = createProgressBar({ label: 'job', total: 10, unit: 'videos', stream, plainIntervalSec: 5, now: () => now });
  now = 0.1;
  bar.update(1);
  assert.match(out, /job \[##\.{22}\] 1\/10 10% -- videos\/s/, 'no rate in the first half second');
  now = 2;
  bar.update(2);
  assert.equal(out.split('\n').length - 1, 1, 'no second line within the interval');
  now = 6;
  bar.update(3, 'loss 0.5');
  // 3 videos in 6 s = 0.5/s; 7 left → 14 s.
  assert.match(out.split('\n')[1]!, /3\/10 30% 0\.50 videos\/s, elapsed 0:06, ETA 0:14  loss 0\.5/);
  bar.finish('done');
  assert.match(out, /\ndone\n$/);
});
