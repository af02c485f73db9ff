/** The `--backend` option of every command that computes with tfjs: one name list and one default, the engine's. */
import type { OptionSpec } from './command.js';
import { BACKEND_NAMES, DEFAULT_BACKEND_REQUEST } from '../index.js';

export function backendOption(purpose = 'compute backend'): OptionSpec {
  return { name: 'backend', type: 'string', valueName: 'NAME', description: `${purpose}: auto, ${BACKEND_NAMES.join(', ')}`, default: DEFAULT_BACKEND_REQUEST };
}
