/**
 * The liveness page in a real browser: Debian's Chromium (playwright-core,
 * no downloaded browser) with a fake camera playing y4m files made with
 * ffmpeg from synthetic videos, the page built by Vite and served by
 * `vidpad web`'s server, and a tiny model trained for the test on synthetic
 * live, print and replay videos (test/predict's fixture: the replay attack
 * carries a screen's blue cast, scan lines and flicker, which it learns in
 * seconds). The held-out subject plays live, then as a replay.
 *
 * Checked: the page shows a face box and a decision; the replay's decision
 * differs from the live one (attack vs live); a refused camera and a missing
 * one show their messages; and the page's clip tensor equals the one Node
 * computes with training's own crop and standardisation from the same frames
 * and boxes (and Node's BlazeFace and ONNX Runtime agree with the page's).
 *
 * VIDPAD_WRITE_SCREENSHOT=1 saves the live page's screenshot as docs/web-page.png (the README's).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { cropFace, createFaceDetector, calibrateBox, iou, initBackend, openModelSession, quantizeModelFolderInt8, readModelMeta, readVideoCrops, standardizeClips } from '../../src/index.js';
import { cp } from 'node:fs/promises';
import type { BoxPx, ModelMeta, RgbFrame } from '../../src/index.js';
import { prepareWebModel, startWebServer } from '../../src/web/index.js';
import type { WebServer } from '../../src/web/index.js';
import { FIXTURE_SIZE, liveFrames, randomModelFolder, trainFixtureModel, withCue } from '../predict/fixtures.js';
import type { Kind, TrainedFixture } from '../predict/fixtures.js';
import { buildPage, launchChromium, writeY4m } from './helpers.js';
import { build } from 'vite';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
/** Frames of each fake-camera video (the camera loops it): 2 s at 30 fps. */
const CAMERA_FRAMES = 60;

interface PageState {
  decisions: { decision: string; score: number | null; threshold: number; clips: number }[];
  scores: number[];
  faces: number;
  errors: string[];
  stats: { fps: number; modelMs: number; detectMs: number } | null;
}

let dir: string;
let server: WebServer;
let meta: ModelMeta;
let modelDir: string;
let fx: TrainedFixture;
const y4m: Partial<Record<Kind, string>> = {};
const browsers: Browser[] = [];

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-web-'));
  fx = await trainFixtureModel(dir);
  modelDir = fx.modelDir;
  await prepareWebModel(modelDir);
  meta = await readModelMeta(modelDir);
  await buildPage(path.join(dir, 'page'));
  // The first held-out subject, live and replayed, rendered longer than the fixture's clips.
  const subject = fx.inputs[0]!.subject;
  const base = liveFrames(6, Number(subject.slice(1)) - 1, CAMERA_FRAMES);
  const { width, height } = FIXTURE_SIZE;
  for (const kind of ['live', 'replay'] as const) {
    const file = path.join(dir, `${subject}-${kind}.y4m`);
    await writeY4m(file, base.map((f, i) => withCue(f.rgb, width, height, kind, i)), width, height);
    y4m[kind] = file;
  }
  server = await startWebServer({ pageDir: path.join(dir, 'page'), modelDir, port: 0 });
});

