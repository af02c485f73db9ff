/**
 * "Nothing overwritten": through the CLI, every command that writes refuses
 * a location holding what vidpad did not make (or a model it would replace)
 * before doing any work, in one line with exit status 2, and leaves every
 * file there as it was; --overwrite is the explicit way through; and
 * locations that cannot be written are one line, never a stack trace.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readdir, rm, stat, writeFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FOLDER_MARKER_FILE, pngSoftware } from '../../src/index.js';
import { samplePath } from '../face/helpers.js';
import { folderHashes, makeCliDataset, makeReadOnly, sha256Of, stderrLines, tinyTrainArgs, vidpad } from './helpers.js';
import type { CliDataset, CliRun } from './helpers.js';

let dir = '';
let data: CliDataset;
/** A finished model folder, trained through the CLI and exported. */
let model = '';

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-overwrite-'));
  data = await makeCliDataset(dir);
  model = path.join(dir, 'model');
  const r = await vidpad('train', ...tinyTrainArgs(data, model));
  assert.equal(r.code, 0, r.stderr);
  const e = await vidpad('export', '--model', model);
  assert.equal(e.code, 0, e.stderr);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A refusal: exit status 2, one line on stderr naming the path, no stack, nothing on stdout. */
function assertRefused(r: CliRun, where: string, reason: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  const lines = stderrLines(r);
  assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^vidpad: error \[E_OUTPUT\]: /);
  assert.ok(lines[0]!.includes(where), `${lines[0]} names ${where}`);
  assert.match(lines[0]!, reason);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(r.stdout, '');
}

test('train --out onto a copied finished model folder is refused and changes nothing; --overwrite replaces it', async () => {
  const copy = path.join(dir, 'copied-model');
  await mkdir(copy);
  for (const f of ['model.json', 'weights.safetensors', 'model.onnx']) await cp(path.join(model, f), path.join(copy, f));
  const before = await folderHashes(copy);
  assertRefused(await vidpad('train', ...tinyTrainArgs(data, copy)), copy, /not made by vidpad/);
  assert.deepEqual(await folderHashes(copy), before, 'every file as it was, model.onnx included');

  // The folder vidpad trained: a finished model is not replaced by a second run either.
  const trained = await folderHashes(model);
  assertRefused(await vidpad('train', ...tinyTrainArgs(data, model)), model, /holds a trained model \(model\.json\); .*--overwrite/);
  assert.deepEqual(await folderHashes(model), trained);

  // Another seed, so the new weights differ from the copied ones whichever epoch each run keeps.
  const reseeded = tinyTrainArgs(data, copy, 1).map((a, i, all) => (all[i - 1] === '--seed' ? '6' : a));
  const r = await vidpad('train', ...reseeded, '--overwrite');
  assert.equal(r.code, 0, r.stderr);
  const after = await folderHashes(copy);
  assert.notEqual(after['weights.safetensors'], before['weights.safetensors'], 'replaced on request');
  assert.equal(after['model.onnx'], undefined, "the old export (of the old weights) is gone, not left to be taken for the new model's");
  assert.ok(after[FOLDER_MARKER_FILE], 'and the folder is now marked as vidpad’s');
});

test('train --out onto a folder of the user’s files is refused and changes nothing', async () => {
  const mine = path.join(dir, 'my-notes');
  await mkdir(mine);
  await writeFile(path.join(mine, 'notes.txt'), 'keep me');
  assertRefused(await vidpad('train', ...tinyTrainArgs(data, mine)), mine, /not empty \(notes\.txt\) and not made by vidpad/);
  assert.equal(await readFile(path.join(mine, 'notes.txt'), 'utf8'), 'keep me');
  assert.deepEqual(await readdir(mine), ['notes.txt']);
});

