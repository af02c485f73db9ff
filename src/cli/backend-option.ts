/** The `--backend` option of every command that computes with tfjs: one name list and one default, the engine's. */
import type { OptionSpec } from './command.js';
import { BACKEND_NAMES, DEFAULT_BACKEND_REQUEST, UsageError } from '../index.js';

export function backendOption(purpose = 'compute backend'): OptionSpec {
  return { name: 'backend', type: 'string', valueName: 'NAME', description: `${purpose}: auto, ${BACKEND_NAMES.join(', ')}`, default: DEFAULT_BACKEND_REQUEST };
}

/**
 * The `--backend` value of a command without a default (the library then
 * picks per use), checked before any work: undefined when not given, else a
 * name from the list (a UsageError otherwise, exit status 2).
 */
export function optionalBackend(value: string | boolean | undefined): string | undefined {
  if (value === undefined) return undefined;
  const valid = ['auto', ...BACKEND_NAMES];
  if (typeof value !== 'string' || !valid.includes(value)) throw new UsageError(`--backend must be one of ${valid.join(', ')}, got '${String(value)}'`);
  return value;
}