after(async () => {
  for (const b of browsers) await b.close().catch(() => {});
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function openPage(options: Parameters<typeof launchChromium>[0], query = ''): Promise<Page> {
  const browser = await launchChromium(options);
  browsers.push(browser);
  const page = await browser.newPage({ viewport: { width: 1100, height: 660 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${server.url}${query}`);
  return page;
}

const pageState = (page: Page) => page.evaluate(() => JSON.parse(JSON.stringify((globalThis as unknown as { vidpadPage: unknown }).vidpadPage)) as unknown) as Promise<PageState>;

/** Waits until the page has scored `clips` clips (or shown an error), then returns its state. */
async function waitForClips(page: Page, clips: number): Promise<PageState> {
  await page.waitForFunction(
    (n) => {
      const s = (globalThis as unknown as { vidpadPage?: { scores: unknown[]; errors: unknown[] } }).vidpadPage;
      return !!s && (s.scores.length >= n || s.errors.length > 0);
    },
    clips,
    { timeout: 90_000 },
  );
  return pageState(page);
}

describe('the liveness page in Chromium with a fake camera', { timeout: 600_000 }, () => {
  const seen: Partial<Record<Kind, { decision: string; meanScore: number }>> = {};

  for (const kind of ['live', 'replay'] as const) {
    it(`shows the face box and a decision for the ${kind} video`, async () => {
      const page = await openPage({ y4m: y4m[kind]! });
      // 30 clips: the decision window (6 clips) filled five times over, across loops of the video.
      const state = await waitForClips(page, 30);
      assert.deepEqual(state.errors, []);
      assert.ok(state.faces > 0, 'BlazeFace found the face');
      assert.equal(await page.getAttribute('#stage', 'data-face'), 'yes', 'the face box is drawn');
      const last = state.decisions[state.decisions.length - 1]!;
      assert.ok(last.decision === 'live' || last.decision === 'attack', JSON.stringify(last));
      assert.equal(await page.getAttribute('#decision', 'data-decision'), last.decision);
      assert.equal(last.threshold, meta.threshold!.value);
      const shown = (await page.textContent('#model')) ?? '';
      assert.match(shown, /T = 2, 64² crops/);
      assert.match(shown, new RegExp(`${meta.threshold!.value.toFixed(4)} \\(eer on val\\)`));
      seen[kind] = { decision: last.decision, meanScore: state.scores.reduce((a, b) => a + b, 0) / state.scores.length };
      if (kind === 'live' && process.env.VIDPAD_WRITE_SCREENSHOT === '1') {
        await writeFile(path.join(ROOT, 'docs', 'web-page.png'), await page.screenshot({ fullPage: true }));
      }
      await page.context().browser()!.close();
    });
  }

  it('decides live for the live video and attack for its replay', () => {
    assert.ok(seen.live && seen.replay, 'both videos ran');
    assert.equal(seen.live.decision, 'live', JSON.stringify(seen));
    assert.equal(seen.replay.decision, 'attack', JSON.stringify(seen));
    assert.ok(seen.live.meanScore > seen.replay.meanScore, JSON.stringify(seen));
  });

  it('says so when the camera is refused', async () => {
    // Without --use-fake-ui-for-media-stream headless Chromium answers the permission prompt with "deny".
    const page = await openPage({ y4m: y4m.live!, allowCamera: false });
    await page.waitForSelector('#message:not([hidden])', { timeout: 60_000 });
    assert.match((await page.textContent('#message')) ?? '', /Camera access was refused/);
    assert.equal(await page.getAttribute('body', 'data-state'), 'camera-denied');
    await page.context().browser()!.close();
  });

  it('says so when there is no camera', async () => {
    const page = await openPage({ camera: false });
    await page.waitForSelector('#message:not([hidden])', { timeout: 60_000 });
    assert.match((await page.textContent('#message')) ?? '', /No camera was found/);
    assert.equal(await page.getAttribute('body', 'data-state'), 'camera-absent');
    await page.context().browser()!.close();
  });
});

/**
 * Runs the page with `keepFrames` on the model served by `srv` and checks its
 * first clips against Node: the crops and the clip tensor bit for bit,
 * BlazeFace's boxes, onnxruntime's score.
 */
async function checkParity(srv: WebServer, dirOfModel: string, modelMeta: ModelMeta): Promise<void> {
  const browser = await launchChromium({ y4m: y4m.live! });
  browsers.push(browser);
  const page = await browser.newPage();
  await page.goto(`${srv.url}?keepFrames=1`);
  await page.waitForFunction(() => ((globalThis as unknown as { vidpadPage?: { clips: unknown[] } }).vidpadPage?.clips.length ?? 0) >= 3, null, { timeout: 90_000 });
  // A string, not a function: tsx's transform would name the page's functions with a helper the page lacks.
  const clips = (await page.evaluate(`(() => {
    const b64 = (a, float) => {
      const bytes = float ? new Uint8Array(Float32Array.from(a).buffer) : Uint8Array.from(a);
      let s = '';
      for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
      return btoa(s);
    };
    return globalThis.vidpadPage.clips.slice(0, 3).map((c) => ({
      frames: c.frames,
      boxes: c.boxes,
      crops: c.crops.map((x) => b64(x, false)),
      input: b64(c.input, true),
      sources: c.sourceFrames.map((f) => ({ width: f.width, height: f.height, data: b64(f.data, false) })),
    }));
  })()`)) as { frames: number[]; boxes: BoxPx[]; crops: string[]; input: string; sources: { width: number; height: number; data: string }[] }[];
  const faces = await page.evaluate(() => (globalThis as unknown as { vidpadPage: { faceEvents: { frame: number; box: unknown }[] } }).vidpadPage.faceEvents);
  const pageScores = await page.evaluate(() => (globalThis as unknown as { vidpadPage: { scoreEvents: { clip: number; frames: number[]; score: number }[] } }).vidpadPage.scoreEvents);
  await page.context().browser()!.close();

  const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
  const floats = (s: string) => {
    const b = Buffer.from(s, 'base64');
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
  const contract = modelMeta.contract!;
  const size = contract.crop.sizePx;
  const { session } = await openModelSession(dirOfModel, { threads: 1 });
  await initBackend('wasm');
  const blazeface = await createFaceDetector({ detector: 'blazeface', backend: 'wasm' });
  // A model trained on a dataset's boxes maps BlazeFace's with its calibration; one trained on BlazeFace's takes them as they are.
  const calibration = contract.boxes.policy === 'detector' ? null : contract.boxes.calibrations.find((c) => c.detector === 'blazeface')!;
  let boxesCompared = 0;
  try {
    assert.equal(clips.length, 3);
    for (const clip of clips) {
      assert.equal(clip.frames.length, contract.clip.frames);
      clip.frames.forEach((f, i) => assert.equal(f, clip.frames[0]! + i, `clip ${clip.frames.join(',')}: T consecutive frames`));
      const frames: RgbFrame[] = clip.sources.map((f) => ({ width: f.width, height: f.height, data: bytes(f.data) }));
      assert.deepEqual([frames[0]!.width, frames[0]!.height], [FIXTURE_SIZE.width, FIXTURE_SIZE.height]);
      // Training's crop (preprocess: cropFace with the contract's settings) and standardisation (standardizeClips).
      const crops = frames.map((f, i) => cropFace(f, clip.boxes[i]!, { sizePx: size, marginFrac: contract.crop.marginFrac, edge: contract.crop.edge, antialias: contract.crop.antialias }).frame.data);
      crops.forEach((c, i) => assert.deepEqual(c, bytes(clip.crops[i]!), `clip ${clip.frames.join(',')}: crop ${i} differs`));
      const nodeInput = standardizeClips([{ width: size, height: size, frames: crops }]);
      const pageInput = floats(clip.input);
      assert.equal(pageInput.length, nodeInput.length);
      let maxDiff = 0;
      for (let k = 0; k < nodeInput.length; k++) maxDiff = Math.max(maxDiff, Math.abs(nodeInput[k]! - pageInput[k]!));
      assert.equal(maxDiff, 0, `clip tensors differ by up to ${maxDiff}`);
      // onnxruntime-node on Node's tensor against onnxruntime-web's score of the page's.
      const { liveScore } = await session.run(nodeInput, 1);
      const pageScore = pageScores.find((s) => s.frames.join() === clip.frames.join());
      assert.ok(pageScore, `the page scored clip ${clip.frames.join(',')}`);
      assert.ok(Math.abs(liveScore[0]! - pageScore.score) < 1e-4, `score ${liveScore[0]} (Node) vs ${pageScore.score} (page)`);
      // Node's BlazeFace on the same frames finds the box the page found (before tracking), mapped with the same calibration.
      for (const [i, f] of clip.frames.entries()) {
        const event = faces.find((e) => e.frame === f);
        if (!event || !event.box) continue;
        const found = await blazeface.detect(frames[i]!);
        assert.ok(found.length > 0, `Node's BlazeFace finds the face on frame ${f}`);
        const nodeBox = calibrateBox(found[0]!.box, calibration);
        const overlap = iou(nodeBox, event.box as BoxPx);
        assert.ok(overlap > 0.98, `frame ${f}: IoU ${overlap.toFixed(4)} between Node's and the page's BlazeFace boxes`);
        boxesCompared += 1;
      }
    }
    assert.ok(boxesCompared > 0, 'some clip frame had a detection to compare');
  } finally {
    await session.dispose();
    blazeface.dispose();
  }
}

describe('parity: the page crops and standardises as training does', { timeout: 600_000 }, () => {
  it("with the trained 2-frame model: the page's clip tensors equal Node's from the same frames and boxes; BlazeFace and ONNX agree", async () => {
    await checkParity(server, modelDir, meta);
  });

  it('with a 5-frame model at 112 px fed BlazeFace boxes: the same, on clips of 5 consecutive frames', async () => {
    await initBackend('cpu');
    const dir5 = await randomModelFolder(path.join(dir, 'model-t5'), { frames: 5, size: 112 });
    await prepareWebModel(dir5);
    const srv = await startWebServer({ pageDir: path.join(dir, 'page'), modelDir: dir5, port: 0 });
    try {
      await checkParity(srv, dir5, await readModelMeta(dir5));
    } finally {
      await srv.close();
    }
  });
});

/** The ```typescript blocks of a Markdown file: the browser examples (```ts blocks run in Node, test/docs/ts-examples.test.ts). */
function browserBlocks(markdown: string): { line: number; code: string }[] {
  const out: { line: number; code: string }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```typescript') continue;
    let j = i + 1;
    while (j < lines.length && lines[j]!.trim() !== '```') j++;
    out.push({ line: i + 2, code: lines.slice(i + 1, j).join('\n') });
    i = j;
  }
  return out;
}

describe('the page with ?precision=int8', { timeout: 600_000 }, () => {
  it("runs model.int8.onnx (served by vidpad web's int8 server): its scores are ONNX Runtime's int8 scores of the page's clip tensors", async () => {
    // The trained model's int8 export, calibrated on clips of its training cache (as test/predict does; the plumbing, not accuracy).
    const int8Dir = path.join(dir, 'model-int8');
    await cp(modelDir, int8Dir, { recursive: true });
    const t = meta.config.frames;
    const batches = [];
    for (const v of fx.videos.slice(0, 4)) {
      const { meta: cm, crops } = await readVideoCrops(fx.cache, v.id);
      const side = cm.cropSizePx;
      batches.push({ data: standardizeClips([{ width: side, height: side, frames: Array.from({ length: t }, (_, f) => crops.subarray(f * side * side * 3, (f + 1) * side * side * 3)) }]), batch: 1 });
    }
    await quantizeModelFolderInt8(int8Dir, { calibration: batches, calibrationSource: 'fixture training clips' });
    const srv = await startWebServer({ pageDir: path.join(dir, 'page'), modelDir: int8Dir, port: 0, precision: 'int8' });
    const browser = await launchChromium({ y4m: y4m.live! });
    browsers.push(browser);
    let clips: { frames: number[]; input: string }[];
    let scores: { frames: number[]; score: number }[];
    let errors: string[];
    try {
      const page = await browser.newPage();
      await page.goto(`${srv.url}?precision=int8&keepFrames=1`);
      await page.waitForFunction(() => {
        const s = (globalThis as unknown as { vidpadPage?: { scoreEvents: unknown[]; errors: unknown[] } }).vidpadPage;
        return !!s && (s.scoreEvents.length >= 3 || s.errors.length > 0);
      }, null, { timeout: 90_000 });
      errors = await page.evaluate(() => (globalThis as unknown as { vidpadPage: { errors: string[] } }).vidpadPage.errors);
      clips = (await page.evaluate(`(() => {
        const b64 = (a) => { const bytes = new Uint8Array(Float32Array.from(a).buffer); let s = ''; for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]); return btoa(s); };
        return globalThis.vidpadPage.clips.slice(0, 3).map((c) => ({ frames: c.frames, input: b64(c.input) }));
      })()`)) as { frames: number[]; input: string }[];
      scores = await page.evaluate(() => (globalThis as unknown as { vidpadPage: { scoreEvents: { frames: number[]; score: number }[] } }).vidpadPage.scoreEvents);
    } finally {
      await browser.close();
      await srv.close();
    }
    assert.deepEqual(errors, []);
    const int8 = (await openModelSession(int8Dir, { precision: 'int8', threads: 1 })).session;
    const fp32 = (await openModelSession(int8Dir, { threads: 1 })).session;
    try {
      let fromInt8 = 0;
      let fromFp32 = 0;
      assert.equal(clips.length, 3);
      for (const clip of clips) {
        const b = Buffer.from(clip.input, 'base64');
        const input = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
        const pageScore = scores.find((s) => s.frames.join() === clip.frames.join());
        assert.ok(pageScore, `the page scored clip ${clip.frames.join(',')}`);
        const a = (await int8.run(input, 1)).liveScore[0]!;
        const f = (await fp32.run(input, 1)).liveScore[0]!;
        fromInt8 += Math.abs(pageScore.score - a);
        fromFp32 += Math.abs(pageScore.score - f);
        assert.ok(Math.abs(pageScore.score - a) < 1e-3, `clip ${clip.frames.join(',')}: page ${pageScore.score} vs Node int8 ${a} (fp32 ${f})`);
      }
      assert.ok(fromInt8 < fromFp32, `the page's scores are the int8 export's (off by ${fromInt8} in all), not model.onnx's (${fromFp32})`);
    } finally {
      await int8.dispose();
      await fp32.dispose();
    }
  });
});

describe("the documentation's browser examples", { timeout: 600_000 }, () => {
  for (const file of ['README.md', 'docs/web.md']) {
    it(`${file}: every typescript block runs in a page with the fake camera, logging faces and decisions`, async () => {
      const blocks = browserBlocks(await readFile(path.join(ROOT, file), 'utf8'));
      assert.ok(blocks.length > 0, `${file} has browser examples`);
      for (const [k, block] of blocks.entries()) {
        const exDir = path.join(dir, `example-${path.basename(file, '.md')}-${k}`);
        await mkdir(exDir, { recursive: true });
        await writeFile(path.join(exDir, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><video muted playsinline></video><script type="module" src="./example.ts"></script>');
        await writeFile(path.join(exDir, 'example.ts'), block.code);
        const out = path.join(exDir, 'out');
        const saved = process.env.VIDPAD_WEB_OUT;
        process.env.VIDPAD_WEB_OUT = out;
        try {
          // The page's own Vite config (runtime files, onnxruntime-web's condition), 'vidpad/browser' pointed at this checkout.
          await build({
            configFile: path.join(ROOT, 'web', 'vite.config.ts'),
            root: exDir,
            logLevel: 'error',
            resolve: {
              alias: [
                { find: /^vidpad\/browser\/worker/, replacement: path.join(ROOT, 'src', 'browser', 'pipeline-worker.ts') },
                { find: /^vidpad\/browser$/, replacement: path.join(ROOT, 'src', 'browser', 'index.ts') },
              ],
            },
          });
        } finally {
          if (saved === undefined) delete process.env.VIDPAD_WEB_OUT;
          else process.env.VIDPAD_WEB_OUT = saved;
        }
        const exServer = await startWebServer({ pageDir: out, modelDir, port: 0 });
        const browser = await launchChromium({ y4m: y4m.live! });
        browsers.push(browser);
        try {
          const page = await browser.newPage();
          const logs: string[] = [];
          const errors: string[] = [];
          page.on('console', (m) => (m.type() === 'error' ? errors : logs).push(m.text()));
          page.on('pageerror', (e) => errors.push(e.message));
          await page.goto(exServer.url);
          const deadline = Date.now() + 90_000;
          while (Date.now() < deadline && !(logs.some((l) => /^decision (live|attack)/.test(l)) && logs.some((l) => l.startsWith('face {')))) {
            if (errors.length > 0) break;
            await page.waitForTimeout(200);
          }
          assert.deepEqual(errors, [], `${file}:${block.line}`);
          assert.ok(logs.some((l) => l.startsWith('face {')), `${file}:${block.line} logged a face box: ${logs.slice(0, 5).join(' | ')}`);
          assert.ok(logs.some((l) => /^clip \d+ -?\d\.\d{3}$/.test(l)), `${file}:${block.line} logged clip scores`);
          assert.ok(logs.some((l) => /^decision (live|attack) /.test(l)), `${file}:${block.line} logged a decision`);
        } finally {
          await browser.close();
          await exServer.close();
        }
      }
    });
  }
});
