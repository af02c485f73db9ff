/**
 * `vidpad synth --layout`: each benchmark's exact names, folders and face
 * files, written out here from the datasets' naming rules; the trees index
 * with no issue under their loaders, their face files agree with the decoded
 * frames and with the boxes the renderer drew.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { planSynthLayout, partSizes, parsePick, generateSynthDataset, renderSynthVideo, resolveSynthConfig, SYNTH_MANIFEST } from '../../src/synth/index.js';
import { FOLDER_MARKER_FILE } from '../../src/io/index.js';
import { indexDataset, probeDatasetVideos, parseFaceFile, iou, datasetProtocolSplits, countSplit } from '../../src/index.js';
import type { SynthVideoSpec } from '../../src/synth/index.js';
import { synthCommand } from '../../src/cli/commands/synth.js';
import { ConfigError, InputError } from '../../src/errors.js';

const OPTS = { seed: 5, width: 96, height: 72, frames: 4, fps: 30 };
let root: string;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'vidpad-layouts-'));
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

test('subjects split in each dataset\'s proportion, at least one per part', () => {
  assert.deepEqual(partSizes('oulu-npu', 55), { train: 20, val: 15, test: 20 });
  assert.deepEqual(partSizes('casia-fasd', 50), { train: 20, val: 0, test: 30 });
  assert.deepEqual(partSizes('replay-attack', 50), { train: 15, val: 15, test: 20 });
  assert.deepEqual(partSizes('msu-mfsd', 35), { train: 15, val: 0, test: 20 });
  assert.deepEqual(partSizes('oulu-npu', 3), { train: 1, val: 1, test: 1 });
  assert.deepEqual(partSizes('casia-fasd', 5), { train: 2, val: 0, test: 3 });
  assert.throws(() => partSizes('oulu-npu', 2), (e: unknown) => e instanceof ConfigError && e.path === 'synth.subjects');
  assert.throws(() => partSizes('msu-mfsd', 36), (e: unknown) => e instanceof ConfigError && /at most 35/.test(e.message));
});

test('plans name every video by each dataset\'s rules', () => {
  const oulu = planSynthLayout('oulu-npu', { subjects: 3, pick: { phone: ['2'], session: ['3'] } });
  assert.deepEqual(
    oulu.videos.map((v) => [v.videoPath, v.faceFile?.path]),
    [['Train_files', '01'], ['Dev_files', '21'], ['Test_files', '36']].flatMap(([f, u]) => [1, 2, 3, 4, 5].map((t) => [`${f}/2_3_${u}_${t}.avi`, `${f}/2_3_${u}_${t}.txt`])),
  );
  const casia = planSynthLayout('casia-fasd', { subjects: 2, pick: { file: ['2', 'HR_3'] } });
  assert.deepEqual(casia.videos.map((v) => [v.videoPath, v.faceFile]), [
    ['train_release/1/2.avi', null],
    ['train_release/1/HR_3.avi', null],
    ['test_release/1/2.avi', null],
    ['test_release/1/HR_3.avi', null],
  ]);
  const replay = planSynthLayout('replay-attack', { subjects: 3, pick: { light: ['controlled'], support: ['hand'], attack: ['live', 'print', 'mobile-video'], attempt: ['2'] } });
  assert.deepEqual(
    replay.videos.map((v) => v.videoPath),
    [['train', '001'], ['devel', '002'], ['test', '003']].flatMap(([p, c]) => [
      `${p}/real/client${c}_session01_webcam_authenticate_controlled_2.mov`,
      `${p}/attack/hand/attack_print_client${c}_session01_highdef_photo_controlled.mov`,
      `${p}/attack/hand/attack_mobile_client${c}_session01_mobile_video_controlled.mov`,
    ]),
  );
  assert.equal(replay.videos[1]!.faceFile!.path, 'face-locations/train/attack/hand/attack_print_client001_session01_highdef_photo_controlled.face');
  const msu = planSynthLayout('msu-mfsd', { subjects: 2, pick: { kind: ['live', 'iphone_video'] } });
  assert.deepEqual(msu.videos.map((v) => v.videoPath), [
    'scene01/real/real_client001_android_SD_scene01.mp4',
    'scene01/attack/attack_client001_android_SD_iphone_video_scene01.mp4',
    'scene01/real/real_client001_laptop_SD_scene01.mov',
    'scene01/attack/attack_client001_laptop_SD_iphone_video_scene01.mov',
    'scene01/real/real_client002_android_SD_scene01.mp4',
    'scene01/attack/attack_client002_android_SD_iphone_video_scene01.mp4',
    'scene01/real/real_client002_laptop_SD_scene01.mov',
    'scene01/attack/attack_client002_laptop_SD_iphone_video_scene01.mov',
  ]);
  assert.deepEqual(msu.extraFiles, [{ path: 'train_sub_list.txt', text: '01\n' }, { path: 'test_sub_list.txt', text: '02\n' }]);
  // The full name spaces.
  assert.equal(planSynthLayout('oulu-npu', { subjects: 55, pick: {} }).videos.length, 4950);
  assert.equal(planSynthLayout('casia-fasd', { subjects: 50, pick: {} }).videos.length, 600);
  assert.equal(planSynthLayout('replay-attack', { subjects: 50, pick: {} }).videos.length, 1200);
  assert.equal(planSynthLayout('msu-mfsd', { subjects: 35, pick: {} }).videos.length, 280);
});

test('--pick is parsed and checked against the layout\'s fields and values', () => {
  assert.deepEqual(parsePick('phone=1,2 session=3;type=1'), { phone: ['1', '2'], session: ['3'], type: ['1'] });
  assert.throws(() => parsePick('phone'), (e: unknown) => e instanceof ConfigError && /FIELD=V1,V2/.test(e.message));
  assert.throws(() => planSynthLayout('oulu-npu', { subjects: 3, pick: { camera: ['1'] } }), (e: unknown) => e instanceof ConfigError && /fields: phone, session, type/.test(e.message));
  assert.throws(() => planSynthLayout('oulu-npu', { subjects: 3, pick: { phone: ['7'] } }), (e: unknown) => e instanceof ConfigError && e.path === 'synth.pick.phone');
  assert.throws(() => resolveSynthConfig({ layout: 'siw', pick: { phone: ['1'] } }), (e: unknown) => e instanceof ConfigError && e.path === 'synth.pick');
  assert.throws(() => resolveSynthConfig({ layout: 'nuaa' as never }), (e: unknown) => e instanceof ConfigError && e.path === 'synth.layout');
});

const PICKS = {
  'oulu-npu': { subjects: 3, pick: { phone: ['1'], session: ['1'], type: ['1', '2', '5'] } },
  'casia-fasd': { subjects: 2, pick: { file: ['1', '3', 'HR_4'] } },
  'replay-attack': { subjects: 3, pick: { light: ['adverse'], support: ['fixed'], attack: ['live', 'highdef-video'], attempt: ['1'] } },
  'msu-mfsd': { subjects: 2, pick: { device: ['android', 'laptop'], kind: ['live', 'printed_photo'] } },
} as const;

/** The renderer's boxes and eyes for one planned video. */
function rendered(spec: SynthVideoSpec) {
  return [...renderSynthVideo(spec, OPTS)].map((f) => ({ box: f.box, eyes: f.eyes }));
}

