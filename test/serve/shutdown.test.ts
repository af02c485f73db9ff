/**
 * `vidpad serve` as a program: it listens, loads, answers; on SIGTERM it
 * stops taking connections, finishes the request in flight, removes its
 * temp folder and exits 143 (the project's status for SIGTERM); bad flags
 * exit 2 before anything starts; a model that cannot load exits 1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../src/index.js';
import { encodeFrames, FIXTURE_SIZE, liveFrames, randomModelFolder } from '../predict/fixtures.js';
import { metric, postMedia, request, waitForMetrics } from './helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// The program itself (src/cli/bin.ts: signals, exit status), run from source.
const BIN = path.join(ROOT, 'src', 'cli', 'bin.ts');
let dir: string;
let model: string;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-serve-stop-'));
  await initBackend('wasm');
  model = await randomModelFolder(path.join(dir, 'model'));
  await encodeFrames(path.join(dir, 'long.mp4'), liveFrames(6, 0, 90).map((f) => f.rgb), FIXTURE_SIZE.width, FIXTURE_SIZE.height);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Program {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Resolves when stderr has a line matching `re`. */
  line(re: RegExp): Promise<RegExpMatchArray>;
}

function startProgram(args: string[]): Program {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  child.stdout!.on('data', (b: Buffer) => (out += String(b)));
  child.stderr!.on('data', (b: Buffer) => {
    err += String(b);
    for (const w of [...waiters]) {
      const m = w.re.exec(err);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    line(re) {
      const m = re.exec(err);
      if (m) return Promise.resolve(m);
      return new Promise((resolve, reject) => {
        waiters.push({ re, resolve });
        void exited.then(() => reject(new Error(`the program exited before printing ${re}:\n${err}`)));
      });
    },
  };
}

describe('vidpad serve as a program', { timeout: 600_000 }, () => {
  it('SIGTERM: new connections are refused, the request in flight is answered, temp files are removed, exit 143', async () => {
    const tmp = path.join(dir, 'tmp');
    await mkdir(tmp);
    const p = startProgram(['serve', '--model', model, '--port', '0', '--workers', '1', '--tmp-dir', tmp]);
    try {
      const [, base] = await p.line(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      await p.line(/vidpad serve: ready\n/);
      const inFlight = postMedia(base!, await readFile(path.join(dir, 'long.mp4')));
      await waitForMetrics(base!, (t) => metric(t, 'vidpad_inferences_in_progress') === 1);
      p.child.kill('SIGTERM');
      await p.line(/SIGTERM: not taking new requests; finishing 1 in flight/);
      // The listener closes while the request is still being scored.
      let refused = false;
      for (let i = 0; i < 500 && !refused; i++) {
        refused = await request(base!, 'GET', '/healthz').then(
          () => false,
          (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED',
        );
        if (!refused) await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(refused, 'new connections are refused once SIGTERM arrived');
      const answer = await inFlight;
      assert.equal(answer.status, 200, 'the request in flight was finished');
      assert.equal(answer.json<{ frames: { read: number } }>().frames.read, 90);
      assert.equal(await p.exited, 143);
      assert.match(p.stderr(), /vidpad serve: stopped\n$/);
      const lines = p.stdout().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.ok(lines.some((l) => l.route === '/v1/predict' && l.status === 200 && l.outcome === 'ok'), 'the finished request was logged');
      assert.deepEqual(await readdir(tmp), [], 'the service removed its temp folder');
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  it('a model that cannot be loaded: readiness says why, and the program exits 1', async () => {
    const broken = path.join(dir, 'broken');
    await mkdir(broken);
    await writeFile(path.join(broken, 'model.json'), '{"format": "something else"}');
    const p = startProgram(['serve', '--model', broken, '--port', '0']);
    try {
      assert.equal(await p.exited, 1);
      assert.match(p.stderr(), /vidpad serve: error: the model could not be loaded: .*model\.json/);
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  it('bad flags and a bad key file exit 2 or 1 before anything listens, naming the flag or file', () => {
    const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', BIN, ...args], { cwd: ROOT, encoding: 'utf8' });
    let r = run(['serve', '--model', model, '--port', '70000']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--port expects a port number 0\.\.65535, got '70000'/);
    r = run(['serve', '--model', model, '--max-queue=-1']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--max-queue expects a whole number >= 0, got '-1'/);
    r = run(['serve', '--model', model, '--deadline-sec', '0']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--deadline-sec expects a number > 0, got '0'/);
    r = run(['serve', '--model', model, '--api-key-file', path.join(dir, 'no-such-keys')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no-such-keys: cannot read the API key file \(no such file\)/);
  });
});
