/**
 * `vidpad synth`: writes a synthetic dataset in SiW's exact layout and naming,
 * with `.face` files and H.264 videos, resumably, on all cores.
 */
import type { CliCommand } from '../command.js';
import { createProgressBar } from '../progress.js';
import { generateSynthSiw, DEFAULT_SYNTH_CONFIG } from '../../index.js';
import type { SynthConfig } from '../../index.js';
import { UsageError } from '../../errors.js';

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
  summary: 'write a synthetic face anti-spoofing dataset in SiW layout (live, print, replay videos with .face files)',
  usage: '--out DIR --subjects N --seed S [--size WxH] [--frames F] [--fps R]',
  description:
    "Renders procedural faces and writes DIR/Train|Test/live|spoof/<SID>/<SID>-<sensor>-<type>-<medium>-<session>.mov\n" +
    'with a .face file beside each video. Per subject: 8 live videos (2 sensors × sessions 1-4: distance, pose,\n' +
    'illumination, expression), 8 print attacks (media 1-2 × 2 sensors × sessions 1-2) and 8 replay attacks\n' +
    '(media 1-4 × 2 sensors × session 1). Subjects split between Train and Test in SiW\'s 90:75 proportion, from the seed.\n' +
    'DIR/synth.json records the settings; rerunning with the same settings resumes (finished videos are skipped),\n' +
    'with different settings is an error. See docs/synthetic-siw.md for what is modelled.',
  options: [
    { name: 'out', type: 'string', valueName: 'DIR', description: 'output folder (new, empty, or an earlier synth run to resume)' },
    { name: 'subjects', type: 'string', valueName: 'N', description: 'number of subjects (1-999)', default: String(DEFAULT_SYNTH_CONFIG.subjects) },
    { name: 'seed', type: 'string', valueName: 'S', description: 'seed of everything (0-4294967295)', default: String(DEFAULT_SYNTH_CONFIG.seed) },
    { name: 'size', type: 'string', valueName: 'WxH', description: 'frame size, both even', default: `${DEFAULT_SYNTH_CONFIG.width}x${DEFAULT_SYNTH_CONFIG.height}` },
    { name: 'frames', type: 'string', valueName: 'F', description: 'frames per video', default: String(DEFAULT_SYNTH_CONFIG.frames) },
    { name: 'fps', type: 'string', valueName: 'R', description: 'frame rate', default: String(DEFAULT_SYNTH_CONFIG.fps) },
    { name: 'crf', type: 'string', valueName: 'Q', description: 'x264 quality (0-51, lower is better)', default: String(DEFAULT_SYNTH_CONFIG.crf) },
    { name: 'workers', type: 'string', valueName: 'N', description: 'worker threads (default: the cores available)' },
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
    const workers = intOption(o.workers, 'workers');
    let bar: ReturnType<typeof createProgressBar> | undefined;
    const result = await generateSynthSiw(o.out, config, {
      ...(workers !== undefined ? { workers } : {}),
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
      subjects: { train: result.plan.subjects.filter((s) => s.split === 'Train').length, test: result.plan.subjects.filter((s) => s.split === 'Test').length },
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
        `${summary.out}: ${summary.videos} videos of ${result.config.subjects} subjects (${summary.subjects.train} train, ${summary.subjects.test} test); ` +
          `wrote ${summary.written}, skipped ${summary.skipped} already complete; ${summary.frames} frames in ${summary.seconds} s (${summary.framesPerSec} frames/s)\n`,
      );
    }
    return 0;
  },
};
