// bf16 mixed precision on the native backend: rounding, the kernels' numbers
// against fp32 with a tolerance derived from bf16's 8-bit significand, the
// precision rule (refusals, auto), and the backend carrying the setting.
//
// The tolerance. bf16 keeps p = 8 significand bits (7 stored + the implicit
// one), so rounding to nearest gives x̃ = x(1 + δ) with |δ| <= u = 2^-8. A
// product of two rounded operands is x̃w̃ = xw(1 + δ1)(1 + δ2): relative error
// at most 2u + u². That product is exact in fp32 (8 + 8 = 16 <= 24 bits),
// and summing K of them in fp32 adds at most γ_K = K·2^-24 / (1 - K·2^-24)
// of Σ|terms| (Higham, Accuracy and Stability, §3.1); the fp32 reference
// carries the same kind of error. So every output y = Σ_k x_k w_k obeys
//   |y_bf16 - y_fp32| <= (2u + u² + γ_K (2 + 2u + u²)) · S,  S = Σ_k |x_k| |w_k|,
// with S computed by the fp32 kernel on |x| and |w| (which is within γ_K of
// S, hence the extra factor 1 + γ_K). K is the reduction length of each pass:
// forward KH·KW·C, backward-data KH·KW·O, backward-weights N·OH·OW, matmul K.
// The bound is a worst case, not a fit: a test that the bf16 result also
// differs from fp32 by more than fp32's own summation bound shows the
// operands really were rounded. Where the CPU has bf16 hardware, its kernels
// are held to the same bound, and to the emulation within 2γ_K·S (the two
// differ only in summation order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initBackend } from '../../src/engine/backends.js';
import { loadNativeAddon } from '../../src/engine/native/addon.js';
import type { NativeContext } from '../../src/engine/native/addon.js';
import { resolvePrecision, roundToBf16, bf16Refusal, describeCpu } from '../../src/engine/precision.js';
import type { CpuFeatures, CpuReport } from '../../src/engine/precision.js';
import { BackendError } from '../../src/errors.js';
import { randomArray } from './random-arrays.js';

const load = loadNativeAddon();
const skip = load.ok ? false : `native addon unavailable: ${load.reason}`;
const cpu = load.ok ? load.addon.cpuFeatures() : undefined;
const skipHardware = !load.ok
  ? `native addon unavailable: ${load.reason}`
  : cpu!.bf16Hardware
    ? false
    : `this CPU (${cpu!.brand || cpu!.vendor}) has neither AVX512-BF16 nor AMX-BF16, so oneDNN's bf16 kernels cannot run here (the emulation tests cover the numbers)`;

const U = 2 ** -8;
const gamma = (k: number) => (k * 2 ** -24) / (1 - k * 2 ** -24);
/** The derived bound's factor on S for reduction length K (see the header). */
const bf16Factor = (k: number) => (2 * U + U * U + gamma(k) * (2 + 2 * U + U * U)) * (1 + gamma(k));

const abs = (a: Float32Array) => a.map(Math.abs);

/** A pass of a kernel: its output for given operands, and its reduction length. */
interface Pass {
  name: string;
  k: number;
  operands: [Float32Array, Float32Array];
  run(ctx: NativeContext, a: Float32Array, b: Float32Array): Float32Array;
}

// A convolution with stride 2, asymmetric padding and odd sizes: N 2, 9×11×5 in, 3×3 filter, 6 out, 5×6 out.
const CONV = Int32Array.from([2, 9, 11, 5, 3, 3, 6, 5, 6, 2, 2, 1, 1, 1, 1]);
const [N, H, W, C, KH, KW, O, OH, OW] = [...CONV] as number[];
const xLen = N! * H! * W! * C!;
const wLen = KH! * KW! * C! * O!;
const yLen = N! * OH! * OW! * O!;
const [MM, MK, MN] = [7, 300, 9];

