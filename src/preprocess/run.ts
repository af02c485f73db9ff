/**
 * A preprocessing run over many videos: skips the ones already in the cache
 * (so a killed run resumes where it stopped), takes only its shard of the
 * list when asked (cluster array jobs), spreads videos over worker threads,
 * records failures in a manifest and goes on.
 */
import os from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../io/index.js';
import { ConfigError, InputError } from '../errors.js';
import { claimOutputFolder } from '../io/index.js';
import type { OutputFolderOptions } from '../io/index.js';
import { createFaceDetector, resolveFaceDetectorName } from '../face/index.js';
import type { FaceDetector, FaceDetectorName } from '../face/index.js';
import { preprocessKey, resolvePreprocessConfig } from './config.js';
import type { PreprocessConfig } from './config.js';
import { cacheLayout, isVideoCached, videoDir, readFailures, writeCacheConfig, writeFailures, writeVideoCrops } from './crop-cache.js';
import type { CropCacheLayout, PreprocessFailure } from './crop-cache.js';
import { preprocessVideo } from './process-video.js';
import { measureBoxCalibrations, readCacheCalibrations, writeCacheCalibrations } from './calibrate.js';
import type { BoxCalibration } from '../face/index.js';
import type { VideoJob } from './process-video.js';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './worker-protocol.js';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** Parses `i/n` (1 ≤ i ≤ n). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new ConfigError('shard', `expected i/n with 1 <= i <= n (e.g. 2/8), got '${text}'`);
  return { index, count };
}

/** The videos of shard i of n: every n-th of the id-sorted list, so shards are disjoint and cover the list whatever its order. */
export function selectShard<T extends { videoId: string }>(jobs: readonly T[], shard: Shard | null): T[] {
  const sorted = [...jobs].sort((a, b) => (a.videoId < b.videoId ? -1 : a.videoId > b.videoId ? 1 : 0));
  return shard ? sorted.filter((_, i) => i % shard.count === shard.index - 1) : sorted;
}

export interface PreprocessProgress {
  videosDone: number;
  videosTotal: number;
  framesDone: number;
  /** Videos of this run that failed so far (each recorded in failures.json; the run goes on). */
  failed: number;
  current: string | null;
}

export interface PreprocessRunOptions {
  videos: readonly VideoJob[];
  cacheDir: string;
  config?: Parameters<typeof resolvePreprocessConfig>[0];
  /** Worker threads; 1 runs in this thread. Default: the cores available, at most the number of videos. */
  workers?: number;
  shard?: Shard | null;
  /** Use a `cacheDir` vidpad did not make (see io/output-location.ts); without it such a folder is refused. */
  overwrite?: boolean;
  onProgress?: (p: PreprocessProgress) => void;
  /**
   * With a box policy that uses the dataset's boxes: measure, on a sample of
   * the videos, how each available detector's boxes map to the dataset's
   * (`calibration.json`; training records it, predict applies it to videos
   * without boxes). Done once per cache folder. Default true.
   */
  calibrate?: boolean;
  /** Called before the calibration sample is measured (it takes a few seconds per detector). */
  onCalibrating?: () => void;
}

export interface PreprocessSummary {
  key: string;
  cacheRoot: string;
  detector: string;
  selected: number;
  skipped: number;
  processed: number;
  failed: PreprocessFailure[];
  /** Videos cached this run whose input was not all it should be (a face file with unusable lines or fewer boxes than frames); also in failures.json. */
  warnings: PreprocessFailure[];
  frames: number;
  /** Detector → dataset box calibrations of this cache (empty under the detector policy or when none were measured). */
  calibrations: BoxCalibration[];
  seconds: number;
}

/** The detector a run uses (`auto` resolved by `resolveFaceDetectorName`), or 'none' when the boxes come from the dataset only. */
export function resolveDetectorName(config: Readonly<PreprocessConfig>): FaceDetectorName | 'none' {
  return config.boxPolicy === 'dataset' ? 'none' : resolveFaceDetectorName(config.detector);
}

