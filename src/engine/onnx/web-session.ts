/**
 * The browser twin of session.ts: an ONNX model on onnxruntime-web, for any
 * graph with one float32 input whose first axis is the batch. Execution
 * providers are tried in the order asked (`webgpu` where the browser has it,
 * `wasm` everywhere); the one that opened the session is reported, so a page
 * can say what it runs on. No Node imports: only a browser bundle uses it.
 *
 * onnxruntime-web fetches its WebAssembly (ort-wasm-simd-threaded.jsep.*)
 * at run time, beside its bundle or from `wasmBaseUrl`: vidpad's page build
 * emits it from node_modules next to the page, so nothing is fetched from elsewhere.
 */
import * as ort from 'onnxruntime-web';
import { BackendError, ConfigError, InputError, ShapeError } from '../../errors.js';
import type { OnnxIoNames } from './session.js';

export const WEB_ONNX_PROVIDERS = ['webgpu', 'wasm'] as const;
export type WebOnnxProvider = (typeof WEB_ONNX_PROVIDERS)[number];

export interface WebOnnxSessionOptions {
  /** Folder URL (trailing slash) holding onnxruntime-web's .wasm and .mjs files; default: beside its bundle (where Vite emits them). */
  wasmBaseUrl?: string;
  /** Providers to try, in order; the first that opens the model wins. Default: ['wasm']. */
  providers?: readonly WebOnnxProvider[];
  /**
   * WebAssembly threads (more than 1 needs a cross-origin isolated page).
   * Default: the cores the browser reports less one, at most 4, at least 1:
   * the page's thread and BlazeFace keep a core. Measured on 2 cores (npm
   * run bench:web, load average ~10): 1 thread 37 ms a call against 67 ms
   * for 2, and the loop's capacity 28.5 against 18.3 fps.
   */
  threads?: number;
}

export interface WebOnnxSession<O extends string = string> {
  readonly inputName: string;
  /** The input's shape after the batch axis. */
  readonly itemShape: readonly number[];
  /** The execution provider that runs the model. */
  readonly provider: WebOnnxProvider;
  /** Why each provider tried before `provider` failed. */
  readonly skipped: readonly { provider: WebOnnxProvider; reason: string }[];
  run(input: Float32Array, batch: number): Promise<Record<O, Float32Array>>;
  dispose(): Promise<void>;
}

function crossOriginIsolatedNow(): boolean {
  return (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}

/** Whether this browser exposes WebGPU with an adapter (headless Chromium usually does not). */
export async function webGpuAvailable(): Promise<{ available: boolean; reason?: string }> {
  const gpu = (globalThis.navigator as { gpu?: { requestAdapter(): Promise<unknown> } } | undefined)?.gpu;
  if (!gpu) return { available: false, reason: 'navigator.gpu is absent' };
  try {
    const adapter = await gpu.requestAdapter();
    return adapter ? { available: true } : { available: false, reason: 'navigator.gpu.requestAdapter() returned null (no GPU adapter)' };
  } catch (err) {
    return { available: false, reason: `requestAdapter failed: ${(err as Error).message}` };
  }
}

/**
 * Opens an ONNX model (its bytes) with one input `io.input` `[batch, ...]` and the outputs `io.outputs`.
 * `itemShape` is the input's shape after the batch axis (known from the model's own metadata).
 */
export async function createWebOnnxSession<O extends string>(
  bytes: Uint8Array,
  io: OnnxIoNames<O>,
  itemShape: readonly number[],
  options: WebOnnxSessionOptions,
): Promise<WebOnnxSession<O>> {
  const providers = options.providers ?? ['wasm'];
  if (providers.length === 0) throw new ConfigError('onnx.providers', `expected at least one of ${WEB_ONNX_PROVIDERS.join(', ')}`);
  for (const [i, p] of providers.entries()) {
    if (!WEB_ONNX_PROVIDERS.includes(p)) throw new ConfigError(`onnx.providers[${i}]`, `expected one of ${WEB_ONNX_PROVIDERS.join(', ')}, got ${JSON.stringify(p)}`);
  }
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  const threads = options.threads ?? (crossOriginIsolatedNow() ? Math.max(1, Math.min(4, cores - 1)) : 1);
  if (!Number.isInteger(threads) || threads < 1) throw new ConfigError('onnx.threads', `expected a whole number >= 1, got ${String(options.threads)}`);
  // ort.env is the library's own global: set once per page before the first session; every session of a page shares it.
  if (options.wasmBaseUrl !== undefined) ort.env.wasm.wasmPaths = options.wasmBaseUrl;
  ort.env.wasm.numThreads = crossOriginIsolatedNow() ? threads : 1;
  const skipped: { provider: WebOnnxProvider; reason: string }[] = [];
  let session: ort.InferenceSession | null = null;
  let provider: WebOnnxProvider | null = null;
  for (const p of providers) {
    if (p === 'webgpu') {
      const gpu = await webGpuAvailable();
      if (!gpu.available) {
        skipped.push({ provider: p, reason: gpu.reason ?? 'unavailable' });
        continue;
      }
    }
    try {
      session = await ort.InferenceSession.create(bytes, { executionProviders: [p], graphOptimizationLevel: 'all' });
      provider = p;
      break;
    } catch (err) {
      skipped.push({ provider: p, reason: (err as Error).message.split('\n')[0] ?? String(err) });
    }
  }
  if (!session || !provider) {
    throw new BackendError(`onnxruntime-web could not open the model on ${providers.join(', ')}: ${skipped.map((s) => `${s.provider}: ${s.reason}`).join('; ')}`);
  }
  const live = session;
  if (!live.inputNames.includes(io.input) || live.inputNames.length !== 1) {
    await live.release();
    throw new InputError(`ONNX model: expected one input '${io.input}', found ${live.inputNames.map((n) => `'${n}'`).join(', ')}`);
  }
  for (const name of io.outputs) {
    if (!live.outputNames.includes(name)) {
      await live.release();
      throw new InputError(`ONNX model: expected an output '${name}', found ${live.outputNames.map((n) => `'${n}'`).join(', ')}`);
    }
  }
  const perItem = itemShape.reduce((n, d) => n * d, 1);
  return {
    inputName: io.input,
    itemShape: [...itemShape],
    provider,
    skipped,
    async run(input, batch) {
      if (!Number.isInteger(batch) || batch < 1) throw new ShapeError(`ONNX run: batch must be a whole number >= 1, got ${String(batch)}`);
      if (input.length !== batch * perItem) throw new ShapeError(`ONNX run: input '${io.input}' expected [${batch}, ${itemShape.join(', ')}] = ${batch * perItem} values, got ${input.length}`);
      const tensor = new ort.Tensor('float32', input, [batch, ...itemShape]);
      const out = await live.run({ [io.input]: tensor });
      try {
        const result = {} as Record<O, Float32Array>;
        for (const name of io.outputs) {
          const t = out[name]!;
          // A GPU-resident output is downloaded; a CPU one is copied so it outlives dispose.
          const data = t.location === 'cpu' ? (t.data as Float32Array) : ((await t.getData()) as Float32Array);
          result[name] = Float32Array.from(data);
        }
        return result;
      } finally {
        for (const t of Object.values(out)) t.dispose();
        tensor.dispose();
      }
    },
    async dispose() {
      await live.release();
    },
  };
}
