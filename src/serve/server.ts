/**
 * The liveness check as an HTTP service (DESIGN §6): `createServer(options)`
 * returns a Fastify instance (more routes may be added before it listens);
 * `vidpad serve` only parses flags, listens and handles signals.
 *
 * A predict request is admitted to the bounded inference queue before a
 * byte of its body is read (else 503 with Retry-After), reads its body under
 * the size limit into its own temp folder, is checked against the media
 * limits, and is scored on a worker thread. One deadline covers all of it.
 * Whatever happens (an answer, an error, the deadline, the client going
 * away) its temp folder is removed and its place released once its worker has
 * let go of the input.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import Fastify, { LogController } from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { AuthError, BusyError, DeadlineError, LimitError, VidpadError } from '../errors.js';
import { vidpadVersion } from '../io/index.js';
import type { LivenessResult } from '../predict/index.js';
import { resolveServeConfig } from './config.js';
import type { ServeConfig, ServeOptions } from './config.js';
import { ClientClosedError, errorAnswer, MediaTypeError, RequestError } from './http-errors.js';
import { createInferencePool } from './inference-pool.js';
import type { Admission, InferencePool, PoolEvent } from './inference-pool.js';
import { checkMedia } from './limits.js';
import { createServeMetrics } from './metrics.js';
import { buildOpenApi } from './openapi.js';
import type { RouteDoc, RouteEntry } from './openapi.js';
import { errorSchema, framesBodySchema, healthSchema, modelInfoSchema, multipartSchema, rawBodySchema, readySchema, resultSchema } from './schemas.js';
import { createRequestTemp, framesJob, RAW_CONTENT_TYPES, spoolStream, uploadFileName, uploadTooLarge } from './uploads.js';
import type { FramesBody, RequestTemp } from './uploads.js';
import type { InferenceJob } from './worker-protocol.js';

/** What the service adds to its Fastify instance (`app.vidpad`). */
export interface ServeHandle {
  readonly config: ServeConfig;
  readonly pool: InferencePool;
  /** The folder holding every request's temp folder (empty when no request is in flight). */
  readonly tmpRoot: string;
  /** Whether /readyz answers ready: a worker has loaded the model and run its warm-up, and the service is not closing. */
  isReady(): boolean;
  /** Resolves when a worker is ready (rejects when the model cannot be loaded). */
  whenReady(): Promise<void>;
  /** Resolves when no request work is left: answers sent, inferences stopped, temp folders removed. */
  idle(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    vidpad: ServeHandle;
  }
  interface FastifyRequest {
    predict: PredictContext | null;
  }
  interface FastifyContextConfig {
    doc?: RouteDoc;
    secured?: boolean;
  }
}

interface PredictContext {
  admission: Admission;
  abort: AbortController;
  temp: RequestTemp;
  /** The handler took over the finish (else the response's close does it). */
  handled: boolean;
  timer: NodeJS.Timeout;
  finished: boolean;
  /** For the log line. */
  log: { bytes?: number; decision?: string; score?: number | null; inferenceMs?: number; input?: string; outcome?: string };
}

const ERROR_RESPONSES = Object.fromEntries([400, 401, 413, 415, 422, 500, 503, 504].map((s) => [s, errorSchema]));

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** The key a request carries: `Authorization: Bearer KEY` or `X-API-Key: KEY`. */
function requestKey(request: FastifyRequest): string | null {
  const auth = request.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1]!.trim();
  }
  const key = request.headers['x-api-key'];
  return typeof key === 'string' && key !== '' ? key.trim() : null;
}

/** Reads a whole body into memory under a byte limit (the JSON form). */
async function readBody(stream: Readable, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  const onAbort = () => stream.destroy(signal.reason as Error);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of stream) {
      bytes += (chunk as Buffer).length;
      if (bytes > maxBytes) throw uploadTooLarge(bytes, maxBytes, true);
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    if (err instanceof LimitError) throw err;
    throw new RequestError(`the body could not be read to its end (${(err as Error).message})`);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  return Buffer.concat(chunks);
}

