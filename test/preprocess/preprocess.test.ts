import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, rm, readdir, readFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { runPreprocess, readVideoCrops, cacheLayout, selectShard, parseShard, readFrames, cropFace, ConfigError, resolvePreprocessConfig } from '../../src/index.js';
import type { VideoJob } from '../../src/index.js';
import { main } from '../../src/cli/main.js';
import { Writable } from 'node:stream';

const W = 96;
const H = 72;
const FRAMES = 12;

function makeVideo(file: string, pattern: 'testsrc2' | 'mandelbrot' = 'testsrc2'): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `${pattern}=size=${W}x${H}:rate=30`, '-frames:v', String(FRAMES), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', file]);
}

/** A box per frame that moves right by one pixel a frame; frame 5 has none (SiW's 0 0 0 0). */
function faceLines(): string {
  return Array.from({ length: FRAMES }, (_, i) => (i === 5 ? '0 0 0 0' : `${20 + i} 10 ${60 + i} 50`)).join('\n') + '\n';
}

async function makeTree(): Promise<{ root: string; jobs: VideoJob[] }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'vidpad-pre-'));
  const jobs: VideoJob[] = [];
  for (const [sid, type] of [['003', 1], ['003', 2], ['006', 1]] as const) {
    const dir = path.join(root, 'Train', type === 1 ? 'live' : 'spoof', sid);
    await mkdir(dir, { recursive: true });
    const stem = `${sid}-1-${type}-1-1`;
    makeVideo(path.join(dir, `${stem}.mov`), type === 1 ? 'testsrc2' : 'mandelbrot');
    await writeFile(path.join(dir, `${stem}.face`), faceLines());
    jobs.push({ videoId: `Train/${type === 1 ? 'live' : 'spoof'}/${sid}/${stem}`, path: path.join(dir, `${stem}.mov`), faceFile: path.join(dir, `${stem}.face`) });
  }
  return { root, jobs };
}

const datasetConfig = { boxPolicy: 'dataset' as const, cropSizePx: 32, marginFrac: 0.2, track: { maxGapFrames: 2, smoothWindowFrames: 1 } };

