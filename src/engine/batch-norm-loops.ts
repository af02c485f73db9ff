/**
 * Batch normalisation as plain loops over Float32Arrays, the kernels of
 * backends whose tensors JavaScript can read and write in place (the wasm
 * backend's heap). The same algorithm as the native addon's C++ kernels,
 * which its header explains: x and y are `[rows, c]` (channels last); the
 * forward takes one pass for the moments and one for the output, the
 * backward one for the two sums and one for dx; the ReLU's mask is
 * recomputed from x with the forward's own expression. Sums run in float64
 * (JavaScript's numbers), shifted by the first row for the moments.
 *
 * Why not compose tfjs ops on wasm: its reductions over leading axes
 * transpose first, and tfjs's batchNorm gradient tiles; measured here, the
 * composed forward and backward of one [29160, 42] activation took ~460 ms,
 * against a few ms for these loops.
 */

/** Per-channel scale γ/√(σ² + ε) and shift β − μ·scale, in float64 from the float32 statistics. */
function scaleShift(gamma: Float32Array, beta: Float32Array, mean: Float32Array, variance: Float32Array, c: number, epsilon: number): { scale: Float64Array; shift: Float64Array } {
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    scale[j] = gamma[j]! / Math.sqrt(variance[j]! + epsilon);
    shift[j] = beta[j]! - mean[j]! * scale[j]!;
  }
  return { scale, shift };
}

/** y = max(x·scale + shift, 0) with `relu`, else the affine map alone. */
function apply(x: Float32Array, y: Float32Array, rows: number, c: number, scale: Float64Array, shift: Float64Array, relu: boolean): void {
  for (let r = 0, base = 0; r < rows; r++, base += c) {
    for (let j = 0; j < c; j++) {
      const pre = x[base + j]! * scale[j]! + shift[j]!;
      y[base + j] = relu && pre < 0 ? 0 : pre;
    }
  }
}

/** Normalises `x` with its own per-channel mean and biased variance, written to `mean` and `variance`. */
export function batchNormTrainLoops(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  y: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  rows: number,
  c: number,
  epsilon: number,
  relu: boolean,
): void {
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  // Shifted by the first row: a channel far from zero keeps its digits.
  for (let r = 0, base = 0; r < rows; r++, base += c) {
    for (let j = 0; j < c; j++) {
      const d = x[base + j]! - x[j]!;
      sum[j]! += d;
      sq[j]! += d * d;
    }
  }
  for (let j = 0; j < c; j++) {
    const m = sum[j]! / rows;
    mean[j] = x[j]! + m;
    variance[j] = Math.max(0, sq[j]! / rows - m * m);
  }
  const { scale, shift } = scaleShift(gamma, beta, mean, variance, c, epsilon);
  apply(x, y, rows, c, scale, shift, relu);
}

/** Normalises `x` with given statistics (inference). */
export function batchNormInferLoops(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  y: Float32Array,
  rows: number,
  c: number,
  epsilon: number,
  relu: boolean,
): void {
  const { scale, shift } = scaleShift(gamma, beta, mean, variance, c, epsilon);
  apply(x, y, rows, c, scale, shift, relu);
}

/**
 * The gradient of `batchNormTrainLoops` given the statistics it wrote:
 * with g = dy where the ReLU passed it, dβ = Σg, dγ = Σg·x̂ and
 * dx = γ/σ·(g − Σg/n − x̂·Σg·x̂/n).
 */
export function batchNormGradLoops(
  x: Float32Array,
  dy: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  dx: Float32Array,
  dgamma: Float32Array,
  dbeta: Float32Array,
  rows: number,
  c: number,
  epsilon: number,
  relu: boolean,
): void {
  const { scale, shift } = scaleShift(gamma, beta, mean, variance, c, epsilon);
  const sumG = new Float64Array(c);
  const sumGX = new Float64Array(c);
  for (let r = 0, base = 0; r < rows; r++, base += c) {
    for (let j = 0; j < c; j++) {
      const v = x[base + j]!;
      const g = relu && v * scale[j]! + shift[j]! <= 0 ? 0 : dy[base + j]!;
      sumG[j]! += g;
      sumGX[j]! += g * (v - mean[j]!);
    }
  }
  const a = new Float64Array(c);
  const b = new Float64Array(c);
  const k = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    const inv = 1 / Math.sqrt(variance[j]! + epsilon);
    a[j] = gamma[j]! * inv;
    b[j] = (-a[j]! * inv * inv * sumGX[j]!) / rows;
    k[j] = (-a[j]! * sumG[j]!) / rows;
    dgamma[j] = sumGX[j]! * inv;
    dbeta[j] = sumG[j]!;
  }
  for (let r = 0, base = 0; r < rows; r++, base += c) {
    for (let j = 0; j < c; j++) {
      const v = x[base + j]!;
      const g = relu && v * scale[j]! + shift[j]! <= 0 ? 0 : dy[base + j]!;
      dx[base + j] = a[j]! * g + b[j]! * (v - mean[j]!) + k[j]!;
    }
  }
}
