/**
 * Every TypeScript example (```ts block) in README.md and docs/*.md runs as written: each block is saved in a scratch folder that holds what
 * the examples name (`models/p1`, a model folder; `face.mp4`, a short face
 * video; `photo.jpg`, a photograph) and run with node; only `from 'vidpad'`
 * is pointed at this checkout's source.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { encodeFrames, FIXTURE_SIZE, liveFrames, randomModelFolder } from '../predict/fixtures.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// README.md always (it must keep its examples), and every page of docs/ that has any.
const FILES = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`)
    .filter((f) => tsBlocks(readFileSync(path.join(ROOT, f), 'utf8')).length > 0),
];

/** The ```ts blocks of a Markdown file, with the line each starts on. */
export function tsBlocks(markdown: string): { line: number; code: string }[] {
  const out: { line: number; code: string }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```ts') continue;
    const start = i + 1;
    let j = start;
    while (j < lines.length && lines[j]!.trim() !== '```') j++;
    out.push({ line: start + 1, code: lines.slice(start, j).join('\n') });
    i = j;
  }
  return out;
}

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-docs-'));
  await randomModelFolder(path.join(dir, 'models', 'p1'), { frames: 5, size: 64, loss: 'ce' });
  await encodeFrames(path.join(dir, 'face.mp4'), liveFrames(6, 0, 10).map((f) => f.rgb), FIXTURE_SIZE.width, FIXTURE_SIZE.height);
  await copyFile(path.join(ROOT, 'test', 'fixtures', 'faces', 'image_T1.jpg'), path.join(dir, 'photo.jpg'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('the pages with ts examples include the ones that document the library', () => {
  for (const file of ['docs/predict.md', 'docs/faces.md', 'docs/serve.md', 'docs/data.md', 'docs/synthetic-siw.md']) assert.ok(FILES.includes(file), `${file} has no ts block left to run`);
});

describe('code examples in the documentation', { timeout: 600_000 }, () => {
  for (const file of FILES) {
    it(`${file}: every ts block runs`, async () => {
      const blocks = tsBlocks(await readFile(path.join(ROOT, file), 'utf8'));
      assert.ok(blocks.length > 0, `${file} has ts examples`);
      const entry = pathToFileURL(path.join(ROOT, 'src', 'index.ts')).href;
      for (const [k, block] of blocks.entries()) {
        const script = path.join(dir, `example-${path.basename(file, '.md')}-${k}.mts`);
        await writeFile(script, block.code.replace(/from 'vidpad'/g, `from ${JSON.stringify(entry)}`));
        const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), script], { cwd: dir, encoding: 'utf8', env: { ...process.env, TSX_TSCONFIG_PATH: path.join(ROOT, 'tsconfig.json') } });
        assert.equal(r.status, 0, `${file}:${block.line} failed:\n${block.code}\n--- stderr ---\n${r.stderr}`);
      }
    });
  }
});
