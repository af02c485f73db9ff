import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync, statSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { probeVideo, readFrames, streamFrames, outputSize, normalizeRotation } from '../../src/video/index.js';
import { BackendError, ConfigError, VideoError } from '../../src/errors.js';
import { makeVideo, decodeAll, frameColour, ffmpeg } from './make-video.js';

let dir = '';
const f = (name: string): string => path.join(dir, name);

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'vidpad-video-'));
  makeVideo(f('pattern.mov'), { frames: 20 });
  makeVideo(f('pattern.mp4'), { frames: 20, fps: 25 });
  // B-frames (libx264's default) make decode order differ from display order: the case where frame indices go wrong.
  makeVideo(f('colours.mov'), { frames: 30, kind: 'colours' });
  makeVideo(f('colours.mp4'), { frames: 30, kind: 'colours', extra: ['-movflags', '+faststart'] });
});

after(() => rmSync(dir, { recursive: true, force: true }));

async function rejectsVideo(p: Promise<unknown>, reason: string, file: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof VideoError, `expected VideoError, got ${String(err)}`);
    assert.equal(err.reason, reason, err.message);
    assert.equal(err.file, file);
    assert.ok(err.message.includes(file), err.message);
    assert.equal(err.code, 'E_INPUT');
    return true;
  });
}

test('probeVideo reads frame count, rate, size, duration and codec of .mov and .mp4', async () => {
  const mov = await probeVideo(f('pattern.mov'));
  assert.equal(mov.frameCount, 20);
  assert.equal(mov.fps, 30);
  assert.equal(mov.width, 64);
  assert.equal(mov.height, 48);
  assert.equal(mov.rotationDeg, 0);
  assert.equal(mov.codec, 'h264');
  assert.equal(mov.countMethod, 'packets');
  assert.ok(Math.abs(mov.durationSec - 20 / 30) < 0.01, String(mov.durationSec));
  const mp4 = await probeVideo(f('pattern.mp4'), { countMethod: 'decode' });
  assert.equal(mp4.frameCount, 20);
  assert.equal(mp4.fps, 25);
  assert.equal(mp4.countMethod, 'decode');
  assert.ok(Math.abs(mp4.durationSec - 0.8) < 0.01);
  await assert.rejects(probeVideo(f('pattern.mp4'), { countMethod: 'guess' as never }), ConfigError);
});

test('packet counting agrees with decoding every frame, and with a plain ffmpeg decode', async () => {
  for (const name of ['pattern.mov', 'colours.mov', 'colours.mp4']) {
    const a = await probeVideo(f(name));
    const b = await probeVideo(f(name), { countMethod: 'decode' });
    assert.equal(a.frameCount, b.frameCount, name);
    assert.equal(a.frameCount, decodeAll(f(name)).length / (64 * 48 * 3), name);
  }
});

test('readFrames is frame-exact: frames k..k+4 equal frames k..k+4 of a full sequential decode, byte for byte', async () => {
  for (const name of ['colours.mov', 'colours.mp4']) {
    const full = decodeAll(f(name));
    const bytes = 64 * 48 * 3;
    assert.equal(full.length, 30 * bytes);
    const info = await probeVideo(f(name));
    for (const k of [0, 1, 7, 13, 25]) {
      const frames = await readFrames(f(name), { start: k, end: k + 5, info });
      assert.deepEqual(frames.map((x) => x.index), [k, k + 1, k + 2, k + 3, k + 4]);
      for (const [i, fr] of frames.entries()) {
        assert.equal(fr.width, 64);
        assert.equal(fr.height, 48);
        assert.ok(Buffer.from(fr.data).equals(full.subarray((k + i) * bytes, (k + i + 1) * bytes)), `${name} frame ${k + i}`);
        // And it is the colour frame k+i was drawn in, not a neighbour's (neighbours differ by >= 25 in some channel).
        const want = frameColour(k + i);
        const mid = (24 * 64 + 32) * 3;
        for (let c = 0; c < 3; c++) assert.ok(Math.abs(fr.data[mid + c]! - want[c]!) <= 6, `${name} frame ${k + i} channel ${c}: ${fr.data[mid + c]} vs ${want[c]}`);
      }
    }
  }
});

test('a MOV cut without re-encoding (edit list hiding packets) counts and reads only the frames ffmpeg outputs', async () => {
  makeVideo(f('colours60.mov'), { frames: 60, kind: 'colours', extra: ['-g', '30'] });
  ffmpeg(['-ss', '0.35', '-i', f('colours60.mov'), '-c', 'copy', f('cut.mov')]);
  const full = decodeAll(f('cut.mov'));
  const bytes = 64 * 48 * 3;
  const n = full.length / bytes;
  const packets = await probeVideo(f('cut.mov'));
  const decoded = await probeVideo(f('cut.mov'), { countMethod: 'decode' });
  assert.equal(packets.frameCount, n);
  assert.equal(decoded.frameCount, n);
  const frames = await readFrames(f('cut.mov'), { start: n - 5, info: packets });
  assert.equal(frames.length, 5);
  frames.forEach((fr, i) => assert.ok(Buffer.from(fr.data).equals(full.subarray((n - 5 + i) * bytes, (n - 4 + i) * bytes)), `frame ${n - 5 + i}`));
});

