/**
 * What a library user tripped over, fixed: EXIF-rotated stills probed and
 * read upright; preprocessVideo honouring the config's detector; `vidpad
 * faces` detecting at preprocessing's resolution; a model folder without an
 * input contract read with a stated fallback; loading built from the saved
 * weights, with clear errors for missing or mis-shaped ones.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ConfigError,
  createAlexNet2Plus1D,
  createFaceDetector,
  createLivenessDetector,
  initBackend,
  listFaceDetectors,
  modelWeights,
  preprocessVideo,
  probeVideo,
  readFrames,
  readImage,
  readModelMeta,
  resolvePreprocessConfig,
  ShapeError,
  tf,
} from '../../src/index.js';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../helpers/capture-io.js';
import { samplePath } from '../face/helpers.js';
import { FIXTURE_SIZE, liveFrames, randomModelFolder } from './fixtures.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-lib-'));
  await initBackend('wasm');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function encode(file: string, frames: readonly Uint8Array[], output: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${FIXTURE_SIZE.width}x${FIXTURE_SIZE.height}`, '-r', '30', '-i', 'pipe:0', ...output, file];
    const child = spawn('ffmpeg', args, { stdio: ['pipe', 'ignore', 'inherit'] });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`))));
    for (const f of frames) child.stdin.write(f);
    child.stdin.end();
  });
}

describe('stills with EXIF orientation', () => {
  it('are probed upright and read upright, pixel for pixel as readImage reads them', async () => {
    const file = samplePath('image_T1.jpg');
    const info = await probeVideo(file);
    assert.equal(info.exifOrientation, 6);
    assert.deepEqual([info.width, info.height, info.codedWidth, info.codedHeight], [480, 640, 640, 480]);
    const [frame] = await readFrames(file);
    const image = await readImage(file);
    assert.deepEqual([frame!.width, frame!.height], [480, 640]);
    assert.deepEqual(frame!.data, image.frame.data);
    const [small] = await readFrames(file, { width: 240 });
    assert.deepEqual([small!.width, small!.height], [240, 320]);
  });
});

describe('preprocessVideo', () => {
  it('builds the detector the config names when none is passed, and refuses a different one', async () => {
    const video = path.join(dir, 'face.mp4');
    await encode(video, liveFrames(6, 0, 4).map((f) => f.rgb), ['-c:v', 'libx264', '-pix_fmt', 'yuv420p']);
    const config = resolvePreprocessConfig({ detector: 'blazeface', boxPolicy: 'detector', cropSizePx: 32 });
    const crops = await preprocessVideo({ videoId: 'v', path: video, faceFile: null }, config);
    assert.equal(crops.meta.detector, 'blazeface');
    assert.deepEqual(crops.meta.boxSources, ['detector', 'detector', 'detector', 'detector']);
    if (listFaceDetectors().find((p) => p.name === 'dlib-hog')?.available) {
      const dlib = await createFaceDetector({ detector: 'dlib-hog' });
      try {
        await assert.rejects(preprocessVideo({ videoId: 'v', path: video, faceFile: null }, config, dlib), (e: unknown) => e instanceof ConfigError && e.path === 'preprocess.detector');
      } finally {
        dlib.dispose();
      }
    }
  });
});

describe('vidpad faces', () => {
  it('detects at preprocessing\'s work width and prints boxes in full-size pixels', async () => {
    const video = path.join(dir, 'big.mp4');
    // 1280×960: the face is found on the frame ffmpeg scales to 640 wide, as preprocessing and predict see it.
    await encode(video, liveFrames(6, 2, 2).map((f) => f.rgb), ['-vf', 'scale=1280:960:flags=bicubic', '-c:v', 'libx264', '-pix_fmt', 'yuv444p', '-crf', '6']);
    const { out, io } = captureIo();
    assert.equal(await main(['faces', '--detector', 'blazeface', '--json', video], io), 0, out.stderr);
    const printed = JSON.parse(out.stdout) as { width: number; frames: { faces: { box: { left: number; top: number; right: number; bottom: number } }[] }[] };
    assert.equal(printed.width, 1280);
    const detector = await createFaceDetector({ detector: 'blazeface' });
    try {
      const small = await readFrames(video, { width: 640 });
      for (const [i, f] of small.entries()) {
        const [expected] = await detector.detect(f);
        const got = printed.frames[i]!.faces[0]!.box;
        for (const k of ['left', 'top', 'right', 'bottom'] as const) assert.ok(Math.abs(got[k] - 2 * expected!.box[k]) < 1e-6, `frame ${i} ${k}: ${got[k]} vs ${2 * expected!.box[k]}`);
      }
    } finally {
      detector.dispose();
    }
  });
});

describe('model folders', () => {
  it('a format-1 folder (no contract, no normalisation) is read as norm none with the preprocessing defaults, and says so', async () => {
    // What vidpad wrote before format 2: a plain network (conv biases, no BatchNorm tensors), no norm field, no contract, no head.
    const folder = await randomModelFolder(path.join(dir, 'old'), { norm: 'none' });
    const file = path.join(folder, 'model.json');
    const json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown> & { config: Record<string, unknown> };
    delete json.contract;
    delete json.head;
    delete json.config.norm;
    json.formatVersion = 1;
    await writeFile(file, JSON.stringify(json));
    const meta = await readModelMeta(folder);
    assert.equal(meta.contract, null);
    assert.equal(meta.head, null);
    assert.equal(meta.config.norm, 'none');
    const detector = await createLivenessDetector({ model: folder });
    try {
      assert.equal(detector.contractSource, 'assumed');
      assert.deepEqual(detector.contract.crop, { sizePx: 64, marginFrac: 0.2, edge: 'clamp', antialias: true });
      const video = path.join(dir, 'clip.mp4');
      await encode(video, liveFrames(6, 0, 4).map((f) => f.rgb), ['-c:v', 'libx264', '-pix_fmt', 'yuv420p']);
      const r = await detector.predictVideo(video);
      assert.equal(r.model.contract, 'assumed');
      assert.ok(r.warnings.some((w) => /records no input contract \(format 1\): assuming vidpad's preprocessing defaults/.test(w)), r.warnings.join('\n'));
    } finally {
      await detector.dispose();
    }
  });

  it('a contract that disagrees with the config is refused, naming the field', async () => {
    const folder = await randomModelFolder(path.join(dir, 'odd'));
    const file = path.join(folder, 'model.json');
    const json = JSON.parse(await readFile(file, 'utf8')) as { contract: { crop: { sizePx: number } } };
    json.contract.crop.sizePx = 112;
    await writeFile(file, JSON.stringify(json));
    await assert.rejects(readModelMeta(folder), (e: unknown) => e instanceof ConfigError && e.path === 'contract.crop.sizePx' && /differs from config\.inputSize 64/.test(e.message));
  });

  it('a network built from saved weights equals the original, and a missing or mis-shaped tensor is named', () => {
    const config = { frames: 2, inputSize: 64, widthMultiplier: 0.0625, fcWidth: 32, embeddingSize: 4, seed: 9 };
    const a = createAlexNet2Plus1D(config);
    assert.equal(a.plan.config.norm, 'batch');
    // Running statistics away from their initial 0 and 1, so a build that ignored them would score differently.
    a.buffers.forEach((v, name) => v.assign(tf.tidy(() => (name.endsWith('running_var') ? tf.randomUniform(v.shape, 0.5, 2, 'float32', 3) : tf.randomNormal(v.shape, 0, 0.5, 'float32', 4)))));
    const weights = modelWeights(a);
    const before = tf.memory().numTensors;
    const b = createAlexNet2Plus1D({ ...config, seed: 1 }, { initialWeights: weights });
    assert.deepEqual([...b.variables.keys()], [...a.variables.keys()]);
    assert.deepEqual([...b.buffers.keys()], [...a.buffers.keys()]);
    assert.ok([...b.buffers.values()].every((v) => !v.trainable) && [...b.variables.values()].every((v) => v.trainable), 'running statistics stay out of the gradients');
    const x = tf.randomNormal([1, 2, 64, 64, 3]) as tf.Tensor5D;
    assert.deepEqual(tf.tidy(() => a.forward(x).dataSync()), tf.tidy(() => b.forward(x).dataSync()));
    x.dispose();
    b.dispose();
    const missing = new Map(weights);
    missing.delete('fc7.bias');
    assert.throws(() => createAlexNet2Plus1D(config, { initialWeights: missing }), (e: unknown) => e instanceof ShapeError && /missing tensor 'fc7\.bias'/.test(e.message));
    const noStats = new Map(weights);
    noStats.delete('conv3.temporal.bn.running_var');
    assert.throws(() => createAlexNet2Plus1D(config, { initialWeights: noStats }), (e: unknown) => e instanceof ShapeError && /missing tensor 'conv3\.temporal\.bn\.running_var'/.test(e.message));
    const wrong = new Map(weights);
    wrong.set('conv2.spatial.weight', { shape: [1, 2, 3], data: new Float32Array(6) });
    assert.throws(() => createAlexNet2Plus1D(config, { initialWeights: wrong }), /tensor 'conv2\.spatial\.weight' has shape \[1, 2, 3\] but the config needs/);
    assert.equal(tf.memory().numTensors, before, 'a failed build disposes what it made');
    a.dispose();
  });
});