function passes(): Pass[] {
  return [
    {
      name: 'conv2d forward',
      k: KH! * KW! * C!,
      operands: [randomArray(xLen, 1, 4), randomArray(wLen, 2)],
      run(ctx, x, w) {
        const y = new Float32Array(yLen);
        ctx.conv2d(x, w, null, y, CONV, false);
        return y;
      },
    },
    {
      name: 'conv2d backward-data',
      k: KH! * KW! * O!,
      operands: [randomArray(yLen, 3, 2), randomArray(wLen, 4)],
      run(ctx, dy, w) {
        const dx = new Float32Array(xLen);
        ctx.conv2dBackpropInput(dy, w, dx, CONV);
        return dx;
      },
    },
    {
      name: 'conv2d backward-weights',
      k: N! * OH! * OW!,
      operands: [randomArray(xLen, 5, 3), randomArray(yLen, 6)],
      run(ctx, x, dy) {
        const dw = new Float32Array(wLen);
        ctx.conv2dBackpropFilter(x, dy, dw, null, CONV);
        return dw;
      },
    },
    {
      name: 'matMul (a transposed)',
      k: MK,
      operands: [randomArray(MK * MM, 7, 10), randomArray(MK * MN, 8)],
      run(ctx, a, b) {
        const c = new Float32Array(MM * MN);
        ctx.matMul(a, b, null, c, Int32Array.of(1, 1, MM, MK, MN, 1, 0), false);
        return c;
      },
    },
  ];
}

function withPrecision(code: 0 | 1 | 2): NativeContext {
  if (!load.ok) throw new Error(load.reason);
  const ctx = new load.addon.Context();
  ctx.setThreads(2);
  ctx.setPrecision(code);
  return ctx;
}

test('roundToBf16 rounds to nearest, ties to even, on hand-worked values', () => {
  const cases: Array<[number, number]> = [
    [1, 1],
    [1 + 2 ** -7, 1 + 2 ** -7], // representable: 7 stored bits
    [1 + 2 ** -8, 1], // halfway between 1 (even) and 1 + 2^-7 (odd): to even
    [1 + 3 * 2 ** -8, 1 + 2 ** -6], // halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even): to even
    [1 + 2 ** -8 + 2 ** -20, 1 + 2 ** -7], // just above halfway: up
    [-(1 + 3 * 2 ** -8), -(1 + 2 ** -6)],
    [Math.PI, 3.140625], // 1.1001001|0000111... → 1.1001001 × 2
    [2 ** -130, 2 ** -130], // an fp32 subnormal bf16 can hold
    [3.4028234663852886e38, Infinity], // fp32's largest is past bf16's largest finite, (2 - 2^-7)·2^127, by more than half a step
    [Infinity, Infinity],
    [-0, -0],
  ];
  const got = roundToBf16(Float32Array.from(cases.map(([x]) => x)));
  cases.forEach(([x, want], i) => assert.ok(Object.is(got[i], want), `round(${x}) = ${got[i]}, expected ${want}`));
  assert.ok(Number.isNaN(roundToBf16(Float32Array.of(NaN))[0]));
  // Every result has its low 16 bits clear.
  const r = roundToBf16(randomArray(1000, 9, 1e3));
  const bits = new Uint32Array(r.buffer);
  assert.ok(bits.every((b) => (b & 0xffff) === 0));
});

test('the addon rounds exactly as roundToBf16 does (emulated matMul by 1)', { skip }, () => {
  const ctx = withPrecision(2);
  const special = Float32Array.of(1 + 2 ** -8, 1 + 3 * 2 ** -8, -(1 + 3 * 2 ** -8), 2 ** -130, 3.4e38, -0);
  const x = new Float32Array(4096 + special.length);
  x.set(randomArray(4096, 10, 100));
  x.set(special, 4096);
  const c = new Float32Array(x.length);
  ctx.matMul(x, Float32Array.of(1), null, c, Int32Array.of(1, 1, x.length, 1, 1, 0, 0), false);
  assert.deepEqual([...c].map((v) => Object.is(v, -0) ? 0 : v), [...roundToBf16(x)].map((v) => Object.is(v, -0) ? 0 : v));
});