test('crops match an independent decode + crop of every frame; a 1-frame gap is filled from its neighbours', async () => {
  const { root, jobs } = await makeTree();
  const cache = path.join(root, 'cache');
  try {
    const summary = await runPreprocess({ videos: jobs, cacheDir: cache, config: datasetConfig, workers: 1 });
    assert.equal(summary.processed, 3);
    assert.equal(summary.failed.length, 0);
    assert.equal(summary.frames, 3 * FRAMES);
    const layout = cacheLayout(cache, summary.key);
    const job = jobs[0]!;
    const { meta, crops } = await readVideoCrops(layout, job.videoId);
    assert.equal(meta.frameCount, FRAMES);
    assert.equal(crops.length, FRAMES * 32 * 32 * 3);
    assert.deepEqual(meta.boxSources.slice(4, 7), ['dataset', 'filled', 'dataset']);
    // Frame 5 had no box: linear interpolation of frames 4 and 6 gives the box of a 1 px/frame motion.
    assert.deepEqual(meta.boxes[5], { left: 25, top: 10, right: 65, bottom: 50 });
    const frames = await readFrames(job.path);
    for (const f of frames) {
      const box = f.index === 5 ? { left: 25, top: 10, right: 65, bottom: 50 } : { left: 20 + f.index, top: 10, right: 60 + f.index, bottom: 50 };
      const want = cropFace({ width: f.width, height: f.height, data: f.data }, box, { sizePx: 32, marginFrac: 0.2 }).frame.data;
      const got = crops.subarray(f.index * 32 * 32 * 3, (f.index + 1) * 32 * 32 * 3);
      assert.deepEqual(Buffer.from(got), Buffer.from(want), `frame ${f.index}`);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a second run skips cached videos; a removed video is redone; a leftover temp folder is ignored', async () => {
  const { root, jobs } = await makeTree();
  const cache = path.join(root, 'cache');
  try {
    const first = await runPreprocess({ videos: jobs, cacheDir: cache, config: datasetConfig, workers: 1 });
    const layout = cacheLayout(cache, first.key);
    const again = await runPreprocess({ videos: jobs, cacheDir: cache, config: datasetConfig, workers: 1 });
    assert.equal(again.skipped, 3);
    assert.equal(again.processed, 0);
    assert.equal(again.frames, 0);
    // As if a run were killed mid-write: the final folder is missing, a temp one remains.
    const victim = path.join(layout.root, 'videos', ...jobs[1]!.videoId.split('/'));
    await rm(victim, { recursive: true });
    await mkdir(`${victim}.tmp-999-1`, { recursive: true });
    const resumed = await runPreprocess({ videos: jobs, cacheDir: cache, config: datasetConfig, workers: 1 });
    assert.equal(resumed.skipped, 2);
    assert.equal(resumed.processed, 1);
    assert.equal(resumed.frames, FRAMES);
    assert.equal((await readVideoCrops(layout, jobs[1]!.videoId)).meta.frameCount, FRAMES);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a broken video is recorded in the failure manifest and the others are processed', async () => {
  const { root, jobs } = await makeTree();
  const cache = path.join(root, 'cache');
  try {
    const broken = path.join(root, 'Train', 'live', '006', '006-1-1-1-2.mov');
    await writeFile(broken, 'this is not a video');
    const all = [...jobs, { videoId: 'Train/live/006/006-1-1-1-2', path: broken, faceFile: null }];
    const summary = await runPreprocess({ videos: all, cacheDir: cache, config: datasetConfig, workers: 1 });
    assert.equal(summary.processed, 3);
    assert.equal(summary.failed.length, 1);
    assert.equal(summary.failed[0]!.videoId, 'Train/live/006/006-1-1-1-2');
    assert.match(summary.failed[0]!.reason, /006-1-1-1-2\.mov/);
    const manifest = JSON.parse(await readFile(path.join(summary.cacheRoot, 'failures.json'), 'utf8')) as Array<{ videoId: string }>;
    assert.deepEqual(manifest.map((f) => f.videoId), ['Train/live/006/006-1-1-1-2']);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('two worker threads give byte-identical crops to one', async () => {
  const { root, jobs } = await makeTree();
  try {
    const one = await runPreprocess({ videos: jobs, cacheDir: path.join(root, 'c1'), config: datasetConfig, workers: 1 });
    const two = await runPreprocess({ videos: jobs, cacheDir: path.join(root, 'c2'), config: datasetConfig, workers: 2 });
    assert.equal(two.processed, 3);
    assert.equal(one.key, two.key);
    for (const job of jobs) {
      const a = await readVideoCrops(cacheLayout(path.join(root, 'c1'), one.key), job.videoId);
      const b = await readVideoCrops(cacheLayout(path.join(root, 'c2'), two.key), job.videoId);
      assert.deepEqual(Buffer.from(a.crops), Buffer.from(b.crops));
      assert.deepEqual(a.meta.boxes, b.meta.boxes);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('shards are disjoint, cover the list, and do not depend on its order', () => {
  const jobs = Array.from({ length: 10 }, (_, i) => ({ videoId: `v${String(i).padStart(2, '0')}` }));
  const reversed = [...jobs].reverse();
  const seen: string[] = [];
  for (let i = 1; i <= 3; i++) {
    const part = selectShard(jobs, { index: i, count: 3 }).map((j) => j.videoId);
    assert.deepEqual(part, selectShard(reversed, { index: i, count: 3 }).map((j) => j.videoId));
    seen.push(...part);
  }
  assert.deepEqual(seen.sort(), jobs.map((j) => j.videoId));
  assert.deepEqual(parseShard('2/8'), { index: 2, count: 8 });
  for (const bad of ['0/3', '4/3', '2', 'a/b', '1/0']) assert.throws(() => parseShard(bad), ConfigError);
});

test('bad settings name the field', () => {
  assert.throws(() => resolvePreprocessConfig({ cropSizePx: 8 }), /preprocess\.cropSizePx/);
  assert.throws(() => resolvePreprocessConfig({ detector: 'haar' as never }), /preprocess\.detector: unknown detector 'haar'/);
  assert.throws(() => resolvePreprocessConfig({ marginFrac: -1 }), /preprocess\.marginFrac/);
  assert.throws(() => resolvePreprocessConfig({ maxFrames: 0 }), /preprocess\.maxFrames/);
});

test('vidpad preprocess indexes a SiW tree and fills the cache; a rerun skips everything', async () => {
  const { root } = await makeTree();
  const cache = path.join(root, 'cache');
  const run = async (...extra: string[]) => {
    let out = '';
    const sink = new Writable({ write(c, _e, d) { out += String(c); d(); } });
    const err = new Writable({ write(_c, _e, d) { d(); } });
    const code = await main(['preprocess', '--dataset', 'siw', '--root', root, '--cache', cache, '--boxes', 'dataset', '--size', '32', '--workers', '1', '--json', ...extra], { stdout: sink, stderr: err });
    return { code, summary: JSON.parse(out) as { processed: number; skipped: number; failed: unknown[] } };
  };
  try {
    const first = await run();
    assert.equal(first.code, 0);
    assert.equal(first.summary.processed, 3);
    const second = await run();
    assert.equal(second.summary.skipped, 3);
    const keys = (await readdir(cache)).filter((k) => !k.startsWith('.'));
    assert.equal(keys.length, 1, 'one settings folder (beside the folder marker)');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
