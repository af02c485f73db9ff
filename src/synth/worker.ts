/**
 * A worker thread of `generateSynthSiw`: renders and encodes the videos it is
 * sent, one at a time, and answers with the frame count or the error.
 */
import { parentPort } from 'node:worker_threads';
import { VidpadError } from '../errors.js';
import type { SynthWorkerReply, SynthWorkerRequest } from './worker-protocol.js';
import { writeSynthVideo } from './writer.js';

const port = parentPort;
if (port) {
  port.on('message', (msg: SynthWorkerRequest) => {
    writeSynthVideo(msg.outDir, msg.spec, msg.options).then(
      (frames) => port.postMessage({ type: 'done', stem: msg.spec.stem, frames } satisfies SynthWorkerReply),
      (err: unknown) =>
        port.postMessage({
          type: 'failed',
          stem: msg.spec.stem,
          code: err instanceof VidpadError ? err.code : 'E_IO',
          message: err instanceof Error ? err.message : String(err),
        } satisfies SynthWorkerReply),
    );
  });
}
