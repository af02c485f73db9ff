import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateSynthSiw, SYNTH_MANIFEST, SYNTH_RENDERER } from '../../src/synth/index.js';
import { synthCommand } from '../../src/cli/commands/synth.js';
import { ConfigError, InputError, OutputError, UsageError, VidpadError } from '../../src/errors.js';
import { FOLDER_MARKER_FILE } from '../../src/io/index.js';

const SIZE = { width: 64, height: 64 };
const FRAMES = 6;
let root: string;
let out: string;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'vidpad-synth-'));
  out = path.join(root, 'siw');
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function listFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else found.push(path.relative(dir, p).split(path.sep).join('/'));
    }
  };
  await walk(dir);
  return found.sort();
}

/** A subject's 24 stems from SiW's naming rules and the documented sessions. */
function stemsOf(sid: string): string[] {
  const stems: string[] = [];
  for (const sensor of [1, 2]) {
    for (const session of [1, 2, 3, 4]) stems.push(`${sid}-${sensor}-1-1-${session}`);
    for (const medium of [1, 2]) for (const session of [1, 2]) stems.push(`${sid}-${sensor}-2-${medium}-${session}`);
    for (const medium of [1, 2, 3, 4]) stems.push(`${sid}-${sensor}-3-${medium}-1`);
  }
  return stems;
}

function memoryIo() {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => ((stdout += s), true) } as unknown as NodeJS.WritableStream,
    stderr: { write: (s: string) => ((stderr += s), true) } as unknown as NodeJS.WritableStream,
  };
  return { io, out: () => stdout, err: () => stderr };
}

test('vidpad synth writes exactly the SiW tree the rules give, with .face files matching the decoded frame counts', async () => {
  const m = memoryIo();
  const code = await synthCommand.run(
    { options: { out, subjects: '2', seed: '9', size: `${SIZE.width}x${SIZE.height}`, frames: String(FRAMES), fps: '30', workers: '2', json: true }, positionals: [] },
    m.io,
  );
  assert.equal(code, 0);
  const summary = JSON.parse(m.out()) as { videos: number; written: number; skipped: number; frames: number; subjects: { train: number; test: number } };
  assert.deepEqual([summary.videos, summary.written, summary.skipped, summary.frames], [48, 48, 0, 48 * FRAMES]);
  // round(2 · 90/165) = 1 train subject, and the other tests
  assert.deepEqual(summary.subjects, { train: 1, test: 1 });
  assert.match(m.err(), /synth .*48\/48/);

  const files = await listFiles(out);
  const splitOf = new Map<string, string>();
  for (const f of files.filter((x) => x !== SYNTH_MANIFEST && x !== FOLDER_MARKER_FILE)) {
    const [split, label, sid] = f.split('/') as [string, string, string];
    assert.ok(split === 'Train' || split === 'Test', f);
    assert.equal(splitOf.get(sid) ?? split, split, `subject ${sid} appears in both splits`);
    splitOf.set(sid, split);
    assert.equal(label, f.split('/')[3]?.split('-')[2] === '1' ? 'live' : 'spoof', f);
  }
  assert.deepEqual([...splitOf.keys()].sort(), ['001', '002']);
  assert.deepEqual(new Set(splitOf.values()), new Set(['Train', 'Test']));
  const expected = [FOLDER_MARKER_FILE, SYNTH_MANIFEST];
  for (const [sid, split] of splitOf) {
    for (const stem of stemsOf(sid)) {
      const label = stem.split('-')[2] === '1' ? 'live' : 'spoof';
      expected.push(`${split}/${label}/${sid}/${stem}.face`, `${split}/${label}/${sid}/${stem}.mov`);
    }
  }
  assert.deepEqual(files, expected.sort());

  // every .face: one in-frame box per frame
  for (const f of files.filter((x) => x.endsWith('.face'))) {
    const lines = (await readFile(path.join(out, f), 'utf8')).trimEnd().split('\n');
    assert.equal(lines.length, FRAMES, f);
    for (const line of lines) {
      const [x1, y1, x2, y2] = line.split(' ').map(Number) as [number, number, number, number];
      assert.ok(x1 >= 0 && y1 >= 0 && x2 <= SIZE.width && y2 <= SIZE.height && x2 > x1 && y2 > y1, `${f}: '${line}'`);
    }
  }
  // what ffmpeg wrote decodes to as many frames as the .face file has lines
  for (const f of files.filter((x) => x.endsWith('.mov')).filter((_, i) => i % 12 === 0)) {
    const probe = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames,width,height,codec_name,pix_fmt', '-of', 'json', path.join(out, f)], { encoding: 'utf8' });
    const s = (JSON.parse(probe) as { streams: Array<Record<string, string | number>> }).streams[0];
    assert.ok(s, f);
    assert.equal(Number(s.nb_read_frames), FRAMES, f);
    assert.deepEqual([s.codec_name, s.pix_fmt, s.width, s.height], ['h264', 'yuv420p', SIZE.width, SIZE.height], f);
  }
  const manifest = JSON.parse(await readFile(path.join(out, SYNTH_MANIFEST), 'utf8')) as { renderer: number; config: { seed: number; subjects: number } };
  assert.equal(manifest.config.seed, 9);
  assert.equal(manifest.config.subjects, 2);
  assert.equal(manifest.renderer, SYNTH_RENDERER);
});

