/**
 * Frames of a video decoded on a worker thread (Node only). On the main
 * thread, ffmpeg's pipe is drained only when the event loop is free, and a
 * face detector running synchronously (BlazeFace on wasm holds the thread
 * for tens of milliseconds) left ffmpeg blocked on a full pipe: decoding and
 * detection took turns instead of overlapping. A thread that only reads the
 * pipe keeps ffmpeg busy; frames arrive as transferred buffers, at most
 * `ahead` of them waiting (bounded memory).
 */
import { startModuleWorker } from '../io/index.js';
import { BackendError, InputError, VideoError, VidpadError } from '../errors.js';
import type { VideoFrame, VideoInfo } from '../video/index.js';
import type { DecodeReply, DecodeRequest, DecodeSetup } from './decode-protocol.js';

function rebuildError(m: Extract<DecodeReply, { type: 'error' }>): Error {
  if (m.reason !== undefined && m.file !== undefined) return new VideoError(m.file, m.reason, m.message.startsWith(`${m.file}: `) ? m.message.slice(m.file.length + 2) : m.message);
  if (m.code === 'E_BACKEND') return new BackendError(m.message);
  if (m.code === 'E_INPUT') return new InputError(m.message);
  if (m.code !== null && m.code.startsWith('E_')) return new VidpadError(m.code as VidpadError['code'], m.message);
  return new Error(m.message);
}

/** streamFrames(file, { info, end, width }) on a worker thread. Leaving the loop early stops the thread and ffmpeg. */
export async function* framesOnThread(file: string, options: { info: VideoInfo; end: number; width: number }, ahead = 8): AsyncGenerator<VideoFrame> {
  const setup: DecodeSetup = { file, options: { ...options }, ahead };
  const worker = startModuleWorker(import.meta.url, 'decode-worker', setup);
  const queue: DecodeReply[] = [];
  let wake: (() => void) | null = null;
  let exited = false;
  worker.on('message', (m: DecodeReply) => {
    queue.push(m);
    wake?.();
    wake = null;
  });
  worker.on('error', (err) => {
    queue.push({ type: 'error', name: err.name, message: err.message, code: (err as { code?: string }).code ?? null });
    wake?.();
    wake = null;
  });
  const gone = new Promise<void>((resolve) =>
    worker.on('exit', () => {
      exited = true;
      wake?.();
      wake = null;
      resolve();
    }),
  );
  try {
    for (;;) {
      while (queue.length === 0 && !exited) await new Promise<void>((resolve) => (wake = resolve));
      const m = queue.shift();
      if (!m) throw new InputError(`${file}: the decoding thread ended without finishing the video`);
      if (m.type === 'end') return;
      if (m.type === 'error') throw rebuildError(m);
      worker.postMessage({ type: 'credit' } satisfies DecodeRequest);
      yield { index: m.index, width: m.width, height: m.height, data: m.data };
    }
  } finally {
    if (!exited) {
      // Ask the thread to stop, so streamFrames' own cleanup kills ffmpeg; terminate only if it hangs.
      worker.postMessage({ type: 'stop' } satisfies DecodeRequest);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 5000)));
      if ((await Promise.race([gone, late])) === 'late') await worker.terminate();
      clearTimeout(timer);
    }
  }
}
