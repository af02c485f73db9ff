/**
 * `vidpad web`'s small static server (node:http): the built page and a model
 * folder's model.json and model.onnx under /model/. It sends the headers
 * that make the page cross-origin isolated (COOP/COEP), which browsers
 * require before they give WebAssembly threads (SharedArrayBuffer) to
 * onnxruntime-web and tfjs-wasm. Only files under the page folder and the
 * model files are served (model.json, model.onnx, and with precision 'int8'
 * model.int8.onnx); nothing else on disk is reachable.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, InputError } from '../errors.js';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.onnx': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/** The model files the page fetches; the weights stay on the server's disk. */
export const WEB_MODEL_FILES = ['model.json', 'model.onnx'] as const;
/** Served as well with precision 'int8': the page fetches it and checks its SHA-256 against model.json. */
export const WEB_MODEL_INT8_FILES = [...WEB_MODEL_FILES, 'model.int8.onnx'] as const;

/** Where `npm run build:web` writes the page: dist/web at the package root. */
export function defaultWebPageDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'dist', 'web');
    dir = path.dirname(dir);
  }
  return path.resolve('dist', 'web');
}

export interface WebServerOptions {
  /** The built page (index.html and its assets). */
  pageDir: string;
  /** The model folder served under /model/. */
  modelDir: string;
  /** Default 127.0.0.1: the camera page is for this machine; a browser allows cameras on localhost without https. */
  host?: string;
  /** 0 picks a free port. Default 8080. */
  port?: number;
  /** 'int8' serves model.int8.onnx too (it must exist). Default 'fp32'. */
  precision?: 'fp32' | 'int8';
}

export interface WebServer {
  /** The page's URL, e.g. http://127.0.0.1:8080/. */
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Resolves a URL path inside `root`, or null when it leaves it. */
function inside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const full = path.resolve(root, `.${path.posix.normalize(`/${decoded}`)}`);
  return full === root || full.startsWith(root + path.sep) ? full : null;
}

async function sendFile(req: IncomingMessage, res: ServerResponse, file: string): Promise<void> {
  let info;
  try {
    info = await stat(file);
  } catch {
    info = null;
  }
  if (!info?.isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`not found: ${req.url}\n`);
    return;
  }
  res.writeHead(200, {
    'content-type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': String(info.size),
    'cache-control': 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file).on('error', () => res.destroy()).pipe(res);
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const pageDir = path.resolve(options.pageDir);
  const modelDir = path.resolve(options.modelDir);
  if (!existsSync(path.join(pageDir, 'index.html'))) {
    throw new InputError(`${pageDir} holds no built page (index.html); build it with 'npm run build:web'`);
  }
  const precision = options.precision ?? 'fp32';
  if (precision !== 'fp32' && precision !== 'int8') throw new ConfigError('web.precision', `expected one of fp32, int8, got ${JSON.stringify(precision)}`);
  const served: readonly string[] = precision === 'int8' ? WEB_MODEL_INT8_FILES : WEB_MODEL_FILES;
  for (const f of served) {
    if (!existsSync(path.join(modelDir, f))) throw new InputError(`${path.join(modelDir, f)} does not exist: the page needs the model folder's ${served.join(', ')}`);
  }
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('web.port', `expected a whole number in 0..65535, got ${String(port)}`);

  const server = createServer((req, res) => {
    // Cross-origin isolation: WebAssembly threads for both runtimes.
    res.setHeader('cross-origin-opener-policy', 'same-origin');
    res.setHeader('cross-origin-embedder-policy', 'require-corp');
    res.setHeader('cross-origin-resource-policy', 'same-origin');
    res.setHeader('x-content-type-options', 'nosniff');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('only GET and HEAD\n');
      return;
    }
    const urlPath = new URL(req.url ?? '/', 'http://x').pathname;
    if (urlPath.startsWith('/model/')) {
      const name = urlPath.slice('/model/'.length);
      if (!served.includes(name)) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`not found: ${urlPath} (the model folder serves ${served.join(', ')})\n`);
        return;
      }
      void sendFile(req, res, path.join(modelDir, name));
      return;
    }
    const file = inside(pageDir, urlPath.endsWith('/') ? `${urlPath}index.html` : urlPath);
    if (!file) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('forbidden\n');
      return;
    }
    void sendFile(req, res, file);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new ConfigError('web.port', `port ${port} on ${host} is in use; pick another with --port (0 picks a free one)`) : err),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${actualPort}/`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
