/**
 * `vidpad metrics`: ISO/IEC 30107-3 metrics from score files alone, so any
 * system's scores, vidpad's or another's, are evaluated by the same code.
 */
import type { CliCommand } from '../command.js';
import { UsageError, evaluateScores, formatEvaluationReport, loadScoresCsv, describeProblems, EVALUATION_LEVELS } from '../../index.js';
import type { CommandIo } from '../command.js';
import type { EvaluationLevel } from '../../index.js';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseThreshold(text: string): number {
  const value = Number(text.trim());
  if (!NUMBER.test(text.trim()) || !Number.isFinite(value)) throw new UsageError(`--threshold: expected a finite number, got '${text}'`);
  return value;
}

function parseAttackTypes(text: string): string[] {
  const types = text.split(',').map((t) => t.trim());
  if (types.some((t) => t === '')) throw new UsageError(`--attack-types: expected a comma-separated list of names such as print,replay, got '${text}'`);
  return types;
}

/** JSON cannot hold ±Infinity; a threshold of +∞ (reject everything) is written as the string "Infinity". */
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

async function loadScores(file: string, lenient: boolean, io: CommandIo) {
  const parsed = await loadScoresCsv(file, { lenient });
  if (parsed.problems.length > 0) io.stderr.write(`vidpad: warning: skipped ${describeProblems(file, parsed.problems)}\n`);
  return parsed;
}

export const metricsCommand: CliCommand = {
  name: 'metrics',
  summary: 'APCER, BPCER, ACER, EER and more from score files',
  usage: '--scores TEST.csv [--val VAL.csv | --threshold X] [--level clip|video] [--attack-types a,b] [--lenient] [--json]',
  description:
    'Reads a test score CSV (header with the columns label (live|attack), attack_type, score, optionally video and fold;\n' +
    'higher score = more likely live; accepted as live when score >= threshold) and prints APCER per attack type and\n' +
    'their maximum, BPCER, ACER, HTER (attacks pooled), EER and BPCER at APCER max <= 1/5/10%.\n' +
    'The threshold is the EER point of --val when given, else --threshold, else the EER point of the test scores\n' +
    'themselves, reported as an oracle. With a fold column every fold is evaluated on its own (validation rows are\n' +
    'matched by their fold column) and mean ± std is printed. At --level video each video scores the mean of its clips.\n' +
    'Malformed rows are listed with their line numbers and stop the command, unless --lenient skips them.',
  options: [
    { name: 'scores', type: 'string', valueName: 'TEST.csv', description: 'test scores (required)' },
    { name: 'val', type: 'string', valueName: 'VAL.csv', description: 'validation scores: the threshold is their EER point' },
    { name: 'threshold', type: 'string', valueName: 'X', description: 'a fixed threshold instead of --val' },
    { name: 'level', type: 'string', valueName: 'clip|video', description: 'score per clip, or per video as the mean of its clips', default: 'clip' },
    { name: 'attack-types', type: 'string', valueName: 'a,b,...', description: 'attack types the protocol expects; those without samples are reported absent' },
    { name: 'lenient', type: 'boolean', description: 'skip malformed rows (listed on stderr) instead of failing', default: false },
    { name: 'json', type: 'boolean', description: 'print JSON instead of a table', default: false },
  ],
  async run(args, io) {
    const o = args.options;
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'; give the score file with --scores`);
    const scores = o.scores as string | undefined;
    if (scores === undefined || scores === '') throw new UsageError("--scores TEST.csv is required; see 'vidpad metrics --help'");
    const val = o.val as string | undefined;
    if (val !== undefined && o.threshold !== undefined) throw new UsageError('give either --val or --threshold, not both');
    const level = o.level as string;
    if (!(EVALUATION_LEVELS as readonly string[]).includes(level)) throw new UsageError(`--level: unknown level '${level}'; expected ${EVALUATION_LEVELS.join(' or ')}`);
    const threshold = o.threshold === undefined ? undefined : parseThreshold(o.threshold as string);
    const attackTypes = o['attack-types'] === undefined ? undefined : parseAttackTypes(o['attack-types'] as string);

    const lenient = o.lenient === true;
    const test = await loadScores(scores, lenient, io);
    const validation = val === undefined ? undefined : await loadScores(val, lenient, io);
    const report = evaluateScores(test.rows, {
      level: level as EvaluationLevel,
      validation: validation?.rows,
      threshold,
      attackTypes,
    });
    if (o.json) {
      const files = { test: scores, ...(val !== undefined ? { validation: val } : {}) };
      io.stdout.write(JSON.stringify({ files, ...report }, jsonNumbers, 2) + '\n');
    } else {
      io.stdout.write(formatEvaluationReport(report, { test: scores, ...(val !== undefined ? { validation: val } : {}) }));
    }
    return 0;
  },
};
