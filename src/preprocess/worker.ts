/**
 * A preprocessing worker thread: builds its own face detector (and tfjs
 * backend, for blazeface) once, then crops the videos it is sent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import path from 'node:path';
import { createFaceDetector } from '../face/index.js';
import type { FaceDetector, FaceDetectorName } from '../face/index.js';
import { writeVideoCrops } from './crop-cache.js';
import { preprocessVideo } from './process-video.js';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './worker-protocol.js';

const setup = workerData as WorkerSetup;
const port = parentPort!;
const send = (m: WorkerReply) => port.postMessage(m);
const layout = { root: setup.cacheRoot, key: setup.key };

let detector: FaceDetector | null = null;
try {
  if (setup.detectorName !== 'none') detector = await createFaceDetector({ detector: setup.detectorName as FaceDetectorName });
  send({ type: 'ready' });
} catch (err) {
  send({ type: 'fatal', reason: (err as Error).message });
}

port.on('message', (msg: WorkerRequest) => {
  void (async () => {
    const { job } = msg;
    try {
      // Progress is sent in small batches: one message per frame would cost more than the crop.
      let pending = 0;
      const result = await preprocessVideo(job, setup.config, detector, (n) => {
        pending += n;
        if (pending >= 10) {
          send({ type: 'frames', frames: pending });
          pending = 0;
        }
      });
      if (pending > 0) send({ type: 'frames', frames: pending });
      await writeVideoCrops(layout, result);
      send({ type: 'done', videoId: job.videoId, warnings: result.warnings });
    } catch (err) {
      send({ type: 'failed', videoId: job.videoId, reason: `${path.basename(job.path)}: ${(err as Error).message}` });
    }
  })();
});
