/**
 * The web check's Node side and its pure parts: `vidpad web`'s server and
 * command, the browser's model.json reader against predict's, the camera's
 * error mapping, frame conversion, and that the browser entry imports
 * nothing from Node.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { CameraError, ConfigError, InputError, MODEL_FORMAT_VERSION, MODEL_INT8_ONNX_FILE, initBackend, modelOnnxStatus, quantizeModelFolderInt8, resizeRgb } from '../../src/index.js';
import { prepareWebModel, startWebServer, WEB_MODEL_FILES, WEB_MODEL_INT8_FILES } from '../../src/web/index.js';
import { cameraErrorFrom, decodeSize, loadWebModel, parseWebModelJson, rgbaToRgb, WEB_MODEL_FORMAT_VERSION, WEB_MODEL_INT8_FILE } from '../../src/browser/index.js';
import { randomArray } from '../engine/random-arrays.js';
import { randomModelFolder } from '../predict/fixtures.js';
import { runtimeImports } from '../helpers/runtime-imports.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SRC = path.join(ROOT, 'src');

let dir: string;
let modelDir: string;
let pageDir: string;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-web-node-'));
  await initBackend('cpu');
  modelDir = await randomModelFolder(path.join(dir, 'model'), { frames: 2, threshold: 0.25 });
  // A stand-in for the built page: the server serves whatever the folder holds.
  pageDir = path.join(dir, 'page');
  await mkdir(path.join(pageDir, 'assets'), { recursive: true });
  await writeFile(path.join(pageDir, 'index.html'), '<!doctype html><title>t</title>');
  await writeFile(path.join(pageDir, 'assets', 'a.js'), 'export {}');
  await writeFile(path.join(dir, 'secret.txt'), 'not for the web');
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('prepareWebModel', () => {
  it('exports model.onnx when missing, and leaves a current one alone', async () => {
    assert.equal((await modelOnnxStatus(modelDir)).present, false);
    assert.equal((await prepareWebModel(modelDir)).exported, true);
    assert.equal((await modelOnnxStatus(modelDir)).matchesModel, true);
    assert.equal((await prepareWebModel(modelDir)).exported, false);
  });

  it('refuses a folder without a model.json, naming it', async () => {
    await assert.rejects(prepareWebModel(path.join(dir, 'nowhere')), (err: Error) => err instanceof InputError && err.message.includes('nowhere'));
  });
});

describe("vidpad web's server", () => {
  it('serves the page and the two model files, with the headers for WebAssembly threads, and nothing else', async () => {
    await prepareWebModel(modelDir);
    const server = await startWebServer({ pageDir, modelDir, port: 0 });
    try {
      const get = (p: string, method = 'GET') => fetch(new URL(p, server.url), { method });
      const index = await get('/');
      assert.equal(index.status, 200);
      assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(index.headers.get('cross-origin-opener-policy'), 'same-origin');
      assert.equal(index.headers.get('cross-origin-embedder-policy'), 'require-corp');
      assert.equal(await index.text(), '<!doctype html><title>t</title>');
      assert.equal((await get('/assets/a.js')).headers.get('content-type'), 'text/javascript; charset=utf-8');
      const json = await get('/model/model.json');
      assert.equal(json.status, 200);
      assert.deepEqual(await json.json(), JSON.parse(await readFile(path.join(modelDir, 'model.json'), 'utf8')));
      const onnx = await get('/model/model.onnx');
      assert.equal(onnx.status, 200);
      assert.deepEqual(new Uint8Array(await onnx.arrayBuffer()), new Uint8Array(await readFile(path.join(modelDir, 'model.onnx'))));
      assert.equal((await get('/model/model.onnx', 'HEAD')).headers.get('content-length'), String((await readFile(path.join(modelDir, 'model.onnx'))).length));
      // The weights stay on disk; nothing outside the page folder is reachable.
      assert.equal((await get('/model/weights.safetensors')).status, 404);
      for (const raw of ['/../secret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e/secret.txt']) {
        const status = await new Promise<number>((resolve, reject) => {
          // node:http sends the path as written (fetch would normalise it first).
          const req = request(new URL(server.url), { path: raw }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end();
        });
        assert.ok(status === 404 || status === 403, `${raw}: ${status}`);
      }
      assert.equal((await get('/missing.js')).status, 404);
      assert.equal((await get('/', 'POST')).status, 405);
    } finally {
      await server.close();
    }
  });

  it('refuses a page folder without index.html and a model folder without model.onnx, saying what to do', async () => {
    await assert.rejects(startWebServer({ pageDir: dir + '/none', modelDir, port: 0 }), /npm run build:web/);
    const bare = path.join(dir, 'bare');
    await mkdir(bare, { recursive: true });
    await writeFile(path.join(bare, 'model.json'), '{}');
    await assert.rejects(startWebServer({ pageDir, modelDir: bare, port: 0 }), /model\.onnx does not exist/);
    await assert.rejects(startWebServer({ pageDir, modelDir, port: 70000 }), (err: Error) => err instanceof ConfigError && err.message.startsWith('web.port'));
  });
});

function runCli(args: string[], onLine?: (line: string, kill: () => void) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', `import('./src/cli/main.ts').then(async (m) => { process.exitCode = await m.main(${JSON.stringify(args)}); })`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += String(b);
      onLine?.(stdout, () => child.kill('SIGTERM'));
    });
    child.stderr.on('data', (b: Buffer) => (stderr += String(b)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('vidpad web', () => {
  it('serves the model and the page until stopped, then exits 0', async () => {
    let served: { status: number; body: unknown } | null = null;
    const result = await runCli(['web', '--model', modelDir, '--page', pageDir, '--port', '0'], (out, kill) => {
      const url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1];
      if (!url || served) return;
      served = { status: 0, body: null };
      fetch(`${url}model/model.json`)
        .then(async (r) => {
          served = { status: r.status, body: await r.json() };
        })
        .finally(kill);
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /vidpad web: http:\/\/127\.0\.0\.1:\d+\/ \(model .*: T = 2, 64² crops, threshold 0\.2500\); Ctrl-C stops/);
    assert.equal(served!.status, 200);
    assert.equal((served!.body as { format: string }).format, 'vidpad-model');
  });

  it('explains wrong usage', async () => {
    const missing = await runCli(['web']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--model DIR is required/);
    const port = await runCli(['web', '--model', modelDir, '--port', 'x']);
    assert.equal(port.code, 2);
    assert.match(port.stderr, /--port: expected a whole number/);
    const help = await runCli(['web', '--help']);
    assert.match(help.stdout, /--model DIR/);
    assert.match(help.stdout, /--port N/);
  });
});

describe("the browser's model reader", () => {
  it('reads what predict reads: the same contract and threshold, and the format version it knows is the current one', async () => {
    assert.equal(WEB_MODEL_FORMAT_VERSION, MODEL_FORMAT_VERSION, 'update src/browser/web-model.ts with the model format');
    const raw = JSON.parse(await readFile(path.join(modelDir, 'model.json'), 'utf8')) as Record<string, unknown>;
    const parsed = parseWebModelJson(raw, 'model.json');
    assert.deepEqual(parsed.contract, raw.contract);
    assert.deepEqual(parsed.threshold, raw.threshold);
    assert.equal(parsed.frames, 2);
    assert.equal(parsed.inputSize, 64);
  });

  it('refuses what the page cannot feed, naming the field', () => {
    const good = { format: 'vidpad-model', formatVersion: 2, config: { frames: 2, inputSize: 64 }, threshold: { value: 0, chosenOn: 'val', rule: 'eer' }, contract: null };
    assert.throws(() => parseWebModelJson({ ...good, format: 'x' }, 'm.json'), /format: expected "vidpad-model"/);
    assert.throws(() => parseWebModelJson({ ...good, formatVersion: 99 }, 'm.json'), /formatVersion: 99 was written by a newer vidpad/);
    assert.throws(() => parseWebModelJson(good, 'm.json'), /contract: the model records no input contract/);
    assert.throws(() => parseWebModelJson([], 'm.json'), (err: Error) => err instanceof InputError);
  });

  it('loads over HTTP and says which file is missing', async () => {
    const server = await startWebServer({ pageDir, modelDir, port: 0 });
    try {
      const model = await loadWebModel(`${server.url}model`);
      assert.deepEqual(model.onnx, new Uint8Array(await readFile(path.join(modelDir, 'model.onnx'))));
      assert.equal(model.threshold.value, 0.25);
      await assert.rejects(loadWebModel(`${server.url}nothing/`), /nothing\/model\.json: HTTP 404/);
    } finally {
      await server.close();
    }
  });
});

describe("the browser's int8 model", () => {
  let int8Dir: string;
  before(async () => {
    int8Dir = path.join(dir, 'int8');
    await prepareWebModel(modelDir);
    await cp(modelDir, int8Dir, { recursive: true });
    // Calibrated on random clips: a test of the plumbing (the reader's choice and check), not of accuracy.
    const perClip = 2 * 64 * 64 * 3;
    await quantizeModelFolderInt8(int8Dir, { calibration: [{ data: randomArray(2 * perClip, 81, 2), batch: 2 }], calibrationSource: 'random clips' });
  });

  it("precision 'int8' fetches model.int8.onnx and checks it against model.json's SHA-256 (computed here with node:crypto)", async () => {
    const server = await startWebServer({ pageDir, modelDir: int8Dir, port: 0, precision: 'int8' });
    try {
      const file = new Uint8Array(await readFile(path.join(int8Dir, MODEL_INT8_ONNX_FILE)));
      const json = JSON.parse(await readFile(path.join(int8Dir, 'model.json'), 'utf8')) as { quantized: { int8: { sha256: string; bytes: number } } };
      assert.equal(json.quantized.int8.sha256, createHash('sha256').update(file).digest('hex'));
      const int8 = await loadWebModel(`${server.url}model`, { precision: 'int8' });
      assert.equal(int8.precision, 'int8');
      assert.deepEqual(int8.onnx, file);
      assert.deepEqual(int8.int8 && { bytes: int8.int8.bytes, sha256: int8.int8.sha256 }, { bytes: file.length, sha256: json.quantized.int8.sha256 });
      const fp32 = await loadWebModel(`${server.url}model`);
      assert.equal(fp32.precision, 'fp32');
      assert.deepEqual(fp32.onnx, new Uint8Array(await readFile(path.join(int8Dir, 'model.onnx'))));
      assert.notDeepEqual(fp32.onnx, int8.onnx);
      assert.equal((await fetch(`${server.url}model/weights.safetensors`)).status, 404);

      // The same server through a fetch that alters what comes back: each problem named.
      const altered = (edit: (url: string, body: Uint8Array) => Uint8Array): typeof fetch => async (input) => {
        const url = String(input);
        const r = await fetch(url);
        return new Response(edit(url, new Uint8Array(await r.arrayBuffer())) as Uint8Array<ArrayBuffer>, { status: r.status });
      };
      const flipped = altered((url, body) => {
        if (!url.endsWith(WEB_MODEL_INT8_FILE)) return body;
        const copy = body.slice();
        copy[100] = copy[100]! ^ 1;
        return copy;
      });
      await assert.rejects(loadWebModel(`${server.url}model`, { precision: 'int8', fetch: flipped }), (err: Error) => err instanceof InputError && /model\.int8\.onnx: \d+ bytes with SHA-256 [0-9a-f]{64}, but .*model\.json records \d+ bytes with [0-9a-f]{64}: damaged.*vidpad export --model DIR --quantize int8/.test(err.message));
      const editJson = (change: (j: Record<string, Record<string, unknown>>) => void) =>
        altered((url, body) => {
          if (!url.endsWith('model.json')) return body;
          const j = JSON.parse(new TextDecoder().decode(body)) as Record<string, Record<string, unknown>>;
          change(j);
          return new TextEncoder().encode(JSON.stringify(j));
        });
      const noRecord = editJson((j) => delete j.quantized);
      await assert.rejects(loadWebModel(`${server.url}model`, { precision: 'int8', fetch: noRecord }), /model\.json records no int8 export \(quantized\.int8\); make it with 'vidpad export --model DIR --quantize int8'/);
      const otherWeights = editJson((j) => (j.weights!.sha256 = 'f'.repeat(64)));
      await assert.rejects(loadWebModel(`${server.url}model`, { precision: 'int8', fetch: otherWeights }), /model\.int8\.onnx: quantised from other weights than .*model\.json records/);
      const badHash = editJson((j) => ((j.quantized!.int8 as Record<string, unknown>).sha256 = 'xyz'));
      await assert.rejects(loadWebModel(`${server.url}model`, { precision: 'int8', fetch: badHash }), /quantized\.int8\.sha256: expected 64 lowercase hex digits/);
      await assert.rejects(loadWebModel(`${server.url}model`, { precision: 'fp16' as 'int8' }), /precision: expected one of fp32, int8, got "fp16"/);
    } finally {
      await server.close();
    }
  });

  it('the fp32 server does not serve model.int8.onnx, and the int8 one needs it', async () => {
    const server = await startWebServer({ pageDir, modelDir: int8Dir, port: 0 });
    try {
      assert.equal((await fetch(`${server.url}model/${WEB_MODEL_INT8_FILE}`)).status, 404);
      await assert.rejects(loadWebModel(`${server.url}model`, { precision: 'int8' }), /model\.int8\.onnx: HTTP 404 fetching the model's model\.int8\.onnx; serve it with 'vidpad web --precision int8'/);
    } finally {
      await server.close();
    }
    await assert.rejects(startWebServer({ pageDir, modelDir, port: 0, precision: 'int8' }), /model\.int8\.onnx does not exist: the page needs the model folder's model\.json, model\.onnx, model\.int8\.onnx/);
  });

  it('vidpad web --precision int8 serves model.int8.onnx and prints the page URL with ?precision=int8; without a valid export it exits 2 naming vidpad export --quantize int8', async () => {
    let status = 0;
    const result = await runCli(['web', '--model', int8Dir, '--page', pageDir, '--port', '0', '--precision', 'int8'], (out, kill) => {
      const url = /(http:\/\/127\.0\.0\.1:\d+\/)\?precision=int8/.exec(out)?.[1];
      if (!url || status !== 0) return;
      status = -1;
      fetch(`${url}model/${WEB_MODEL_INT8_FILE}`)
        .then((r) => (status = r.status))
        .finally(kill);
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(status, 200);
    assert.match(result.stdout, /vidpad web: http:\/\/127\.0\.0\.1:\d+\/\?precision=int8 \(model .*, int8: T = 2/);
    const refused = await runCli(['web', '--model', modelDir, '--page', pageDir, '--port', '0', '--precision', 'int8']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--precision int8: .*records no int8 export; run 'vidpad export --model .* --quantize int8/);
    const bad = await runCli(['web', '--model', modelDir, '--precision', 'int4']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--precision must be one of fp32, int8, got 'int4'/);
  });
});

describe('camera errors and frames', () => {
  it('maps each getUserMedia failure to a reason and a message a person can act on', () => {
    const cases: [string, string, RegExp][] = [
      ['NotAllowedError', 'denied', /refused/],
      ['SecurityError', 'denied', /refused/],
      ['NotFoundError', 'absent', /No camera was found/],
      ['OverconstrainedError', 'absent', /No camera/],
      ['NotReadableError', 'in-use', /another application/],
      ['TypeError', 'unsupported', /could not be opened: TypeError/],
    ];
    for (const [name, reason, message] of cases) {
      const err = cameraErrorFrom(Object.assign(new Error('x'), { name }));
      assert.ok(err instanceof CameraError && err instanceof InputError);
      assert.equal(err.reason, reason, name);
      assert.equal(err.code, 'E_INPUT');
      assert.match(err.message, message);
    }
  });

  it('turns canvas RGBA into RGB and sizes frames as predictFrames does', () => {
    const rgba = Uint8Array.from([1, 2, 3, 255, 4, 5, 6, 128]);
    assert.deepEqual(rgbaToRgb(rgba, 2, 1), { width: 2, height: 1, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) });
    assert.throws(() => rgbaToRgb(rgba, 3, 1), /expected 3×1×4 = 12/);
    assert.deepEqual(decodeSize(640, 480, 640), { width: 640, height: 480 });
    assert.deepEqual(decodeSize(1280, 720, 640), { width: 640, height: 360 });
    assert.deepEqual(decodeSize(1920, 1081, 640), { width: 640, height: Math.round((1081 * 640) / 1920) });
    // The frame the page scales is scaled with vidpad's own area filter.
    const big = { width: 4, height: 2, data: Uint8Array.from({ length: 24 }, (_, i) => i * 10) };
    assert.deepEqual(resizeRgb(big, 2, 1).data.length, 6);
  });
});

describe('the browser build', () => {
  it('imports nothing from Node: only its own modules, tfjs and onnxruntime-web', async () => {
    const allowed = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'onnxruntime-web'];
    const seen = new Set<string>();
    const packages = new Set<string>();
    const queue = [path.join(SRC, 'browser', 'index.ts'), path.join(SRC, 'browser', 'pipeline-worker.ts'), path.join(ROOT, 'web', 'main.ts')];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      assert.ok(!file.endsWith('.node.ts'), `${path.relative(ROOT, file)} is Node-only`);
      for (const spec of runtimeImports(file)) {
        if (spec.startsWith('.')) queue.push(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
        else {
          assert.ok(allowed.includes(spec), `${path.relative(ROOT, file)} imports '${spec}'`);
          packages.add(spec);
        }
      }
    }
    assert.deepEqual([...packages].sort(), allowed);
    // The page reuses predict's crop, layout, standardisation and tracking modules, not copies.
    for (const shared of ['predict/clip-input.ts', 'predict/clip-layout.ts', 'data/standardize.ts', 'face/crop.ts', 'face/tracking.ts', 'face/blazeface.ts', 'models/input-contract.ts']) {
      assert.ok(seen.has(path.join(SRC, shared)), shared);
    }
  });

  it('lists every file it serves from a model folder', () => {
    assert.deepEqual([...WEB_MODEL_FILES], ['model.json', 'model.onnx']);
    assert.deepEqual([...WEB_MODEL_INT8_FILES], ['model.json', 'model.onnx', MODEL_INT8_ONNX_FILE]);
    assert.equal(WEB_MODEL_INT8_FILE, MODEL_INT8_ONNX_FILE);
  });
});
