/**
 * `vidpad preprocess`: index a dataset and fill the crop cache, resumably,
 * on all cores, optionally one shard of the videos.
 */
import type { CliCommand } from '../command.js';
import { createProgressBar } from '../progress.js';
import { datasetListOption, indexDataset, indexDatasets, numberOption, shardOption, stringOption } from '../dataset-args.js';
import { resolveDetectorName, resolvePreprocessConfig, runPreprocess, videoJobsOf, namespacedVideos, checkOutputFolder, cacheFolderOptions, BOX_POLICIES, CROP_EDGE_MODES, DATASET_NAMES, DEFAULT_PREPROCESS_CONFIG, FACE_DETECTOR_NAMES, UsageError } from '../../index.js';
import type { DatasetIndex, VideoEntry } from '../../index.js';
import type { BoxPolicy, CropEdgeMode, FaceDetectorRequest } from '../../index.js';

const d = DEFAULT_PREPROCESS_CONFIG;

export const preprocessCommand: CliCommand = {
  name: 'preprocess',
  summary: 'decode, detect and crop the faces of a dataset into the crop cache (resumable, shardable)',
  usage: '--dataset NAME[,NAME,…] --root DIR --cache DIR [options]',
  description:
    'Decodes each video once (scaled by ffmpeg), finds the face in every frame, tracks it, and stores the square\n' +
    'face crops (uint8) with their boxes under CACHE/<settings key>/videos/<video id>/. Videos already cached are\n' +
    'skipped, so a killed (or Ctrl-C) run continues where it stopped; failures are listed in CACHE/<key>/failures.json\n' +
    'and the run goes on (exit status 1 when any failed). A video without a face in any frame fails (never all-zero\n' +
    'crops); a face file with unusable lines or fewer boxes than frames is a warning, counted in the summary and listed\n' +
    'in failures.json. CACHE must be new, empty or a cache vidpad made (--overwrite to use another folder). --shard i/n processes every n-th video only, for cluster array jobs (Slurm arrays, Kubernetes\n' +
    'indexed Jobs): run n of them with the same settings and the same cache.\n' +
    'Several datasets at once (--dataset oulu-npu,casia-fasd,replay-attack,msu-mfsd with --root holding one folder\n' +
    'per dataset, or --root NAME=DIR,…) cache their videos under <dataset>/… ids, as cross-dataset protocols read\n' +
    'them (OULU-NPU, CASIA-FASD, Replay-Attack and MSU-MFSD ids always carry their dataset, so caching them one by\n' +
    'one into the same cache serves cross-dataset runs too). Face boxes come from each dataset\'s own face files.\n' +
    "With a box policy that uses the dataset's own boxes, a sample of frames also measures how each available\n" +
    "detector frames the same faces (CACHE/<key>/calibration.json): models trained on the cache record it, and\n" +
    "vidpad predict maps a detector's boxes with it on videos that come without boxes.",
  options: [
    { name: 'dataset', type: 'string', valueName: 'NAME', description: `dataset layout of --root (${DATASET_NAMES.join(', ')}), or several, comma-separated` },
    { name: 'root', type: 'string', valueName: 'DIR', description: 'dataset root folder; with several datasets a folder of one folder per dataset, or NAME=DIR,…' },
    { name: 'cache', type: 'string', valueName: 'DIR', description: 'crop cache folder (created if missing)' },
    { name: 'detector', type: 'string', valueName: 'NAME', description: `face detector: auto, ${FACE_DETECTOR_NAMES.join(', ')}`, default: d.detector },
    { name: 'boxes', type: 'string', valueName: 'POLICY', description: `where boxes come from: ${BOX_POLICIES.join(', ')}`, default: d.boxPolicy },
    { name: 'size', type: 'string', valueName: 'PX', description: 'side of the stored crops (the model input size)', default: String(d.cropSizePx) },
    { name: 'margin', type: 'string', valueName: 'FRAC', description: 'context around the face box, as a fraction of its side', default: String(d.marginFrac) },
    { name: 'edge', type: 'string', valueName: 'MODE', description: `crops at the frame edge: ${CROP_EDGE_MODES.join(', ')}`, default: d.edge },
    { name: 'work-width', type: 'string', valueName: 'PX', description: 'decode frames at most this wide', default: String(d.workWidthPx) },
    { name: 'max-frames', type: 'string', valueName: 'N', description: 'keep only the first N frames of each video (default: all)' },
    { name: 'workers', type: 'string', valueName: 'N', description: 'worker threads (default: the cores available)' },
    { name: 'shard', type: 'string', valueName: 'i/n', description: 'process only shard i of n' },
    { name: 'overwrite', type: 'boolean', description: 'use a --cache folder vidpad did not make', default: false },
    { name: 'json', type: 'boolean', description: 'print the summary as JSON', default: false },
  ],
  async run(args, io) {
    const o = args.options;
    const dataset = stringOption(args, 'dataset', 'preprocess');
    const root = stringOption(args, 'root', 'preprocess');
    const cacheDir = stringOption(args, 'cache', 'preprocess');
    const maxFrames = numberOption(args, 'max-frames', { integer: true, min: 1 });
    const workers = numberOption(args, 'workers', { integer: true, min: 1 });
    const shard = shardOption(args);
    // The whole configuration and the cache folder are checked before any video is indexed or decoded.
    const config = resolvePreprocessConfig({
      detector: o.detector as FaceDetectorRequest,
      boxPolicy: o.boxes as BoxPolicy,
      cropSizePx: numberOption(args, 'size', { integer: true })!,
      marginFrac: numberOption(args, 'margin')!,
      edge: o.edge as CropEdgeMode,
      workWidthPx: numberOption(args, 'work-width', { integer: true })!,
      maxFrames: maxFrames ?? null,
    });
    const detectorName = resolveDetectorName(config);
    const overwrite = Boolean(o.overwrite);
    await checkOutputFolder(cacheDir, cacheFolderOptions({ overwrite, option: '--cache' }));
    let videos: VideoEntry[];
    let issues: number;
    if (dataset.includes(',')) {
      const indexes: DatasetIndex[] = await indexDatasets(datasetListOption(dataset, 'dataset'), root);
      videos = namespacedVideos(indexes);
      issues = indexes.reduce((n, ix) => n + ix.issues.length, 0);
    } else {
      const index = await indexDataset(dataset, root);
      videos = index.videos;
      issues = index.issues.length;
    }
    if (videos.length === 0) throw new UsageError(`no videos found under ${root} for the '${dataset}' layout`);
    // blazeface chooses its own backend (the fastest for it) when the detector is built.
    let bar: ReturnType<typeof createProgressBar> | null = null;
    let videosTotal = 0;
    const t0 = performance.now();
    io.interrupt?.set(() => 'cached videos are kept: run the same command again to continue with the rest');
    const summary = await runPreprocess({
      videos: videoJobsOf(videos),
      cacheDir,
      config,
      ...(workers !== undefined ? { workers } : {}),
      shard,
      overwrite,
      onCalibrating: () => io.stderr.write('preprocess: measuring how each detector frames the dataset\'s faces (for models trained on its boxes)\n'),
      onProgress: (p) => {
        videosTotal = p.videosTotal;
        bar ??= createProgressBar({ label: 'preprocess', total: p.videosTotal, unit: 'videos', stream: io.stderr as NodeJS.WritableStream & { isTTY?: boolean } });
        const fps = p.framesDone / Math.max(1e-3, (performance.now() - t0) / 1e3);
        bar.update(p.videosDone, `${p.framesDone} frames, ${fps.toFixed(1)} frames/s${p.failed ? `, ${p.failed} failed` : ''}`);
      },
    });
    const fps = summary.seconds > 0 ? summary.frames / summary.seconds : 0;
    const warned = summary.warnings.length > 0 ? ` (${summary.warnings.length} with warnings)` : '';
    const done = `preprocess: ${summary.processed} videos cropped${warned}, ${summary.skipped} already cached, ${summary.failed.length} failed; ${summary.frames} frames in ${summary.seconds.toFixed(1)} s (${fps.toFixed(1)} frames/s)`;
    if (bar) (bar as ReturnType<typeof createProgressBar>).finish(done);
    else io.stderr.write(done + '\n');
    if (o.json) io.stdout.write(JSON.stringify({ ...summary, framesPerSec: fps, videosTotal, indexIssues: issues }, null, 2) + '\n');
    else {
      io.stdout.write(`cache: ${summary.cacheRoot} (detector ${summary.detector})\n`);
      for (const c of summary.calibrations) {
        io.stdout.write(`calibration: ${c.detector} boxes → dataset boxes: side ×${c.sideScale.toFixed(3)}, centre +(${c.shiftXFrac.toFixed(3)}, ${c.shiftYFrac.toFixed(3)})·side; crop IoU ${c.meanIouBefore.toFixed(3)} → ${c.meanIouAfter.toFixed(3)} on ${c.samples} frames\n`);
      }
      if (issues > 0) io.stdout.write(`dataset index: ${issues} issue(s); see 'vidpad dataset --dataset ${dataset} --root ${root}'\n`);
      for (const f of summary.failed.slice(0, 20)) io.stdout.write(`failed: ${f.videoId}: ${f.reason}\n`);
      if (summary.failed.length > 20) io.stdout.write(`… and ${summary.failed.length - 20} more in ${summary.cacheRoot}/failures.json\n`);
      for (const f of summary.warnings.slice(0, 20)) io.stdout.write(`warning: ${f.videoId}: ${f.reason}\n`);
      if (summary.warnings.length > 20) io.stdout.write(`… and ${summary.warnings.length - 20} more warnings in ${summary.cacheRoot}/failures.json\n`);
    }
    return summary.failed.length > 0 ? 1 : 0;
  },
};
