/**
 * The synthetic dataset generator's configuration: defaults in one frozen
 * constant, validated once at the boundary with errors that name the field.
 */
import { ConfigError } from '../errors.js';
import { checkKnownKeys, checkWhole } from '../config-checks.js';

/** The layouts the generator writes: SiW's, and those of the four cross-dataset benchmarks. */
export const SYNTH_LAYOUTS = ['siw', 'oulu-npu', 'casia-fasd', 'replay-attack', 'msu-mfsd'] as const;
export type SynthLayout = (typeof SYNTH_LAYOUTS)[number];

/** Values a layout's video field is restricted to (e.g. `{ phone: ['1', '2'] }` for OULU-NPU); see layouts.ts. */
export type SynthPick = Readonly<Record<string, readonly string[]>>;

export interface SynthConfig {
  /** Which dataset's layout and naming to write. */
  readonly layout: SynthLayout;
  /**
   * Number of subjects, split between the layout's parts in the real
   * dataset's proportion (SiW 90:75 Train:Test; OULU-NPU 20:15:20; CASIA-FASD
   * 20:30; Replay-Attack 15:15:20; MSU-MFSD 15:20).
   */
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
  /** Only the videos whose fields take these values (layouts other than SiW; empty: every video of the name space). */
  readonly pick: SynthPick;
}

/** 320×240, 75 frames at 30 fps: small enough that `--subjects 12` is made in a few minutes on 2 cores, long enough for protocol 1's first 60 frames. */
export const DEFAULT_SYNTH_CONFIG: Readonly<SynthConfig> = Object.freeze({
  layout: 'siw',
  subjects: 12,
  seed: 0,
  width: 320,
  height: 240,
  frames: 75,
  fps: 30,
  crf: 20,
  pick: Object.freeze({}) as SynthPick,
});

function checkInt(path: string, value: unknown, lo: number, hi: number, extra?: (v: number) => string | undefined): number {
  checkWhole(path, value, lo, hi);
  const why = extra?.(value as number);
  if (why !== undefined) throw new ConfigError(path, why);
  return value as number;
}

const even = (v: number): string | undefined => (v % 2 === 0 ? undefined : `must be even (H.264 in yuv420p halves the chroma), got ${v}`);

/** Fills in defaults, validates every field (errors name `synth.<field>`), returns a frozen config. */
export function resolveSynthConfig(partial: Partial<SynthConfig> = {}): Readonly<SynthConfig> {
  if (partial === null) throw new ConfigError('synth', 'expected an object, got null');
  checkKnownKeys('synth', partial, Object.keys(DEFAULT_SYNTH_CONFIG));
  const merged = { ...DEFAULT_SYNTH_CONFIG, ...partial };
  if (!SYNTH_LAYOUTS.includes(merged.layout)) throw new ConfigError('synth.layout', `unknown layout ${JSON.stringify(merged.layout)}; expected one of ${SYNTH_LAYOUTS.join(', ')}`);
  const pick = merged.pick;
  if (pick === null || typeof pick !== 'object' || Array.isArray(pick)) throw new ConfigError('synth.pick', `expected an object of field → values, got ${JSON.stringify(pick)}`);
  if (merged.layout === 'siw' && Object.keys(pick).length > 0) throw new ConfigError('synth.pick', 'the SiW layout always writes its whole name space; pick applies to the other layouts');
  const frozenPick: Record<string, readonly string[]> = {};
  for (const key of Object.keys(pick).sort()) {
    const values = pick[key];
    if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== 'string' || v === '')) {
      throw new ConfigError(`synth.pick.${key}`, `expected a non-empty list of values, got ${JSON.stringify(values)}`);
    }
    frozenPick[key] = Object.freeze([...new Set(values as string[])]);
  }
  return Object.freeze({
    layout: merged.layout,
    subjects: checkInt('synth.subjects', merged.subjects, 1, 999),
    seed: checkInt('synth.seed', merged.seed, 0, 0xffffffff),
    width: checkInt('synth.width', merged.width, 64, 3840, even),
    height: checkInt('synth.height', merged.height, 64, 2160, even),
    frames: checkInt('synth.frames', merged.frames, 2, 100000),
    fps: checkInt('synth.fps', merged.fps, 1, 240),
    crf: checkInt('synth.crf', merged.crf, 0, 51),
    pick: Object.freeze(frozenPick),
  });
}
