/**
 * The service's examples in README.md and docs/serve.md run as written: each
 * `vidpad serve` line starts the real program (on a free loopback port), each
 * `curl` line after it is run by bash against it in a folder holding what the
 * examples name (`models/p1`, `face.mp4`, `photo.jpg`, `keys.txt`), must
 * succeed with a JSON answer, and an answer shown after a curl block has the
 * fields of the one the service gave.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../src/index.js';
import { encodeFrames, FIXTURE_SIZE, liveFrames, randomModelFolder } from '../predict/fixtures.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// The program itself (src/cli/bin.ts: signals, exit status), run from source.
const BIN = path.join(ROOT, 'src', 'cli', 'bin.ts');
let dir: string;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-serve-docs-'));
  await initBackend('wasm');
  await randomModelFolder(path.join(dir, 'models', 'p1'));
  await encodeFrames(path.join(dir, 'face.mp4'), liveFrames(6, 0, 6).map((f) => f.rgb), FIXTURE_SIZE.width, FIXTURE_SIZE.height);
  await copyFile(path.join(ROOT, 'test', 'fixtures', 'faces', 'image_T1.jpg'), path.join(dir, 'photo.jpg'));
  await writeFile(path.join(dir, 'keys.txt'), '# one key a line\ndocs-example-key-0123456789\n');
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Fenced blocks in order, with their language. */
function blocks(markdown: string): { lang: string; code: string }[] {
  return [...markdown.matchAll(/```([a-z]*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, code: m[2]! }));
}

/** The fields of a JSON value, recursively (arrays by their first item), as sorted paths. */
function shape(v: unknown, at = ''): string[] {
  if (Array.isArray(v)) return v.length > 0 ? shape(v[0], `${at}[]`) : [`${at}[]`];
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [`${at}.${k}`, ...shape(x, `${at}.${k}`)]).sort();
  return [];
}

async function startServe(line: string): Promise<{ child: ChildProcess; port: string }> {
  const words = line.replace(/^\s*(npx\s+)?vidpad\s+/, '').split(/\s+/).filter(Boolean);
  const args = words.map((w, i) => (words[i - 1] === '--port' ? '0' : words[i - 1] === '--host' ? '127.0.0.1' : w));
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), BIN, ...args, '--quiet'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const port = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (b: Buffer) => {
      err += String(b);
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(err);
      if (m && err.includes('vidpad serve: ready')) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`'${line}' exited ${code}: ${err}`)));
  });
  return { child, port };
}

describe('the service examples in the documentation', { timeout: 600_000 }, () => {
  for (const file of ['README.md', 'docs/serve.md']) {
    it(`${file}: every vidpad serve and curl line runs, and the answers shown have the service's fields`, async () => {
      const all = blocks(await readFile(path.join(ROOT, file), 'utf8'));
      let service: { child: ChildProcess; port: string } | null = null;
      let curls = 0;
      let compared = 0;
      let lastAnswer: unknown = null;
      try {
        for (const [k, block] of all.entries()) {
          // A result shown right after a curl block (error bodies and log lines shown elsewhere are not results).
          if (block.lang === 'json' && lastAnswer !== null && all[k - 1]?.lang === 'sh' && /\bcurl\b/.test(all[k - 1]!.code) && 'scoreRule' in JSON.parse(block.code)) {
            assert.deepEqual(shape(JSON.parse(block.code)), shape(lastAnswer), `${file}: the answer shown has the fields of the service's answer`);
            compared++;
          }
          if (block.lang !== 'sh') continue;
          for (const line of block.code.split('\n')) {
            if (/^\s*(npx\s+)?vidpad\s+serve\b/.test(line)) {
              if (service) {
                service.child.kill('SIGTERM');
                await new Promise((r) => service!.child.once('exit', r));
              }
              service = await startServe(line.replace(/\s+#.*$/, ''));
            } else if (/^\s*curl\b/.test(line)) {
              assert.ok(service, `${file}: a curl line before any vidpad serve line: ${line}`);
              const command: string = line.replace(/\s+#.*$/, '').replace(/127\.0\.0\.1:8080/g, `127.0.0.1:${service.port}`);
              const r: { status: number | null; stdout: string; stderr: string } = spawnSync('bash', ['-c', command], { cwd: dir, encoding: 'utf8' });
              assert.equal(r.status, 0, `${file}: ${line}\n${r.stderr}`);
              const answer = JSON.parse(r.stdout) as Record<string, unknown>;
              assert.ok(!('error' in answer), `${file}: ${line} answered ${r.stdout}`);
              assert.ok(['live', 'attack', 'no-face'].includes(answer.decision as string), `${file}: ${line} answered ${r.stdout}`);
              lastAnswer = answer;
              curls++;
            }
          }
        }
      } finally {
        service?.child.kill('SIGKILL');
      }
      assert.ok(curls > 0, `${file} has curl examples`);
      assert.ok(compared > 0, `${file} shows an answer`);
    });
  }
});
