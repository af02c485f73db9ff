/**
 * The pipeline in a dedicated worker: BlazeFace and the model run here, so
 * the page's thread only grabs camera frames and never misses one while a
 * network runs. Start it as a module worker from this file (the demo page:
 * `new Worker(new URL('../src/browser/pipeline-worker.ts', import.meta.url), { type: 'module' })`)
 * and pass it to `createLivenessSession({ worker })`.
 */
import { createLivenessPipeline } from './pipeline.js';
import type { LivenessPipeline, LivenessSessionEvents } from './pipeline.js';
import { toWireError } from './worker-protocol.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

const scope = globalThis as unknown as { onmessage: ((e: MessageEvent<ToWorker>) => void) | null; postMessage(m: FromWorker, transfer?: Transferable[]): void };
const EVENTS: (keyof LivenessSessionEvents)[] = ['face', 'clip', 'score', 'decision', 'stats', 'warning', 'error'];
let pipeline: LivenessPipeline | null = null;

scope.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  if (msg.type === 'init') {
    createLivenessPipeline(msg.options).then(
      (p) => {
        pipeline = p;
        for (const name of EVENTS) {
          p.on(name, (event) => {
            if (name === 'error') {
              const ev = event as LivenessSessionEvents['error'];
              scope.postMessage({ type: 'event', name: 'error', event: { error: toWireError(ev.error), fatal: ev.fatal } });
            } else {
              scope.postMessage({ type: 'event', name, event } as FromWorker);
            }
          });
        }
        scope.postMessage({ type: 'ready', info: p.info });
      },
      (err) => scope.postMessage({ type: 'init-error', error: toWireError(err) }),
    );
    return;
  }
  const p = pipeline;
  const reply = (id: number, job: Promise<void> | undefined) => {
    (job ?? Promise.resolve()).then(
      () => scope.postMessage({ type: 'done', id, error: null }),
      (err) => scope.postMessage({ type: 'done', id, error: toWireError(err) }),
    );
  };
  if (msg.type === 'frame') reply(msg.id, p?.pushFrame(msg.frame));
  else if (msg.type === 'flush') reply(msg.id, p?.flush());
  else if (msg.type === 'dispose') reply(msg.id, p?.dispose());
};