/** A preprocessing worker (worker.ts, or worker.js once compiled). */
function startWorker(setup: WorkerSetup): Worker {
  return startModuleWorker(import.meta.url, 'worker', setup);
}

interface JobOutcome {
  job: VideoJob;
  error?: string;
  /** Problems with the video's input that did not stop it (it is cached). */
  warnings?: string[];
}

/** Runs jobs in this thread with one detector. */
async function runInProcess(jobs: VideoJob[], config: Readonly<PreprocessConfig>, layout: CropCacheLayout, detectorName: string, onFrames: (n: number) => void, onDone: (o: JobOutcome) => Promise<void>): Promise<void> {
  let detector: FaceDetector | null = null;
  try {
    if (detectorName !== 'none') detector = await createFaceDetector({ detector: detectorName as FaceDetectorName });
    for (const job of jobs) {
      try {
        const result = await preprocessVideo(job, config, detector, onFrames);
        await writeVideoCrops(layout, result);
        await onDone({ job, warnings: result.warnings });
      } catch (err) {
        await onDone({ job, error: (err as Error).message });
      }
    }
  } finally {
    detector?.dispose();
  }
}

/** Runs jobs on `n` worker threads, each with its own detector, taking the next video as it finishes one. */
async function runOnWorkers(n: number, jobs: VideoJob[], setup: WorkerSetup, onFrames: (n: number) => void, onDone: (o: JobOutcome) => Promise<void>): Promise<void> {
  const queue = [...jobs];
  const runWorker = () =>
    new Promise<void>((resolve, reject) => {
      const worker = startWorker(setup);
      let current: VideoJob | undefined;
      let settled = false;
      const next = () => {
        current = queue.shift();
        if (!current) {
          settled = true;
          void worker.terminate().then(() => resolve());
          return;
        }
        worker.postMessage({ type: 'job', job: current } satisfies WorkerRequest);
      };
      worker.on('message', (msg: WorkerReply) => {
        if (msg.type === 'ready') next();
        else if (msg.type === 'frames') onFrames(msg.frames);
        else if (msg.type === 'done' || msg.type === 'failed') {
          const job = current!;
          void onDone(msg.type === 'done' ? { job, warnings: msg.warnings } : { job, error: msg.reason }).then(next, reject);
        } else if (msg.type === 'fatal') {
          settled = true;
          void worker.terminate();
          reject(new InputError(`preprocessing worker could not start: ${msg.reason}`));
        }
      });
      worker.on('error', (err) => {
        if (settled) return;
        settled = true;
        reject(err);
      });
      worker.on('exit', (code) => {
        if (!settled) {
          settled = true;
          if (current) void onDone({ job: current, error: `worker exited with code ${code}` }).then(resolve, reject);
          else resolve();
        }
      });
    });
  await Promise.all(Array.from({ length: n }, runWorker));
}

/**
 * Where a crop cache may live: new, empty, or a cache vidpad made (one of
 * settings folders holding config.json, from before the marker file).
 */
export function cacheFolderOptions(options: { overwrite?: boolean; option?: string } = {}): OutputFolderOptions {
  const legacy = async (entries: readonly string[], dir: string) => {
    for (const e of entries) if (existsSync(path.join(dir, e, 'config.json')) && existsSync(path.join(dir, e, 'videos'))) return true;
    return false;
  };
  return { kind: 'crop-cache', legacy, ...(options.overwrite ? { overwrite: true } : {}), ...(options.option ? { option: options.option } : {}) };
}

/**
 * Preprocesses `videos` into `cacheDir` and returns what happened. Videos
 * already cached are skipped; failures are listed in `<cache>/<key>/failures.json`
 * (a video that succeeds later leaves the list).
 */
