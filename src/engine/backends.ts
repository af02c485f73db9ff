/**
 * Backend selection: the one place that maps a user's backend name to a ready
 * TensorFlow.js backend, registering vidpad's own kernels on the way.
 *
 * Names, fastest first (the order `auto` tries them in):
 * - `tensorflow`: `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node`, only
 *   when the user installed one (never a dependency of vidpad: they download
 *   libtensorflow at install time).
 * - `native`: the `cpu` backend with its hot kernels on oneDNN, through
 *   vidpad's optional node-gyp addon (needs Debian's `libdnnl-dev`).
 * - `wasm`: XNNPACK in WebAssembly, plus vidpad's gradient kernels; the
 *   default portable path. Its .wasm files are read from node_modules.
 * - `cpu`: plain JavaScript, always there, slow; the reference in tests.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import os from 'node:os';
import { currentBackendName, tf } from './tf.js';
import { BackendError, ConfigError } from '../errors.js';
import { availableNames, describeProbes } from '../probes.js';
import type { Probe } from '../probes.js';
import { registerWasmKernels } from './wasm-kernels.js';
import { DEFAULT_PRECISION_REQUEST, bf16Refusal, checkPrecisionRequest, detectCpuFeatures, resolvePrecision } from './precision.js';
import type { Precision, PrecisionRequest } from './precision.js';

export const BACKEND_NAMES = ['tensorflow', 'native', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendRequest = BackendName | 'auto';
/** What every entry asks for unless told otherwise: the first available of BACKEND_NAMES. */
export const DEFAULT_BACKEND_REQUEST: BackendRequest = 'auto';

export interface BackendOptions {
  /** Threads for backends that can use several (native). Default: the cores available. */
  threads?: number;
  /**
   * What training computes in (see `engine/precision.ts`): fp32 (default), bf16 (native backend on
   * a CPU with AVX512-BF16 or AMX-BF16, else refused), auto (bf16 where that holds, else fp32),
   * bf16-emulated (bf16's numbers at fp32's speed, native backend, any CPU).
   */
  precision?: PrecisionRequest;
}

/** Whether a backend can run here, and if not why and what to install. */
export type BackendProbe = Probe<BackendName>;

export interface ActiveBackend {
  name: BackendName;
  /** The name tfjs knows the backend by (`tf.getBackend()`). */
  tfName: string;
  threads: number;
  /** What convolutions and matrix products compute in. */
  precision: Precision;
}

interface BackendProvider {
  name: BackendName;
  /** Never throws: an unavailable backend says why. */
  probe(): Promise<BackendProbe>;
  /** Makes the backend current in tfjs; idempotent. */
  activate(threads: number): Promise<string>;
}

const requireFromHere = createRequire(import.meta.url);

function isResolvable(pkg: string): boolean {
  try {
    requireFromHere.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/** Directory of the wasm binaries shipped inside the npm package, with a trailing slash. */
export function wasmBinaryDir(): string {
  const pkgJson = requireFromHere.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkgJson), 'dist') + path.sep;
}

async function setBackendOrThrow(tfName: string): Promise<void> {
  let ok: boolean;
  try {
    ok = await tf.setBackend(tfName);
  } catch (cause) {
    throw new BackendError(`backend '${tfName}' failed to initialise: ${(cause as Error).message}`, { cause });
  }
  if (!ok) throw new BackendError(`backend '${tfName}' failed to initialise`);
  await tf.ready();
  // The cpu backend greets Node users with advice to install tfjs-node; vidpad
  // chose its backend on purpose, so the note is noise.
  const backend = tf.backend() as unknown as { firstUse?: boolean };
  if (backend.firstUse !== undefined) backend.firstUse = false;
}

const cpuProvider: BackendProvider = {
  name: 'cpu',
  async probe() {
    return { name: 'cpu', available: true };
  },
  async activate() {
    await setBackendOrThrow('cpu');
    return 'cpu';
  },
};

const wasmProvider: BackendProvider = {
  name: 'wasm',
  async probe() {
    if (!isResolvable('@tensorflow/tfjs-backend-wasm')) {
      return { name: 'wasm', available: false, reason: "package '@tensorflow/tfjs-backend-wasm' is not installed (npm install)" };
    }
    return { name: 'wasm', available: true };
  },
  async activate() {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // Must happen before the backend initialises; never fetch from a CDN.
    wasm.setWasmPaths(wasmBinaryDir());
    registerWasmKernels();
    await setBackendOrThrow('wasm');
    return 'wasm';
  },
};

const TFJS_NODE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

const tensorflowProvider: BackendProvider = {
  name: 'tensorflow',
  async probe() {
    const found = TFJS_NODE_PACKAGES.find(isResolvable);
    if (!found) {
      return {
        name: 'tensorflow',
        available: false,
        reason: "neither '@tensorflow/tfjs-node' nor '@tensorflow/tfjs-node-gpu' is installed (they download libtensorflow at install time; install one yourself where that is possible)",
      };
    }
    return { name: 'tensorflow', available: true };
  },
  async activate() {
    const found = TFJS_NODE_PACKAGES.find(isResolvable);
    if (!found) throw new BackendError('tfjs-node is not installed');
    try {
      await import(found);
    } catch (cause) {
      throw new BackendError(`'${found}' is installed but failed to load: ${(cause as Error).message}`, { cause });
    }
    await setBackendOrThrow('tensorflow');
    return 'tensorflow';
  },
};