test('a rerun resumes: complete videos are skipped, a video missing its .face is made again', async () => {
  const config = { subjects: 2, seed: 9, ...SIZE, frames: FRAMES, fps: 30 };
  const again = await generateSynthSiw(out, config, { workers: 1 });
  assert.equal(again.written.length, 0);
  assert.equal(again.skipped.length, 48);

  const victim = (await listFiles(out)).find((f) => f.endsWith('-2-3-4-1.face'));
  assert.ok(victim);
  const keep = (await listFiles(out)).find((f) => f.endsWith('-1-1-1-1.mov'));
  assert.ok(keep);
  const keptTime = (await stat(path.join(out, keep))).mtimeMs;
  await rm(path.join(out, victim));
  // what a run killed while encoding this video would leave
  const stale = path.join(out, path.dirname(victim), `.${path.basename(victim, '.face')}.mov.12345.abc.tmp`);
  await writeFile(stale, 'half a video');
  const third = await generateSynthSiw(out, config, { workers: 1 });
  assert.deepEqual(third.written, [path.basename(victim, '.face')]);
  assert.equal(third.skipped.length, 47);
  assert.equal((await stat(path.join(out, keep))).mtimeMs, keptTime);
  assert.equal((await readFile(path.join(out, victim), 'utf8')).trimEnd().split('\n').length, FRAMES);
  // no temporary files left behind
  assert.deepEqual((await listFiles(out)).filter((f) => f.endsWith('.tmp')), []);
});

test('another seed (or size) into the same folder, or a foreign non-empty folder, is an error naming the folder', async () => {
  await assert.rejects(
    generateSynthSiw(out, { subjects: 2, seed: 10, ...SIZE, frames: FRAMES }),
    (e: unknown) => e instanceof InputError && e.message.includes(out) && e.message.includes('seed 9 → 10'),
  );
  await assert.rejects(
    generateSynthSiw(out, { subjects: 2, seed: 9, width: 96, height: 64, frames: FRAMES }),
    (e: unknown) => e instanceof InputError && e.message.includes('width 64 → 96'),
  );
  // a folder an older renderer made (its manifest predates the field) is not resumed with the new renderer's videos
  const manifestPath = path.join(out, SYNTH_MANIFEST);
  const current = await readFile(manifestPath, 'utf8');
  const { renderer: _, ...older } = JSON.parse(current) as Record<string, unknown>;
  await writeFile(manifestPath, JSON.stringify(older));
  await assert.rejects(
    generateSynthSiw(out, { subjects: 2, seed: 9, ...SIZE, frames: FRAMES }),
    (e: unknown) => e instanceof InputError && e.message.includes(out) && e.message.includes(`renderer 1, and this vidpad draws renderer ${SYNTH_RENDERER}`),
  );
  await writeFile(manifestPath, current);
  const foreign = path.join(root, 'foreign');
  await mkdir(foreign);
  await writeFile(path.join(foreign, 'notes.txt'), 'mine');
  await assert.rejects(generateSynthSiw(foreign, { subjects: 1 }), (e: unknown) => e instanceof OutputError && e.message.includes(foreign));
});

test('a missing ffmpeg is a typed error naming the video, and leaves no partial file', async () => {
  const dir = path.join(root, 'noffmpeg');
  const saved = process.env.VIDPAD_FFMPEG;
  process.env.VIDPAD_FFMPEG = path.join(root, 'no-such-ffmpeg');
  try {
    await assert.rejects(
      generateSynthSiw(dir, { subjects: 1, seed: 1, ...SIZE, frames: 3 }, { workers: 1, only: (v) => v.stem === '001-1-1-1-1' }),
      (e: unknown) => e instanceof VidpadError && e.code === 'E_IO' && e.message.includes('001-1-1-1-1.mov') && e.message.includes('VIDPAD_FFMPEG'),
    );
  } finally {
    if (saved === undefined) delete process.env.VIDPAD_FFMPEG;
    else process.env.VIDPAD_FFMPEG = saved;
  }
  assert.deepEqual(await listFiles(dir), [FOLDER_MARKER_FILE, SYNTH_MANIFEST]);
});

test('vidpad synth rejects bad options with errors naming the option', async () => {
  const run = (options: Record<string, string | boolean>) => synthCommand.run({ options, positionals: [] }, memoryIo().io);
  const dir = path.join(root, 'bad');
  await assert.rejects(run({ subjects: '2' }), (e: unknown) => e instanceof UsageError && e.message.includes('--out'));
  await assert.rejects(run({ out: dir, subjects: 'many' }), (e: unknown) => e instanceof UsageError && e.message.includes('--subjects'));
  await assert.rejects(run({ out: dir, seed: '-3' }), (e: unknown) => e instanceof UsageError && e.message.includes('--seed'));
  await assert.rejects(run({ out: dir, size: '320by240' }), (e: unknown) => e instanceof UsageError && e.message.includes('--size'));
  await assert.rejects(run({ out: dir, size: '321x240' }), (e: unknown) => e instanceof ConfigError && e.path === 'synth.width');
  await assert.rejects(run({ out: dir, frames: '1' }), (e: unknown) => e instanceof ConfigError && e.path === 'synth.frames');
  await assert.rejects(run({ out: dir, subjects: '0' }), (e: unknown) => e instanceof ConfigError && e.path === 'synth.subjects');
  await assert.rejects(run({ out: dir, workers: '0' }), (e: unknown) => e instanceof InputError && e.message.includes('workers'));
});