for (const pass of passes()) {
  test(`bf16-emulated ${pass.name} = fp32 on bf16-rounded operands, and within the derived bound of fp32`, { skip }, () => {
    const [a, b] = pass.operands;
    const emu = pass.run(withPrecision(2), a, b);
    const fp32 = withPrecision(0);
    // Exactly the fp32 kernel on operands rounded by the independent TypeScript rounding.
    assert.deepEqual(emu, pass.run(fp32, roundToBf16(a), roundToBf16(b)));
    const ref = pass.run(fp32, a, b);
    const s = pass.run(fp32, abs(a), abs(b));
    const factor = bf16Factor(pass.k);
    let worst = 0;
    let beyondFp32 = 0;
    for (let i = 0; i < ref.length; i++) {
      const err = Math.abs(emu[i]! - ref[i]!);
      const bound = factor * s[i]!;
      assert.ok(err <= bound, `${pass.name}[${i}]: |bf16 - fp32| = ${err} > bound ${bound} (S = ${s[i]}, K = ${pass.k})`);
      worst = Math.max(worst, err / (s[i]! || 1));
      if (err > 2 * gamma(pass.k) * s[i]!) beyondFp32++;
    }
    // The rounding is real: many outputs differ by more than fp32 summation alone could explain.
    assert.ok(beyondFp32 > ref.length / 4, `${pass.name}: only ${beyondFp32}/${ref.length} outputs differ beyond fp32 rounding; worst |err|/S ${worst}`);
  });

  test(`bf16 hardware ${pass.name} within the derived bound of fp32 and of the emulation`, { skip: skipHardware }, () => {
    const [a, b] = pass.operands;
    const hw = pass.run(withPrecision(1), a, b);
    const emu = pass.run(withPrecision(2), a, b);
    const fp32 = withPrecision(0);
    const ref = pass.run(fp32, a, b);
    const s = pass.run(fp32, abs(a), abs(b));
    for (let i = 0; i < ref.length; i++) {
      assert.ok(Math.abs(hw[i]! - ref[i]!) <= bf16Factor(pass.k) * s[i]!, `${pass.name}[${i}] against fp32`);
      assert.ok(Math.abs(hw[i]! - emu[i]!) <= 2 * gamma(pass.k) * (1 + 2 * U + U * U) * s[i]! * (1 + gamma(pass.k)), `${pass.name}[${i}] against the emulation`);
    }
  });
}

test('the addon refuses bf16 on a CPU without AVX512-BF16 and AMX-BF16', { skip: skip || (cpu?.bf16Hardware ? 'this CPU has bf16 hardware' : false) }, () => {
  const ctx = withPrecision(0);
  assert.throws(() => ctx.setPrecision(1), /neither AVX512-BF16 nor AMX-BF16/);
  assert.equal(ctx.precision(), 0);
});

test('cpuid agrees with the kernel\'s /proc/cpuinfo flags', { skip: skip || (process.platform !== 'linux' ? 'no /proc/cpuinfo' : false) }, async () => {
  const { readFile } = await import('node:fs/promises');
  const info = await readFile('/proc/cpuinfo', 'utf8');
  const flags = new Set((/^flags\s*:(.*)$/m.exec(info)?.[1] ?? '').trim().split(/\s+/));
  const f = cpu!;
  assert.equal(f.avx2, flags.has('avx2'), 'avx2');
  assert.equal(f.fma, flags.has('fma'), 'fma');
  assert.equal(f.avx512f, flags.has('avx512f'), 'avx512f');
  assert.equal(f.avx512Bf16, flags.has('avx512_bf16'), 'avx512_bf16');
  assert.equal(f.amxBf16, flags.has('amx_bf16'), 'amx_bf16');
  assert.equal(f.avx512Vnni, flags.has('avx512_vnni'), 'avx512_vnni');
  assert.match(describeCpu({ known: true, features: f }), /avx512_bf16 (yes|no), amx_bf16 (yes|no)/);
});

