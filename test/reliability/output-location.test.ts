/**
 * The one output check every command runs before any work
 * (src/io/output-location.ts): which folders and files vidpad writes into,
 * which it refuses and with what one-line reason, and the marker file that
 * tells the folders vidpad made.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FOLDER_MARKER_FILE, OutputError, checkOutputFile, checkOutputFolder, claimOutputFolder, readFolderMarker } from '../../src/index.js';
import { withTempDir } from '../helpers/temp-dir.js';
import { makeReadOnly } from './helpers.js';

const refused = (re: RegExp) => (e: unknown) => e instanceof OutputError && e.code === 'E_OUTPUT' && re.test(e.message) && !e.message.includes('\n');

test('a new or empty folder is claimed with a marker whose content is fixed; a second claim finds it ours', async () => {
  await withTempDir('vidpad-out-', async (dir) => {
    const fresh = path.join(dir, 'a', 'b');
    assert.equal((await checkOutputFolder(fresh, { kind: 'eval' })).state, 'absent');
    assert.deepEqual(await readdir(dir), [], 'the check alone changes nothing');
    assert.equal((await claimOutputFolder(fresh, { kind: 'eval' })).state, 'absent');
    assert.deepEqual(await readdir(fresh), [FOLDER_MARKER_FILE]);
    const text = await readFile(path.join(fresh, FOLDER_MARKER_FILE), 'utf8');
    assert.equal(text, '{"madeBy":"vidpad","kind":"eval","format":1}\n', 'no time or host in it: two runs make the same bytes');
    assert.deepEqual(await readFolderMarker(fresh), { madeBy: 'vidpad', kind: 'eval', format: 1 });
    await writeFile(path.join(fresh, 'scores.csv'), 'x');
    assert.deepEqual(await checkOutputFolder(fresh, { kind: 'eval' }), { state: 'ours', entries: ['scores.csv'] });
    const empty = path.join(dir, 'empty');
    await mkdir(empty);
    assert.equal((await checkOutputFolder(empty, { kind: 'model' })).state, 'empty');
  });
});

test("a non-empty folder vidpad did not make is refused, naming it and what is in it, unless overwrite; then it becomes vidpad's", async () => {
  await withTempDir('vidpad-out-', async (dir) => {
    const mine = path.join(dir, 'mine');
    await mkdir(mine);
    await writeFile(path.join(mine, 'scores.csv'), 'my scores');
    await assert.rejects(checkOutputFolder(mine, { kind: 'eval', option: '--out' }), refused(/^--out .*mine: not empty \(scores\.csv\) and not made by vidpad \(no \.vidpad marker\).*pass --overwrite/));
    await assert.rejects(claimOutputFolder(mine, { kind: 'eval' }), OutputError);
    assert.deepEqual(await readdir(mine), ['scores.csv'], 'a refused claim writes nothing');
    assert.equal((await claimOutputFolder(mine, { kind: 'eval', overwrite: true })).state, 'overwrite');
    assert.equal((await checkOutputFolder(mine, { kind: 'eval' })).state, 'ours');
    assert.equal(await readFile(path.join(mine, 'scores.csv'), 'utf8'), 'my scores', 'claiming touches no file but the marker');
  });
});

test('a folder vidpad made as another kind is refused; a legacy folder (made before the marker) is recognised', async () => {
  await withTempDir('vidpad-out-', async (dir) => {
    const synth = path.join(dir, 'synth');
    await claimOutputFolder(synth, { kind: 'synth' });
    await writeFile(path.join(synth, 'synth.json'), '{}');
    await assert.rejects(checkOutputFolder(synth, { kind: 'model', option: '--out' }), refused(/holds a vidpad synthetic dataset, not a model folder/));
    const old = path.join(dir, 'old');
    await mkdir(old);
    await writeFile(path.join(old, 'experiment.json'), '{}');
    const legacy = (entries: readonly string[]) => entries.includes('experiment.json');
    assert.equal((await checkOutputFolder(old, { kind: 'experiment', legacy })).state, 'ours');
    await assert.rejects(checkOutputFolder(old, { kind: 'experiment' }), refused(/not made by vidpad/));
  });
});

test('paths that cannot be written: under a file, a file where a folder goes, a read-only folder; each one line', async (t) => {
  await withTempDir('vidpad-out-', async (dir) => {
    const file = path.join(dir, 'notes.txt');
    await writeFile(file, 'x');
    await assert.rejects(checkOutputFolder(path.join(file, 'out'), { kind: 'model', option: '--out' }), refused(/^--out .*notes\.txt\/out: cannot create it: .*notes\.txt is a file, not a folder$/));
    await assert.rejects(checkOutputFolder(file, { kind: 'model' }), refused(/notes\.txt: is a file; expected a folder/));
    const ro = path.join(dir, 'ro');
    await mkdir(ro);
    const undo = await makeReadOnly(ro);
    if (!undo) {
      t.diagnostic('this machine cannot make a folder read-only for this user (root without chattr): the read-only cases were not run');
      return;
    }
    try {
      await assert.rejects(checkOutputFolder(ro, { kind: 'eval', option: '--out' }), refused(/^--out .*ro: cannot write into it \((EACCES|EPERM|EROFS): /));
      await assert.rejects(checkOutputFolder(path.join(ro, 'new'), { kind: 'eval' }), refused(/ro\/new: cannot create it: .*ro is not writable \((EACCES|EPERM|EROFS)/));
      await assert.rejects(checkOutputFile(path.join(ro, 'x.png'), { option: '--draw' }), refused(/--draw .*x\.png: cannot create it: .*ro is not writable/));
    } finally {
      await undo();
    }
  });
});

test('an output file: its folder must exist, a folder is not a file, an existing file is replaced only when vidpad wrote it or with overwrite', async () => {
  await withTempDir('vidpad-out-', async (dir) => {
    assert.equal(await checkOutputFile(path.join(dir, 'new.onnx')), 'absent');
    await assert.rejects(checkOutputFile(path.join(dir, 'missing', 'x.png'), { option: '--draw' }), refused(/--draw .*missing\/x\.png: the folder .*missing does not exist/));
    await assert.rejects(checkOutputFile(dir, { option: '--out' }), refused(/--out .*: is a folder; give a file path inside it/));
    const theirs = path.join(dir, 'theirs.onnx');
    await writeFile(theirs, 'a user file');
    await assert.rejects(checkOutputFile(theirs, { option: '--out' }), refused(/theirs\.onnx: the file exists and vidpad did not write it; .*--overwrite/));
    assert.equal(await checkOutputFile(theirs, { overwrite: true }), 'overwrite');
    assert.equal(await checkOutputFile(theirs, { isOurs: async () => true }), 'ours');
    assert.equal(await readFile(theirs, 'utf8'), 'a user file', 'checks change nothing');
  });
});
