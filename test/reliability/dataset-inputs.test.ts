/**
 * "Nothing lost" on the way into the crop cache, through the CLI:
 * `preprocess --boxes dataset` with a garbage face file fails that video
 * (never all-zero crops), a face file shorter than its video is a warning
 * counted in the summary and in failures.json; `vidpad dataset` reports
 * manifest rows outside the root; and the cache's content files are the
 * same bytes whether a run was resumed or not (no timings in them).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { makeVideo } from '../video/make-video.js';
import { stderrLines, vidpad } from './helpers.js';

const FRAMES = 12;
let dir = '';
let root = '';
const faceLine = (i: number) => `${14 + i} 8 ${50 + i} 44`;
const ids = {
  good: 'Train/live/003/003-1-1-1-1',
  short: 'Train/spoof/003/003-1-2-1-1',
  garbage: 'Train/live/006/006-1-1-1-1',
};

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-inputs-'));
  root = path.join(dir, 'SiW');
  for (const id of Object.values(ids)) {
    await mkdir(path.dirname(path.join(root, id)), { recursive: true });
    makeVideo(path.join(root, `${id}.mov`), { frames: FRAMES, width: 96, height: 72 });
  }
  const lines = Array.from({ length: FRAMES }, (_, i) => faceLine(i));
  await writeFile(path.join(root, `${ids.good}.face`), lines.join('\n') + '\n');
  await writeFile(path.join(root, `${ids.short}.face`), lines.slice(0, 5).join('\n') + '\n');
  await writeFile(path.join(root, `${ids.garbage}.face`), Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37 + 11) % 256)));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const preprocess = (cache: string, ...extra: string[]) =>
  vidpad('preprocess', '--dataset', 'siw', '--root', root, '--cache', cache, '--boxes', 'dataset', '--size', '32', '--workers', '1', ...extra);

interface Failure {
  videoId: string;
  reason: string;
  kind: 'failed' | 'warning';
}

test('preprocess --boxes dataset: a garbage face file fails its video, a short one is a counted warning; both in failures.json', async () => {
  const cache = path.join(dir, 'cache');
  const r = await preprocess(cache);
  assert.equal(r.code, 1, 'some items failed: exit status 1');
  assert.match(r.stderr, /preprocess: 2 videos cropped \(1 with warnings\), 0 already cached, 1 failed;/);
  const failedLine = r.stdout.split('\n').find((l) => l.startsWith(`failed: ${ids.garbage}: `))!;
  assert.match(failedLine, new RegExp(`006-1-1-1-1\\.mov: its face file .*006-1-1-1-1\\.face gives no usable box for any of its ${FRAMES} frames \\(\\d+ unusable line\\(s\\), the first on line 1: expected 4 numbers 'x1 y1 x2 y2', got '[ -~]{57}\\.\\.\\.'; those frames have no box from the file\\)$`));
  assert.match(r.stdout, new RegExp(`warning: ${ids.short}: .*003-1-2-1-1\\.face: boxes for 5 of the video's ${FRAMES} frames; frames 6-${FRAMES} are filled by tracking where a gap is short, else left without a face`));
  const [key] = (await readdir(cache)).filter((k) => !k.startsWith('.'));
  const failures = JSON.parse(await readFile(path.join(cache, key!, 'failures.json'), 'utf8')) as Failure[];
  assert.deepEqual(failures.map((f) => [f.videoId, f.kind]).sort(), [[ids.short, 'warning'], [ids.garbage, 'failed']].sort());
  // The failed video is not in the cache at all: no all-zero crops to train on.
  const cached = async (id: string) => readFile(path.join(cache, key!, 'videos', id, 'meta.json'), 'utf8').then(() => true, () => false);
  assert.equal(await cached(ids.garbage), false);
  assert.equal(await cached(ids.short), true);
  const meta = JSON.parse(await readFile(path.join(cache, key!, 'videos', ids.short, 'meta.json'), 'utf8')) as { boxSources: string[] };
  assert.deepEqual(meta.boxSources.slice(0, 5), Array(5).fill('dataset'));

  // A rerun keeps the warning on record (the video is cached and skipped) and retries the failure.
  const again = await preprocess(cache, '--json');
  assert.equal(again.code, 1);
  const summary = JSON.parse(again.stdout) as { skipped: number; failed: Failure[]; warnings: Failure[] };
  assert.equal(summary.skipped, 2);
  assert.deepEqual(summary.failed.map((f) => f.videoId), [ids.garbage]);
  const stillRecorded = JSON.parse(await readFile(path.join(cache, key!, 'failures.json'), 'utf8')) as Failure[];
  assert.ok(stillRecorded.some((f) => f.videoId === ids.short && f.kind === 'warning'));
});

test("the crop cache's meta.json and crops.u8 are byte-identical between a resumed run and an uninterrupted one (no timings)", async () => {
  const whole = path.join(dir, 'cache-whole');
  const resumed = path.join(dir, 'cache-resumed');
  assert.equal((await preprocess(whole)).code, 1);
  // A run that stops part way (here: only one shard), then the full run picks up the rest.
  await preprocess(resumed, '--shard', '1/2');
  const second = await preprocess(resumed, '--json');
  assert.ok((JSON.parse(second.stdout) as { skipped: number }).skipped >= 1, 'the second run resumed');
  const [key] = (await readdir(whole)).filter((k) => !k.startsWith('.'));
  assert.deepEqual((await readdir(resumed)).filter((k) => !k.startsWith('.')), [key]);
  for (const id of [ids.good, ids.short]) {
    for (const file of ['meta.json', 'crops.u8']) {
      const a = await readFile(path.join(whole, key!, 'videos', id, file));
      const b = await readFile(path.join(resumed, key!, 'videos', id, file));
      assert.ok(a.equals(b), `${id}/${file} differs between the runs`);
    }
    const meta = JSON.parse(await readFile(path.join(whole, key!, 'videos', id, 'meta.json'), 'utf8')) as Record<string, unknown>;
    assert.equal('seconds' in meta, false, 'no wall-clock field in the content files');
  }
  assert.ok((await readFile(path.join(whole, key!, 'config.json'))).equals(await readFile(path.join(resumed, key!, 'config.json'))));
});

test('vidpad dataset reports manifest rows outside the root, which preprocess then refuses, each counted', async () => {
  const folder = path.join(dir, 'folder-data');
  await mkdir(path.join(folder, 'live'), { recursive: true });
  await writeFile(path.join(folder, 'live', 'a.mp4'), '');
  await writeFile(path.join(dir, 'outside.mp4'), '');
  await writeFile(path.join(dir, 'outside-2.mp4'), '');
  await writeFile(path.join(folder, 'manifest.csv'), ['path,label,attack_type,subject,split', 'live/a.mp4,live,,s1,train', '../outside.mp4,spoof,print,s2,test', `${path.join(dir, 'outside-2.mp4')},spoof,print,s3,test`].join('\n') + '\n');
  const r = await vidpad('dataset', '--dataset', 'folder', '--root', folder, '--json');
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { total: { videos: number }; issues: Array<{ kind: string; line: number; message: string }> };
  assert.equal(report.total.videos, 3);
  const outside = report.issues.filter((i) => i.kind === 'outside-root');
  assert.deepEqual(outside.map((i) => i.line), [3, 4]);
  assert.match(outside[0]!.message, /^\.\.\/outside\.mp4: lies outside the dataset root .*folder-data: vidpad preprocess will refuse it \(crops are cached under a video's path inside the root\); move it inside the root$/);
  const text = await vidpad('dataset', '--dataset', 'folder', '--root', folder);
  assert.match(text.stdout, /outside\.mp4: lies outside the dataset root/);
  assert.equal(stderrLines(text).length, 0);
  // What was announced: preprocess records each as a failed video, caches the rest, and exits 1.
  const cache = path.join(dir, 'cache-outside');
  const pre = await vidpad('preprocess', '--dataset', 'folder', '--root', folder, '--cache', cache, '--boxes', 'dataset', '--json');
  assert.equal(pre.code, 1, pre.stderr);
  const summary = JSON.parse(pre.stdout) as { failed: Array<{ videoId: string; reason: string }>; indexIssues: number };
  assert.equal(summary.indexIssues, 2);
  assert.deepEqual(summary.failed.map((f) => f.videoId).filter((id) => id.includes('outside')).length, 2);
  for (const f of summary.failed.filter((x) => x.videoId.includes('outside'))) assert.match(f.reason, /cannot name a cache folder/);
});