test('readFrames defaults to the whole video and the last frame is readable', async () => {
  const all = await readFrames(f('colours.mov'));
  assert.equal(all.length, 30);
  const last = await readFrames(f('colours.mov'), { start: 29, end: 30 });
  assert.deepEqual(last[0]!.data, all[29]!.data);
});

test('scaling happens in ffmpeg: requested sizes, aspect kept with one side, colour preserved', async () => {
  const fr = await readFrames(f('colours.mov'), { start: 3, end: 5, width: 32, height: 24 });
  assert.equal(fr.length, 2);
  assert.equal(fr[0]!.width, 32);
  assert.equal(fr[0]!.height, 24);
  assert.equal(fr[0]!.data.length, 32 * 24 * 3);
  const want = frameColour(4);
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(fr[1]!.data[(12 * 32 + 16) * 3 + c]! - want[c]!) <= 6);
  const oneSide = await readFrames(f('pattern.mov'), { start: 0, end: 1, width: 16, interpolation: 'bilinear' });
  assert.equal(oneSide[0]!.height, 12);
  assert.deepEqual(outputSize(1920, 1080, undefined, 112), { width: 199, height: 112 });
  assert.deepEqual(outputSize(64, 48), { width: 64, height: 48 });
  assert.throws(() => outputSize(64, 48, 0), ConfigError);
  assert.throws(() => outputSize(64, 48, 10, 1.5), ConfigError);
  await assert.rejects(readFrames(f('pattern.mov'), { end: 1, interpolation: 'lanczos9' as never }), ConfigError);
  await assert.rejects(readFrames(f('pattern.mov'), { end: 1, threads: -1 }), ConfigError);
  const oneThread = await readFrames(f('colours.mov'), { start: 3, end: 5, width: 32, height: 24, threads: 1 });
  assert.deepEqual(oneThread.map((x) => x.data), fr.map((x) => x.data));
});

test('rotation metadata is applied: frames come upright with the displayed size', async () => {
  ffmpeg(['-f', 'lavfi', '-i', 'color=c=black:size=64x48:rate=30,drawbox=x=0:y=0:w=8:h=8:c=red:t=fill', '-frames:v', '3', '-c:v', 'libx264', '-pix_fmt', 'yuv444p', f('corner.mov')]);
  ffmpeg(['-i', f('corner.mov'), '-c', 'copy', '-metadata:s:v', 'rotate=90', f('rotated.mov')]);
  const info = await probeVideo(f('rotated.mov'));
  assert.equal(info.rotationDeg, 90);
  assert.equal(info.codedWidth, 64);
  assert.equal(info.codedHeight, 48);
  assert.equal(info.width, 48);
  assert.equal(info.height, 64);
  const [fr] = await readFrames(f('rotated.mov'), { start: 1, end: 2, info });
  assert.equal(fr!.width, 48);
  assert.equal(fr!.height, 64);
  // The red square stored top-left is shown bottom-left after a 90° counter-clockwise turn.
  const px = (x: number, y: number): number[] => Array.from(fr!.data.subarray((y * 48 + x) * 3, (y * 48 + x) * 3 + 3));
  assert.ok(px(2, 61)[0]! > 200 && px(2, 61)[1]! < 50, String(px(2, 61)));
  assert.ok(px(2, 2)[0]! < 50, String(px(2, 2)));
  assert.deepEqual([0, 90, -90, 180, -180, 270, 360, 89.9].map(normalizeRotation), [0, 90, 270, 180, 180, 270, 0, 90]);
});

test('file names with colons, commas, quotes and spaces are read as files', async () => {
  const odd = f("take:1, 'odd' name.mov");
  copyFileSync(f('colours.mov'), odd);
  assert.equal((await probeVideo(odd)).frameCount, 30);
  const [fr] = await readFrames(odd, { start: 7, end: 8 });
  assert.ok(Buffer.from(fr!.data).equals(decodeAll(f('colours.mov')).subarray(7 * 64 * 48 * 3, 8 * 64 * 48 * 3)));
});

test('streamFrames yields frames one by one and stops ffmpeg when the consumer stops', async () => {
  const seen: number[] = [];
  for await (const fr of streamFrames(f('colours.mov'), { start: 2 })) {
    seen.push(fr.index);
    if (seen.length === 3) break;
  }
  assert.deepEqual(seen, [2, 3, 4]);
});

