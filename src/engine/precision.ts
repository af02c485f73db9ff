/**
 * Training precision: the names a user may ask for, what this CPU can do
 * (cpuid, through the native addon), and the one rule that turns a request
 * into the precision a training run uses, or a refusal that says why.
 *
 * - `fp32`: every kernel in float32 (the default).
 * - `bf16`: mixed precision on the native backend: convolutions (forward and
 *   both gradients) and matrix products read bf16 operands and accumulate and
 *   write float32 on oneDNN's bf16 kernels; weights, optimizer state, loss and
 *   batch-norm statistics stay float32. Needs AVX512-BF16 or AMX-BF16, where
 *   bf16 runs at 2× (AVX512-BF16) to ~10× (AMX) the fp32 FMA peak; elsewhere
 *   oneDNN would emulate it slower than fp32, so it is refused.
 * - `bf16-emulated`: the numbers of `bf16` (the same operands rounded to bf16,
 *   round to nearest even, float32 kernels) on any CPU, at fp32's speed or a
 *   little below: for checking on a machine without bf16 hardware what bf16
 *   will do to a model's accuracy. Not a speed option.
 * - `auto`: `bf16` where the CPU has the hardware and the backend is native,
 *   else `fp32`.
 */
import { BackendError } from '../errors.js';
import { loadNativeAddon } from './native/addon.js';
import type { CpuFeatures } from './native/addon.js';

export const PRECISIONS = ['fp32', 'bf16', 'bf16-emulated'] as const;
export type Precision = (typeof PRECISIONS)[number];
export type PrecisionRequest = Precision | 'auto';
export const PRECISION_REQUESTS: readonly PrecisionRequest[] = ['fp32', 'bf16', 'auto', 'bf16-emulated'];
export const DEFAULT_PRECISION_REQUEST: PrecisionRequest = 'fp32';

/** The addon's code for each precision (`Context.setPrecision`). */
export const PRECISION_CODES: Readonly<Record<Precision, 0 | 1 | 2>> = { fp32: 0, bf16: 1, 'bf16-emulated': 2 };

export type { CpuFeatures } from './native/addon.js';

/** What cpuid reports, or why it cannot be asked (the native addon is what asks). */
export type CpuReport = { known: true; features: CpuFeatures } | { known: false; reason: string };

/** This CPU's features as the native addon reads them with cpuid; never throws. */
export function detectCpuFeatures(): CpuReport {
  const load = loadNativeAddon();
  if (!load.ok) return { known: false, reason: load.reason };
  return { known: true, features: load.addon.cpuFeatures() };
}

/** One line for `vidpad backends` and for errors: the CPU, its bf16/int8 instructions, and what bf16 training can use. */
export function describeCpu(report: CpuReport): string {
  if (!report.known) return `cpu: features unknown (${report.reason})`;
  const f = report.features;
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  return (
    `cpu: ${f.brand || f.vendor || 'unknown'}; avx2 ${yes(f.avx2)}, fma ${yes(f.fma)}, avx512 ${yes(f.avx512Core)}, ` +
    `avx512_bf16 ${yes(f.avx512Bf16)}, amx_bf16 ${yes(f.amxBf16)}, avx512_vnni ${yes(f.avx512Vnni)}, avx_vnni ${yes(f.avxVnni)}; ` +
    `oneDNN dispatches to ${f.oneDnnIsa}; bf16 training: ${f.bf16Hardware ? 'available' : 'unavailable (the CPU has neither AVX512-BF16 nor AMX-BF16)'}`
  );
}

/** Whether `value` names a precision request; the error lists the valid names. */
export function checkPrecisionRequest(value: string, field = 'precision'): PrecisionRequest {
  if (!(PRECISION_REQUESTS as readonly string[]).includes(value)) {
    throw new BackendError(`${field}: unknown precision '${value}': valid names are ${PRECISION_REQUESTS.join(', ')}`);
  }
  return value as PrecisionRequest;
}

/**
 * The precision a run on `backend` uses for `request`. `bf16` on a CPU
 * without AVX512-BF16 or AMX-BF16, or on a backend other than native, is
 * refused with a one-line BackendError saying what is missing; `auto` falls
 * back to fp32 there. `cpu` is for tests (default: this CPU).
 */
export function resolvePrecision(request: PrecisionRequest | string, backend: string, cpu: CpuReport = detectCpuFeatures()): Precision {
  const wanted = checkPrecisionRequest(request);
  if (wanted === 'fp32') return 'fp32';
  const hardware = cpu.known && cpu.features.bf16Hardware;
  if (wanted === 'auto') return backend === 'native' && hardware ? 'bf16' : 'fp32';
  if (backend !== 'native') {
    throw new BackendError(`precision ${wanted}: runs on the native backend only, and this run uses '${backend}' (use --backend native, or --precision fp32)`);
  }
  if (wanted === 'bf16' && !hardware) throw new BackendError(bf16Refusal(cpu));
  return wanted;
}

/** Why bf16 is refused here, in one line. */
export function bf16Refusal(cpu: CpuReport): string {
  if (!cpu.known) return `precision bf16: the CPU's features cannot be read (${cpu.reason})`;
  const f = cpu.features;
  const lacks = [f.avx512Bf16 ? null : 'AVX512-BF16', f.amxBf16 ? null : 'AMX-BF16'].filter((x) => x !== null);
  return (
    `precision bf16: this CPU (${f.brand || f.vendor || 'unknown'}, oneDNN ISA ${f.oneDnnIsa}) lacks ${lacks.join(' and ')}, ` +
    'which bf16 training needs to be faster than fp32; use --precision fp32 or auto (bf16-emulated reproduces bf16 numerics, slowly, for accuracy checks)'
  );
}

/**
 * Rounds every value of `x` to the nearest bf16 (ties to even), in place in
 * a copy: the reference the tests hold the addon's rounding against.
 * bf16 keeps float32's sign, 8-bit exponent and the top 7 mantissa bits.
 */
export function roundToBf16(x: Float32Array): Float32Array {
  const out = new Float32Array(x);
  const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < bits.length; i++) {
    const u = bits[i]!;
    if ((u & 0x7fffffff) > 0x7f800000) {
      bits[i] = (u | 0x00400000) & 0xffff0000; // quiet NaN
      continue;
    }
    const lsb = (u >>> 16) & 1;
    bits[i] = ((u + 0x7fff + lsb) >>> 16) << 16;
  }
  return out;
}
