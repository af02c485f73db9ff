/**
 * The `native` backend as `backends.ts` sees it: whether it can run here
 * (the oneDNN addon is built, loads and passes its self-test), and making it
 * the current tfjs backend with a given thread count.
 *
 * The design (see `kernels.ts`): a tfjs backend named `native` whose instance
 * is tfjs's own `MathBackendCPU`, with every `cpu` kernel registered again for
 * it and the hot ones (convolutions and their gradients, matrix products, max
 * pooling) replaced by oneDNN kernels that work on the cpu backend's typed
 * arrays in place. `cpu` itself stays untouched, the reference in tests.
 */
import type { Probe } from '../../probes.js';
import { BackendError } from '../../errors.js';
import { tf } from '../tf.js';
import { defaultAddonPath, loadNativeAddon } from './addon.js';
import { NATIVE_BACKEND_NAME, NativeBackend, registerNativeBackend } from './kernels.js';
import { PRECISION_CODES } from '../precision.js';
import type { Precision } from '../precision.js';

/**
 * Whether the native backend can run here; the reason, when not, names the
 * package to install. `addonPath` is for tests (default: the built addon).
 */
export async function probeNativeBackend(addonPath: string = defaultAddonPath()): Promise<Probe<'native'>> {
  const load = loadNativeAddon(addonPath);
  return load.ok ? { name: 'native', available: true } : { name: 'native', available: false, reason: load.reason };
}

/**
 * Registers the native backend (once), makes it current through `set` and
 * sets its oneDNN thread count. Returns the tfjs backend name, `native`.
 * Throws BackendError, saying what to install, when the addon is unavailable.
 */
export async function activateNativeBackend(
  threads: number,
  set: (tfName: string) => Promise<void>,
  addonPath: string = defaultAddonPath(),
): Promise<string> {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new BackendError(`native backend: threads must be a whole number >= 1, got ${String(threads)}`);
  }
  const load = loadNativeAddon(addonPath);
  if (!load.ok) throw new BackendError(`the native backend is unavailable: ${load.reason}`);
  registerNativeBackend(load.addon, threads);
  await set(NATIVE_BACKEND_NAME);
  const backend = tf.findBackend(NATIVE_BACKEND_NAME);
  if (!(backend instanceof NativeBackend)) {
    throw new BackendError(`backend '${NATIVE_BACKEND_NAME}' is registered but is not vidpad's native backend`);
  }
  backend.native.setThreads(threads);
  return NATIVE_BACKEND_NAME;
}

/**
 * Sets what the native backend's convolutions and matrix products compute in
 * (see `engine/precision.ts`); the backend must be active. Throws BackendError
 * when the addon refuses (bf16 on a CPU without the instructions).
 */
export function setNativePrecision(precision: Precision): void {
  const backend = tf.findBackend(NATIVE_BACKEND_NAME);
  if (!(backend instanceof NativeBackend)) throw new BackendError('the native backend is not active, so its precision cannot be set');
  try {
    backend.native.setPrecision(PRECISION_CODES[precision]);
  } catch (cause) {
    throw new BackendError((cause as Error).message, { cause });
  }
}

export { NativeBackend } from './kernels.js';
