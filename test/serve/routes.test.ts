/**
 * Every route of the service through real HTTP on loopback, with a tiny
 * model trained here on synthetic live/print/replay videos: the answer of
 * POST /v1/predict is the library's LivenessResult for the same input
 * (raw body, multipart, JSON PNG frames, JSON rgb24 frames, a still image),
 * and decides held-out subjects right; readiness is false until a worker
 * has loaded the model; health checks answer while a long video is scored;
 * /v1/model, /metrics, /openapi.json and the log line per request say what
 * happened.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLivenessDetector, encodePng, readModelMeta } from '../../src/index.js';
import type { LivenessDetector, LivenessResult } from '../../src/index.js';
import { encodeFrames, FIXTURE_SIZE, liveFrames, trainFixtureModel } from '../predict/fixtures.js';
import type { TrainedFixture } from '../predict/fixtures.js';
import { metric, metrics, multipartBody, postJson, postMedia, request, startService, tempLeft, waitForMetrics } from './helpers.js';
import type { Service } from './helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

let dir: string;
let fx: TrainedFixture;
let svc: Service;
let library: LivenessDetector;
let longVideo: string;
const requestsBeforeReady: { readyz: number; reason: string; predict: number; retryAfter: string | undefined; code: string }[] = [];

function withoutTimings(r: LivenessResult): Omit<LivenessResult, 'timings' | 'input'> {
  const { timings: _t, input: _i, ...rest } = r;
  return rest;
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-serve-routes-'));
  fx = await trainFixtureModel(dir);
  longVideo = path.join(dir, 'long.mp4');
  await encodeFrames(longVideo, liveFrames(6, 0, 90).map((f) => f.rgb), FIXTURE_SIZE.width, FIXTURE_SIZE.height);
  // Same ONNX threads in the service's worker and here, so the scores agree to the last bit.
  svc = await startService({ detector: { model: fx.modelDir, threads: 1 }, workers: 1, tmpDir: dir }, false);
  // Loading takes seconds (a worker thread imports the engine, opens the model and runs a warm-up): ask before it is done.
  const readyz = await request(svc.base, 'GET', '/readyz');
  const predict = await postMedia(svc.base, await readFile(fx.inputs[0]!.file));
  requestsBeforeReady.push({ readyz: readyz.status, reason: readyz.json<{ reason: string }>().reason, predict: predict.status, retryAfter: predict.headers['retry-after'], code: predict.json<{ error: { code: string } }>().error.code });
  await svc.app.vidpad.whenReady();
  library = await createLivenessDetector({ model: fx.modelDir, threads: 1 });
});

after(async () => {
  await library?.dispose();
  await svc?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('vidpad serve routes', { timeout: 600_000 }, () => {
  it('GET /readyz is 503 until a worker has loaded the model and run its warm-up, predict meanwhile 503 with Retry-After; then 200', async () => {
    assert.deepEqual(requestsBeforeReady.map((r) => [r.readyz, r.predict, r.code]), [[503, 503, 'E_BUSY']]);
    assert.match(requestsBeforeReady[0]!.reason, /^loading the model \(0 of 1 workers ready\)$/);
    assert.ok(Number(requestsBeforeReady[0]!.retryAfter) >= 1);
    const ready = await request(svc.base, 'GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.json(), { ready: true, reason: null, workers: { total: 1, ready: 1, busy: 0 }, queue: { waiting: 0, admitted: 0, capacity: 9 } });
    const warm = svc.logs.find((l) => l.event === 'worker-ready');
    assert.ok(warm, 'the worker logs its warm-up');
    assert.equal(warm.warmupClips, 1, 'the warm-up reached the scorer (one clip of the synthetic face)');
  });

  it('GET /healthz answers 200', async () => {
    const r = await request(svc.base, 'GET', '/healthz');
    assert.equal(r.status, 200);
    assert.equal(r.json().status, 'ok');
  });

  it('POST /v1/predict with a raw video body answers the library result for the file, and decides held-out subjects right', async () => {
    for (const v of fx.inputs) {
      const r = await postMedia(svc.base, await readFile(v.file));
      assert.equal(r.status, 200, r.text);
      const got = r.json<LivenessResult>();
      const want = await library.predictVideo(v.file);
      assert.equal(got.input, 'body');
      assert.deepEqual(withoutTimings(got), withoutTimings(want));
      assert.equal(got.decision, v.kind === 'live' ? 'live' : 'attack', `${v.subject} ${v.kind}`);
    }
    assert.deepEqual(await tempLeft(svc.app), []);
  });

  it('POST /v1/predict with multipart/form-data answers the same, naming the upload by its file name', async () => {
    const v = fx.inputs.find((i) => i.kind === 'replay')!;
    const data = await readFile(v.file);
    const { body, contentType } = multipartBody('file', 'replay clip.mp4', 'video/mp4', data);
    const r = await postMedia(svc.base, body, contentType);
    assert.equal(r.status, 200, r.text);
    const got = r.json<LivenessResult>();
    assert.equal(got.input, 'replay clip.mp4');
    assert.deepEqual(withoutTimings(got), withoutTimings(await library.predictVideo(v.file)));
  });

  it('POST /v1/predict with JSON frames (base64 PNG files, or rgb24 pixels) answers the library result for the same frames', async () => {
    const frames = liveFrames(6, 0, 6).map((f) => ({ width: FIXTURE_SIZE.width, height: FIXTURE_SIZE.height, data: f.rgb }));
    const want = withoutTimings(await library.predictFrames(frames));
    const png = await postJson(svc.base, { frames: frames.map((f) => encodePng(f).toString('base64')) });
    assert.equal(png.status, 200, png.text);
    assert.equal(png.json<LivenessResult>().input, 'frames');
    assert.deepEqual(withoutTimings(png.json<LivenessResult>()), want);
    const rgb = await postJson(svc.base, { format: 'rgb24', width: FIXTURE_SIZE.width, height: FIXTURE_SIZE.height, frames: frames.map((f) => Buffer.from(f.data).toString('base64')) });
    assert.equal(rgb.status, 200, rgb.text);
    assert.deepEqual(withoutTimings(rgb.json<LivenessResult>()), want);
    // A data: URL is taken too (what a browser's canvas.toDataURL gives).
    const dataUrl = await postJson(svc.base, { frames: frames.map((f) => `data:image/png;base64,${encodePng(f).toString('base64')}`) });
    assert.deepEqual(withoutTimings(dataUrl.json<LivenessResult>()), want);
  });

  it('POST /v1/predict with a still image (image/jpeg, EXIF-rotated) answers the library result, kind image', async () => {
    const photo = path.join(ROOT, 'test', 'fixtures', 'faces', 'image_T1.jpg');
    const r = await postMedia(svc.base, await readFile(photo), 'image/jpeg');
    assert.equal(r.status, 200, r.text);
    const got = r.json<LivenessResult>();
    assert.equal(got.kind, 'image');
    assert.deepEqual([got.frames.width, got.frames.height], [480, 640]);
    assert.deepEqual(withoutTimings(got), withoutTimings(await library.predictVideo(photo)));
  });

  it('health checks answer while a long video is scored on the worker thread', async () => {
    const pending = postMedia(svc.base, await readFile(longVideo));
    let finished = false;
    void pending.then(() => (finished = true));
    await waitForMetrics(svc.base, (t) => metric(t, 'vidpad_inferences_in_progress') === 1);
    for (let i = 0; i < 5; i++) {
      const [h, r] = await Promise.all([request(svc.base, 'GET', '/healthz'), request(svc.base, 'GET', '/readyz')]);
      assert.deepEqual([h.status, r.status], [200, 200]);
      assert.equal(r.json<{ workers: { busy: number } }>().workers.busy, 1);
    }
    assert.equal(finished, false, 'the health checks were answered before the long video was scored');
    const done = await pending;
    assert.equal(done.status, 200);
    assert.equal(done.json<LivenessResult>().frames.read, 90);
  });

  it('GET /v1/model describes the loaded model (config, threshold, contract, provenance) and the limits', async () => {
    const r = await request(svc.base, 'GET', '/v1/model');
    assert.equal(r.status, 200);
    const info = r.json<Record<string, any>>();
    const meta = await readModelMeta(fx.modelDir);
    assert.equal(info.dir, fx.modelDir);
    assert.deepEqual(info.config, JSON.parse(JSON.stringify(meta.config)));
    assert.deepEqual(info.threshold, { ...meta.threshold, source: 'model' });
    assert.deepEqual(info.contract, JSON.parse(JSON.stringify(meta.contract)));
    assert.deepEqual(info.training, JSON.parse(JSON.stringify(meta.training)));
    assert.equal(info.weights.sha256, meta.weights.sha256);
    assert.deepEqual(info.clipLayout, { ...library.clipLayout });
    assert.equal(info.limits.maxQueue, 8);
    // The default: model.onnx (--precision int8 is test/serve/precision.test.ts).
    assert.equal(info.precision, 'fp32');
  });

  it('GET /openapi.json describes every route from the schemas the service validates with, and the result schema matches an answer', async () => {
    const r = await request(svc.base, 'GET', '/openapi.json');
    assert.equal(r.status, 200);
    const doc = r.json<Record<string, any>>();
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(Object.keys(doc.paths).sort(), ['/healthz', '/metrics', '/openapi.json', '/readyz', '/v1/model', '/v1/predict']);
    const predict = doc.paths['/v1/predict'].post;
    assert.deepEqual(Object.keys(predict.requestBody.content).sort(), ['application/json', 'application/octet-stream', 'image/*', 'multipart/form-data', 'video/*']);
    assert.deepEqual(Object.keys(predict.responses).sort(), ['200', '400', '401', '413', '415', '422', '500', '503', '504']);
    assert.ok(predict.responses['503'].headers['Retry-After']);
    // Every field of a real answer is in the schema, every required field in the answer, recursively.
    const answer = (await postMedia(svc.base, await readFile(fx.inputs[0]!.file))).json<Record<string, unknown>>();
    const check = (schema: any, value: unknown, at: string) => {
      if (schema.type === 'object' || (Array.isArray(schema.type) && schema.type.includes('object'))) {
        if (schema.additionalProperties === true) return;
        const v = value as Record<string, unknown>;
        assert.deepEqual(Object.keys(v).sort(), Object.keys(schema.properties).sort(), `${at}: fields`);
        for (const k of schema.required ?? []) assert.ok(k in v, `${at}.${k} required`);
        for (const [k, s] of Object.entries(schema.properties)) if (v[k] !== null) check(s, v[k], `${at}.${k}`);
      } else if (schema.type === 'array') {
        for (const [i, item] of (value as unknown[]).entries()) check(schema.items, item, `${at}[${i}]`);
      }
    };
    check(predict.responses['200'].content['application/json'].schema, answer, 'result');
  });

  it('GET /metrics counts requests by route and status, inferences by outcome, latency, and shows the queue', async () => {
    const before = await metrics(svc.base);
    const ok = metric(before, 'vidpad_http_requests_total{route="/v1/predict",method="POST",status="200"}');
    const live = metric(before, 'vidpad_inferences_total{outcome="live"}');
    const count = metric(before, 'vidpad_http_request_duration_seconds_count{route="/v1/predict"}');
    const liveVideo = fx.inputs.find((i) => i.kind === 'live')!;
    assert.equal((await postMedia(svc.base, await readFile(liveVideo.file))).status, 200);
    assert.equal((await postMedia(svc.base, Buffer.from('not a video'))).status, 422);
    const after = await metrics(svc.base);
    assert.equal(metric(after, 'vidpad_http_requests_total{route="/v1/predict",method="POST",status="200"}'), ok + 1);
    assert.equal(metric(after, 'vidpad_http_requests_total{route="/v1/predict",method="POST",status="422"}') >= 1, true);
    assert.equal(metric(after, 'vidpad_inferences_total{outcome="live"}'), live + 1);
    assert.equal(metric(after, 'vidpad_http_request_duration_seconds_count{route="/v1/predict"}'), count + 2);
    assert.equal(metric(after, 'vidpad_http_request_duration_seconds_bucket{route="/v1/predict",le="+Inf"}'), count + 2);
    assert.equal(metric(after, 'vidpad_inference_queue_length'), 0);
    assert.equal(metric(after, 'vidpad_requests_capacity'), 9);
    assert.equal(metric(after, 'vidpad_workers_ready'), 1);
    assert.ok(metric(after, 'process_resident_memory_bytes') > 0);
    assert.match(after, /# TYPE vidpad_http_request_duration_seconds histogram/);
  });

  it('writes one JSON log line per request with its id, route, status, latency and outcome', async () => {
    const n = svc.logs.filter((l) => l.msg === 'request').length;
    const liveVideo = fx.inputs.find((i) => i.kind === 'live')!;
    const r = await postMedia(svc.base, await readFile(liveVideo.file), 'video/mp4', { 'x-request-id': 'client-42' });
    assert.equal(r.headers['x-request-id'], 'client-42');
    const bad = await postMedia(svc.base, Buffer.from('nope'));
    await svc.app.vidpad.idle();
    const lines = svc.logs.filter((l) => l.msg === 'request').slice(n);
    assert.equal(lines.length, 2);
    const good = lines[0] as Record<string, any>;
    const failed = lines[1] as Record<string, any>;
    assert.equal(good.requestId, 'client-42');
    assert.equal(good.route, '/v1/predict');
    assert.equal(good.status, 200);
    assert.equal(good.outcome, 'ok');
    assert.equal(good.decision, 'live');
    assert.equal(typeof good.latencyMs, 'number');
    assert.equal(typeof good.inferenceMs, 'number');
    assert.equal(failed.requestId, bad.json<{ requestId: string }>().requestId);
    assert.equal(failed.status, 422);
    assert.equal(failed.outcome, 'E_INPUT');
  });

  it('an unknown route is a JSON 404 listing the routes', async () => {
    const r = await request(svc.base, 'GET', '/v2/predict');
    assert.equal(r.status, 404);
    assert.match(r.json<{ error: { message: string } }>().error.message, /^no route GET \/v2\/predict; routes: .*POST \/v1\/predict/);
  });
});
