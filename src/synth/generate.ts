/**
 * `generateSynthDataset` (and `generateSynthSiw`, its SiW form): the whole
 * synthetic tree in the configured layout. Owns the manifest
 * (`synth.json`: the config and seed a folder was made with), resuming
 * (videos whose video and face files both exist are skipped), the layout's
 * extra files (MSU-MFSD's subject lists), and spreading
 * videos over worker threads, one ffmpeg encoder each.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, VidpadError } from '../errors.js';
import type { SynthConfig } from './config.js';
import { resolveSynthConfig } from './config.js';
import type { SynthPlan, SynthVideoSpec } from './plan.js';
import { planSynthSiw, SYNTH_MEDIA, SYNTH_SESSIONS } from './plan.js';
import { planSynthLayout } from './layouts.js';
import type { SynthEncodeOptions } from './writer.js';
import { isSynthVideoComplete, writeSynthVideo } from './writer.js';
import { claimOutputFolder, writeFileAtomic } from '../io/index.js';
import type { SynthWorkerReply, SynthWorkerRequest } from './worker-protocol.js';

export const SYNTH_MANIFEST = 'synth.json';
const MANIFEST_FORMAT = 1;
/**
 * What the renderer draws, as a number: raised whenever the same config would
 * give other pixels, so a folder is never resumed with videos of two kinds.
 * 1: the first renderer (folders without the field); 2: skin grain, the print's
 * source camera and the screen's resolution (docs/synthetic-siw.md).
 */
export const SYNTH_RENDERER = 2;

/** Each layout's naming, as the manifest records it. */
const LAYOUT_DESCRIPTIONS: Readonly<Record<SynthConfig['layout'], string>> = Object.freeze({
  siw: 'Train|Test/live|spoof/<SID>/<SID>-<sensor>-<type>-<medium>-<session>.mov + .face',
  'oulu-npu': 'Train_files|Dev_files|Test_files/<phone>_<session>_<user>_<type>.avi + .txt (frame, eye positions)',
  'casia-fasd': 'train_release|test_release/<n>/<1-8|HR_1-HR_4>.avi',
  'replay-attack': 'train|devel|test/real|attack/<fixed|hand>/<name>.mov + face-locations/<part>/.../<name>.face (frame x y w h)',
  'msu-mfsd': 'scene01/real|attack/<name>.mp4|.mov + .face (frame,x1,y1,x2,y2), train_sub_list.txt, test_sub_list.txt',
});

/** The plan of any layout. */
export function planSynthDataset(config: Readonly<SynthConfig>): SynthPlan {
  return config.layout === 'siw' ? planSynthSiw(config) : planSynthLayout(config.layout, config);
}

export interface SynthProgress {
  /** Videos finished so far in this run, written or skipped. */
  readonly done: number;
  readonly total: number;
  readonly skipped: number;
  /** Frames rendered in this run. */
  readonly frames: number;
  /** The video just finished. */
  readonly stem: string;
}

export interface SynthRunOptions {
  /** Worker threads; 1 renders in this thread. Default: the cores available, at most the number of videos to make. */
  readonly workers?: number;
  /** Only the videos this returns true for are made (the manifest still describes the whole set). */
  readonly only?: (spec: SynthVideoSpec) => boolean;
  /** Write into a folder vidpad did not make (see io/output-location.ts); without it such a folder is refused. */
  readonly overwrite?: boolean;
  /** How the caller named the folder, for messages (`--out`). */
  readonly option?: string;
  /** Called once the folder is claimed and the finished videos are counted, before any rendering. */
  readonly onStart?: (s: { readonly total: number; readonly skipped: number; readonly todo: number }) => void;
  /** Called after each video written in this run. */
  readonly onProgress?: (p: SynthProgress) => void;
}

export interface SynthRunResult {
  readonly outDir: string;
  readonly config: Readonly<SynthConfig>;
  readonly plan: SynthPlan;
  /** Stems written in this run, and stems found complete and skipped. */
  readonly written: readonly string[];
  readonly skipped: readonly string[];
  readonly frames: number;
  readonly seconds: number;
}

