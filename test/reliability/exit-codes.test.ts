/**
 * "Every failure a one-line answer": one exit-status convention for every
 * command, stated in every --help; values that parse but are invalid for
 * the model or the job exit 2 before any banner or work, naming the option;
 * an error vidpad did not foresee is still one line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { errorLine } from '../../src/cli/main.js';
import { EXIT_CODES_HELP, exitCodeOf } from '../../src/cli/exit-codes.js';
import { ConfigError, InputError, OutputError, UsageError } from '../../src/index.js';
import { withTempDir } from '../helpers/temp-dir.js';
import { makeCliDataset, stderrLines, tinyTrainArgs, vidpad } from './helpers.js';

test('every command’s --help, and the general help, end with the exit-status convention', async () => {
  assert.ok(COMMANDS.length >= 13);
  for (const c of [...COMMANDS.map((x) => [x.name, '--help']), ['--help']]) {
    const r = await vidpad(...c);
    assert.equal(r.code, 0, c.join(' '));
    assert.ok(r.stdout.trimEnd().endsWith(EXIT_CODES_HELP.join('\n')), `${c.join(' ')} ends with the exit statuses`);
  }
  assert.deepEqual(EXIT_CODES_HELP.map((l) => /^\s+(\d+)\s/.exec(l)?.[1]).filter(Boolean), ['0', '1', '2', '130']);
});

test('the convention by error type: usage, configuration and output location 2; a failed job 1', () => {
  assert.equal(exitCodeOf(new UsageError('x')), 2);
  assert.equal(exitCodeOf(new ConfigError('train.lr', 'x')), 2);
  assert.equal(exitCodeOf(new OutputError('/x', 'x')), 2);
  assert.equal(exitCodeOf(new InputError('x')), 1);
  assert.equal(exitCodeOf(new Error('x')), 1);
});

test('values that parse but are invalid exit 2 before any banner or work, naming the option, creating nothing', async () => {
  await withTempDir('vidpad-exit-', async (dir) => {
    const data = await makeCliDataset(dir);
    const out = path.join(dir, 'never-made');
    const train = tinyTrainArgs(data, out);
    const set = (args: string[], flag: string, value: string) => {
      const i = args.indexOf(flag);
      return i >= 0 ? [...args.slice(0, i), flag, value, ...args.slice(i + 2)] : [...args, flag, value];
    };
    const cases: Array<[string[], RegExp]> = [
      [['train', ...set(train, '--frames', '4')], /--frames 4: train\.clip\.length: expected one of 2, 3, 5, got 4/],
      [['train', ...set(train, '--width', '0')], /--width 0: model\.widthMultiplier: expected a number in \(0, 4\], got 0/],
      [['train', ...train, '--lr=-0.1'], /--lr -0\.1: train\.learningRate: expected a number in \(0, 10\], got -0\.1/],
      [['train', ...set(train, '--momentum', '1')], /--momentum 1: train\.momentum: expected a number in \[0, 1\)/],
      [['train', ...set(train, '--dropout', '1')], /--dropout 1: model\.dropoutRate: expected a number in \[0, 1\), got 1/],
      [['train', ...set(train, '--ema', '1')], /--ema 1: train\.emaDecay: expected a number in \[0, 1\), got 1/],
      [['train', ...train, '--weight-decay=-1'], /--weight-decay -1: train\.weightDecay: expected a number in \[0, 1\], got -1/],
      [['train', ...set(train, '--weight-init', 'xavier')], /--weight-init must be one of uniform, he-normal, got 'xavier'/],
      [['experiment', '--grid', 'loss', ...set(train, '--frames', '4')], /--frames 4: train\.clip\.length/],
      [['experiment', '--grid', 'loss', ...train, '--shard', '3/2'], /--shard 3\/2: expected i\/n with 1 <= i <= n \(e\.g\. 2\/8\), got '3\/2'/],
      [['preprocess', '--dataset', 'folder', '--root', data.root, '--cache', out, '--shard', '3/2'], /--shard 3\/2: expected i\/n/],
      [['preprocess', '--dataset', 'folder', '--root', data.root, '--cache', out, '--size', '8'], /preprocess\.cropSizePx: expected an integer in 16\.\.1024, got 8/],
      [['preprocess', '--dataset', 'folder', '--root', data.root, '--cache', out, '--margin', '5'], /preprocess\.marginFrac: expected a number in 0\.\.2, got 5/],
      [['synth', '--out', out, '--subjects', '0'], /subjects/],
      [['eval', '--model', out, '--dataset', 'folder', '--root', data.root, '--cache', data.cache, '--hop', '0'], /--hop expects a whole number >= 1, got '0'/],
      [['predict', '--model', out, '--max-seconds', '0', 'face.mp4'], /--max-seconds must be > 0/],
      [['predict', '--model', out, '--detect-every', '0', 'face.mp4'], /--detect-every/],
      [['predict', '--model', out, '--backend', 'gpu', 'face.mp4'], /--backend must be one of auto, .*got 'gpu'/],
      [['predict', '--model', out, '--csv', path.join(out, 'v.csv'), 'face.mp4'], /--csv .*never-made.* does not exist/],
      [['explain', '--model', out, '--out', path.join(out, 'cam'), '--target', 'nose', 'face.mp4'], /--target must be one of/],
      [['explain', '--model', out, '--out', path.join(out, 'cam'), '--backend', 'gpu', 'face.mp4'], /--backend must be one of/],
    ];
    for (const [argv, re] of cases) {
      const r = await vidpad(...argv);
      assert.equal(r.code, 2, `${argv.join(' ')}\n${r.stderr}`);
      const lines = stderrLines(r);
      assert.equal(lines.length, 1, `no banner before the error, one line: ${argv.slice(0, 1)}\n${r.stderr}`);
      assert.match(lines[0]!, /^vidpad: error \[E_(USAGE|CONFIG|OUTPUT)\]: /);
      assert.match(lines[0]!, re, argv.join(' '));
      assert.equal(r.stdout, '');
    }
    assert.deepEqual((await readdir(dir)).sort(), ['cache', 'data'], 'nothing was created');
  });
});

test('an error vidpad did not foresee is one line: a file-system error as E_IO, anything else as an internal error', () => {
  const eacces = Object.assign(new Error("EACCES: permission denied, open '/x/y'"), { code: 'EACCES' });
  assert.equal(errorLine(eacces), "vidpad: error [E_IO]: EACCES: permission denied, open '/x/y'");
  const bug = new TypeError("Cannot read properties of undefined (reading 'shape')");
  const line = errorLine(bug);
  assert.match(line, /^vidpad: internal error: Cannot read properties of undefined \(reading 'shape'\) \(a bug in vidpad: please report it .*VIDPAD_DEBUG=1 prints the stack\)$/);
  assert.ok(!line.includes('\n'));
  assert.equal(errorLine(new OutputError('/x', '--out /x: is a file; expected a folder')), 'vidpad: error [E_OUTPUT]: --out /x: is a file; expected a folder');
});
