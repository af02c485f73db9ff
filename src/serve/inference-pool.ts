/**
 * The service's inference workers and the bounded queue in front of them.
 * A request is admitted (or refused) before its body is read, and holds its
 * place until its inference is over, so at most workers + maxQueue requests
 * are ever in flight: memory and temp-file use are bounded however many
 * clients push. Jobs wait in FIFO order for a free worker. A job whose
 * request is aborted leaves the queue at once, or is cancelled in its worker;
 * its promise settles only when the worker has stopped using its input, so
 * the caller may then delete it. A worker that does not stop within the
 * grace time, or dies, is replaced by a fresh one.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../io/index.js';
import type { LivenessResult } from '../predict/index.js';
import { VidpadError } from '../errors.js';
import type { WorkerDetectorOptions } from './config.js';
import type { ModelInfo } from './model-info.js';
import type { FromWorker, InferenceJob, ToWorker, WireError } from './worker-protocol.js';

export interface InferencePoolOptions {
  detector: WorkerDetectorOptions;
  workers: number;
  /** Admitted requests beyond the workers (waiting for one). */
  maxQueue: number;
  /** How long a cancelled job may run on before its worker is replaced (ms). */
  cancelGraceMs: number;
  /** Worker life events, for the log. */
  onEvent?: (event: PoolEvent) => void;
}

export type PoolEvent =
  | { type: 'worker-ready'; worker: number; warmupMs: number; warmupClips: number }
  | { type: 'worker-load-failed'; worker: number; error: WireError }
  | { type: 'worker-exit'; worker: number; code: number; busy: boolean }
  | { type: 'worker-replaced'; worker: number; reason: string };

export interface PoolState {
  workers: number;
  /** Workers loaded and warmed up. */
  ready: number;
  busy: number;
  /** Jobs waiting for a worker. */
  queued: number;
  /** Requests admitted and not yet finished (uploading, queued or running). */
  admitted: number;
  /** workers + maxQueue: admissions beyond it are refused. */
  capacity: number;
  /** The first worker's load error, when no worker could load the model. */
  loadError: WireError | null;
  closing: boolean;
}

export interface InferenceOutcome {
  result: LivenessResult;
  inferenceMs: number;
}

/** A request's place in the service: run at most one job with it, then release it (idempotent). */
export interface Admission {
  run(job: InferenceJob, signal: AbortSignal): Promise<InferenceOutcome>;
  release(): void;
}

export interface InferencePool {
  state(): PoolState;
  /** The loaded model's description (null until a worker is ready). */
  modelInfo(): ModelInfo | null;
  /** Resolves when a worker is ready; rejects with the load error when none can load. */
  whenReady(): Promise<void>;
  /** A place for one request, or null when workers + maxQueue are taken. */
  admit(): Admission | null;
  /** Seconds a refused client should wait: the queue ahead of it at the recent inference time. */
  retryAfterSec(): number;
  /** Refuses new jobs and stops the workers (after the jobs running now). */
  close(): Promise<void>;
}

/** An error thrown inside a worker, rebuilt with its code so the HTTP layer maps it like a local one. */
export function fromWire(e: WireError): Error {
  if (e.code === null) return Object.assign(new Error(e.message), { name: e.name });
  const err = new VidpadError(e.code as VidpadError['code'], e.message);
  err.name = e.name;
  return err;
}

interface Slot {
  index: number;
  worker: Worker;
  state: 'loading' | 'idle' | 'busy' | 'dead';
  job: Running | null;
}

interface Pending {
  id: number;
  job: InferenceJob;
  signal: AbortSignal;
  resolve: (o: InferenceOutcome) => void;
  reject: (e: unknown) => void;
  onAbort: () => void;
}

interface Running extends Pending {
  cancelTimer: NodeJS.Timeout | null;
}