for (const [layout, cfg] of Object.entries(PICKS) as [keyof typeof PICKS, (typeof PICKS)[keyof typeof PICKS]][]) {
  test(`${layout}: the written tree is the plan, indexes and probes without an issue, and its face files hold the drawn faces`, { timeout: 120_000 }, async () => {
    const out = path.join(root, layout);
    const r = await generateSynthDataset(out, { layout, ...OPTS, subjects: cfg.subjects, pick: cfg.pick as never }, { workers: 1 });
    const plan = r.plan;
    const expected = [FOLDER_MARKER_FILE, SYNTH_MANIFEST, ...plan.videos.flatMap((v) => [v.videoPath!, ...(v.faceFile ? [v.faceFile.path] : [])]), ...(plan.extraFiles ?? []).map((f) => f.path)].sort();
    assert.deepEqual(await listFiles(out), expected);
    let index = await indexDataset(layout, out);
    assert.deepEqual(index.issues, []);
    assert.equal(index.videos.length, plan.videos.length);
    index = await probeDatasetVideos(index);
    assert.deepEqual(index.issues, []);
    assert.ok(index.videos.every((v) => v.frameCount === OPTS.frames));
    // The container each extension names.
    for (const v of index.videos.slice(0, 2)) {
      const fmt = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=format_name', '-of', 'csv=p=0', v.path], { encoding: 'utf8' }).trim();
      assert.match(fmt, path.extname(v.path) === '.avi' ? /avi/ : /mov|mp4/, v.path);
    }
    // The dataset's main protocol has live and attack videos to test.
    const first = datasetProtocolSplits(index, layout === 'oulu-npu' ? '2' : layout === 'casia-fasd' ? 'overall' : layout === 'replay-attack' ? 'grandtest' : 'all')[0]!;
    assert.ok(countSplit(first.test).live > 0 && countSplit(first.test).spoof > 0, first.name);
    // Face files against the renderer: exact boxes for the box formats, eye positions that give an overlapping box for OULU-NPU.
    for (const spec of plan.videos) {
      if (!spec.faceFile) continue;
      const drawn = rendered(spec);
      const text = await readFile(path.join(out, ...spec.faceFile.path.split('/')), 'utf8');
      const parsed = parseFaceFile(text, OPTS, spec.faceFile.format);
      assert.deepEqual(parsed.problems, [], spec.faceFile.path);
      assert.equal(parsed.boxes.length, OPTS.frames, spec.faceFile.path);
      drawn.forEach((d, i) => {
        const got = parsed.boxes[i] ?? null;
        if (d.box === null) return assert.equal(got, null);
        if (spec.faceFile!.format === 'frame-eyes') {
          assert.ok(got && iou(got, d.box) >= 0.5, `${spec.faceFile!.path} frame ${i}: IoU ${got ? iou(got, d.box).toFixed(2) : 'no box'}`);
        } else assert.deepEqual(got, d.box, `${spec.faceFile!.path} frame ${i}`);
      });
    }
    // A rerun with the same settings resumes (nothing to make); another layout into the folder is refused.
    const again = await generateSynthDataset(out, { layout, ...OPTS, subjects: cfg.subjects, pick: cfg.pick as never }, { workers: 1 });
    assert.equal(again.written.length, 0);
    await assert.rejects(generateSynthDataset(out, { layout: 'siw', ...OPTS, subjects: cfg.subjects }), (e: unknown) => e instanceof InputError && /layout/.test(e.message));
  });
}

test('vidpad synth --layout --pick writes a tree and reports its parts', async () => {
  let stdout = '';
  const io = { stdout: { write: (s: string) => ((stdout += s), true) } as unknown as NodeJS.WritableStream, stderr: { write: () => true } as unknown as NodeJS.WritableStream };
  const out = path.join(root, 'cli-msu');
  const code = await synthCommand.run({ options: { out, layout: 'msu-mfsd', subjects: '2', seed: '1', size: '64x64', frames: '2', workers: '1', pick: 'device=android kind=live', json: true }, positionals: [] }, io);
  assert.equal(code, 0);
  const summary = JSON.parse(stdout) as { layout: string; videos: number; subjects: Record<string, number> };
  assert.deepEqual([summary.layout, summary.videos, summary.subjects], ['msu-mfsd', 2, { train: 1, test: 1 }]);
  await assert.rejects(synthCommand.run({ options: { out, layout: 'oulu' }, positionals: [] }, io), /--layout must be one of siw, oulu-npu/);
});
