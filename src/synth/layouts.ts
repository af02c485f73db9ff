/**
 * The synthetic trees of the four cross-dataset benchmarks, in each
 * distribution's exact layout and naming (see docs/data.md and the loaders in
 * src/data/datasets/): which subjects go to which part, every video's file
 * and face file, and how each video maps onto the renderer's live / print /
 * replay scenes. Pure and deterministic; rendering follows the plan.
 *
 * - oulu-npu: `Train_files|Dev_files|Test_files/<phone>_<session>_<user>_<type>.avi`
 *   + `.txt` eye positions (`frame, xl, yl, xr, yr`, 1-based frames); users
 *   from 01 (Train), 21 (Dev), 36 (Test). Pick fields: phone, session, type.
 * - casia-fasd: `train_release|test_release/<n>/<1-8|HR_1-HR_4>.avi`, no face
 *   files (the distribution has none). Pick field: file.
 * - replay-attack: `train|devel|test/real/client<NNN>_session01_webcam_authenticate_<light>_<1|2>.mov`
 *   and `…/attack/<fixed|hand>/attack_<device>_client<NNN>_session01_<shown-on>_<photo|video>_<light>.mov`,
 *   boxes in `face-locations/<part>/…/<stem>.face` (`frame x y w h`, 0-based).
 *   Pick fields: light, support, attack, attempt.
 * - msu-mfsd: `scene01/real|attack/…_client<NNN>_<android|laptop>_SD_…_scene01.<mp4|mov>`
 *   + `.face` (`frame,x1,y1,x2,y2`, 0-based), `train_sub_list.txt`,
 *   `test_sub_list.txt`. Pick fields: device, kind.
 */
import { ConfigError } from '../errors.js';
import type { SynthLayout, SynthPick } from './config.js';
import type { SynthExtraFile, SynthPlan, SynthSensor, SynthSubject, SynthType, SynthVideoSpec } from './plan.js';

type Part = 'train' | 'val' | 'test';

/** Each layout's pickable fields and their values, in name-space order. */
export const SYNTH_PICK_FIELDS: Readonly<Record<Exclude<SynthLayout, 'siw'>, Readonly<Record<string, readonly string[]>>>> = Object.freeze({
  'oulu-npu': { phone: ['1', '2', '3', '4', '5', '6'], session: ['1', '2', '3'], type: ['1', '2', '3', '4', '5'] },
  'casia-fasd': { file: ['1', '2', '3', '4', '5', '6', '7', '8', 'HR_1', 'HR_2', 'HR_3', 'HR_4'] },
  'replay-attack': {
    light: ['controlled', 'adverse'],
    support: ['fixed', 'hand'],
    attack: ['live', 'print', 'mobile-photo', 'mobile-video', 'highdef-photo', 'highdef-video'],
    attempt: ['1', '2'],
  },
  'msu-mfsd': { device: ['android', 'laptop'], kind: ['live', 'ipad_video', 'iphone_video', 'printed_photo'] },
});

/** Parts and their share of the subjects, as in the real datasets, and the most subjects a layout numbers. */
const PARTS: Readonly<Record<Exclude<SynthLayout, 'siw'>, { parts: ReadonlyArray<readonly [Part, number]>; max: number }>> = Object.freeze({
  'oulu-npu': { parts: [['train', 20], ['val', 15], ['test', 20]], max: 55 },
  'casia-fasd': { parts: [['train', 20], ['test', 30]], max: 50 },
  'replay-attack': { parts: [['train', 15], ['val', 15], ['test', 20]], max: 50 },
  'msu-mfsd': { parts: [['train', 15], ['test', 20]], max: 35 },
});

/**
 * How many of `n` subjects each part gets: the real proportion rounded down,
 * every part at least one, the remainder to the parts in order of their
 * rounding loss (so 55 OULU subjects give exactly 20:15:20).
 */
