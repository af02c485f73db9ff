/**
 * `vidpad backends`: which compute backends can run on this machine, and a
 * check that the chosen one computes a (2+1)D convolution correctly.
 */
import type { CliCommand } from '../command.js';
import { probeBackends, initBackend, checkBackend, describeProbes, describeCpu, detectCpuFeatures, BACKEND_NAMES } from '../../index.js';

export const backendsCommand: CliCommand = {
  name: 'backends',
  summary: 'list the compute backends and whether each can run here',
  usage: '[--check NAME] [--json]',
  description:
    `Lists ${BACKEND_NAMES.join(', ')} with their availability, and for an unavailable one what to install.\n` +
    'With --check NAME (or auto), initialises that backend and runs a (2+1)D convolution forward and backward,\n' +
    'comparing it with the cpu backend. The cpu line gives what cpuid reports about bf16 and int8 instructions\n' +
    '(AVX512-BF16, AMX-BF16, VNNI), the instruction set oneDNN uses, and whether --precision bf16 can train here.',
  options: [
    { name: 'check', type: 'string', valueName: 'NAME', description: `initialise NAME (auto, ${BACKEND_NAMES.join(', ')}) and verify it against cpu` },
    { name: 'json', type: 'boolean', description: 'print JSON instead of a table', default: false },
  ],
  async run(args, io) {
    const probes = await probeBackends();
    const cpu = detectCpuFeatures();
    const check = args.options.check as string | undefined;
    let checked: Awaited<ReturnType<typeof checkBackend>> | undefined;
    if (check !== undefined) {
      const active = await initBackend(check);
      checked = await checkBackend(active);
    }
    if (args.options.json) {
      io.stdout.write(JSON.stringify({ backends: probes, cpu: cpu.known ? cpu.features : null, check: checked }, null, 2) + '\n');
      return checked && !checked.ok ? 1 : 0;
    }
    io.stdout.write(describeProbes(probes) + '\n' + describeCpu(cpu) + '\n');
    if (checked) {
      io.stdout.write(
        `\ncheck ${checked.backend}: (2+1)D forward and gradients against cpu, max relative error ${checked.maxRelativeError.toExponential(2)} ` +
          `(tolerance ${checked.tolerance.toExponential(0)}): ${checked.ok ? 'ok' : 'FAILED'}\n`,
      );
      return checked.ok ? 0 : 1;
    }
    return 0;
  },
};
