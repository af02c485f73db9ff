/** `vidpad faces` end to end: an image with EXIF, --json, --draw, a video, and the errors a user meets. */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { iou, listFaceDetectors, parsePpm, type BoxPx } from '../../src/index.js';
import { SAMPLE_FACES, samplePath } from './helpers.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  const code = await main(argv, { stdout, stderr });
  return { code, out, err };
}

const detectorNames = listFaceDetectors().filter((p) => p.available).map((p) => p.name);
let dir = '';

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'vidpad-faces-'));
});

describe('vidpad faces', () => {
  for (const name of detectorNames) {
    it(`--detector ${name} --json on a sample photo: upright size, EXIF 6, the known face; --draw writes a PNG of the upright image`, async () => {
      const out = path.join(dir, `${name}.png`);
      const r = await run(['faces', samplePath('image_F2.jpg'), '--detector', name, '--json', '--draw', out]);
      assert.equal(r.code, 0, r.err);
      const j = JSON.parse(r.out) as { detector: string; width: number; height: number; exifOrientation: number; frames: { index: number; faces: { box: BoxPx; score: number }[] }[] };
      assert.deepEqual([j.detector, j.width, j.height, j.exifOrientation, j.frames.length], [name, 480, 640, 6, 1]);
      assert.ok(iou(j.frames[0]!.faces[0]!.box, SAMPLE_FACES[2]!.box) >= 0.5);
      const png = spawnSync('ffmpeg', ['-v', 'error', '-i', out, '-f', 'image2pipe', '-vcodec', 'ppm', '-pix_fmt', 'rgb24', 'pipe:1'], { maxBuffer: 1 << 24 });
      assert.equal(png.status, 0);
      const img = parsePpm(png.stdout);
      assert.deepEqual([img.width, img.height], [480, 640]);
      // The box outline is green at the box's top-left corner.
      const b = j.frames[0]!.faces[0]!.box;
      const i = (Math.round(b.top) * 480 + Math.round(b.left)) * 3;
      assert.deepEqual([...img.data.subarray(i, i + 3)], [0, 255, 0]);
    });
  }

  it('prints a readable line per face by default', async () => {
    const r = await run(['faces', samplePath('image_T1.jpg')]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /image_T1\.jpg: 480×640 \(EXIF orientation 6\), detector (dlib-hog|blazeface)\n {2}face 1: \[[\d., ]+\] score [\d.]+\n/);
  });

  it('a video: one line per frame, the face found in each', async () => {
    const video = path.join(dir, 't1.mp4');
    // The stored pixels turned upright by ffmpeg (transpose=clock), as a 3-frame video.
    const mk = spawnSync('ffmpeg', ['-v', 'error', '-y', '-noautorotate', '-loop', '1', '-i', samplePath('image_T1.jpg'), '-vf', 'transpose=clock', '-frames:v', '3', '-pix_fmt', 'yuv420p', video]);
    assert.equal(mk.status, 0, mk.stderr.toString());
    const r = await run(['faces', video, '--json', '--max-frames', '2']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { frames: { index: number; faces: { box: BoxPx }[] }[] };
    assert.deepEqual(j.frames.map((f) => f.index), [0, 1]);
    for (const f of j.frames) assert.ok(iou(f.faces[0]!.box, SAMPLE_FACES[0]!.box) >= 0.5);
    const text = await run(['faces', video]);
    assert.match(text.out, /^frame 0: \[.*\nframe 1: \[.*\nframe 2: \[.*\n.*t1\.mp4: 480×640, 3 frames, a face in 3, detector/s);
  });

  it('errors: unknown detector (lists the available ones), not an image, missing input, bad options', async () => {
    const bad = await run(['faces', samplePath('image_T1.jpg'), '--detector', 'mtcnn']);
    assert.equal(bad.code, 2, 'a configuration error: exit status 2');
    assert.match(bad.err, /E_CONFIG.*unknown face detector 'mtcnn'.*available on this machine: .*blazeface/);
    const text = path.join(dir, 'notes.png');
    writeFileSync(text, 'not a picture at all\n'.repeat(10));
    const notImage = await run(['faces', text]);
    assert.equal(notImage.code, 1);
    assert.match(notImage.err, /E_INPUT.*notes\.png: not an image ffmpeg can decode/);
    assert.equal((await run(['faces'])).code, 2);
    assert.match((await run(['faces', samplePath('image_T1.jpg'), '--upsample', 'two'])).err, /--upsample: expected a whole number in 0\.\.4, got 'two'/);
    assert.match((await run(['faces', samplePath('image_T1.jpg'), '--draw', 'out.jpg'])).err, /--draw: .*ending in \.png/);
    assert.match((await run(['faces', path.join(dir, 'missing.mov')])).err, /missing\.mov/);
    // Nothing was written for the failed --draw.
    assert.throws(() => readFileSync('out.jpg'));
  });
});
