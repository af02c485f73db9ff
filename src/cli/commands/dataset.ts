/**
 * `vidpad dataset`: indexes a SiW tree or a folder-layout dataset and prints,
 * for each protocol and fold, how many videos, live and per-attack-type
 * videos and subjects each split holds, then the problems found in the tree.
 */
import type { CliCommand } from '../command.js';
import {
  indexSiw,
  indexFolder,
  probeDatasetVideos,
  siwProtocolSplits,
  folderProtocolSplits,
  folderAttackTypes,
  countSplit,
  compareAttackTypes,
  SIW_PROTOCOL_IDS,
  FOLDER_PROTOCOLS,
  UsageError,
} from '../../index.js';
import type { DatasetIndex, ProtocolSplit, SplitCounts, SiwProtocolId, FolderProtocolId, SplitVideo } from '../../index.js';

const DATASETS = ['siw', 'folder'] as const;
/** Issues printed in the text report; `--json` has them all. */
const MAX_ISSUES_SHOWN = 40;

export const datasetCommand: CliCommand = {
  name: 'dataset',
  summary: "index a dataset and print each protocol's split counts and the problems found",
  usage: '--dataset siw|folder --root DIR [--protocol P] [--val-subjects IDS] [--manifest FILE] [--probe] [--json]',
  description:
    'Indexes a SiW tree (Train|Test/live|spoof/<SID>/<SID>-<sensor>-<type>-<medium>-<session>.mov) or the folder layout\n' +
    '(<root>/live/**, <root>/spoof/<attack-type>/**, or a manifest.csv) without decoding any video, and prints for every\n' +
    'protocol and fold the videos, live and attack-type counts and subjects of train, val and test.\n' +
    'SiW protocols: 1, 2 (one fold per replay medium), 3 (print -> replay, replay -> print). Folder protocols: all, cross\n' +
    '(leave one attack type out). Validation subjects come out of the training subjects: by default every third one in\n' +
    'sorted order, or the list given with --val-subjects (e.g. Idiap\'s 003,006,007,011,014,016,017,022,028,030).\n' +
    'With --probe, each video is probed with ffprobe for its frame count, and its .face file checked against it.',
  options: [
    { name: 'dataset', type: 'string', valueName: 'siw|folder', description: 'the layout of the tree under --root' },
    { name: 'root', type: 'string', valueName: 'DIR', description: 'the dataset folder' },
    { name: 'protocol', type: 'string', valueName: 'P', description: 'only this protocol: 1, 2 or 3 for siw; all or cross for folder (default: every one)' },
    { name: 'val-subjects', type: 'string', valueName: 'IDS', description: 'comma-separated validation subject ids, taken from the training subjects' },
    { name: 'manifest', type: 'string', valueName: 'FILE', description: 'folder layout: a CSV manifest path,label,attack_type,subject,split (default: <root>/manifest.csv if present)' },
    { name: 'probe', type: 'boolean', description: 'probe every video (frame counts) and check .face line counts', default: false },
    { name: 'json', type: 'boolean', description: 'print JSON instead of tables', default: false },
  ],
  async run(args, io) {
    const dataset = args.options.dataset as string | undefined;
    const root = args.options.root as string | undefined;
    if (dataset === undefined || !(DATASETS as readonly string[]).includes(dataset)) {
      throw new UsageError(`--dataset is required and must be one of ${DATASETS.join(', ')}${dataset !== undefined ? `, got '${dataset}'` : ''}`);
    }
    if (root === undefined || root === '') throw new UsageError('--root DIR is required');
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'; see 'vidpad dataset --help'`);
    const protocolOpt = args.options.protocol as string | undefined;
    const valOpt = args.options['val-subjects'] as string | undefined;
    const valSubjects = valOpt === undefined ? undefined : valOpt.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    if (valSubjects !== undefined && valSubjects.length === 0) throw new UsageError('--val-subjects needs at least one subject id');
    const manifest = args.options.manifest as string | undefined;
    if (manifest !== undefined && dataset !== 'folder') throw new UsageError('--manifest applies to --dataset folder only');

    let index: DatasetIndex = dataset === 'siw' ? await indexSiw(root) : await indexFolder(root, manifest !== undefined ? { manifest } : {});
    if (args.options.probe) index = await probeDatasetVideos(index);

    const splits: ProtocolSplit[] = [];
    if (dataset === 'siw') {
      const ids: SiwProtocolId[] = protocolOpt === undefined ? [...SIW_PROTOCOL_IDS] : [parseSiwProtocol(protocolOpt)];
      for (const p of ids) splits.push(...siwProtocolSplits(index, p, { ...(valSubjects ? { valSubjects } : {}) }));
    } else {
      let ids: FolderProtocolId[];
      if (protocolOpt === undefined) ids = folderAttackTypes(index).length >= 2 ? ['all', 'cross'] : ['all'];
      else if ((FOLDER_PROTOCOLS as readonly string[]).includes(protocolOpt)) ids = [protocolOpt as FolderProtocolId];
      else throw new UsageError(`--protocol for the folder layout is one of ${FOLDER_PROTOCOLS.join(', ')}, got '${protocolOpt}'`);
      for (const p of ids) splits.push(...folderProtocolSplits(index, p, { ...(valSubjects ? { valSubjects } : {}) }));
    }

    const everything: SplitVideo[] = index.videos.map((video) => ({ video, frames: { kind: 'all' } }));
    const report = {
      dataset,
      root,
      total: countSplit(everything),
      probed: Boolean(args.options.probe),
      protocols: splits.map((s) => ({
        protocol: s.protocol,
        fold: s.fold,
        name: s.name,
        trainAttackTypes: s.trainAttackTypes,
        testAttackTypes: s.testAttackTypes,
        valSubjects: s.valSubjects,
        frames: { train: s.train[0]?.frames ?? null, test: s.test[0]?.frames ?? null },
        counts: { train: countSplit(s.train), val: countSplit(s.val), test: countSplit(s.test) },
      })),
      issues: index.issues,
    };
    if (args.options.json) {
      io.stdout.write(JSON.stringify(report, null, 2) + '\n');
      return 0;
    }
    const out: string[] = [];
    out.push(`${dataset} at ${root}: ${describe(report.total)}`);
    for (const p of report.protocols) {
      out.push('', `${p.name}`);
      if (p.valSubjects.length > 0) out.push(`  validation subjects (${p.valSubjects.length}): ${p.valSubjects.join(', ')}`);
      out.push(...table(p.counts));
    }
    out.push('', `Issues: ${index.issues.length}`);
    for (const i of index.issues.slice(0, MAX_ISSUES_SHOWN)) out.push(`  ${i.kind.padEnd(25)} ${i.file}${i.line !== undefined ? `:${i.line}` : ''}: ${i.message}`);
    if (index.issues.length > MAX_ISSUES_SHOWN) out.push(`  … ${index.issues.length - MAX_ISSUES_SHOWN} more (see --json)`);
    io.stdout.write(out.join('\n') + '\n');
    return 0;
  },
};