const nativeProvider: BackendProvider = {
  name: 'native',
  async probe() {
    const { probeNativeBackend } = await import('./native/backend.js');
    return probeNativeBackend();
  },
  async activate(threads) {
    const { activateNativeBackend } = await import('./native/backend.js');
    return activateNativeBackend(threads, setBackendOrThrow);
  },
};

const PROVIDERS: Record<BackendName, BackendProvider> = {
  tensorflow: tensorflowProvider,
  native: nativeProvider,
  wasm: wasmProvider,
  cpu: cpuProvider,
};

/** Every backend name with whether it can run on this machine, fastest first. */
export async function probeBackends(): Promise<BackendProbe[]> {
  return Promise.all(BACKEND_NAMES.map((name) => PROVIDERS[name].probe()));
}

function resolveThreads(threads: number | undefined): number {
  if (threads === undefined) return Math.max(1, os.availableParallelism());
  if (!Number.isInteger(threads) || threads < 1) {
    throw new ConfigError('backend.threads', `expected a whole number >= 1, got ${String(threads)}`);
  }
  return threads;
}

/**
 * Makes `request` the current tfjs backend and returns what was chosen.
 * `auto` takes the first available of tensorflow, native, wasm, cpu.
 * Throws BackendError naming the valid and available backends when the
 * request is unknown or cannot run here.
 */
export async function initBackend(request: BackendRequest | string = DEFAULT_BACKEND_REQUEST, options: BackendOptions = {}): Promise<ActiveBackend> {
  const threads = resolveThreads(options.threads);
  const precisionRequest = checkPrecisionRequest(options.precision ?? DEFAULT_PRECISION_REQUEST, 'backend.precision');
  const valid = ['auto', ...BACKEND_NAMES];
  if (!valid.includes(request)) {
    const probes = await probeBackends();
    throw new BackendError(`unknown backend '${request}': valid names are ${valid.join(', ')}; available on this machine: ${availableNames(probes)}\n${describeProbes(probes)}`);
  }
  const candidates: BackendName[] = request === 'auto' ? [...BACKEND_NAMES] : [request as BackendName];
  const cpu = detectCpuFeatures();
  // A CPU without bf16 hardware refuses bf16 whatever the backend: one line, before anything changes.
  if (precisionRequest === 'bf16' && !(cpu.known && cpu.features.bf16Hardware)) throw new BackendError(bf16Refusal(cpu));
  const failures: string[] = [];
  for (const name of candidates) {
    const probe = await PROVIDERS[name].probe();
    if (!probe.available) {
      failures.push(`${name}: ${probe.reason ?? 'unavailable'}`);
      continue;
    }
    // Refused before the backend changes, so a bf16 request on the wrong CPU leaves everything as it was;
    // `auto` passes over a backend that cannot compute in the precision asked for.
    let precision: Precision;
    try {
      precision = resolvePrecision(precisionRequest, name, cpu);
    } catch (err) {
      if (request !== 'auto') throw err;
      failures.push(`${name}: ${(err as Error).message}`);
      continue;
    }
    try {
      const tfName = await PROVIDERS[name].activate(threads);
      if (name === 'native') {
        // Always set, so an earlier run's precision never carries over to this one.
        const { setNativePrecision } = await import('./native/backend.js');
        setNativePrecision(precision);
      }
      return { name, tfName, threads: name === 'native' ? threads : 1, precision };
    } catch (err) {
      if (request !== 'auto') throw err;
      failures.push(`${name}: ${(err as Error).message}`);
    }
  }
  const probes = await probeBackends();
  throw new BackendError(`backend '${request}' is not available on this machine (${failures.join('; ')}); available: ${availableNames(probes)}\n${describeProbes(probes)}`);
}

/**
 * Runs `work` and then makes the tfjs backend that was current before it
 * current again. For work that switches backends on its own (creating a
 * BlazeFace detector picks wasm over native, see face/blazeface-model.node.ts)
 * in a process that trains afterwards: without it `vidpad demo` trained on
 * the single-threaded wasm backend after preprocessing's box calibration,
 * 6.5× slower than on native.
 */
export async function keepingCurrentBackend<T>(work: () => Promise<T>): Promise<T> {
  const before = currentBackendName();
  try {
    return await work();
  } finally {
    if (before !== null && tf.getBackend() !== before) await tf.setBackend(before);
  }
}

/**
 * The tfjs backend work should run on: the current one when something chose
 * it already (`initBackend`, or the caller's own `tf.setBackend`), else
 * `initBackend(request)`. Returns tfjs's name of the backend now current.
 * Without this, the first tensor op makes tfjs pick its plain-JavaScript
 * `cpu` backend on its own (the slowest; its console banner urges installing
 * tfjs-node), which is how a face detector used to end up at ~1.3 s a frame.
 */
export async function ensureBackend(request: BackendRequest | string = 'auto', options: BackendOptions = {}): Promise<string> {
  const current = currentBackendName();
  if (current) return current;
  return (await initBackend(request, options)).tfName;
}