export function partSizes(layout: Exclude<SynthLayout, 'siw'>, n: number): Record<Part, number> {
  const { parts, max } = PARTS[layout];
  if (n < parts.length) throw new ConfigError('synth.subjects', `the ${layout} layout needs at least ${parts.length} subjects (one per part: ${parts.map((p) => p[0]).join(', ')}), got ${n}`);
  if (n > max) throw new ConfigError('synth.subjects', `the ${layout} layout numbers at most ${max} subjects, as the real dataset; got ${n}`);
  const total = parts.reduce((a, p) => a + p[1], 0);
  const exact = parts.map(([, w]) => (n * w) / total);
  const sizes = exact.map((x) => Math.max(1, Math.floor(x)));
  let left = n - sizes.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, loss: x - Math.floor(x) })).sort((a, b) => b.loss - a.loss || a.i - b.i);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) sizes[order[k]!.i]! += 1;
  // Taking a subject back from the largest part when the minimums overshoot.
  while (left < 0) {
    const big = sizes.indexOf(Math.max(...sizes));
    sizes[big]! -= 1;
    left++;
  }
  const out: Record<Part, number> = { train: 0, val: 0, test: 0 };
  parts.forEach(([p], i) => (out[p] = sizes[i]!));
  return out;
}

/** Validates `pick` against the layout's fields; returns a predicate per field. */
function picker(layout: Exclude<SynthLayout, 'siw'>, pick: SynthPick): (field: string, value: string) => boolean {
  const fields = SYNTH_PICK_FIELDS[layout];
  for (const [field, values] of Object.entries(pick)) {
    const valid = fields[field];
    if (!valid) throw new ConfigError(`synth.pick.${field}`, `the ${layout} layout has no field '${field}'; its fields: ${Object.keys(fields).join(', ')}`);
    for (const v of values) if (!valid.includes(v)) throw new ConfigError(`synth.pick.${field}`, `'${v}' is not a ${layout} ${field}; expected some of ${valid.join(', ')}`);
  }
  return (field, value) => pick[field]?.includes(value) ?? true;
}

function subjectsOf(layout: Exclude<SynthLayout, 'siw'>, n: number, firstNumber: Record<Part, number>, sidOf: (part: Part, number: number) => string): Array<SynthSubject & { part: Part; number: number }> {
  const sizes = partSizes(layout, n);
  const out: Array<SynthSubject & { part: Part; number: number }> = [];
  let index = 0;
  for (const [part] of PARTS[layout].parts) {
    for (let k = 0; k < sizes[part]; k++) {
      const number = firstNumber[part] + k;
      out.push({ index: ++index, sid: sidOf(part, number), split: part === 'test' ? 'Test' : 'Train', part, number });
    }
  }
  return out;
}

interface Render {
  sensor: SynthSensor;
  type: SynthType;
  medium: number;
  session: number;
}

function spec(subject: SynthSubject, stem: string, relStem: string, ext: string, face: SynthVideoSpec['faceFile'], r: Render): SynthVideoSpec {
  return { subject, sensor: r.sensor, type: r.type, medium: r.medium, session: r.session, label: r.type === 1 ? 'live' : 'spoof', stem, relStem, videoPath: relStem + ext, faceFile: face };
}

function planOulu(n: number, pick: SynthPick): SynthPlan {
  const keep = picker('oulu-npu', pick);
  const subjects = subjectsOf('oulu-npu', n, { train: 1, val: 21, test: 36 }, (_, u) => `oulu-npu/${String(u).padStart(2, '0')}`);
  const folder: Record<Part, string> = { train: 'Train_files', val: 'Dev_files', test: 'Test_files' };
  const videos: SynthVideoSpec[] = [];
  for (const s of subjects) {
    for (const phone of [1, 2, 3, 4, 5, 6]) {
      for (const session of [1, 2, 3]) {
        for (const type of [1, 2, 3, 4, 5]) {
          if (!keep('phone', String(phone)) || !keep('session', String(session)) || !keep('type', String(type))) continue;
          const stem = `${phone}_${session}_${String(s.number).padStart(2, '0')}_${type}`;
          const relStem = `${folder[s.part]}/${stem}`;
          // Phones alternate between the two sensor profiles; sessions change the scene as SiW's live sessions 1-3 do.
          const sensor = (phone % 2 === 1 ? 1 : 2) as SynthSensor;
          const r: Render = type === 1 ? { sensor, type: 1, medium: 1, session } : type <= 3 ? { sensor, type: 2, medium: type - 1, session: ((session - 1) % 2) + 1 } : { sensor, type: 3, medium: type - 3, session: 1 };
          videos.push(spec(s, `oulu-npu:${stem}`, relStem, '.avi', { path: `${relStem}.txt`, format: 'frame-eyes' }, r));
        }
      }
    }
  }
  return { subjects, videos };
}