test('eval --out onto a folder with the user’s scores.csv and metrics.json is refused before any clip is scored', async () => {
  const fresh = path.join(dir, 'model-no-onnx');
  await mkdir(fresh);
  for (const f of ['model.json', 'weights.safetensors']) await cp(path.join(model, f), path.join(fresh, f));
  const mine = path.join(dir, 'my-results');
  await mkdir(mine);
  await writeFile(path.join(mine, 'scores.csv'), 'video,score\nmine,0.5\n');
  await writeFile(path.join(mine, 'metrics.json'), '{"mine": true}\n');
  const before = await folderHashes(mine);
  const evalArgs = ['eval', '--model', fresh, '--dataset', 'folder', '--root', data.root, '--cache', data.cache, '--out', mine];
  assertRefused(await vidpad(...evalArgs), mine, /not empty \(metrics\.json, scores\.csv\) and not made by vidpad/);
  assert.deepEqual(await folderHashes(mine), before);
  await assert.rejects(stat(path.join(fresh, 'model.onnx')), 'no work was done: not even the ONNX export that scoring needs');
  // Into a new folder it works, and a rerun into the folder it made is its own business.
  const out = path.join(dir, 'eval-out');
  for (let i = 0; i < 2; i++) {
    const r = await vidpad(...evalArgs.slice(0, -1), out);
    assert.equal(r.code, 0, r.stderr);
  }
  assert.deepEqual((await readdir(out)).sort(), [FOLDER_MARKER_FILE, 'metrics.json', 'scores.csv']);
  const forced = await vidpad(...evalArgs, '--overwrite');
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(await readFile(path.join(mine, 'scores.csv'), 'utf8'), /^video,clip,label,attack_type,score\n/);
});

test('experiment --out onto a folder with the user’s report and results is refused and changes nothing', async () => {
  const mine = path.join(dir, 'my-paper');
  await mkdir(mine);
  for (const f of ['results.json', 'report.md', 'report.html']) await writeFile(path.join(mine, f), `mine: ${f}\n`);
  const before = await folderHashes(mine);
  const r = await vidpad('experiment', '--grid', 'compare', ...tinyTrainArgs(data, mine));
  assertRefused(r, mine, /not empty \(report\.html, report\.md, results\.json\) and not made by vidpad/);
  assert.deepEqual(await folderHashes(mine), before);
});

test('synth --out and preprocess --cache onto the user’s folders are refused and change nothing', async () => {
  const mine = path.join(dir, 'my-videos');
  await mkdir(mine);
  await writeFile(path.join(mine, 'holiday.mp4'), 'not to be touched');
  const before = await folderHashes(mine);
  assertRefused(await vidpad('synth', '--out', mine, '--subjects', '1', '--frames', '4'), mine, /not made by vidpad/);
  assertRefused(await vidpad('preprocess', '--dataset', 'folder', '--root', data.root, '--cache', mine, '--boxes', 'dataset'), mine, /not made by vidpad/);
  assert.deepEqual(await folderHashes(mine), before);
});

test('demo --out and pretrain-flow --out onto the user’s folders are refused and change nothing', async () => {
  const mine = path.join(dir, 'my-project');
  await mkdir(mine);
  await writeFile(path.join(mine, 'README.md'), 'my project\n');
  const before = await folderHashes(mine);
  assertRefused(await vidpad('demo', '--out', mine), mine, /not made by vidpad/);
  assertRefused(await vidpad('pretrain-flow', '--out', mine, '--steps', '1'), mine, /not made by vidpad/);
  assert.deepEqual(await folderHashes(mine), before);
});

test('export --out: a folder is one line; a user’s file is refused; its own earlier export is replaced', async () => {
  assertRefused(await vidpad('export', '--model', model, '--out', dir), dir, /is a folder; give a file path inside it/);
  const theirs = path.join(dir, 'theirs.onnx');
  await writeFile(theirs, 'some other model');
  assertRefused(await vidpad('export', '--model', model, '--out', theirs), theirs, /the file exists and vidpad did not write it/);
  assert.equal(await readFile(theirs, 'utf8'), 'some other model');
  const ours = path.join(dir, 'ours.onnx');
  for (let i = 0; i < 2; i++) assert.equal((await vidpad('export', '--model', model, '--out', ours)).code, 0);
  assertRefused(await vidpad('export', '--model', model, '--out', path.join(dir, 'no-such-folder', 'm.onnx')), 'no-such-folder', /the folder .* does not exist/);
});

