/**
 * Predict on everyday media: H.264, H.265, VP8 and VP9 in MP4, MOV, WebM and
 * MKV; a phone video stored sideways with a display matrix; variable frame
 * rate; 4K (detected at the contract's decode width); a GIF; a folder of
 * frames; --max-seconds; and a long video streamed through with the pipeline
 * holding only a few frames (clips are scored while later frames are still
 * being decoded).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLivenessDetector, encodePng, openInput, probeVideo, readFrames } from '../../src/index.js';
import type { LivenessDetector } from '../../src/index.js';
import { writeFile } from 'node:fs/promises';
import { FIXTURE_SIZE, liveFrames, randomModelFolder } from './fixtures.js';

const { width: W, height: H } = FIXTURE_SIZE;
let dir: string;
let frames: Uint8Array[];
let detector: LivenessDetector;

/** Raw RGB frames through ffmpeg with extra output arguments (codec, filters, container). */
function encode(file: string, rgb: readonly Uint8Array[], output: string[], input: { width?: number; height?: number; fps?: number } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${input.width ?? W}x${input.height ?? H}`, '-r', String(input.fps ?? 30), '-i', 'pipe:0', ...output, file];
    const child = spawn('ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += String(b)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg ${output.join(' ')}: ${err}`))));
    for (const f of rgb) child.stdin.write(f);
    child.stdin.end();
  });
}

