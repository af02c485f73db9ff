/**
 * The limits of the service through real HTTP on loopback, each answered
 * with its status and an error body naming the limit, the value sent and the
 * most allowed: upload size (declared, streamed, multipart, JSON), video
 * duration, frame count (video, JSON), resolution (image, rgb24), the
 * bounded queue (503 with Retry-After; a burst at 4× the bound gets only
 * 200s and 503s), malformed requests (400, 415) and unusable media (422).
 * No temporary file is left after any of them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { encodePng, initBackend } from '../../src/index.js';
import { encodeFrames, FIXTURE_SIZE, liveFrames, randomModelFolder } from '../predict/fixtures.js';
import type { Answer, Service } from './helpers.js';
import { metric, multipartBody, postJson, postMedia, request, startService, tempLeft, waitForMetrics } from './helpers.js';

const MB = 1024 * 1024;
const LIMITS = { maxUploadBytes: MB, maxDurationSec: 4, maxFrames: 100, maxFramePixels: FIXTURE_SIZE.width * FIXTURE_SIZE.height, maxQueue: 1 };
let dir: string;
let svc: Service;
const videos: Record<'short' | 'long' | 'fiveSec' | 'manyFrames' | 'oneFrame', Buffer> = {} as never;

interface ErrorBody {
  error: { code: string; message: string; limit?: string; value?: number; allowed?: number; retryAfterSec?: number };
  requestId: string;
}

function errorOf(r: Answer): ErrorBody['error'] {
  return r.json<ErrorBody>().error;
}

async function video(name: string, frames: number, fps = 30): Promise<Buffer> {
  const file = path.join(dir, `${name}.mp4`);
  await encodeFrames(file, liveFrames(6, 0, frames).map((f) => f.rgb), FIXTURE_SIZE.width, FIXTURE_SIZE.height, fps);
  return readFile(file);
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-serve-limits-'));
  await initBackend('wasm');
  const model = await randomModelFolder(path.join(dir, 'model'));
  videos.short = await video('short', 6);
  videos.long = await video('long', 90);
  videos.fiveSec = await video('five-sec', 150);
  videos.manyFrames = await video('many-frames', 120, 60);
  videos.oneFrame = await video('one-frame', 1);
  assert.ok(videos.long.length < LIMITS.maxUploadBytes, `the long video (${videos.long.length} bytes) fits the upload limit`);
  svc = await startService({ detector: { model }, workers: 1, limits: LIMITS, tmpDir: dir });
});

after(async () => {
  await svc?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('vidpad serve limits', { timeout: 600_000 }, () => {
  it('upload size: a declared body over --max-upload-mb is refused before it is read (413, E_LIMIT, value and limit)', async () => {
    const big = Buffer.alloc(MB + 1, 7);
    const r = await postMedia(svc.base, big);
    assert.equal(r.status, 413);
    assert.deepEqual(errorOf(r), {
      code: 'E_LIMIT',
      message: 'upload too large: 1.00 MiB, but this service accepts at most 1.00 MiB (--max-upload-mb)',
      limit: '--max-upload-mb',
      value: MB + 1,
      allowed: MB,
    });
    assert.deepEqual(await tempLeft(svc.app), []);
  });

  it('upload size: a streamed body (no Content-Length), a multipart file and a JSON body are stopped at the limit', async () => {
    const streamed = await new Promise<Answer>((resolve, reject) => {
      const req = http.request(`${svc.base}/v1/predict`, { method: 'POST', headers: { 'content-type': 'video/mp4', 'transfer-encoding': 'chunked' }, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString(), json: <T>() => JSON.parse(Buffer.concat(chunks).toString()) as T }));
      });
      // The service may answer and close before the whole body is sent.
      req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
      const chunk = Buffer.alloc(64 * 1024, 1);
      for (let sent = 0; sent <= MB; sent += chunk.length) req.write(chunk);
      req.end();
    });
    assert.equal(streamed.status, 413);
    assert.equal(errorOf(streamed).limit, '--max-upload-mb');
    assert.match(errorOf(streamed).message, /^upload too large: more than 1\.0\d MiB, but this service accepts at most 1\.00 MiB \(--max-upload-mb\)$/);

    const { body, contentType } = multipartBody('file', 'big.mp4', 'video/mp4', Buffer.alloc(MB + 10, 2));
    const multipart = await postMedia(svc.base, body, contentType);
    assert.equal(multipart.status, 413);
    assert.equal(errorOf(multipart).limit, '--max-upload-mb');

    const json = await postJson(svc.base, { frames: ['A'.repeat(MB)] });
    assert.equal(json.status, 413);
    assert.equal(errorOf(json).limit, '--max-upload-mb');
    assert.deepEqual(await tempLeft(svc.app), []);
  });

  it('duration: a video longer than --max-duration-sec is refused (413) before it is decoded', async () => {
    const r = await postMedia(svc.base, videos.fiveSec);
    assert.equal(r.status, 413);
    const e = errorOf(r);
    assert.equal(e.limit, '--max-duration-sec');
    assert.equal(e.allowed, 4);
    assert.ok(Math.abs(e.value! - 5) < 0.1, `duration ${e.value}`);
    assert.match(e.message, /^video too long: 5\.0\d s, but this service accepts at most 4 s \(--max-duration-sec\)$/);
    assert.deepEqual(await tempLeft(svc.app), []);
  });

  it('frame count: a video or a JSON list with more than --max-frames frames is refused (413)', async () => {
    const r = await postMedia(svc.base, videos.manyFrames);
    assert.equal(r.status, 413);
    assert.deepEqual(errorOf(r), { code: 'E_LIMIT', message: 'too many frames: 120, but this service accepts at most 100 frames per input (--max-frames)', limit: '--max-frames', value: 120, allowed: 100 });
    const png = encodePng({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 3) }).toString('base64');
    const j = await postJson(svc.base, { frames: Array.from({ length: 101 }, () => png) });
    assert.equal(j.status, 413);
    assert.deepEqual(errorOf(j), { code: 'E_LIMIT', message: 'frames: 101 frames, but this service accepts at most 100 frames per input (--max-frames)', limit: '--max-frames', value: 101, allowed: 100 });
    assert.deepEqual(await tempLeft(svc.app), []);
  });

  it('resolution: an image or rgb24 frames over --max-frame-pixels are refused (413)', async () => {
    const big = { width: 200, height: 150, data: new Uint8Array(200 * 150 * 3).fill(90) };
    const r = await postMedia(svc.base, encodePng(big), 'image/png');
    assert.equal(r.status, 413);
    const e = errorOf(r);
    assert.deepEqual([e.limit, e.value, e.allowed], ['--max-frame-pixels', 30000, 19200]);
    assert.equal(e.message, 'resolution too high: 200×150 (0.03 megapixels), but this service accepts at most 0.02 megapixels a frame (--max-frame-pixels 19200)');
    const j = await postJson(svc.base, { format: 'rgb24', width: 200, height: 150, frames: [Buffer.from(big.data).toString('base64')] });
    assert.equal(j.status, 413);
    assert.equal(errorOf(j).limit, '--max-frame-pixels');
    // A PNG frame in the JSON form is probed like an upload.
    const p = await postJson(svc.base, { frames: [encodePng(big).toString('base64'), encodePng(big).toString('base64')] });
    assert.equal(p.status, 413);
    assert.equal(errorOf(p).limit, '--max-frame-pixels');
    assert.deepEqual(await tempLeft(svc.app), []);
  });

  it('malformed requests are 400 or 415, unusable media 422, each naming the problem; no temp file is left', async () => {
    // One at a time: the queue bound (2) applies to refusals too.
    const cases: [() => Promise<Answer>, number, RegExp][] = [
      [() => request(svc.base, 'POST', '/v1/predict', { headers: { 'content-type': 'text/plain' }, body: 'hello' }), 415, /^unsupported content type "text\/plain"; send multipart\/form-data with a file field, the raw video or image \(video\/\*, image\/\*, application\/octet-stream\), or application\/json frames$/],
      [() => request(svc.base, 'POST', '/v1/predict', { headers: { 'content-type': 'application/json' }, body: '{"frames": [' }), 400, /^the body is not valid JSON \(/],
      [() => postJson(svc.base, { frames: [] }), 400, /^body\/frames must NOT have fewer than 1 items$/],
      [() => postJson(svc.base, { frames: ['x'], format: 'bmp' }), 400, /^body\/format must be equal to one of the allowed values \("image", "rgb24"\)$/],
      [() => postJson(svc.base, { frames: ['x'], colour: 'red' }), 400, /^body must NOT have additional properties$/],
      [() => postJson(svc.base, { format: 'rgb24', frames: ['AAAA'] }), 400, /^width, height: required with format "rgb24"/],
      [() => postJson(svc.base, { format: 'rgb24', width: 2, height: 2, frames: ['AAAA'] }), 400, /^frames\[0\]: 3 bytes, but a 2×2 rgb24 frame has 12 \(width·height·3\)$/],
      [() => postJson(svc.base, { frames: ['not base64!'] }), 400, /^frames\[0\]: not base64/],
      [() => postJson(svc.base, { frames: [Buffer.from('GIF89a....').toString('base64')] }), 400, /^frames\[0\]: not a JPEG or PNG file/],
      [() => postMedia(svc.base, Buffer.from('--b\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n--b--\r\n'), 'multipart/form-data; boundary=b'), 400, /^the multipart body has no file part: send the video or image as a file field \(e\.g\. curl -F file=@face\.mp4\)$/],
      [() => postMedia(svc.base, Buffer.from('definitely not a video')), 422, /^body: not a readable video file/],
      [() => postMedia(svc.base, videos.oneFrame), 422, /^body: too few frames: 1, but one clip of this model spans 2 frames \(T = 2\)$/],
    ];
    for (const [send, status, message] of cases) {
      const r = await send();
      assert.equal(r.status, status, r.text);
      const e = errorOf(r);
      assert.equal(e.code, 'E_INPUT');
      assert.match(e.message, message);
      assert.ok(!e.message.includes(svc.app.vidpad.tmpRoot), `the service's temp paths stay private: ${e.message}`);
    }
    assert.deepEqual(await tempLeft(svc.app), []);
  });

  it('overload: past workers + --max-queue requests in flight, 503 E_BUSY with Retry-After; the admitted ones finish', async () => {
    const first = postMedia(svc.base, videos.long);
    const second = postMedia(svc.base, videos.long);
    await waitForMetrics(svc.base, (t) => metric(t, 'vidpad_requests_admitted') === 2);
    const refused = await postMedia(svc.base, videos.short);
    assert.equal(refused.status, 503);
    const e = errorOf(refused);
    assert.equal(e.code, 'E_BUSY');
    assert.match(e.message, /^busy: 2 requests in flight, the most this service takes \(1 worker \+ a queue of 1, --workers and --max-queue\); retry after \d+ s$/);
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    assert.equal(Number(refused.headers['retry-after']), e.retryAfterSec);
    assert.deepEqual([(await first).status, (await second).status], [200, 200]);
    assert.equal((await postMedia(svc.base, videos.short)).status, 200, 'once the queue drained, requests are taken again');
    assert.deepEqual(await tempLeft(svc.app), []);
  });

  it('a burst at 4× the bound gets only 200s and 503s, and leaves no request in flight and no temp file', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => postMedia(svc.base, videos.short)));
    const statuses = answers.map((a) => a.status);
    assert.ok(statuses.every((s) => s === 200 || s === 503), `statuses ${statuses.join(' ')}`);
    assert.ok(statuses.filter((s) => s === 200).length >= 2, `at least the bound is served: ${statuses.join(' ')}`);
    assert.ok(statuses.includes(503), `some are refused: ${statuses.join(' ')}`);
    assert.deepEqual(await tempLeft(svc.app), []);
    assert.equal(svc.app.vidpad.pool.state().admitted, 0);
  });
});