test('faces --draw: a missing folder, a path under a file, a user’s PNG are each one line; its own drawing is replaced', async () => {
  const image = samplePath('image_T1.jpg');
  assertRefused(await vidpad('faces', image, '--draw', path.join(dir, 'missing', 'boxes.png')), 'missing/boxes.png', /the folder .*missing does not exist/);
  const file = path.join(dir, 'a-file');
  await writeFile(file, 'x');
  assertRefused(await vidpad('faces', image, '--draw', path.join(file, 'boxes.png')), 'a-file/boxes.png', /a-file is a file, not a folder/);
  const theirs = path.join(dir, 'photo.png');
  await writeFile(theirs, 'a user picture');
  assertRefused(await vidpad('faces', image, '--draw', theirs), theirs, /the file exists and vidpad did not write it/);
  const ours = path.join(dir, 'boxes.png');
  for (let i = 0; i < 2; i++) assert.equal((await vidpad('faces', image, '--draw', ours, '--detector', 'blazeface')).code, 0);
  assert.equal(pngSoftware(await readFile(ours)), 'vidpad', 'the PNG says who wrote it');
});

test('predict --csv and --cam, explain --out: the user’s file or folder is refused before the model is loaded; their own earlier output is replaced', async () => {
  const image = samplePath('image_T1.jpg');
  const theirsCsv = path.join(dir, 'their-table.csv');
  await writeFile(theirsCsv, 'name,value\nx,1\n');
  assertRefused(await vidpad('predict', '--model', model, '--csv', theirsCsv, image), theirsCsv, /the file exists and vidpad did not write it/);
  assert.equal(await readFile(theirsCsv, 'utf8'), 'name,value\nx,1\n');
  assertRefused(await vidpad('predict', '--model', model, '--csv', path.join(dir, 'nowhere', 'v.csv'), image), 'nowhere/v.csv', /the folder .*nowhere does not exist/);
  const theirsDir = path.join(dir, 'their-pictures');
  await mkdir(theirsDir);
  await writeFile(path.join(theirsDir, 'clip-0001.png'), 'a user picture');
  for (const argv of [
    ['predict', '--model', model, '--cam', theirsDir, image],
    ['explain', '--model', model, '--out', theirsDir, image],
  ]) {
    assertRefused(await vidpad(...argv), theirsDir, /not made by vidpad/);
    assert.deepEqual(await readdir(theirsDir), ['clip-0001.png'], 'nothing written, no marker');
  }
  // A model folder that cannot be loaded is not reached: the output is refused first, in one line.
  assertRefused(await vidpad('predict', '--model', path.join(dir, 'no-model'), '--csv', theirsCsv, image), theirsCsv, /vidpad did not write it/);

  // Their own outputs: a second run replaces them (the CSV by its header, the folders by their marker).
  const csv = path.join(dir, 'verdicts.csv');
  const cams = path.join(dir, 'cams');
  const explained = path.join(dir, 'explained');
  for (let i = 0; i < 2; i++) {
    const p = await vidpad('predict', '--quiet', '--model', model, '--csv', csv, '--cam', cams, image);
    assert.equal(p.code, 0, p.stderr);
    const e = await vidpad('explain', '--model', model, '--out', explained, image);
    assert.equal(e.code, 0, e.stderr);
  }
  assert.equal((await readFile(csv, 'utf8')).trim().split('\n').length, 2, 'header and the one input');
  assert.deepEqual((await readdir(cams)).sort(), [FOLDER_MARKER_FILE, 'image_T1.jpg']);
  assert.deepEqual((await readdir(explained)).sort(), [FOLDER_MARKER_FILE, 'clip-0001.png', 'index.html']);
  // predict --cam and explain --out are different kinds: one is not written into as the other.
  assertRefused(await vidpad('explain', '--model', model, '--out', cams, image), cams, /holds a vidpad prediction folder, not a Grad-CAM folder/);
});

test('read-only outputs (train --out, eval --out, preprocess --cache) are one line before any work', async (t) => {
  const ro = path.join(dir, 'read-only');
  await mkdir(ro);
  const undo = await makeReadOnly(ro);
  if (!undo) {
    t.diagnostic('this machine cannot make a folder read-only for this user (root without chattr): not run');
    return;
  }
  try {
    assertRefused(await vidpad('train', ...tinyTrainArgs(data, path.join(ro, 'model'))), 'read-only/model', /cannot create it: .*read-only is not writable \((EACCES|EPERM|EROFS)/);
    assertRefused(await vidpad('eval', '--model', model, '--dataset', 'folder', '--root', data.root, '--cache', data.cache, '--out', ro), 'read-only', /cannot write into it/);
    assertRefused(await vidpad('preprocess', '--dataset', 'folder', '--root', data.root, '--cache', path.join(ro, 'cache'), '--boxes', 'dataset'), 'read-only/cache', /not writable/);
  } finally {
    await undo();
  }
});