function ffmpeg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += String(b)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg ${args.join(' ')}: ${err}`))));
  });
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-media-'));
  frames = liveFrames(6, 1, 10).map((f) => f.rgb);
  detector = await createLivenessDetector({ model: await randomModelFolder(path.join(dir, 'model')) });
});

after(async () => {
  await detector.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('predict on everyday media', { timeout: 300_000 }, () => {
  const formats: [string, string[]][] = [
    ['h264.mp4', ['-c:v', 'libx264', '-pix_fmt', 'yuv420p']],
    ['hevc.mov', ['-c:v', 'libx265', '-pix_fmt', 'yuv420p', '-x265-params', 'log-level=none', '-tag:v', 'hvc1']],
    ['vp8.webm', ['-c:v', 'libvpx', '-b:v', '1M']],
    ['vp9.mkv', ['-c:v', 'libvpx-vp9', '-b:v', '1M']],
    ['anim.gif', []],
  ];
  for (const [name, args] of formats) {
    it(`reads ${name}: every frame, the face in each`, async () => {
      const file = path.join(dir, name);
      await encode(file, frames, args);
      const r = await detector.predictVideo(file);
      assert.equal(r.frames.read, 10);
      assert.equal(r.frames.withFace, 10, `${name}: ${r.frames.withFace} frames with a face`);
      assert.equal(r.clips.length, 5);
      assert.ok(r.decision === 'live' || r.decision === 'attack');
    });
  }

  it('turns a phone video stored sideways upright by its display matrix', async () => {
    const stored = path.join(dir, 'stored.mp4');
    // Stored turned 90° counter-clockwise, with a matrix that says: show it turned back.
    await encode(stored, frames, ['-c:v', 'libx264', '-pix_fmt', 'yuv444p', '-crf', '4', '-vf', 'transpose=2']);
    const phone = path.join(dir, 'phone.mp4');
    await ffmpeg(['-i', stored, '-c', 'copy', '-metadata:s:v', 'rotate=-90', phone]);
    const info = await probeVideo(phone);
    assert.deepEqual([info.codedWidth, info.codedHeight, info.width, info.height], [H, W, W, H]);
    const [first] = await readFrames(phone, { end: 1 });
    let diff = 0;
    for (let i = 0; i < first!.data.length; i++) diff += Math.abs(first!.data[i]! - frames[0]![i]!);
    assert.ok(diff / first!.data.length < 4, `upright frame differs from the original by ${diff / first!.data.length} per value`);
    const r = await detector.predictVideo(phone);
    assert.deepEqual([r.frames.width, r.frames.height], [W, H]);
    assert.equal(r.frames.withFace, 10);
    // The boxes are those of the same frames encoded upright, in upright pixels.
    const upright = path.join(dir, 'upright.mp4');
    await encode(upright, frames, ['-c:v', 'libx264', '-pix_fmt', 'yuv444p', '-crf', '4']);
    const u = await detector.predictVideo(upright);
    r.clips.forEach((c, i) => c.boxes.forEach((b, j) => {
      const e = u.clips[i]!.boxes[j]!;
      assert.ok(Math.abs(b.left - e.left) < 3 && Math.abs(b.top - e.top) < 3 && Math.abs(b.right - e.right) < 3, `clip ${i} frame ${j}: ${JSON.stringify(b)} vs ${JSON.stringify(e)}`);
    }));
  });

  it('reads a variable-frame-rate video frame by frame', async () => {
    const file = path.join(dir, 'vfr.mp4');
    // Timestamps with irregular gaps (every third frame held 1.5× as long).
    await encode(file, frames, ['-vf', "setpts='(N+0.5*floor(N/3))/(30*TB)'", '-fps_mode', 'passthrough', '-c:v', 'libx264', '-pix_fmt', 'yuv420p']);
    const info = await probeVideo(file);
    assert.equal(info.frameCount, 10);
    const r = await detector.predictVideo(file);
    assert.equal(r.frames.read, 10);
    assert.equal(r.frames.withFace, 10);
  });

  it('detects a 4K video at the contract\'s decode width and reports boxes in 4K pixels', async () => {
    const file = path.join(dir, '4k.mp4');
    await encode(file, frames.slice(0, 4), ['-vf', 'scale=3840:2880:flags=bicubic', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p']);
    const r = await detector.predictVideo(file);
    assert.deepEqual([r.frames.width, r.frames.height, r.frames.decodeWidth, r.frames.decodeHeight], [3840, 2880, 640, 480]);
    assert.equal(r.frames.withFace, 4);
    const box = r.clips[0]!.boxes[0]!;
    assert.ok(box.right - box.left > 600, `a box in 4K pixels: ${JSON.stringify(box)}`);
  });

  it('reads a folder of frame images in name order, and stops at --max-seconds', async () => {
    const folder = path.join(dir, 'frames');
    await mkdir(folder);
    // Named so that a plain string sort would put frame 10 before frame 2.
    for (const [i, rgb] of frames.entries()) await writeFile(path.join(folder, `frame-${i + 1}.png`), encodePng({ width: W, height: H, data: rgb }));
    const source = await openInput(folder);
    let i = 0;
    for await (const f of source.frames(640)) assert.deepEqual(f.data, frames[i++], `frame ${i}`);
    const r = await detector.predictVideo(folder);
    assert.equal(r.kind, 'frames');
    assert.equal(r.frames.read, 10);
    const file = path.join(dir, 'two-seconds.mp4');
    await encode(file, [...frames, ...frames, ...frames, ...frames, ...frames, ...frames], ['-c:v', 'libx264', '-pix_fmt', 'yuv420p']);
    const cut = await detector.predictVideo(file, { maxSeconds: 0.5 });
    assert.equal(cut.frames.read, 15);
    assert.ok(cut.warnings.some((w) => /only the first 15 of 60 frames/.test(w)));
  });

  it('streams a long video: each clip is scored a few frames after its last one is decoded', async () => {
    const file = path.join(dir, 'long.mp4');
    const long = Array.from({ length: 60 }, (_, i) => frames[i % frames.length]!);
    await encode(file, long, ['-c:v', 'libx264', '-pix_fmt', 'yuv420p']);
    const streaming = await createLivenessDetector({ model: path.join(dir, 'model'), batchClips: 1 });
    try {
      let read = 0;
      const lags: number[] = [];
      const r = await streaming.predictVideo(file, {
        onFrames: (done) => (read = done),
        onClip: (c) => void lags.push(read - c.frames[c.frames.length - 1]!),
      });
      assert.equal(r.clips.length, 30);
      // The tracker's lookahead: smoothing (1) + gap (5) + 1 frames, then the clip is scored at once.
      assert.ok(Math.max(...lags) <= 8, `clips scored up to ${Math.max(...lags)} frames after their last frame`);
    } finally {
      await streaming.dispose();
    }
  });
});
