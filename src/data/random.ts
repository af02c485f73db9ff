/**
 * Seeded randomness for the data pipeline (clip sampling, augmentation,
 * splits): xoshiro128** seeded through splitmix32, and child seeds derived
 * from text labels, so that a video's clips depend on the seed and the video's
 * id, never on the order videos happen to be visited in.
 */

export interface SeededRandom {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Integer uniform in [lo, hiExclusive). */
  int(lo: number, hiExclusive: number): number;
}

/** splitmix32: spreads a 32-bit seed over the four words of xoshiro's state. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A xoshiro128** generator; `seed` is any number (taken modulo 2^32). */
export function createSeededRandom(seed: number): SeededRandom {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${String(seed)}`);
  const sm = splitmix32(Math.trunc(seed));
  let a = sm();
  let b = sm();
  let c = sm();
  let d = sm();
  if ((a | b | c | d) === 0) a = 1;
  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  const next = (): number => nextU32() / 4294967296;
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hiExclusive) => {
      if (!(hiExclusive > lo)) throw new RangeError(`empty integer range [${lo}, ${hiExclusive})`);
      return lo + Math.floor((hiExclusive - lo) * next());
    },
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A seed for `labels` under `seed` (FNV-1a over the labels, then mixed), e.g. `childSeed(seed, 'clips', videoId)`. */
export function childSeed(seed: number, ...labels: ReadonlyArray<string | number>): number {
  let h = (Math.trunc(seed) ^ 0x811c9dc5) >>> 0;
  for (const label of labels) {
    for (const ch of `${String(label)}\u0000`) {
      h ^= ch.codePointAt(0)!;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return splitmix32(h)();
}