function planCasia(n: number, pick: SynthPick): SynthPlan {
  const keep = picker('casia-fasd', pick);
  const subjects = subjectsOf('casia-fasd', n, { train: 1, val: 1, test: 1 }, (p, k) => `casia-fasd/${p}-${String(k).padStart(2, '0')}`);
  const videos: SynthVideoSpec[] = [];
  for (const s of subjects) {
    for (const file of SYNTH_PICK_FIELDS['casia-fasd'].file!) {
      if (!keep('file', file)) continue;
      const hr = file.startsWith('HR_');
      const group = hr ? Number(file.slice(3)) - 1 : Math.floor((Number(file) - 1) / 2);
      const quality = hr ? 'high' : Number(file) % 2 === 1 ? 'low' : 'normal';
      // The low-quality camera is the noisier sensor profile.
      const sensor = (quality === 'low' ? 2 : 1) as SynthSensor;
      const r: Render =
        group === 0
          ? { sensor, type: 1, medium: 1, session: quality === 'low' ? 1 : quality === 'normal' ? 2 : 4 }
          : group === 1
            ? { sensor, type: 2, medium: 1, session: 2 } // warped photo: held further, bent and moved
            : group === 2
              ? { sensor, type: 2, medium: 2, session: 1 } // cut photo
              : { sensor, type: 3, medium: 3, session: 1 }; // video replay
      const relStem = `${s.part}_release/${s.number}/${file}`;
      videos.push(spec(s, `casia-fasd:${s.part}-${s.number}-${file}`, relStem, '.avi', null, r));
    }
  }
  return { subjects, videos };
}

function planReplay(n: number, pick: SynthPick): SynthPlan {
  const keep = picker('replay-attack', pick);
  const sizes = partSizes('replay-attack', n);
  // Clients numbered through the parts, as in the dataset (each client is in one part only).
  const subjects = subjectsOf('replay-attack', n, { train: 1, val: 1 + sizes.train, test: 1 + sizes.train + sizes.val }, (_, c) => `replay-attack/${String(c).padStart(3, '0')}`);
  const folder: Record<Part, string> = { train: 'train', val: 'devel', test: 'test' };
  const attacks = [
    { name: 'print', device: 'print', shownOn: 'highdef', medium: 'photo' },
    { name: 'mobile-photo', device: 'mobile', shownOn: 'mobile', medium: 'photo' },
    { name: 'mobile-video', device: 'mobile', shownOn: 'mobile', medium: 'video' },
    { name: 'highdef-photo', device: 'highdef', shownOn: 'highdef', medium: 'photo' },
    { name: 'highdef-video', device: 'highdef', shownOn: 'highdef', medium: 'video' },
  ] as const;
  const videos: SynthVideoSpec[] = [];
  for (const s of subjects) {
    const client = `client${String(s.number).padStart(3, '0')}`;
    const part = folder[s.part];
    for (const light of ['controlled', 'adverse'] as const) {
      if (!keep('light', light)) continue;
      // Adverse light is the scene with the moving lamp (SiW's illumination session).
      const liveSession = light === 'controlled' ? 1 : 3;
      if (keep('attack', 'live')) {
        for (const attempt of [1, 2]) {
          if (!keep('attempt', String(attempt))) continue;
          const stem = `${client}_session01_webcam_authenticate_${light}_${attempt}`;
          const rel = `real/${stem}`;
          videos.push(spec(s, `replay-attack:${stem}`, `${part}/${rel}`, '.mov', { path: `face-locations/${part}/${rel}.face`, format: 'frame-xywh' }, { sensor: 2, type: 1, medium: 1, session: liveSession }));
        }
      }
      for (const support of ['fixed', 'hand'] as const) {
        if (!keep('support', support)) continue;
        for (const a of attacks) {
          if (!keep('attack', a.name)) continue;
          const stem = `attack_${a.device}_${client}_session01_${a.shownOn}_${a.medium}_${light}`;
          const rel = `attack/${support}/${stem}`;
          const r: Render = a.device === 'print' ? { sensor: 2, type: 2, medium: 1, session: support === 'fixed' ? 1 : 2 } : { sensor: 2, type: 3, medium: a.device === 'highdef' ? 1 : 2, session: 1 };
          videos.push(spec(s, `replay-attack:${support}:${stem}`, `${part}/${rel}`, '.mov', { path: `face-locations/${part}/${rel}.face`, format: 'frame-xywh' }, r));
        }
      }
    }
  }
  return { subjects, videos };
}