function fakeCpu(bf16: boolean): CpuReport {
  const features: CpuFeatures = {
    vendor: 'GenuineIntel', brand: 'Test CPU', avx2: true, fma: true, avx512f: bf16, avx512Core: bf16, avx512Vnni: bf16, avxVnni: false,
    avx512Bf16: bf16, amxBf16: false, amxInt8: false, bf16Hardware: bf16, oneDnnIsa: bf16 ? 'avx512_core_bf16' : 'avx2',
  };
  return { known: true, features };
}

test('resolvePrecision: bf16 needs the hardware and the native backend; auto falls back to fp32', () => {
  const without = fakeCpu(false);
  const withBf16 = fakeCpu(true);
  assert.equal(resolvePrecision('fp32', 'wasm', without), 'fp32');
  assert.equal(resolvePrecision('auto', 'native', without), 'fp32');
  assert.equal(resolvePrecision('auto', 'native', withBf16), 'bf16');
  assert.equal(resolvePrecision('auto', 'wasm', withBf16), 'fp32');
  assert.equal(resolvePrecision('bf16', 'native', withBf16), 'bf16');
  assert.equal(resolvePrecision('bf16-emulated', 'native', without), 'bf16-emulated');
  assert.throws(() => resolvePrecision('bf16', 'native', without), (e: unknown) => e instanceof BackendError && /lacks AVX512-BF16 and AMX-BF16/.test(e.message) && !e.message.includes('\n'));
  assert.throws(() => resolvePrecision('bf16', 'wasm', withBf16), /native backend only.*'wasm'/);
  assert.throws(() => resolvePrecision('bf16-emulated', 'cpu', without), /native backend only/);
  assert.throws(() => resolvePrecision('fp16', 'native', withBf16), /unknown precision 'fp16': valid names are fp32, bf16, auto, bf16-emulated/);
  assert.match(bf16Refusal({ known: false, reason: 'addon missing' }), /cannot be read \(addon missing\)/);
});

test('initBackend sets the native precision for the run and resets it to fp32 on the next', { skip }, async () => {
  const x = randomArray(2 * 6 * 6 * 3, 11, 3);
  const w = randomArray(3 * 3 * 3 * 4, 12);
  const conv = (xs: Float32Array, ws: Float32Array) =>
    tf.tidy(() => tf.conv2d(tf.tensor4d(xs, [2, 6, 6, 3]), tf.tensor4d(ws, [3, 3, 3, 4]), 1, 'same').dataSync() as Float32Array);
  const active = await initBackend('native', { threads: 1, precision: 'bf16-emulated' });
  assert.equal(active.precision, 'bf16-emulated');
  const before = tf.memory().numTensors;
  const emulated = Float32Array.from(conv(x, w));
  // The tfjs path reaches the emulation: the same as fp32 on rounded operands.
  const fp32 = await initBackend('native', { threads: 1 });
  assert.equal(fp32.precision, 'fp32');
  assert.deepEqual(emulated, Float32Array.from(conv(roundToBf16(x), roundToBf16(w))));
  assert.notDeepEqual(Float32Array.from(conv(x, w)), emulated);
  assert.equal(tf.memory().numTensors, before);
  if (!cpu!.bf16Hardware) {
    await assert.rejects(initBackend('native', { precision: 'bf16' }), (e: unknown) => e instanceof BackendError && /lacks AVX512-BF16 and AMX-BF16/.test(e.message));
    assert.equal((await initBackend('native', { threads: 1, precision: 'auto' })).precision, 'fp32');
  }
  await assert.rejects(initBackend('cpu', { precision: 'bf16-emulated' }), /native backend only/);
});
