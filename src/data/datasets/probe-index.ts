/**
 * The optional second indexing step: probe every video of an index for its
 * frame count and size (ffprobe, no decoding), and check its `.face` file
 * against them. Unreadable videos and disagreeing `.face` files become
 * issues; the index itself is returned as a new object, the input untouched.
 */
import { readFile } from 'node:fs/promises';
import { VideoError } from '../../errors.js';
import { probeVideo, type ProbeOptions } from '../../video/probe.js';
import { parseFaceFile } from './face-file.js';
import type { DatasetIndex, IndexIssue, VideoEntry } from './types.js';

export interface ProbeIndexOptions extends ProbeOptions {
  /** Videos probed at once. Default 4 (ffprobe is I/O-bound). */
  concurrency?: number;
  /** Face-file line problems reported per file before the rest are summed up. Default 3. */
  maxLineIssuesPerFile?: number;
  /** Called after each video, for progress display. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Returns a copy of `index` with `frameCount` set on every readable video;
 * unreadable ones are dropped from `videos` and reported as `unreadable-video`
 * issues. Each face file is parsed in its format with the video's displayed
 * size: a SiW `.face` whose line count differs from the frame count, or a
 * frame-numbered file that describes a frame past the video's end, is a
 * `face-lines` issue; a line that is not a box a `bad-face-line` issue with
 * its line number.
 */
export async function probeDatasetVideos(index: DatasetIndex, options: ProbeIndexOptions = {}): Promise<DatasetIndex> {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  const maxLine = options.maxLineIssuesPerFile ?? 3;
  const results: ({ video: VideoEntry; issues: IndexIssue[] } | { video: null; issues: IndexIssue[] })[] = new Array(index.videos.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < index.videos.length) {
      const i = next++;
      const v = index.videos[i]!;
      results[i] = await probeOne(v, options, maxLine);
      done += 1;
      options.onProgress?.(done, index.videos.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, index.videos.length) }, worker));
  const videos: VideoEntry[] = [];
  const issues: IndexIssue[] = [...index.issues];
  for (const r of results) {
    if (r.video) videos.push(r.video);
    issues.push(...r.issues);
  }
  return { ...index, videos, issues };
}

async function probeOne(v: VideoEntry, options: ProbeOptions, maxLine: number): Promise<{ video: VideoEntry | null; issues: IndexIssue[] }> {
  let info;
  try {
    info = await probeVideo(v.path, options);
  } catch (err) {
    if (err instanceof VideoError) return { video: null, issues: [{ kind: 'unreadable-video', file: v.path, message: `${err.reason}: ${err.message}` }] };
    throw err;
  }
  const issues: IndexIssue[] = [];
  if (v.faceFile) {
    const text = await readFile(v.faceFile, 'utf8').catch((err: Error) => {
      issues.push({ kind: 'missing-face', file: v.faceFile!, message: `cannot read: ${err.message}` });
      return null;
    });
    if (text !== null) {
      const format = v.faceFormat ?? 'siw';
      const parsed = parseFaceFile(text, { width: info.width, height: info.height }, format);
      if (format === 'siw' && parsed.boxes.length !== info.frameCount) {
        issues.push({ kind: 'face-lines', file: v.faceFile, message: `${parsed.boxes.length} lines but the video has ${info.frameCount} frames` });
      } else if (format !== 'siw' && parsed.lastFrame !== null && parsed.lastFrame >= info.frameCount) {
        // Frame-numbered files may skip frames, but never describe one the video does not have.
        issues.push({ kind: 'face-lines', file: v.faceFile, message: `describes frame ${parsed.lastFrame} (0-based) but the video has ${info.frameCount} frames` });
      }
      for (const p of parsed.problems.slice(0, maxLine)) issues.push({ kind: 'bad-face-line', file: v.faceFile, line: p.line, message: p.message });
      if (parsed.problems.length > maxLine) {
        issues.push({ kind: 'bad-face-line', file: v.faceFile, message: `${parsed.problems.length - maxLine} more unusable line(s)` });
      }
    }
  }
  return { video: { ...v, frameCount: info.frameCount }, issues };
}
