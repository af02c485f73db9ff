/**
 * `vidpad synth`: writes a synthetic dataset in the exact layout and naming of
 * SiW, OULU-NPU, CASIA-FASD, Replay-Attack or MSU-MFSD, with their face files
 * and H.264 videos, resumably, on all cores.
 */
import type { CliCommand } from '../command.js';
import { createProgressBar } from '../progress.js';
import { generateSynthDataset, parsePick, DEFAULT_SYNTH_CONFIG, SYNTH_LAYOUTS, SYNTH_PICK_FIELDS, UsageError } from '../../index.js';
import type { SynthConfig } from '../../index.js';

function intOption(value: string | boolean | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\s*\d+\s*$/.test(value)) throw new UsageError(`--${name} expects a whole number, got '${String(value)}'`);
  return Number(value);
}

/** `WxH`, e.g. `320x240`. */
export function parseSizeOption(value: string): { width: number; height: number } {
  const m = /^\s*(\d+)\s*[xX×]\s*(\d+)\s*$/.exec(value);
  if (!m) throw new UsageError(`--size expects WIDTHxHEIGHT such as 320x240, got '${value}'`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

export const synthCommand: CliCommand = {
  name: 'synth',
  summary: 'write a synthetic face anti-spoofing dataset in the layout of SiW, OULU-NPU, CASIA-FASD, Replay-Attack or MSU-MFSD',
  usage: '--out DIR --subjects N --seed S [--layout NAME] [--pick "FIELD=V,… …"] [--size WxH] [--frames F] [--fps R]',
  description:
    'Renders procedural faces (live, print and replay scenes) and writes them in a dataset\'s exact layout and names:\n' +
    '  siw (default)  DIR/Train|Test/live|spoof/<SID>/<SID>-<sensor>-<type>-<medium>-<session>.mov + .face. Per subject:\n' +
    '                 8 live videos (2 sensors × sessions 1-4: distance, pose, illumination, expression), 8 print attacks\n' +
    '                 (media 1-2 × 2 sensors × sessions 1-2), 8 replay attacks (media 1-4 × 2 sensors × session 1);\n' +
    "                 subjects split between Train and Test in SiW's 90:75 proportion, from the seed.\n" +
    '  oulu-npu       Train_files|Dev_files|Test_files/<phone>_<session>_<user>_<type>.avi + .txt eye positions;\n' +
    '                 users from 01, 21 and 36 in the 20:15:20 proportion; 90 videos per user (6 phones × 3 sessions × 5 types)\n' +
    '  casia-fasd     train_release|test_release/<n>/{1-8,HR_1-HR_4}.avi (no face files, as the dataset); 20:30\n' +
    '  replay-attack  train|devel|test/real/… and attack/fixed|hand/… .mov, face-locations/<part>/….face; 15:15:20\n' +
    '  msu-mfsd       scene01/real|attack/….mp4 (android) or .mov (laptop) + .face, train_sub_list.txt, test_sub_list.txt; 15:20\n' +
    '--pick restricts the name space, e.g. --pick "phone=1,2 session=1,3" for oulu-npu. Fields: ' +
    Object.entries(SYNTH_PICK_FIELDS)
      .map(([l, f]) => `${l}: ${Object.keys(f).join(', ')}`)
      .join('; ') +
    '.\nDIR/synth.json records the settings; rerunning with the same settings resumes (finished videos are skipped,\n' +
    'also after a kill or Ctrl-C), with different settings is an error. DIR must be new, empty or a dataset vidpad\n' +
    'synth made (--overwrite to write into another folder). See docs/synthetic-siw.md for what is modelled, docs/data.md for the layouts.',
  options: [
    { name: 'out', type: 'string', valueName: 'DIR', description: 'output folder (new, empty, or an earlier synth run to resume)' },
    { name: 'layout', type: 'string', valueName: 'NAME', description: `dataset layout: ${SYNTH_LAYOUTS.join(', ')}`, default: DEFAULT_SYNTH_CONFIG.layout },
    { name: 'pick', type: 'string', valueName: 'SPEC', description: 'only these values of the layout\'s fields, e.g. "phone=1,2 type=1,2,4" (not for siw)' },
    { name: 'subjects', type: 'string', valueName: 'N', description: 'number of subjects (siw 1-999; oulu-npu 3-55, casia-fasd 2-50, replay-attack 3-50, msu-mfsd 2-35)', default: String(DEFAULT_SYNTH_CONFIG.subjects) },
    { name: 'seed', type: 'string', valueName: 'S', description: 'seed of everything (0-4294967295)', default: String(DEFAULT_SYNTH_CONFIG.seed) },
    { name: 'size', type: 'string', valueName: 'WxH', description: 'frame size, both even', default: `${DEFAULT_SYNTH_CONFIG.width}x${DEFAULT_SYNTH_CONFIG.height}` },
    { name: 'frames', type: 'string', valueName: 'F', description: 'frames per video', default: String(DEFAULT_SYNTH_CONFIG.frames) },
    { name: 'fps', type: 'string', valueName: 'R', description: 'frame rate', default: String(DEFAULT_SYNTH_CONFIG.fps) },
    { name: 'crf', type: 'string', valueName: 'Q', description: 'x264 quality (0-51, lower is better)', default: String(DEFAULT_SYNTH_CONFIG.crf) },
    { name: 'workers', type: 'string', valueName: 'N', description: 'worker threads (default: the cores available)' },
    { name: 'overwrite', type: 'boolean', description: 'write into --out even if vidpad did not make it', default: false },
    { name: 'json', type: 'boolean', description: 'print the summary as JSON', default: false },
  ],
  async run(args, io) {
    const o = args.options;
    if (typeof o.out !== 'string' || o.out.length === 0) throw new UsageError("--out DIR is required; see 'vidpad synth --help'");
    const config: Partial<{ -readonly [K in keyof SynthConfig]: SynthConfig[K] }> = {};
    const subjects = intOption(o.subjects, 'subjects');
    const seed = intOption(o.seed, 'seed');
    const frames = intOption(o.frames, 'frames');
    const fps = intOption(o.fps, 'fps');
    const crf = intOption(o.crf, 'crf');
    if (subjects !== undefined) config.subjects = subjects;
    if (seed !== undefined) config.seed = seed;
    if (frames !== undefined) config.frames = frames;
    if (fps !== undefined) config.fps = fps;
    if (crf !== undefined) config.crf = crf;
    if (o.size !== undefined) Object.assign(config, parseSizeOption(String(o.size)));
    if (o.layout !== undefined) {
      if (!(SYNTH_LAYOUTS as readonly string[]).includes(String(o.layout))) throw new UsageError(`--layout must be one of ${SYNTH_LAYOUTS.join(', ')}, got '${String(o.layout)}'`);
      config.layout = o.layout as SynthConfig['layout'];
    }
    if (typeof o.pick === 'string') config.pick = parsePick(o.pick);
    const workers = intOption(o.workers, 'workers');
    let bar: ReturnType<typeof createProgressBar> | undefined;
    io.interrupt?.set(() => 'finished videos are kept: run the same command again to make the rest');
    const result = await generateSynthDataset(o.out, config, {
      ...(workers !== undefined ? { workers } : {}),
      overwrite: Boolean(o.overwrite),
      option: '--out',
      onStart: (s) => {
        if (s.skipped > 0) io.stderr.write(`synth: ${s.skipped} of ${s.total} videos already complete, ${s.todo} to make\n`);
        // the bar counts only this run's videos, so its rate and ETA are not fooled by skipped ones
        if (s.todo > 0) bar = createProgressBar({ label: 'synth', total: s.todo, unit: 'videos', stream: io.stderr as NodeJS.WritableStream & { isTTY?: boolean } });
      },
      onProgress: (p) => bar?.update(p.done - p.skipped, `${p.frames} frames`),
    });
    bar?.finish();
    const rate = result.seconds > 0 ? result.frames / result.seconds : 0;
    const summary = {
      out: result.outDir,
      config: result.config,
      layout: result.config.layout,
      subjects: Object.fromEntries((['train', 'val', 'test'] as const).map((p) => [p, result.plan.subjects.filter((s) => (s.part ?? (s.split === 'Train' ? 'train' : 'test')) === p).length]).filter(([p, n]) => p !== 'val' || n !== 0)),
      videos: result.plan.videos.length,
      written: result.written.length,
      skipped: result.skipped.length,
      frames: result.frames,
      seconds: Number(result.seconds.toFixed(2)),
      framesPerSec: Number(rate.toFixed(1)),
    };
    if (o.json) {
      io.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    } else {
      io.stdout.write(
        `${summary.out}: ${result.config.layout} layout, ${summary.videos} videos of ${result.config.subjects} subjects (${Object.entries(summary.subjects).map(([p, n]) => `${n} ${p}`).join(', ')}); ` +
          `wrote ${summary.written}, skipped ${summary.skipped} already complete; ${summary.frames} frames in ${summary.seconds} s (${summary.framesPerSec} frames/s)\n`,
      );
    }
    return 0;
  },
};
