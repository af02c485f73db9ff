// A model folder's int8 export: written beside model.onnx, recorded in
// model.json (size, SHA-256, source weights, calibration), opened with
// precision 'int8' only while the file and the weights are the ones
// recorded; a save of new weights removes it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../../src/engine/backends.js';
import { createAlexNet2Plus1D } from '../../src/models/alexnet-2plus1d.js';
import { MODEL_INT8_ONNX_FILE, readModelMeta, saveModelFolder } from '../../src/models/model-files.js';
import { exportModelFolderOnnx, openModelSession, quantizeModelFolderInt8 } from '../../src/models/model-onnx.js';
import { randomArray } from '../engine/random-arrays.js';

const CONFIG = { frames: 2, inputSize: 63, widthMultiplier: 0.0625, fcWidth: 64, embeddingSize: 16, seed: 5, norm: 'batch' as const };
const META = {
  liveScore: { prototype: Float32Array.from({ length: 16 }, (_, i) => Math.cos(i) / 3), source: 'mean-live-embedding' as const },
  loss: 'arcface',
  threshold: { value: 0.125, chosenOn: 'val' as const, rule: 'eer' as const },
};
const PER_CLIP = 2 * 63 * 63 * 3;

let root = '';
before(async () => {
  await initBackend('cpu');
  root = await mkdtemp(path.join(os.tmpdir(), 'vidpad-int8-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function savedFolder(name: string, seed = 5): Promise<string> {
  const dir = path.join(root, name);
  const model = createAlexNet2Plus1D({ ...CONFIG, seed });
  try {
    await saveModelFolder(dir, { model, meta: META });
  } finally {
    model.dispose();
  }
  return dir;
}

const calibration = () => [0, 1].map((i) => ({ data: randomArray(3 * PER_CLIP, 40 + i, 2), batch: 3 }));

test('quantizeModelFolderInt8 writes model.int8.onnx and records it in model.json; precision int8 opens it', async () => {
  const dir = await savedFolder('ok');
  const jsonBefore = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
  const result = await quantizeModelFolderInt8(dir, { calibration: calibration(), calibrationSource: 'test clips' });
  const bytes = await readFile(path.join(dir, MODEL_INT8_ONNX_FILE));
  assert.equal(result.bytes, bytes.length);
  assert.equal(result.sha256, createHash('sha256').update(bytes).digest('hex'));
  const meta = await readModelMeta(dir);
  assert.deepEqual(meta.quantized?.int8, { file: MODEL_INT8_ONNX_FILE, bytes: bytes.length, sha256: result.sha256, weightsSha256: meta.weights.sha256, calibration: { clips: 6, source: 'test clips' }, scheme: result.scheme });
  // Every other field of model.json is kept as it was (savedAt included).
  const jsonAfter = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual({ ...jsonAfter, quantized: undefined }, { ...jsonBefore, quantized: undefined });

  await exportModelFolderOnnx(dir);
  const clips = randomArray(2 * PER_CLIP, 50, 2);
  const fp32 = await openModelSession(dir);
  const int8 = await openModelSession(dir, { precision: 'int8', threads: 1 });
  try {
    assert.deepEqual(int8.session.clipShape, fp32.session.clipShape);
    assert.equal(int8.meta.threshold?.value, 0.125);
    const a = await fp32.session.run(clips, 2);
    const b = await int8.session.run(clips, 2);
    assert.ok(a.liveScore.every((v, i) => Math.abs(v - b.liveScore[i]!) < 0.05), `liveScores ${a.liveScore} vs ${b.liveScore}`);
    assert.notDeepEqual(a.liveScore, b.liveScore);
  } finally {
    await fp32.session.dispose();
    await int8.session.dispose();
  }
});

test('precision int8 refuses a folder without the export, a changed file, and an export of older weights', async () => {
  const dir = await savedFolder('refusals');
  await assert.rejects(openModelSession(dir, { precision: 'int8' }), /records no int8 export; run 'vidpad export --model .* --quantize int8/);
  await assert.rejects(openModelSession(dir, { precision: 'fp16' as 'int8' }), /inference precision 'fp16': expected one of fp32, int8/);
  await quantizeModelFolderInt8(dir, { calibration: calibration(), calibrationSource: 'test clips' });
  const file = path.join(dir, MODEL_INT8_ONNX_FILE);
  const good = await readFile(file);
  const bad = Buffer.from(good);
  bad[bad.length - 10] = bad[bad.length - 10]! ^ 0xff;
  await writeFile(file, bad);
  await assert.rejects(openModelSession(dir, { precision: 'int8' }), /SHA-256 that differ from what model.json records/);
  await writeFile(file, good.subarray(0, 1000));
  await assert.rejects(openModelSession(dir, { precision: 'int8' }), /1000 bytes/);
  await rm(file);
  await assert.rejects(openModelSession(dir, { precision: 'int8' }), /missing or unreadable/);
  // model.json vouching for an export of other weights: stale.
  await writeFile(file, good);
  const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as { quantized: { int8: { weightsSha256: string } } };
  json.quantized.int8.weightsSha256 = '0'.repeat(64);
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
  await assert.rejects(openModelSession(dir, { precision: 'int8' }), /quantised from other weights/);
});

test('saving new weights removes the int8 export and its record', async () => {
  const dir = await savedFolder('resave');
  await quantizeModelFolderInt8(dir, { calibration: calibration(), calibrationSource: 'test clips' });
  const model = createAlexNet2Plus1D({ ...CONFIG, seed: 6 });
  try {
    await saveModelFolder(dir, { model, meta: META });
  } finally {
    model.dispose();
  }
  await assert.rejects(stat(path.join(dir, MODEL_INT8_ONNX_FILE)), /ENOENT/);
  assert.equal((await readModelMeta(dir)).quantized, undefined);
});

test('model.json: a malformed quantized.int8 record names the field', async () => {
  const dir = await savedFolder('malformed');
  const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
  json.quantized = { int8: { file: '../x.onnx', bytes: 10, sha256: 'a'.repeat(64) } };
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
  await assert.rejects(readModelMeta(dir), /quantized\.int8\.file/);
  json.quantized = { int8: { file: 'model.int8.onnx', bytes: 10, sha256: 'xyz' } };
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
  await assert.rejects(readModelMeta(dir), /quantized\.int8\.sha256: expected 64 lower-case hex digits/);
});
