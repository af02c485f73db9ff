/**
 * Idiap Replay-Attack: the index and its protocols on a tree with the
 * dataset's full name space (15 train, 15 devel, 20 test clients; 4 live and
 * 20 attack videos each: 1200 placeholder files, and enrolment videos) and its face-locations tree;
 * counts worked out here from the naming rules, and the published totals.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { indexReplayAttack, parseReplayName, replayProtocolSplits, countSplit, REPLAY_PROTOCOLS, type DatasetIndex } from '../../src/data/index.js';
import { ConfigError } from '../../src/errors.js';

interface Attack {
  device: 'print' | 'mobile' | 'highdef';
  medium: 'photo' | 'video';
}
const ATTACKS: Attack[] = [
  { device: 'print', medium: 'photo' },
  { device: 'mobile', medium: 'photo' },
  { device: 'mobile', medium: 'video' },
  { device: 'highdef', medium: 'photo' },
  { device: 'highdef', medium: 'video' },
];
const PARTS = [['train', 1, 15], ['devel', 16, 30], ['test', 31, 50]] as const;
const LIGHTS = ['controlled', 'adverse'] as const;

let tmp = '';
let root = '';
let index: DatasetIndex;

function put(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '');
}

before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'vidpad-replay-'));
  root = path.join(tmp, 'replayattack');
  for (const [part, from, to] of PARTS) {
    for (let c = from; c <= to; c++) {
      const client = `client${String(c).padStart(3, '0')}`;
      for (const light of LIGHTS) {
        for (const attempt of [1, 2]) {
          const rel = `real/${client}_session01_webcam_authenticate_${light}_${attempt}`;
          put(path.join(root, part, `${rel}.mov`));
          put(path.join(root, 'face-locations', part, `${rel}.face`));
        }
        for (const support of ['fixed', 'hand']) {
          for (const a of ATTACKS) {
            const shownOn = a.device === 'print' ? 'highdef' : a.device;
            const rel = `attack/${support}/attack_${a.device}_${client}_session01_${shownOn}_${a.medium}_${light}`;
            put(path.join(root, part, `${rel}.mov`));
            put(path.join(root, 'face-locations', part, `${rel}.face`));
          }
        }
      }
      put(path.join(root, 'enroll', part, `${client}_session01_webcam_enroll_controlled_1.mov`));
    }
  }
  index = await indexReplayAttack(root);
});

after(() => rmSync(tmp, { recursive: true, force: true }));

test('Replay-Attack names: live and attack fields; a print shows the high-definition photo', () => {
  assert.deepEqual(parseReplayName('client001_session01_webcam_authenticate_adverse_1'), {
    client: '001', session: '01', light: 'adverse', attempt: 1, device: null, medium: null,
  });
  assert.deepEqual(parseReplayName('attack_highdef_client001_session01_highdef_photo_adverse'), {
    client: '001', session: '01', light: 'adverse', attempt: null, device: 'highdef', medium: 'photo',
  });
  assert.deepEqual(parseReplayName('attack_print_client110_session01_highdef_photo_controlled'), {
    client: '110', session: '01', light: 'controlled', attempt: null, device: 'print', medium: 'photo',
  });
  for (const bad of ['attack_print_client001_session01_highdef_video_adverse', 'attack_mobile_client001_session01_highdef_photo_adverse', 'client001_session01_webcam_enroll_controlled_1', 'client001_session01_webcam_authenticate_dim_1']) {
    assert.equal(typeof parseReplayName(bad), 'string', bad);
  }
});

test('the full tree: 1200 videos (the published 1300 less enroll/, skipped), every face-locations file found, no issue; the published totals', () => {
  assert.deepEqual(index.issues, []);
  assert.equal(index.videos.length, 1200);
  const count = (part: string, label: string) => index.videos.filter((v) => v.sourceSplit === part && v.label === label).length;
  // Published: train 60 real + 300 attack, devel 60 + 300, test 80 + 400.
  assert.deepEqual([count('train', 'live'), count('train', 'spoof'), count('val', 'live'), count('val', 'spoof'), count('test', 'live'), count('test', 'spoof')], [60, 300, 60, 300, 80, 400]);
  const v = index.videos.find((x) => x.id === 'replay-attack/devel/attack/hand/attack_mobile_client020_session01_mobile_video_adverse')!;
  assert.deepEqual([v.attackType, v.subject, v.sourceSplit, v.replay!.support, v.faceFormat], ['replay/mobile-video', '020', 'val', 'hand', 'frame-xywh']);
  assert.equal(v.faceFile, path.join(root, 'face-locations', 'devel', 'attack', 'hand', 'attack_mobile_client020_session01_mobile_video_adverse.face'));
});

test('every protocol keeps live videos and its attack subset in train, devel (validation) and test', () => {
  const subset: Record<string, (a: Attack) => boolean> = {
    grandtest: () => true,
    print: (a) => a.device === 'print',
    mobile: (a) => a.device === 'mobile',
    highdef: (a) => a.device === 'highdef',
    photo: (a) => a.medium === 'photo',
    digitalphoto: (a) => a.medium === 'photo' && a.device !== 'print',
    video: (a) => a.medium === 'video',
  };
  assert.deepEqual(Object.keys(subset), [...REPLAY_PROTOCOLS]);
  for (const [protocol, keep] of Object.entries(subset)) {
    const [split] = replayProtocolSplits(index, protocol as never);
    // Per client: 2 lights × 2 attempts live; 2 lights × 2 supports per kept attack.
    const perClient = { live: 4, spoof: 4 * ATTACKS.filter(keep).length };
    for (const [part, clients] of [['train', 15], ['val', 15], ['test', 20]] as const) {
      const c = countSplit(split![part]);
      assert.deepEqual({ live: c.live, spoof: c.spoof, subjects: c.subjects }, { live: clients * perClient.live, spoof: clients * perClient.spoof, subjects: clients }, `${protocol} ${part}`);
    }
    assert.equal(split!.valSubjects.length, 15);
  }
  assert.throws(() => replayProtocolSplits(index, 'smalltest' as never), ConfigError);
});

test('without face-locations there is one issue, not one per video; a missing face file in the tree is reported per file', async () => {
  const r = path.join(tmp, 'nofaces');
  put(path.join(r, 'train', 'real', 'client001_session01_webcam_authenticate_adverse_1.mov'));
  put(path.join(r, 'devel', 'attack', 'fixed', 'attack_print_client002_session01_highdef_photo_adverse.mov'));
  put(path.join(r, 'test', 'attack', 'stand', 'x.mov'));
  put(path.join(r, 'test', 'real', 'attack_print_client003_session01_highdef_photo_adverse.mov'));
  let ix = await indexReplayAttack(r);
  assert.equal(ix.videos.length, 2);
  assert.deepEqual(ix.issues.map((i) => `${i.kind} ${path.relative(r, i.file)}`).sort(), ['bad-folder test/attack/stand', 'bad-name test/real/attack_print_client003_session01_highdef_photo_adverse.mov', 'missing-face face-locations']);
  // A .face beside one video: now the other one's absence is reported.
  put(path.join(r, 'train', 'real', 'client001_session01_webcam_authenticate_adverse_1.face'));
  ix = await indexReplayAttack(r);
  assert.ok(ix.videos.find((v) => v.subject === '001')!.faceFile!.endsWith('adverse_1.face'));
  assert.ok(ix.issues.some((i) => i.kind === 'missing-face' && i.file.endsWith('attack_print_client002_session01_highdef_photo_adverse.mov')));
  unlinkSync(path.join(r, 'train', 'real', 'client001_session01_webcam_authenticate_adverse_1.face'));
});