export async function runPreprocess(options: PreprocessRunOptions): Promise<PreprocessSummary> {
  const t0 = performance.now();
  const config = resolvePreprocessConfig(options.config);
  const detectorName = resolveDetectorName(config);
  const key = preprocessKey(config, detectorName);
  const layout = cacheLayout(options.cacheDir, key);
  await claimOutputFolder(options.cacheDir, cacheFolderOptions({ overwrite: options.overwrite ?? false }));
  await writeCacheConfig(layout, config, detectorName);
  const selected = selectShard(options.videos, options.shard ?? null);
  const todo: VideoJob[] = [];
  // A video whose id cannot name a cache folder (a manifest path outside the root) fails before any decoding.
  const refused: JobOutcome[] = [];
  for (const job of selected) {
    try {
      videoDir(layout, job.videoId);
    } catch (err) {
      refused.push({ job, error: (err as Error).message });
      continue;
    }
    if (!(await isVideoCached(layout, job.videoId))) todo.push(job);
  }
  const requested = options.workers ?? os.availableParallelism();
  if (!Number.isInteger(requested) || requested < 1) throw new ConfigError('workers', `expected an integer >= 1, got ${String(requested)}`);
  const workers = Math.max(1, Math.min(requested, todo.length));

  const failures = new Map((await readFailures(layout)).map((f) => [f.videoId, f]));
  const progress: PreprocessProgress = { videosDone: 0, videosTotal: todo.length + refused.length, framesDone: 0, failed: 0, current: null };
  let frames = 0;
  const report = () => options.onProgress?.({ ...progress });
  const onFrames = (n: number) => {
    frames += n;
    progress.framesDone = frames;
    report();
  };
  // Outcomes arrive one at a time per worker; the manifest write is serialised through this chain.
  let manifestWrites = Promise.resolve();
  const onDone = async (o: JobOutcome) => {
    progress.videosDone += 1;
    progress.current = o.job.videoId;
    if (o.error) {
      progress.failed += 1;
      failures.set(o.job.videoId, { videoId: o.job.videoId, path: o.job.path, reason: o.error, at: new Date().toISOString(), kind: 'failed' });
    } else if (o.warnings && o.warnings.length > 0) {
      failures.set(o.job.videoId, { videoId: o.job.videoId, path: o.job.path, reason: o.warnings.join('; '), at: new Date().toISOString(), kind: 'warning' });
    } else failures.delete(o.job.videoId);
    const snapshot = [...failures.values()];
    manifestWrites = manifestWrites.then(() => writeFailures(layout, snapshot));
    await manifestWrites;
    report();
  };
  report();
  for (const r of refused) await onDone(r);
  if (todo.length > 0) {
    if (workers === 1) await runInProcess(todo, config, layout, detectorName, onFrames, onDone);
    else await runOnWorkers(workers, todo, { config, detectorName, cacheRoot: layout.root, key }, onFrames, onDone);
  }
  await manifestWrites;
  let calibrations = await readCacheCalibrations(layout);
  if (calibrations === null && config.boxPolicy !== 'detector' && (options.calibrate ?? true) && options.videos.some((v) => v.faceFile !== null)) {
    options.onCalibrating?.();
    // The whole list, not this shard's part: every shard of a cache measures the same sample.
    calibrations = await measureBoxCalibrations(options.videos, config);
    await writeCacheCalibrations(layout, calibrations);
  }
  const attempted = [...refused.map((r) => r.job), ...todo];
  const recordedNow = attempted.map((j) => failures.get(j.videoId)).filter((f): f is PreprocessFailure => f !== undefined);
  const failedNow = recordedNow.filter((f) => f.kind !== 'warning');
  return {
    key,
    cacheRoot: layout.root,
    detector: detectorName,
    selected: selected.length,
    skipped: selected.length - attempted.length,
    processed: attempted.length - failedNow.length,
    failed: failedNow,
    warnings: recordedNow.filter((f) => f.kind === 'warning'),
    frames,
    calibrations: calibrations ?? [],
    seconds: (performance.now() - t0) / 1e3,
  };
}
