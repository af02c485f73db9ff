/**
 * Long jobs resumable, and saying so: Ctrl-C (SIGINT) during `vidpad train`,
 * sent to the real program in its own process, exits 130 with one message
 * naming the saved checkpoint and the exact command that continues; that
 * command finishes the run with the same weights as an uninterrupted one.
 * And `eval`'s progress bar counts against the real number of clips.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { makeCliDataset, sha256Of, spawnVidpad, stderrLines, tinyTrainArgs, vidpad } from './helpers.js';
import type { CliDataset } from './helpers.js';

let dir = '';
let data: CliDataset;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-interrupt-'));
  data = await makeCliDataset(dir);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const EPOCHS = 6;

test('SIGINT after an epoch: exit 130, the checkpoint named, the --resume command printed; it finishes with the weights of an uninterrupted run', { timeout: 240_000 }, async () => {
  const out = path.join(dir, 'interrupted');
  const args = ['train', ...tinyTrainArgs(data, out, EPOCHS)];
  let sent = false;
  const r = await spawnVidpad(args, (soFar, child) => {
    if (!sent && /\nepoch 1: train loss/.test(soFar)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  assert.ok(sent, `training never finished an epoch:\n${r.stderr}`);
  assert.equal(r.code, 130, r.stderr);
  const tail = r.stderr.slice(r.stderr.lastIndexOf('vidpad: interrupted'));
  const m = /^vidpad: interrupted: epoch (\d+) is saved in (\S+); continue with:\n {2}(vidpad train .*)\n$/.exec(tail);
  assert.ok(m, `the message:\n${tail}`);
  const epoch = Number(m[1]);
  assert.ok(epoch >= 1 && epoch < EPOCHS, `stopped part way (epoch ${epoch})`);
  assert.equal(m[2], path.join(out, 'training', 'checkpoint.safetensors'));
  assert.equal(m[3], ['vidpad', ...args, '--resume'].join(' '), 'the same command line, with --resume');
  const log = (await readFile(path.join(out, 'training', 'log.jsonl'), 'utf8')).trim().split('\n');
  assert.equal(log.length, epoch, 'the log agrees with the message');
  assert.equal((await readdir(out)).includes('model.json'), false);

  // Without --resume the checkpoint is not thrown away.
  const again = await vidpad(...args);
  assert.equal(again.code, 2);
  assert.match(stderrLines(again)[0]!, /holds the checkpoint of an unfinished training run: pass --resume to continue it/);

  // The printed command, run as printed.
  const resumed = await vidpad(...m[3]!.split(' ').slice(1));
  assert.equal(resumed.code, 0, resumed.stderr);
  const whole = path.join(dir, 'whole');
  const w = await vidpad('train', ...tinyTrainArgs(data, whole, EPOCHS));
  assert.equal(w.code, 0, w.stderr);
  assert.equal(await sha256Of(path.join(out, 'weights.safetensors')), await sha256Of(path.join(whole, 'weights.safetensors')), 'resumed bit for bit');
});

test('SIGINT before the first epoch ends: exit 130, nothing to resume, and the same command starts over', { timeout: 240_000 }, async () => {
  const out = path.join(dir, 'early');
  const args = ['train', ...tinyTrainArgs(data, out, 2)];
  let sent = false;
  const r = await spawnVidpad(args, (soFar, child) => {
    if (!sent && /^train: /m.test(soFar)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /\nvidpad: interrupted: no epoch had finished, so there is nothing to resume: run the same command again to start over\n$/);
  const rerun = await vidpad(...args);
  assert.equal(rerun.code, 0, rerun.stderr);
});

test("eval's progress bar counts the split's clips (never 'N/0')", async () => {
  const model = path.join(dir, 'model-for-eval');
  assert.equal((await vidpad('train', ...tinyTrainArgs(data, model, 1))).code, 0);
  const r = await vidpad('eval', '--model', model, '--dataset', 'folder', '--root', data.root, '--cache', data.cache, '--json');
  assert.equal(r.code, 0, r.stderr);
  const clips = (JSON.parse(r.stdout) as { clips: number }).clips;
  const bars = stderrLines(r).filter((l) => l.startsWith('eval ['));
  assert.ok(bars.length >= 1, r.stderr);
  for (const line of bars) {
    const m = /^eval \[[#.]{24}\] (\d+)\/(\d+) (\d+)% /.exec(line);
    assert.ok(m, line);
    assert.equal(Number(m[2]), clips, `the total is the number of clips: ${line}`);
    assert.ok(Number(m[1]) <= clips);
    assert.equal(Number(m[3]), Math.round((100 * Number(m[1])) / clips));
  }
  assert.doesNotMatch(r.stderr, /\d+\/0 /);
  assert.match(r.stderr, new RegExp(`eval: ${clips} clips scored from \\d+ videos`));
});
