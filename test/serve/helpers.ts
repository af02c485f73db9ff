/**
 * Helpers for the service tests: a service on loopback with a captured log,
 * plain HTTP requests (including ones that stop half-way), reading the
 * Prometheus text, and waiting on the service's own state (never on time).
 */
import http from 'node:http';
import { readdir } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { createServer } from '../../src/serve/index.js';
import type { ServeOptions } from '../../src/serve/index.js';

export interface Service {
  app: FastifyInstance;
  base: string;
  port: number;
  /** Parsed JSON log lines so far. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startService(options: ServeOptions, waitReady = true): Promise<Service> {
  const logs: Record<string, unknown>[] = [];
  const stream = new PassThrough();
  let rest = '';
  stream.on('data', (b: Buffer) => {
    rest += String(b);
    const lines = rest.split('\n');
    rest = lines.pop()!;
    for (const l of lines) if (l.trim()) logs.push(JSON.parse(l) as Record<string, unknown>);
  });
  const app = await createServer({ log: stream, ...options });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  if (waitReady) await app.vidpad.whenReady();
  return { app, base: `http://127.0.0.1:${port}`, port, logs, close: () => app.close() };
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

/** Reads a whole response into an Answer. */
function readAnswer(res: http.IncomingMessage, resolve: (a: Answer) => void, reject: (err: Error) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    resolve({ status: res.statusCode!, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
  });
  res.on('error', reject);
}

/** One request on a fresh connection (no keep-alive, so a closing server is seen as it is). */
export function request(base: string, method: string, url: string, options: { headers?: Record<string, string | number>; body?: Buffer | string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${url}`, { method, headers: { connection: 'close', ...options.headers }, agent: false }, (res) => {
      readAnswer(res, resolve, reject);
    });
    req.on('error', reject);
    if (options.body !== undefined) req.end(options.body);
    else req.end();
  });
}

export function postMedia(base: string, body: Buffer, contentType = 'video/mp4', headers: Record<string, string> = {}): Promise<Answer> {
  return request(base, 'POST', '/v1/predict', { headers: { 'content-type': contentType, 'content-length': body.length, ...headers }, body });
}

export function postJson(base: string, value: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const body = Buffer.from(JSON.stringify(value));
  return request(base, 'POST', '/v1/predict', { headers: { 'content-type': 'application/json', 'content-length': body.length, ...headers }, body });
}

/** A multipart/form-data body with one file field. */
export function multipartBody(field: string, fileName: string, contentType: string, data: Buffer): { body: Buffer; contentType: string } {
  const boundary = `----vidpad${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${fileName}"\r\nContent-Type: ${contentType}\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { body: Buffer.concat([head, data, tail]), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The value of a Prometheus sample (`name{labels}`), or 0 when absent. */
export function metric(text: string, sample: string): number {
  for (const line of text.split('\n')) {
    if (line.startsWith(sample + ' ')) return Number(line.slice(sample.length + 1));
  }
  return 0;
}

export async function metrics(base: string, headers: Record<string, string> = {}): Promise<string> {
  return (await request(base, 'GET', '/metrics', { headers })).text;
}

/**
 * Polls the service's metrics until `predicate` holds (the service's own
 * state, not a clock); gives up after `tries` answers.
 */
export async function waitForMetrics(base: string, predicate: (text: string) => boolean, headers: Record<string, string> = {}, tries = 2000): Promise<string> {
  for (let i = 0; i < tries; i++) {
    const text = await metrics(base, headers);
    if (predicate(text)) return text;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the service never reached the awaited state');
}

/** Files and folders left under the service's temp root. */
export async function tempLeft(app: FastifyInstance): Promise<string[]> {
  await app.vidpad.idle();
  return readdir(app.vidpad.tmpRoot, { recursive: true });
}

/**
 * Starts a POST with a declared body of `totalBytes`, writes `sentBytes` of
 * `data` and then leaves the request hanging: the caller may destroy it
 * (a client going away) or wait for the service's answer.
 */
export function partialUpload(base: string, data: Buffer, sentBytes: number, contentType = 'video/mp4', headers: Record<string, string> = {}): { req: http.ClientRequest; answer: Promise<Answer> } {
  let req!: http.ClientRequest;
  const answer = new Promise<Answer>((resolve, reject) => {
    req = http.request(`${base}/v1/predict`, { method: 'POST', headers: { 'content-type': contentType, 'content-length': data.length, connection: 'close', ...headers }, agent: false }, (res) => {
      readAnswer(res, resolve, reject);
    });
    req.on('error', reject);
    req.write(data.subarray(0, sentBytes));
  });
  return { req, answer };
}
