/**
 * A decoding thread (see decode-thread.node.ts): runs one streamFrames and
 * posts each frame's pixels to the main thread (transferred, not copied),
 * keeping at most `ahead` frames unacknowledged. Reading ffmpeg's pipe here
 * keeps ffmpeg decoding while the main thread is busy detecting.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { streamFrames } from '../video/index.js';
import type { ReadFramesOptions } from '../video/index.js';
import { VideoError } from '../errors.js';
import type { DecodeReply, DecodeRequest, DecodeSetup } from './decode-protocol.js';

const setup = workerData as DecodeSetup;
const port = parentPort!;
let credit = setup.ahead;
let stopped = false;
let wake: (() => void) | null = null;

port.on('message', (msg: DecodeRequest) => {
  if (msg.type === 'credit') credit += 1;
  else stopped = true;
  wake?.();
  wake = null;
});

const send = (m: DecodeReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

try {
  for await (const f of streamFrames(setup.file, setup.options as ReadFramesOptions)) {
    while (credit === 0 && !stopped) await new Promise<void>((resolve) => (wake = resolve));
    if (stopped) break;
    credit -= 1;
    const data = f.data.byteOffset === 0 && f.data.byteLength === f.data.buffer.byteLength ? f.data : f.data.slice();
    send({ type: 'frame', index: f.index, width: f.width, height: f.height, data }, [data.buffer as ArrayBuffer]);
  }
  send({ type: 'end' });
} catch (err) {
  const e = err as Error & { code?: string; reason?: string; file?: string };
  send({ type: 'error', name: e.name, message: e.message, code: e.code ?? null, ...(err instanceof VideoError ? { file: err.file, reason: err.reason } : {}) });
}
port.close();
