/**
 * A request's life in the service through real HTTP on loopback: API keys
 * (401 without one), the per-request deadline (504, during inference and
 * during a slow upload), clients that go away (during the upload and during
 * inference); in every case the inference is stopped, the request's place
 * in the queue is given back and no temporary file is left.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../../src/index.js';
import { encodeFrames, FIXTURE_SIZE, liveFrames, randomModelFolder } from '../predict/fixtures.js';
import type { Service } from './helpers.js';
import { metric, metrics, partialUpload, postJson, postMedia, request, startService, tempLeft, waitForMetrics } from './helpers.js';

const KEY = 'test-key-0123456789abcdef';
const AUTH = { authorization: `Bearer ${KEY}` };
const DEADLINE_SEC = 2;
let dir: string;
let svc: Service;
let longVideo: Buffer;
let shortVideo: Buffer;
const frames = liveFrames(6, 0, 4).map((f) => Buffer.from(f.rgb).toString('base64'));
const framesBody = { format: 'rgb24', width: FIXTURE_SIZE.width, height: FIXTURE_SIZE.height, frames };

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-serve-life-'));
  await initBackend('wasm');
  const model = await randomModelFolder(path.join(dir, 'model'));
  // Long enough that scoring it takes well over the deadline on any machine (BlazeFace on 300 frames).
  await encodeFrames(path.join(dir, 'long.mp4'), liveFrames(6, 0, 300).map((f) => f.rgb), FIXTURE_SIZE.width, FIXTURE_SIZE.height);
  await encodeFrames(path.join(dir, 'short.mp4'), liveFrames(6, 0, 6).map((f) => f.rgb), FIXTURE_SIZE.width, FIXTURE_SIZE.height);
  longVideo = await readFile(path.join(dir, 'long.mp4'));
  shortVideo = await readFile(path.join(dir, 'short.mp4'));
  svc = await startService({ detector: { model }, workers: 1, apiKeys: [KEY], limits: { deadlineSec: DEADLINE_SEC }, tmpDir: dir });
});

after(async () => {
  await svc?.close();
  await rm(dir, { recursive: true, force: true });
});

async function requestFolders(): Promise<string[]> {
  return readdir(svc.app.vidpad.tmpRoot);
}

describe('vidpad serve: keys, deadlines, aborted requests', { timeout: 600_000 }, () => {
  it('with API keys on, predict, model and metrics need a key (401 naming how to send it); health, readiness and OpenAPI do not', async () => {
    const none = await postJson(svc.base, framesBody);
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer realm="vidpad"');
    assert.deepEqual(none.json<{ error: unknown }>().error, { code: 'E_AUTH', message: 'an API key is required: send it as "Authorization: Bearer KEY" or "X-API-Key: KEY"' });
    const wrong = await postJson(svc.base, framesBody, { authorization: 'Bearer not-the-key-at-all-000' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json<{ error: { message: string } }>().error.message, 'the API key is not valid for this service');
    for (const url of ['/v1/model', '/metrics']) assert.equal((await request(svc.base, 'GET', url)).status, 401, url);
    for (const url of ['/healthz', '/readyz', '/openapi.json']) assert.equal((await request(svc.base, 'GET', url)).status, 200, url);
    assert.equal((await postJson(svc.base, framesBody, AUTH)).status, 200);
    assert.equal((await postJson(svc.base, framesBody, { 'x-api-key': KEY })).status, 200);
    assert.equal((await request(svc.base, 'GET', '/v1/model', { headers: AUTH })).status, 200);
    const doc = (await request(svc.base, 'GET', '/openapi.json')).json<{ paths: Record<string, Record<string, { security?: unknown }>> }>();
    assert.deepEqual(doc.paths['/v1/predict']!.post!.security, [{ bearer: [] }, { apiKey: [] }]);
    assert.equal(doc.paths['/healthz']!.get!.security, undefined);
    assert.deepEqual(await tempLeft(svc.app), []);
  });

  it('past the deadline during inference: 504 E_TIMEOUT at once, the inference is cancelled in its worker, nothing is left, the worker goes on', async () => {
    const before = await metrics(svc.base, AUTH);
    const r = await postMedia(svc.base, longVideo, 'video/mp4', AUTH);
    assert.equal(r.status, 504);
    assert.deepEqual(r.json<{ error: unknown }>().error, { code: 'E_TIMEOUT', message: `deadline exceeded: the request took more than ${DEADLINE_SEC} s (upload, queue and inference; --deadline-sec)` });
    assert.deepEqual(await tempLeft(svc.app), []);
    const after = await metrics(svc.base, AUTH);
    assert.equal(metric(after, 'vidpad_inferences_total{outcome="cancelled"}'), metric(before, 'vidpad_inferences_total{outcome="cancelled"}') + 1);
    assert.equal(metric(after, 'vidpad_requests_admitted'), 0);
    assert.equal(metric(after, 'vidpad_inferences_in_progress'), 0);
    // The worker stopped at its next frame: it was not replaced, and takes the next request.
    assert.equal(svc.logs.filter((l) => l.event === 'worker-replaced').length, 0);
    const next = await postJson(svc.base, framesBody, AUTH);
    assert.equal(next.status, 200);
    const line = svc.logs.find((l) => l.msg === 'request' && l.status === 504) as Record<string, unknown>;
    assert.equal(line.outcome, 'E_TIMEOUT');
  });

  it('past the deadline during a slow upload: 504, and the partial upload is removed', async () => {
    const { answer } = partialUpload(svc.base, shortVideo, shortVideo.length >> 1);
    // An unauthenticated partial upload is refused at once (401) without reading the body...
    const r401 = await answer.catch((err: Error) => err);
    assert.ok(!(r401 instanceof Error) && r401.status === 401);
    // ...an authenticated one waits for its body until the deadline.
    const { answer: slow } = partialUploadWithKey(shortVideo, shortVideo.length >> 1);
    const r = await slow;
    assert.equal(r.status, 504);
    assert.equal(r.json<{ error: { code: string } }>().error.code, 'E_TIMEOUT');
    assert.deepEqual(await tempLeft(svc.app), []);
  });

  it('a client that goes away during its upload: the upload stops and is removed, its place is given back', async () => {
    const { req, answer } = partialUploadWithKey(shortVideo, shortVideo.length >> 1);
    answer.catch(() => {});
    for (let i = 0; i < 2000 && (await requestFolders()).length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal((await requestFolders()).length, 1, 'the upload was being spooled');
    req.destroy();
    assert.deepEqual(await tempLeft(svc.app), []);
    await waitForMetrics(svc.base, (t) => metric(t, 'vidpad_requests_admitted') === 0, AUTH);
    const line = svc.logs.filter((l) => l.msg === 'request' && l.route === '/v1/predict').at(-1) as Record<string, unknown>;
    assert.deepEqual([line.status, line.outcome], [499, 'client-closed']);
  });

  it('a client that goes away during inference: the inference is cancelled, nothing is left, the next request is served', async () => {
    const before = await metrics(svc.base, AUTH);
    const { req, answer } = partialUploadWithKey(longVideo, longVideo.length);
    answer.catch(() => {});
    req.end();
    await waitForMetrics(svc.base, (t) => metric(t, 'vidpad_inferences_in_progress') === 1, AUTH);
    req.destroy();
    await waitForMetrics(svc.base, (t) => metric(t, 'vidpad_inferences_total{outcome="cancelled"}') === metric(before, 'vidpad_inferences_total{outcome="cancelled"}') + 1, AUTH);
    assert.deepEqual(await tempLeft(svc.app), []);
    assert.equal(svc.app.vidpad.pool.state().admitted, 0);
    assert.equal((await postJson(svc.base, framesBody, AUTH)).status, 200);
  });
});

function partialUploadWithKey(data: Buffer, sent: number) {
  return partialUpload(svc.base, data, sent, 'video/mp4', AUTH);
}
