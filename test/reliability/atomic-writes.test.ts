/**
 * "Nothing lost": every file vidpad writes goes through writeFileAtomic
 * (temp file in the same folder, synced, renamed), so a reader, or a run
 * killed at any moment, sees the old file or the complete new one; a write
 * that fails leaves the old file and no temp file behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError, writeFileAtomic } from '../../src/index.js';
import { withTempDir } from '../helpers/temp-dir.js';

test('a reader polling during rewrites only ever sees a whole old or a whole new file; no temp file is left', async () => {
  await withTempDir('vidpad-atomic-', async (dir) => {
    const file = path.join(dir, 'checkpoint.bin');
    const versions = Array.from({ length: 6 }, (_, v) => Buffer.alloc(4 << 20, 65 + v));
    await writeFileAtomic(file, versions[0]!);
    let reads = 0;
    let writing = true;
    const reader = (async () => {
      while (writing) {
        const got = await readFile(file);
        reads += 1;
        assert.equal(got.length, 4 << 20, 'never a partial file');
        assert.ok(got.every((b) => b === got[0]), 'never a mix of two versions');
      }
    })();
    for (const v of versions.slice(1)) await writeFileAtomic(file, v);
    writing = false;
    await reader;
    assert.ok(reads > 0);
    assert.ok((await readFile(file)).equals(versions.at(-1)!));
    assert.deepEqual(await readdir(dir), ['checkpoint.bin']);
  });
});

test('a write that cannot finish leaves the old file as it was and no temp file; the error names the path', async () => {
  await withTempDir('vidpad-atomic-', async (dir) => {
    // The rename cannot replace a folder: the new bytes were written, then refused at the last step.
    const blocked = path.join(dir, 'report.md');
    await mkdir(blocked);
    await assert.rejects(writeFileAtomic(blocked, 'new report'), (e: unknown) => e instanceof InputError && /report\.md: cannot write \(EISDIR/.test(e.message));
    assert.deepEqual(await readdir(dir), ['report.md']);
    assert.deepEqual(await readdir(blocked), []);
    const file = path.join(dir, 'scores.csv');
    await writeFile(file, 'old scores\n');
    await assert.rejects(writeFileAtomic(path.join(dir, 'missing', 'scores.csv'), 'x'), (e: unknown) => e instanceof InputError && /missing\/scores\.csv: cannot write \(ENOENT/.test(e.message));
    assert.equal(await readFile(file, 'utf8'), 'old scores\n');
    assert.deepEqual((await readdir(dir)).sort(), ['report.md', 'scores.csv']);
  });
});
