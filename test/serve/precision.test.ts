/**
 * `vidpad serve --precision int8` through real HTTP on loopback: the
 * workers score with the folder's model.int8.onnx (the answer is the
 * library's int8 result for the same frames, not the fp32 one), GET
 * /v1/model says int8; and the program refuses int8 before anything starts
 * when the folder has no valid int8 export (exit 2, one line naming
 * `vidpad export --quantize int8`).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLivenessDetector, initBackend, quantizeModelFolderInt8 } from '../../src/index.js';
import type { LivenessDetector, LivenessResult } from '../../src/index.js';
import { resolveServeConfig } from '../../src/serve/index.js';
import { FIXTURE_CROP_PX, FIXTURE_SIZE, liveFrames, randomModelFolder } from '../predict/fixtures.js';
import { randomArray } from '../engine/random-arrays.js';
import { postJson, request, startService } from './helpers.js';
import type { Service } from './helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'src', 'cli', 'bin.ts');
const PER_CLIP = 2 * FIXTURE_CROP_PX * FIXTURE_CROP_PX * 3;

let dir: string;
let model: string;
let plain: string;
let svc: Service;
let int8: LivenessDetector;
let fp32: LivenessDetector;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-serve-int8-'));
  await initBackend('wasm');
  plain = await randomModelFolder(path.join(dir, 'plain'));
  model = path.join(dir, 'model');
  await cp(plain, model, { recursive: true });
  // Calibrated on random standardized-looking clips: a test of the plumbing, not of accuracy.
  const calibration = [0, 1].map((i) => ({ data: randomArray(2 * PER_CLIP, 70 + i, 2), batch: 2 }));
  await quantizeModelFolderInt8(model, { calibration, calibrationSource: 'random clips' });
  svc = await startService({ detector: { model, precision: 'int8', threads: 1 }, workers: 1, tmpDir: dir });
  int8 = await createLivenessDetector({ model, precision: 'int8', threads: 1 });
  fp32 = await createLivenessDetector({ model, threads: 1 });
});

after(async () => {
  await int8?.dispose();
  await fp32?.dispose();
  await svc?.close();
  await rm(dir, { recursive: true, force: true });
});

const scoresOf = (r: LivenessResult) => r.clips.map((c) => c.score);

describe('vidpad serve --precision int8', { timeout: 600_000 }, () => {
  it('scores with model.int8.onnx (the library int8 result, not the fp32 one) and GET /v1/model reports int8', async () => {
    const info = await request(svc.base, 'GET', '/v1/model');
    assert.equal(info.status, 200, info.text);
    assert.equal(info.json<{ precision: string }>().precision, 'int8');
    const frames = liveFrames(6, 0, 6).map((f) => ({ width: FIXTURE_SIZE.width, height: FIXTURE_SIZE.height, data: f.rgb }));
    const r = await postJson(svc.base, { format: 'rgb24', width: FIXTURE_SIZE.width, height: FIXTURE_SIZE.height, frames: frames.map((f) => Buffer.from(f.data).toString('base64')) });
    assert.equal(r.status, 200, r.text);
    const got = r.json<LivenessResult>();
    const want = await int8.predictFrames(frames);
    const other = await fp32.predictFrames(frames);
    assert.ok(got.clips.length > 0, 'the frames gave clips to score');
    assert.deepEqual(scoresOf(got), scoresOf(want));
    assert.notDeepEqual(scoresOf(got), scoresOf(other), 'the int8 export scores differently from model.onnx');
  });

  it('resolveServeConfig defaults to fp32 and refuses an unknown precision or int8 on the tfjs scorer, naming the field', () => {
    assert.equal(resolveServeConfig({ detector: { model } }).detector.precision, 'fp32');
    assert.throws(() => resolveServeConfig({ detector: { model, precision: 'fp16' as 'int8' } }), /serve\.detector\.precision.*expected one of fp32, int8, got "fp16"/);
    assert.throws(() => resolveServeConfig({ detector: { model, precision: 'int8', scorer: 'tfjs' } }), /serve\.detector\.precision.*int8 runs on the onnx scorer/);
  });

  it('the program refuses --precision int8 up front (exit 2, one line naming vidpad export --quantize int8) without a valid int8 export', async () => {
    const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', BIN, 'serve', '--port', '0', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    let r = run(['--model', plain, '--precision', 'int8']);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /--precision int8: .*records no int8 export; run 'vidpad export --model .*plain --quantize int8/);
    assert.doesNotMatch(r.stderr, /listening/);
    // A damaged export: its bytes no longer match model.json's SHA-256.
    const damaged = path.join(dir, 'damaged');
    await cp(model, damaged, { recursive: true });
    const file = path.join(damaged, 'model.int8.onnx');
    const bytes = await readFile(file);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    await writeFile(file, bytes);
    r = run(['--model', damaged, '--precision', 'int8']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /model\.int8\.onnx: .*SHA-256 that differ.*vidpad export --model .* --quantize int8/);
    r = run(['--model', model, '--precision', 'int4']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--precision must be one of fp32, int8, got 'int4'/);
    r = run(['--model', model, '--precision', 'int8', '--scorer', 'tfjs']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--precision int8 runs on --scorer onnx/);
  });
});