interface SynthManifest {
  generator: 'vidpad synth';
  format: number;
  renderer: number;
  config: SynthConfig;
  layout: string;
  sessions: Record<string, readonly number[]>;
  media: Record<string, readonly number[]>;
  subjects: Array<{ sid: string; split: string; part?: string }>;
  videos: number;
}

function manifestFor(config: Readonly<SynthConfig>, plan: SynthPlan): SynthManifest {
  return {
    generator: 'vidpad synth',
    format: MANIFEST_FORMAT,
    renderer: SYNTH_RENDERER,
    config: { ...config },
    layout: LAYOUT_DESCRIPTIONS[config.layout],
    sessions: { live: SYNTH_SESSIONS[1], print: SYNTH_SESSIONS[2], replay: SYNTH_SESSIONS[3] },
    media: { live: SYNTH_MEDIA[1], print: SYNTH_MEDIA[2], replay: SYNTH_MEDIA[3] },
    subjects: plan.subjects.map((s) => ({ sid: s.sid, split: s.split, ...(s.part ? { part: s.part } : {}) })),
    videos: plan.videos.length,
  };
}

/**
 * Makes sure `outDir` is ours to write (the shared output check: absent,
 * empty, or a synthetic dataset vidpad made; `overwrite` for another folder),
 * and, when it holds a dataset already, that it was made with exactly this
 * config. Anything else is an error that names the folder.
 */
async function claimFolder(outDir: string, config: Readonly<SynthConfig>, plan: SynthPlan, options: { overwrite?: boolean; option?: string }): Promise<void> {
  const manifestPath = path.join(outDir, SYNTH_MANIFEST);
  // A tree made before the marker file existed has its synth.json at the top.
  const { entries } = await claimOutputFolder(outDir, {
    kind: 'synth',
    legacy: (names) => names.includes(SYNTH_MANIFEST),
    ...(options.overwrite ? { overwrite: true } : {}),
    ...(options.option ? { option: options.option } : {}),
  });
  if (entries.includes(SYNTH_MANIFEST)) {
    let old: Partial<SynthManifest>;
    try {
      old = JSON.parse(await readFile(manifestPath, 'utf8')) as Partial<SynthManifest>;
    } catch (err) {
      throw new InputError(`${manifestPath} is not a readable synth manifest (${(err as Error).message}); remove it or choose another --out folder`, { cause: err });
    }
    const renderer = typeof old.renderer === 'number' ? old.renderer : 1;
    if (renderer !== SYNTH_RENDERER) {
      throw new InputError(
        `${outDir} holds a synthetic dataset drawn by renderer ${renderer}, and this vidpad draws renderer ${SYNTH_RENDERER} (${manifestPath}): ` +
          `its videos would not match the ones made now; choose another --out folder, or delete this one to make it again`,
      );
    }
    // Folders made before layouts existed are SiW folders without a pick.
    const before = { layout: 'siw', pick: {}, ...(old.config ?? {}) } as Partial<SynthConfig>;
    const diffs = (Object.keys(config) as Array<keyof SynthConfig>)
      .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(config[k]))
      .map((k) => `${k} ${JSON.stringify(before[k])} → ${JSON.stringify(config[k])}`);
    if (diffs.length > 0) {
      throw new InputError(
        `${outDir} already holds a synthetic dataset made with different settings (${diffs.join(', ')}); ` +
          `rerun with the same settings to resume it, or choose another --out folder`,
      );
    }
    return;
  }
  await writeFileAtomic(manifestPath, JSON.stringify(manifestFor(config, plan), null, 2) + '\n');
}

/** The layout's text files (subject lists), rewritten atomically on every run: they follow from the plan alone. */
async function writeExtraFiles(outDir: string, plan: SynthPlan): Promise<void> {
  for (const f of plan.extraFiles ?? []) {
    const file = path.join(outDir, ...f.path.split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, f.text);
  }
}

/** A worker thread; under tsx (tests, development) the .ts worker is loaded through a bootstrap that registers tsx in it. */
function startWorker(): Worker {
  const ext = path.extname(fileURLToPath(import.meta.url));
  const url = new URL(`./worker${ext}`, import.meta.url);
  if (ext !== '.ts') return new Worker(url);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(bootstrap, { eval: true });
}