function parseSiwProtocol(s: string): SiwProtocolId {
  const n = Number(s);
  if (!(SIW_PROTOCOL_IDS as readonly number[]).includes(n) || !/^\d$/.test(s)) throw new UsageError(`--protocol for siw is one of ${SIW_PROTOCOL_IDS.join(', ')}, got '${s}'`);
  return n as SiwProtocolId;
}

function describe(c: SplitCounts): string {
  const types = Object.entries(c.byAttackType).map(([t, n]) => `${t} ${n}`);
  return `${c.videos} videos (live ${c.live}${types.length ? `, ${types.join(', ')}` : ''}), ${c.subjects} subjects`;
}

function table(counts: { train: SplitCounts; val: SplitCounts; test: SplitCounts }): string[] {
  const types = [...new Set(Object.values(counts).flatMap((c) => Object.keys(c.byAttackType)))].sort(compareAttackTypes);
  const withFrames = Object.values(counts).some((c) => c.frames !== undefined);
  const head = ['split', 'videos', 'live', ...types, 'subjects', ...(withFrames ? ['frames'] : [])];
  const rows = (['train', 'val', 'test'] as const).map((k) => {
    const c = counts[k];
    const frames = withFrames ? [String(c.frames ?? 0)] : [];
    return [k, String(c.videos), String(c.live), ...types.map((t) => String(c.byAttackType[t] ?? 0)), String(c.subjects), ...frames];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string => '  ' + r.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  return [fmt(head), ...rows.map(fmt)];
}
