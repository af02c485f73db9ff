/**
 * The validators of typed config objects, shared by every folder that
 * resolves one (losses, models, training, synthetic data, model files): each
 * takes the field's path (`train.batchSize`, `loss.triplet.margin`), returns
 * the checked value, and throws a ConfigError naming the path, what was
 * expected and what was given. A root-level module, like errors.ts, so no
 * folder imports against the pipeline's flow.
 */
import { ConfigError } from './errors.js';

const shown = (value: unknown): string => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value) ?? String(value));

/** A whole number `>= min` (and `<= max` when given). */
export function checkWhole(path: string, value: unknown, min = 0, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(path, `expected a whole number ${max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`}, got ${shown(value)}`);
  }
  return value;
}

export interface NumberRange {
  min?: number;
  max?: number;
  /** `min` itself is not allowed: (min, …]. */
  minExclusive?: boolean;
  /** `max` itself is not allowed: […, max). */
  maxExclusive?: boolean;
}

function describeRange({ min = -Infinity, max = Infinity, minExclusive = false, maxExclusive = false }: NumberRange): string {
  if (max === Infinity) return min === -Infinity ? '' : ` ${minExclusive ? '>' : '>='} ${min}`;
  if (min === -Infinity) return ` ${maxExclusive ? '<' : '<='} ${max}`;
  return ` in ${minExclusive ? '(' : '['}${min}, ${max}${maxExclusive ? ')' : ']'}`;
}

/** A finite number within `range`; `unit` is said in the message (e.g. ` (radians)`). */
export function checkNumber(path: string, value: unknown, range: NumberRange = {}, unit = ''): number {
  const { min = -Infinity, max = Infinity, minExclusive = false, maxExclusive = false } = range;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (minExclusive ? value > min : value >= min) &&
    (maxExclusive ? value < max : value <= max);
  if (!ok) throw new ConfigError(path, `expected a number${unit}${describeRange(range)}, got ${shown(value)}`);
  return value as number;
}

/** One of a fixed list of names. */
export function checkOneOf<T extends string>(path: string, value: unknown, options: readonly T[]): T {
  if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
    throw new ConfigError(path, `expected one of ${options.join(', ')}, got ${shown(value)}`);
  }
  return value as T;
}

export function checkBoolean(path: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ConfigError(path, `expected true or false, got ${shown(value)}`);
  return value;
}

/**
 * An object whose fields are all among `keys` (undefined reads as `{}`); an
 * unknown field is named with its path and the valid ones listed.
 */
export function checkKnownKeys(path: string, value: unknown, keys: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(path, `expected an object, got ${shown(value)}`);
  for (const k of Object.keys(value)) {
    if (!keys.includes(k)) throw new ConfigError(path ? `${path}.${k}` : k, `unknown field; valid fields are ${keys.join(', ')}`);
  }
  return value as Record<string, unknown>;
}