async function runOnWorkers(
  n: number,
  outDir: string,
  jobs: readonly SynthVideoSpec[],
  options: SynthEncodeOptions,
  onDone: (stem: string, frames: number) => void,
): Promise<void> {
  let next = 0;
  let failure: VidpadError | undefined;
  const runOne = () =>
    new Promise<void>((resolve) => {
      const worker = startWorker();
      const feed = () => {
        if (failure || next >= jobs.length) {
          void worker.terminate().then(() => resolve());
          return;
        }
        const spec = jobs[next++] as SynthVideoSpec;
        worker.postMessage({ outDir, spec, options } satisfies SynthWorkerRequest);
      };
      worker.on('message', (msg: SynthWorkerReply) => {
        if (msg.type === 'done') onDone(msg.stem, msg.frames);
        else failure ??= new VidpadError(msg.code, msg.message);
        feed();
      });
      worker.on('error', (err) => {
        failure ??= new VidpadError('E_IO', `synth worker failed: ${err.message}`, { cause: err });
        void worker.terminate().then(() => resolve());
      });
      feed();
    });
  await Promise.all(Array.from({ length: n }, runOne));
  if (failure) throw failure;
}

/** Writes (or resumes) the synthetic SiW tree at `outDir`: `generateSynthDataset` with the SiW layout. */
export async function generateSynthSiw(outDir: string, config: Partial<SynthConfig> = {}, options: SynthRunOptions = {}): Promise<SynthRunResult> {
  return generateSynthDataset(outDir, { ...config, layout: 'siw' }, options);
}

/**
 * Writes (or resumes) the synthetic tree of `config.layout` at `outDir`.
 * Throws ConfigError for a bad config, InputError for a folder that is not
 * ours, VidpadError (E_IO) when ffmpeg cannot encode.
 */
export async function generateSynthDataset(outDir: string, config: Partial<SynthConfig> = {}, options: SynthRunOptions = {}): Promise<SynthRunResult> {
  const resolved = resolveSynthConfig(config);
  if (typeof outDir !== 'string' || outDir.length === 0) throw new InputError('generateSynthDataset: the output folder is empty');
  const root = path.resolve(outDir);
  if (options.workers !== undefined && (!Number.isInteger(options.workers) || options.workers < 1)) {
    throw new InputError(`generateSynthDataset: workers must be a positive integer, got ${String(options.workers)}`);
  }
  const plan = planSynthDataset(resolved);
  await claimFolder(root, resolved, plan, { ...(options.overwrite ? { overwrite: true } : {}), ...(options.option ? { option: options.option } : {}) });
  await writeExtraFiles(root, plan);

  const wanted = options.only ? plan.videos.filter(options.only) : plan.videos;
  const todo: SynthVideoSpec[] = [];
  const skipped: string[] = [];
  for (const spec of wanted) {
    if (await isSynthVideoComplete(root, spec)) skipped.push(spec.stem);
    else todo.push(spec);
  }
  options.onStart?.({ total: wanted.length, skipped: skipped.length, todo: todo.length });
  const start = performance.now();
  const written: string[] = [];
  let frames = 0;
  const total = wanted.length;
  const report = (stem: string) => options.onProgress?.({ done: skipped.length + written.length, total, skipped: skipped.length, frames, stem });
  const encode: SynthEncodeOptions = { seed: resolved.seed, width: resolved.width, height: resolved.height, frames: resolved.frames, fps: resolved.fps, crf: resolved.crf };
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), todo.length));
  if (todo.length > 0) {
    const onDone = (stem: string, n: number) => {
      written.push(stem);
      frames += n;
      report(stem);
    };
    if (workers === 1) {
      for (const spec of todo) onDone(spec.stem, await writeSynthVideo(root, spec, encode));
    } else {
      await runOnWorkers(workers, root, todo, encode, onDone);
    }
  }
  return { outDir: root, config: resolved, plan, written, skipped, frames, seconds: (performance.now() - start) / 1000 };
}