test('bad inputs give VideoErrors naming the file and the reason', async () => {
  await rejectsVideo(probeVideo(f('nope.mov')), 'missing-file', f('nope.mov'));
  await rejectsVideo(readFrames(f('nope.mov'), { end: 2 }), 'missing-file', f('nope.mov'));
  writeFileSync(f('text.mov'), 'this is not a video\n'.repeat(50));
  await rejectsVideo(probeVideo(f('text.mov')), 'not-video', f('text.mov'));
  mkdirSync(f('folder.mp4'));
  await rejectsVideo(probeVideo(f('folder.mp4')), 'not-video', f('folder.mp4'));
  writeFileSync(f('zero-bytes.mp4'), '');
  await rejectsVideo(probeVideo(f('zero-bytes.mp4')), 'empty', f('zero-bytes.mp4'));
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=30', '-frames:v', '0', '-c:v', 'libx264', f('zero-frames.mp4')]);
  await rejectsVideo(probeVideo(f('zero-frames.mp4')), 'empty', f('zero-frames.mp4'));
  ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '0.3', f('audio.m4a')]);
  await rejectsVideo(probeVideo(f('audio.m4a')), 'not-video', f('audio.m4a'));
});

test('truncated files are told apart: index missing, data cut, Matroska cut', async () => {
  // moov at the end (the .mov default): cutting the file loses the index.
  const mov = readFileSync(f('pattern.mov'));
  writeFileSync(f('cut-index.mov'), mov.subarray(0, Math.floor(mov.length / 2)));
  await rejectsVideo(probeVideo(f('cut-index.mov')), 'truncated', f('cut-index.mov'));
  // moov first (faststart): the index survives and declares more frames than the data holds.
  makeVideo(f('noise.mp4'), { frames: 30, kind: 'noise', extra: ['-movflags', '+faststart'] });
  const mp4 = readFileSync(f('noise.mp4'));
  writeFileSync(f('cut-data.mp4'), mp4.subarray(0, Math.floor(mp4.length / 2)));
  await rejectsVideo(probeVideo(f('cut-data.mp4')), 'truncated', f('cut-data.mp4'));
  // When a caller passes stale metadata, reading still notices the stream ending early.
  const info = await probeVideo(f('noise.mp4'));
  await assert.rejects(readFrames(f('cut-data.mp4'), { start: 0, end: 30, info: { ...info, path: f('cut-data.mp4') } }), (err: unknown) => {
    assert.ok(err instanceof VideoError);
    assert.ok(err.reason === 'truncated' || err.reason === 'decode', err.reason);
    assert.ok(err.message.includes(f('cut-data.mp4')));
    return true;
  });
  makeVideo(f('noise.mkv'), { frames: 30, kind: 'noise' });
  const mkv = readFileSync(f('noise.mkv'));
  writeFileSync(f('cut.mkv'), mkv.subarray(0, Math.floor(mkv.length / 2)));
  await rejectsVideo(probeVideo(f('cut.mkv')), 'truncated', f('cut.mkv'));
  assert.ok(statSync(f('noise.mkv')).size > 10_000);
  assert.equal((await probeVideo(f('noise.mkv'))).frameCount, 30);
});

test('frame ranges outside the video are refused before decoding', async () => {
  const file = f('pattern.mov');
  await rejectsVideo(readFrames(file, { start: -1, end: 3 }), 'range', file);
  await rejectsVideo(readFrames(file, { start: 0, end: 21 }), 'range', file);
  await rejectsVideo(readFrames(file, { start: 5, end: 5 }), 'range', file);
  await rejectsVideo(readFrames(file, { start: 20 }), 'range', file);
  await assert.rejects(readFrames(file, { start: 0.5, end: 3 }), ConfigError);
  await assert.rejects(readFrames(file, { start: 0, end: 3, width: -4 }), ConfigError);
  // A read that would not fit in memory is refused before ffmpeg starts; streaming it is fine.
  const info = await probeVideo(file);
  const huge = { ...info, frameCount: 1000, width: 8000, height: 8000 };
  await assert.rejects(readFrames(file, { info: huge }), (e: unknown) => e instanceof ConfigError && /GiB/.test(e.message) && e.message.includes(file));
  assert.equal((await readFrames(file, { start: 17, end: 20 })).length, 3);
});

test('a missing ffmpeg or ffprobe is a BackendError that says how to install it and names the file', async () => {
  const file = f('pattern.mov');
  for (const p of [probeVideo(file, { ffprobePath: '/nonexistent/ffprobe' }), readFrames(file, { end: 2, ffmpegPath: '/nonexistent/ffmpeg' })]) {
    await assert.rejects(p, (err: unknown) => {
      assert.ok(err instanceof BackendError);
      assert.match(err.message, /apt-get install ffmpeg/);
      assert.ok(err.message.includes(file));
      return true;
    });
  }
});