export function createInferencePool(options: InferencePoolOptions): InferencePool {
  const slots: Slot[] = [];
  const queue: Pending[] = [];
  let admitted = 0;
  let nextId = 1;
  let info: ModelInfo | null = null;
  let loadError: WireError | null = null;
  let closing = false;
  let meanInferenceMs = 1000;
  let readyWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  const emit = (e: PoolEvent) => options.onEvent?.(e);

  const settleReady = () => {
    if (slots.some((s) => s.state === 'idle' || s.state === 'busy')) {
      for (const w of readyWaiters) w.resolve();
      readyWaiters = [];
    } else if (loadError && slots.every((s) => s.state === 'dead')) {
      for (const w of readyWaiters) w.reject(fromWire(loadError));
      readyWaiters = [];
    }
  };

  const finish = (slot: Slot, settle: (r: Running) => void) => {
    const r = slot.job;
    if (!r) return;
    slot.job = null;
    if (r.cancelTimer) clearTimeout(r.cancelTimer);
    r.signal.removeEventListener('abort', r.onAbort);
    settle(r);
  };

  const spawn = (index: number) => {
    const worker = startModuleWorker(import.meta.url, 'inference-worker', options.detector);
    // An idle worker must not keep the process alive on its own; a busy one is waited for explicitly.
    worker.unref();
    const slot: Slot = { index, worker, state: 'loading', job: null };
    slots[index] = slot;
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready') {
        info ??= m.info;
        slot.state = 'idle';
        emit({ type: 'worker-ready', worker: index, warmupMs: m.warmup.ms, warmupClips: m.warmup.clips });
        settleReady();
        dispatch();
      } else if (m.type === 'load-failed') {
        loadError ??= m.error;
        slot.state = 'dead';
        emit({ type: 'worker-load-failed', worker: index, error: m.error });
        void worker.terminate();
        settleReady();
      } else if (m.type === 'result') {
        meanInferenceMs = 0.8 * meanInferenceMs + 0.2 * m.inferenceMs;
        finish(slot, (r) => (r.signal.aborted ? r.reject(r.signal.reason) : r.resolve({ result: m.result, inferenceMs: m.inferenceMs })));
        slot.state = 'idle';
        dispatch();
      } else if (m.type === 'failed') {
        finish(slot, (r) => r.reject(r.signal.aborted ? r.signal.reason : fromWire(m.error)));
        slot.state = 'idle';
        dispatch();
      }
    });
    worker.on('error', () => {
      // 'exit' follows and does the work.
    });
    worker.on('exit', (code) => {
      const wasBusy = slot.job !== null;
      const wasLoaded = slot.state !== 'loading' && slot.state !== 'dead';
      if (slots[index] === slot) slot.state = 'dead';
      finish(slot, (r) => r.reject(r.signal.aborted ? r.signal.reason : new Error(`inference worker ${index} exited (code ${code}) while scoring`)));
      emit({ type: 'worker-exit', worker: index, code, busy: wasBusy });
      // A worker that had loaded the model and died (or was terminated to stop a job) is replaced.
      if (!closing && slots[index] === slot && (wasLoaded || wasBusy)) {
        emit({ type: 'worker-replaced', worker: index, reason: `exit code ${code}` });
        spawn(index);
      }
      settleReady();
    });
  };

  const dispatch = () => {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (slot.state !== 'idle') continue;
      const p = queue.shift()!;
      const r: Running = { ...p, cancelTimer: null };
      slot.state = 'busy';
      slot.job = r;
      // The abort listener now cancels in the worker instead of leaving the queue.
      p.signal.removeEventListener('abort', p.onAbort);
      r.onAbort = () => {
        slot.worker.postMessage({ type: 'cancel', id: r.id } satisfies ToWorker);
        r.cancelTimer = setTimeout(() => {
          if (slot.job !== r) return;
          // It did not stop in time: replace the worker (its exit handler settles the job).
          void slot.worker.terminate();
        }, options.cancelGraceMs);
      };
      p.signal.addEventListener('abort', r.onAbort, { once: true });
      const transfer = r.job.kind === 'rgb' ? r.job.frames : [];
      slot.worker.postMessage({ type: 'predict', id: r.id, job: r.job } satisfies ToWorker, transfer);
    }
  };

  for (let i = 0; i < options.workers; i++) spawn(i);

  const capacity = options.workers + options.maxQueue;
  return {
    state() {
      return {
        workers: options.workers,
        ready: slots.filter((s) => s.state === 'idle' || s.state === 'busy').length,
        busy: slots.filter((s) => s.state === 'busy').length,
        queued: queue.length,
        admitted,
        capacity,
        loadError,
        closing,
      };
    },
    modelInfo: () => info,
    whenReady() {
      return new Promise<void>((resolve, reject) => {
        readyWaiters.push({ resolve, reject });
        settleReady();
      });
    },
    admit() {
      if (closing || admitted >= capacity) return null;
      admitted += 1;
      let released = false;
      let used = false;
      return {
        release() {
          if (released) return;
          released = true;
          admitted -= 1;
        },
        run(job, signal) {
          if (used) throw new Error('an admission runs one job');
          used = true;
          return new Promise<InferenceOutcome>((resolve, reject) => {
            if (signal.aborted) return reject(signal.reason);
            if (closing) return reject(new Error('the service is shutting down'));
            const p: Pending = {
              id: nextId++,
              job,
              signal,
              resolve,
              reject,
              onAbort: () => {
                const at = queue.indexOf(p);
                if (at >= 0) queue.splice(at, 1);
                reject(signal.reason);
              },
            };
            signal.addEventListener('abort', p.onAbort, { once: true });
            queue.push(p);
            dispatch();
          });
        },
      };
    },
    retryAfterSec() {
      const ready = Math.max(1, slots.filter((s) => s.state === 'idle' || s.state === 'busy').length);
      const ahead = queue.length + slots.filter((s) => s.state === 'busy').length;
      return Math.max(1, Math.ceil((meanInferenceMs / 1000) * (ahead / ready)));
    },
    async close() {
      closing = true;
      for (const p of queue.splice(0)) {
        p.signal.removeEventListener('abort', p.onAbort);
        p.reject(new Error('the service is shutting down'));
      }
      await Promise.all(slots.map((s) => s.worker.terminate()));
      for (const w of readyWaiters) w.reject(new Error('the service was closed before the model loaded'));
      readyWaiters = [];
    },
  };
}
