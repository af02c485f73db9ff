/**
 * TensorFlow.js backends in a browser, for BlazeFace on the page: `wasm`
 * (XNNPACK, SIMD, threads where the page is cross-origin isolated) or
 * `webgl`. The browser twin of backends.ts (which reads the .wasm files from
 * node_modules and knows the Node-only backends); no Node imports.
 */
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { currentBackendName, tf } from './tf.js';
import { BackendError, ConfigError } from '../errors.js';

export const BROWSER_TF_BACKENDS = ['wasm', 'webgl', 'cpu'] as const;
export type BrowserTfBackend = (typeof BROWSER_TF_BACKENDS)[number];

/**
 * Makes the first of `order` that initialises here tfjs's current backend
 * and returns its name. `wasmBaseUrl`: folder URL (trailing slash) of
 * tfjs-backend-wasm's .wasm files, served beside the page.
 */
export async function initBrowserTfBackend(order: readonly BrowserTfBackend[], wasmBaseUrl: string): Promise<{ name: BrowserTfBackend; skipped: { backend: string; reason: string }[] }> {
  if (order.length === 0) throw new ConfigError('tfBackends', `expected at least one of ${BROWSER_TF_BACKENDS.join(', ')}`);
  for (const [i, b] of order.entries()) {
    if (!BROWSER_TF_BACKENDS.includes(b)) throw new ConfigError(`tfBackends[${i}]`, `expected one of ${BROWSER_TF_BACKENDS.join(', ')}, got ${JSON.stringify(b)}`);
  }
  const skipped: { backend: string; reason: string }[] = [];
  // Before anything asks tfjs for its backend (tf.getBackend() would
  // initialise the best registered one with default settings):
  // tfjs-backend-wasm 4.22's threaded build starts its workers from a blob
  // whose code breaks once bundled (ReferenceError in every worker), so
  // BlazeFace runs on the single-threaded SIMD build; the threads go to
  // onnxruntime-web, which runs the bigger network.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (tf.findBackend('wasm') === null) setWasmPaths(wasmBaseUrl);
  const current = currentBackendName();
  for (const name of order) {
    if (current === name) return { name, skipped };
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return { name, skipped };
      }
      skipped.push({ backend: name, reason: 'tf.setBackend returned false' });
    } catch (err) {
      skipped.push({ backend: name, reason: (err as Error).message });
    }
  }
  throw new BackendError(`no TensorFlow.js backend of ${order.join(', ')} initialised in this browser: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
}
