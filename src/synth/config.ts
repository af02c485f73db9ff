/**
 * The synthetic SiW generator's configuration: defaults in one frozen
 * constant, validated once at the boundary with errors that name the field.
 */
import { ConfigError } from '../errors.js';

export interface SynthConfig {
  /** Number of subjects (SIDs 001..N), split between Train and Test in SiW's 90:75 proportion. */
  readonly subjects: number;
  /** Seed of everything: identities, the split, rooms, motion, noise. */
  readonly seed: number;
  /** Frame size in pixels; both even, as yuv420p H.264 requires. */
  readonly width: number;
  readonly height: number;
  /** Frames per video. */
  readonly frames: number;
  readonly fps: number;
  /** x264 constant rate factor. */
  readonly crf: number;
}

/** 320×240, 75 frames at 30 fps: small enough that `--subjects 12` is made in a few minutes on 2 cores, long enough for protocol 1's first 60 frames. */
export const DEFAULT_SYNTH_CONFIG: Readonly<SynthConfig> = Object.freeze({
  subjects: 12,
  seed: 0,
  width: 320,
  height: 240,
  frames: 75,
  fps: 30,
  crf: 20,
});

function checkInt(path: string, value: unknown, lo: number, hi: number, extra?: (v: number) => string | undefined): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ConfigError(path, `expected an integer in ${lo}..${hi}, got ${JSON.stringify(value)}`);
  }
  if (value < lo || value > hi) throw new ConfigError(path, `expected an integer in ${lo}..${hi}, got ${value}`);
  const why = extra?.(value);
  if (why !== undefined) throw new ConfigError(path, why);
  return value;
}

const even = (v: number): string | undefined => (v % 2 === 0 ? undefined : `must be even (H.264 in yuv420p halves the chroma), got ${v}`);

/** Fills in defaults, validates every field (errors name `synth.<field>`), returns a frozen config. */
export function resolveSynthConfig(partial: Partial<SynthConfig> = {}): Readonly<SynthConfig> {
  if (partial === null || typeof partial !== 'object') throw new ConfigError('synth', `expected an object, got ${JSON.stringify(partial)}`);
  const known = new Set(Object.keys(DEFAULT_SYNTH_CONFIG));
  for (const key of Object.keys(partial)) {
    if (!known.has(key)) throw new ConfigError(`synth.${key}`, `unknown field; valid fields: ${[...known].join(', ')}`);
  }
  const merged = { ...DEFAULT_SYNTH_CONFIG, ...partial };
  return Object.freeze({
    subjects: checkInt('synth.subjects', merged.subjects, 1, 999),
    seed: checkInt('synth.seed', merged.seed, 0, 0xffffffff),
    width: checkInt('synth.width', merged.width, 64, 3840, even),
    height: checkInt('synth.height', merged.height, 64, 2160, even),
    frames: checkInt('synth.frames', merged.frames, 2, 100000),
    fps: checkInt('synth.fps', merged.fps, 1, 240),
    crf: checkInt('synth.crf', merged.crf, 0, 51),
  });
}
