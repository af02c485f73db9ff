/** The `--backend` option of every command that computes with tfjs: one name list and one default, the engine's. */
import type { OptionSpec, ParsedArgs } from './command.js';
import { BACKEND_NAMES, DEFAULT_BACKEND_REQUEST, DEFAULT_PRECISION_REQUEST, PRECISION_REQUESTS, UsageError, bf16Refusal, detectCpuFeatures } from '../index.js';
import type { PrecisionRequest } from '../index.js';

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

/** `--precision` of every command that trains: validated with the rest of the command line, before any work. */
export function precisionOption(): OptionSpec {
  return {
    name: 'precision',
    type: 'string',
    valueName: 'P',
    description:
      "what convolutions and matrix products train in: 'fp32'; 'bf16' (native backend, CPUs with AVX512-BF16 or AMX-BF16, where it is 2-10× fp32's peak; refused elsewhere); " +
      "'auto' (bf16 where the CPU has it, else fp32); 'bf16-emulated' (bf16's numbers on any CPU, no faster than fp32: for checking accuracy); see docs/precision.md",
    default: DEFAULT_PRECISION_REQUEST,
  };
}

/**
 * The precision asked for, checked now: an unknown name, or bf16 on a CPU
 * without AVX512-BF16/AMX-BF16, is a UsageError before anything is read or
 * written. Whether the backend fits is checked when it is chosen.
 */
export function precisionFromArgs(args: ParsedArgs): PrecisionRequest {
  const value = String(args.options.precision ?? DEFAULT_PRECISION_REQUEST);
  if (!(PRECISION_REQUESTS as readonly string[]).includes(value)) {
    throw new UsageError(`--precision must be one of ${PRECISION_REQUESTS.join(', ')}, got '${value}'`);
  }
  if (value === 'bf16') {
    const cpu = detectCpuFeatures();
    if (!(cpu.known && cpu.features.bf16Hardware)) throw new UsageError(`--${bf16Refusal(cpu)}`);
  }
  return value as PrecisionRequest;
}