function planMsu(n: number, pick: SynthPick): SynthPlan {
  const keep = picker('msu-mfsd', pick);
  const sizes = partSizes('msu-mfsd', n);
  const subjects = subjectsOf('msu-mfsd', n, { train: 1, val: 1, test: 1 + sizes.train }, (_, c) => `msu-mfsd/${String(c).padStart(3, '0')}`);
  const videos: SynthVideoSpec[] = [];
  for (const s of subjects) {
    const client = `client${String(s.number).padStart(3, '0')}`;
    for (const device of ['android', 'laptop'] as const) {
      if (!keep('device', device)) continue;
      const ext = device === 'android' ? '.mp4' : '.mov';
      const sensor = (device === 'android' ? 2 : 1) as SynthSensor;
      for (const kind of ['live', 'ipad_video', 'iphone_video', 'printed_photo'] as const) {
        if (!keep('kind', kind)) continue;
        const stem = kind === 'live' ? `real_${client}_${device}_SD_scene01` : `attack_${client}_${device}_SD_${kind}_scene01`;
        const relStem = `scene01/${kind === 'live' ? 'real' : 'attack'}/${stem}`;
        const r: Render =
          kind === 'live'
            ? { sensor, type: 1, medium: 1, session: device === 'android' ? 1 : 2 }
            : kind === 'printed_photo'
              ? { sensor, type: 2, medium: 1, session: 1 }
              : { sensor, type: 3, medium: kind === 'ipad_video' ? 1 : 2, session: 1 };
        videos.push(spec(s, `msu-mfsd:${stem}`, relStem, ext, { path: `${relStem}.face`, format: 'frame-corners' }, r));
      }
    }
  }
  const list = (part: Part): SynthExtraFile => ({
    path: part === 'train' ? 'train_sub_list.txt' : 'test_sub_list.txt',
    text: subjects.filter((s) => s.part === part).map((s) => String(s.number).padStart(2, '0')).join('\n') + '\n',
  });
  return { subjects, videos, extraFiles: [list('train'), list('test')] };
}

/** The plan of a non-SiW layout: subjects, videos (with their files) and extra files. */
export function planSynthLayout(layout: Exclude<SynthLayout, 'siw'>, config: { subjects: number; pick: SynthPick }): SynthPlan {
  switch (layout) {
    case 'oulu-npu':
      return planOulu(config.subjects, config.pick);
    case 'casia-fasd':
      return planCasia(config.subjects, config.pick);
    case 'replay-attack':
      return planReplay(config.subjects, config.pick);
    case 'msu-mfsd':
      return planMsu(config.subjects, config.pick);
  }
}

/**
 * `phone=1,2 session=1,3` (fields separated by spaces or `;`, values by
 * commas) as a pick; ConfigError naming the malformed part.
 */
export function parsePick(text: string): SynthPick {
  const out: Record<string, string[]> = {};
  for (const part of text.split(/[\s;]+/).filter((p) => p.length > 0)) {
    const m = /^([A-Za-z_]+)=(.+)$/.exec(part);
    if (!m) throw new ConfigError('synth.pick', `expected FIELD=V1,V2 (e.g. phone=1,2), got '${part}'`);
    const values = m[2]!.split(',').map((v) => v.trim()).filter((v) => v.length > 0);
    if (values.length === 0) throw new ConfigError(`synth.pick.${m[1]}`, `no value in '${part}'`);
    out[m[1]!] = [...(out[m[1]!] ?? []), ...values];
  }
  return out;
}
