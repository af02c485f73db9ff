/**
 * The `native` backend: tfjs's cpu backend with its hot kernels on oneDNN.
 * (The addon itself lands with the native-speed work; until it is built this
 * backend reports itself unavailable.)
 */
import type { BackendProbe } from '../backends.js';
import { BackendError } from '../../errors.js';

export async function probeNativeBackend(): Promise<BackendProbe> {
  return { name: 'native', available: false, reason: "vidpad's oneDNN addon is not built (apt-get install libdnnl-dev, then npm rebuild vidpad)" };
}

export async function activateNativeBackend(_threads: number, _set: (tfName: string) => Promise<void>): Promise<string> {
  throw new BackendError("the native backend is unavailable: vidpad's oneDNN addon is not built (apt-get install libdnnl-dev, then npm rebuild vidpad)");
}