/** Replaces the service's own paths (a request's temp folder and the files in it) by the client's name for its input. */
function scrub(text: string, dir: string | null, name: string): string {
  if (!dir) return text;
  const escaped = dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(`${escaped}(?:/[^\\s:,)]*)?`, 'g'), name);
}

export async function createServer(options: ServeOptions): Promise<FastifyInstance> {
  const config = resolveServeConfig(options);
  const { limits } = config;
  const keyDigests = config.apiKeys.map(sha256);
  const tmpRoot = await mkdtemp(path.join(config.tmpDir ?? os.tmpdir(), 'vidpad-serve-'));
  const metrics = createServeMetrics();
  const pending = new Set<Promise<unknown>>();
  let closing = false;
  const startedAt = Date.now();

  const app = Fastify({
    logger: config.log === false ? false : { level: 'info', stream: config.log },
    // One line per request, written by the onResponse hook below (with the outcome), instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    requestIdHeader: 'x-request-id',
    // The service answers 503 itself while closing, in its own error shape.
    return503OnClosing: false,
    // Node's own guard against a client that never finishes its request; the per-request deadline answers first.
    requestTimeout: Math.ceil(limits.deadlineSec * 1000) + 10_000,
    bodyLimit: 1024 * 1024,
    // A public API refuses fields it does not know (a misspelt "fromat" would otherwise be dropped silently).
    ajv: { customOptions: { removeAdditional: false } },
  });

  const onPoolEvent = (e: PoolEvent) => {
    if (e.type === 'worker-load-failed') app.log.error({ event: e.type, worker: e.worker, error: e.error }, 'an inference worker could not load the model');
    else if (e.type === 'worker-ready') app.log.info({ event: e.type, worker: e.worker, warmupMs: Math.round(e.warmupMs), warmupClips: e.warmupClips }, 'inference worker ready');
    else if (e.type === 'worker-exit' && e.busy) app.log.warn({ event: e.type, worker: e.worker, code: e.code }, 'an inference worker stopped while scoring');
    else if (e.type === 'worker-replaced') app.log.warn({ event: e.type, worker: e.worker, reason: e.reason }, 'inference worker replaced');
  };
  const pool = createInferencePool({ detector: config.detector, workers: config.workers, maxQueue: limits.maxQueue, cancelGraceMs: config.cancelGraceMs, onEvent: onPoolEvent });
  const readyPromise = pool.whenReady();
  readyPromise.catch(() => {});

  const track = <T>(p: Promise<T>): Promise<T> => {
    pending.add(p);
    const done = () => pending.delete(p);
    p.then(done, done);
    return p;
  };
  const handle: ServeHandle = {
    config,
    pool,
    tmpRoot,
    isReady: () => !closing && pool.state().ready > 0,
    whenReady: () => readyPromise,
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
  app.decorate('vidpad', handle);
  app.decorateRequest('predict', null);

  // --------------------------------------------------------------- errors, auth, log
  app.setErrorHandler((err, request, reply) => {
    // Nobody is left to answer; the close handler has logged it.
    if (err instanceof ClientClosedError) return void reply.code(499).send();
    const a = errorAnswer(err, String(request.id), limits);
    if (a.internal) request.log.error({ err }, 'internal error');
    if (request.predict) request.predict.log.outcome ??= a.body.error.code;
    void reply.code(a.status).headers(a.headers).send(a.body);
  });
  app.setNotFoundHandler((request, reply) => {
    const routes = routeEntries.map((r) => `${r.method} ${r.url}`).join(', ');
    void reply.code(404).send({ error: { code: 'E_INPUT', message: `no route ${request.method} ${request.url.split('?')[0]}; routes: ${routes}` }, requestId: String(request.id) });
  });

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', String(request.id));
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) logRequest(request, reply, true);
    });
    if (request.routeOptions.config.secured && keyDigests.length > 0) {
      const key = requestKey(request);
      if (key === null) throw new AuthError('an API key is required: send it as "Authorization: Bearer KEY" or "X-API-Key: KEY"');
      const digest = sha256(key);
      // Digests have one length, so the comparison takes the same time for every key tried.
      if (!keyDigests.some((d) => timingSafeEqual(d, digest))) throw new AuthError('the API key is not valid for this service');
    }
  });

  // One line and one count per request: when its answer is sent (onResponse), or when its client went away first (Fastify runs no onResponse then).
  const logged = new WeakSet<FastifyRequest>();
  const logRequest = (request: FastifyRequest, reply: FastifyReply, clientClosed: boolean) => {
    if (logged.has(request)) return;
    logged.add(request);
    const ctx = request.predict;
    if (clientClosed && ctx) ctx.log.outcome = 'client-closed';
    const status = clientClosed ? 499 : reply.statusCode;
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.request(route, request.method, status, reply.elapsedTime / 1000);
    const line: Record<string, unknown> = { method: request.method, route, url: request.url, status, latencyMs: Math.round(reply.elapsedTime * 10) / 10, remote: request.ip };
    line.outcome = clientClosed ? 'client-closed' : (ctx?.log.outcome ?? (status < 400 ? 'ok' : 'error'));
    if (ctx) Object.assign(line, { ...ctx.log, outcome: line.outcome });
    request.log.info(line, 'request');
  };
  app.addHook('onResponse', async (request, reply) => logRequest(request, reply, false));

  // --------------------------------------------------------------- routes
  const routeEntries: RouteEntry[] = [];
  app.addHook('onRoute', (route) => {
    const doc = route.config?.doc;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!doc || route.url === '' || methods.includes('HEAD')) return;
    for (const method of methods) routeEntries.push({ method, url: route.url, schema: route.schema as RouteEntry['schema'], doc });
  });

  app.get('/healthz', {
    schema: { response: { 200: healthSchema } },
    config: { doc: { summary: 'Liveness of the process: 200 while it runs (also while loading and shutting down)' } },
  }, async () => ({ status: 'ok' as const, uptimeSec: (Date.now() - startedAt) / 1000 }));

  app.get('/readyz', {
    schema: { response: { 200: readySchema, 503: readySchema } },
    config: { doc: { summary: 'Readiness: 200 once a worker has loaded the model and run a warm-up inference; 503 while loading, after a load error and while shutting down' } },
  }, async (_request, reply) => {
    const s = pool.state();
    const ready = handle.isReady();
    const reason = ready ? null : closing ? 'shutting down' : s.loadError ? `the model could not be loaded: ${s.loadError.message}` : `loading the model (${s.ready} of ${s.workers} workers ready)`;
    void reply.code(ready ? 200 : 503);
    return { ready, reason, workers: { total: s.workers, ready: s.ready, busy: s.busy }, queue: { waiting: s.queued, admitted: s.admitted, capacity: s.capacity } };
  });

  app.get('/v1/model', {
    schema: { response: { 200: modelInfoSchema, ...ERROR_RESPONSES } },
    config: { secured: true, doc: { summary: "The loaded model: config, input contract, threshold, training provenance; and the service's limits", secured: true } },
  }, async () => {
    const info = pool.modelInfo();
    if (!info) throw new BusyError(2, 'the model is still loading; see GET /readyz');
    return { ...info, limits: { ...limits } };
  });

  app.get('/metrics', {
    schema: { response: { 200: { type: 'string' } } },
    config: { secured: true, doc: { summary: 'Prometheus metrics (text format 0.0.4)', secured: true, textResponses: { 200: { contentType: 'text/plain; version=0.0.4', description: 'Prometheus text' } } } },
  }, async (_request, reply) => {
    const s = pool.state();
    void reply.type('text/plain; version=0.0.4; charset=utf-8');
    return metrics.render({ queued: s.queued, busy: s.busy, admitted: s.admitted, capacity: s.capacity, workersReady: s.ready, workers: s.workers });
  });

  let openapi: Record<string, unknown> | null = null;
  app.get('/openapi.json', {
    schema: { response: { 200: { type: 'object', additionalProperties: true } } },
    config: { doc: { summary: 'This description, generated from the schemas the service validates and answers with' } },
  }, async () => {
    openapi ??= buildOpenApi(routeEntries, {
      title: 'vidpad liveness service',
      version: vidpadVersion(),
      description: 'Face presentation-attack detection from a few frames of video: POST a video, an image or frames to /v1/predict.',
      keysOn: keyDigests.length > 0,
    });
    return openapi;
  });

  // The predict route reads its own body (under its limits, deadline and abort), so its scope takes every content type as a stream.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    await scope.register(multipart, { limits: { fileSize: limits.maxUploadBytes + 1, files: 1, fields: 8, fieldSize: 4096, parts: 16 }, throwFileSizeLimit: false });
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

    scope.addHook('preParsing', async (request, reply, payload) => {
      if (closing) throw new BusyError(5, 'the service is shutting down; send the request to another instance');
      const declared = Number(request.headers['content-length']);
      if (Number.isFinite(declared) && declared > limits.maxUploadBytes) throw uploadTooLarge(declared, limits.maxUploadBytes, false);
      const s = pool.state();
      if (s.ready === 0) {
        if (s.loadError) throw new BusyError(30, `the model could not be loaded: ${s.loadError.message}`);
        throw new BusyError(2, `the model is still loading (${s.ready} of ${s.workers} workers ready); see GET /readyz`);
      }
      const admission = pool.admit();
      if (!admission) {
        throw new BusyError(
          pool.retryAfterSec(),
          `busy: ${s.admitted} requests in flight, the most this service takes (${s.workers} worker${s.workers === 1 ? '' : 's'} + a queue of ${limits.maxQueue}, --workers and --max-queue); retry after ${pool.retryAfterSec()} s`,
        );
      }
      const abort = new AbortController();
      const ctx: PredictContext = {
        admission,
        abort,
        temp: createRequestTemp(tmpRoot),
        handled: false,
        finished: false,
        timer: setTimeout(() => abort.abort(new DeadlineError(limits.deadlineSec, `deadline exceeded: the request took more than ${limits.deadlineSec} s (upload, queue and inference; --deadline-sec)`)), limits.deadlineSec * 1000),
        log: {},
      };
      request.predict = ctx;
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) abort.abort(new ClientClosedError());
        // Without a handler (the body was refused before it), the response's end is the request's end.
        if (!ctx.handled) void finishPredict(ctx);
      });
      return payload;
    });

    scope.post('/v1/predict', {
      schema: { response: { 200: resultSchema, ...ERROR_RESPONSES } },
      config: {
        secured: true,
        doc: {
          summary: 'Is the face live? Scores a video, an image or a list of frames; answers the JSON of `vidpad predict --json`',
          description:
            'Send the media as multipart/form-data (a file field), as the raw body with its content type (video/*, image/*, application/octet-stream), ' +
            'or as JSON frames. Limits: the body size (--max-upload-mb), the video duration (--max-duration-sec), the frame count (--max-frames), ' +
            'the pixels of a frame (--max-frame-pixels): 413; one deadline for upload, queue and inference (--deadline-sec): 504; ' +
            'a bounded queue (--workers + --max-queue requests in flight): 503 with Retry-After.',
          secured: true,
          jsonBody: framesBodySchema(limits),
          binaryBodies: { 'multipart/form-data': multipartSchema, 'video/*': rawBodySchema, 'image/*': rawBodySchema, 'application/octet-stream': rawBodySchema },
          responseHeaders: { 503: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } } },
        },
      },
    }, async (request, reply) => {
      const ctx = request.predict!;
      ctx.handled = true;
      const { signal } = ctx.abort;
      const work = track(runPredict(request, ctx).finally(() => finishPredict(ctx)));
      work.catch(() => {});
      const aborted = new Promise<never>((_, reject) => {
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
      aborted.catch(() => {});
      const result = await Promise.race([work, aborted]);
      void reply.code(200);
      return result;
    });
  });

  async function finishPredict(ctx: PredictContext): Promise<void> {
    if (ctx.finished) return;
    ctx.finished = true;
    clearTimeout(ctx.timer);
    await ctx.temp.cleanup();
    ctx.admission.release();
  }

  async function runPredict(request: FastifyRequest, ctx: PredictContext): Promise<LivenessResult> {
    const { signal } = ctx.abort;
    const type = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    let name = 'body';
    let dir: string | null = null;
    try {
      let job: InferenceJob;
      let checkPath: string | null;
      if (type === 'multipart/form-data') {
        let part;
        try {
          part = await request.file();
        } catch (err) {
          throw new RequestError(`the multipart body could not be read (${(err as Error).message})`);
        }
        if (!part) throw new RequestError('the multipart body has no file part: send the video or image as a file field (e.g. curl -F file=@face.mp4)');
        name = part.filename || 'upload';
        dir = await ctx.temp.dir();
        const file = path.join(dir, uploadFileName(part.mimetype, part.filename));
        ctx.log.bytes = await spoolStream(part.file, file, limits.maxUploadBytes, signal);
        job = { kind: 'file', path: file };
        checkPath = file;
      } else if (type === 'application/json') {
        name = 'frames';
        const bytes = await readBody(request.body as Readable, limits.maxUploadBytes, signal);
        ctx.log.bytes = bytes.length;
        let body: unknown;
        try {
          body = JSON.parse(bytes.toString('utf8'));
        } catch (err) {
          throw new RequestError(`the body is not valid JSON (${(err as Error).message})`);
        }
        const validate = request.compileValidationSchema(framesBodySchema(limits) as unknown as Record<string, unknown>);
        if (!validate(body)) {
          const parts = (validate.errors ?? []).map((e) => {
            const allowed = (e.params as { allowedValues?: unknown[] } | undefined)?.allowedValues;
            return `body${e.instancePath} ${e.message ?? 'is invalid'}${allowed ? ` (${allowed.map((a) => JSON.stringify(a)).join(', ')})` : ''}`;
          });
          throw new RequestError(parts.join('; '));
        }
        if ((body as FramesBody).frames.length > 1 || (body as FramesBody).format !== 'rgb24') dir = await ctx.temp.dir();
        ({ job, checkPath } = await framesJob(body as FramesBody, limits, ctx.temp));
      } else if (type.startsWith('video/') || type.startsWith('image/') || type === 'application/octet-stream') {
        name = 'body';
        dir = await ctx.temp.dir();
        const file = path.join(dir, uploadFileName(type));
        ctx.log.bytes = await spoolStream(request.body as Readable, file, limits.maxUploadBytes, signal);
        job = { kind: 'file', path: file };
        checkPath = file;
      } else {
        throw new MediaTypeError(
          `unsupported content type ${JSON.stringify(type || '(none)')}; send multipart/form-data with a file field, the raw video or image (${RAW_CONTENT_TYPES.join(', ')}), or application/json frames`,
        );
      }
      if (checkPath) await checkMedia(checkPath, limits);
      signal.throwIfAborted();
      ctx.log.input = name;
      const { result, inferenceMs } = await ctx.admission.run(job, signal).catch((err: unknown) => {
        metrics.inference(signal.aborted ? 'cancelled' : 'error', null);
        throw err;
      });
      metrics.inference(result.decision, inferenceMs / 1000);
      Object.assign(ctx.log, { decision: result.decision, score: result.score, inferenceMs: Math.round(inferenceMs) });
      return {
        ...result,
        input: name,
        reason: result.reason === null ? null : scrub(result.reason, dir, name),
        warnings: result.warnings.map((w) => scrub(w, dir, name)),
      };
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (err instanceof VidpadError && dir) err.message = scrub(err.message, dir, name);
      throw err;
    }
  }

  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onClose', async () => {
    await handle.idle();
    await pool.close();
    await rm(tmpRoot, { recursive: true, force: true });
  });

  return app;
}
