/**
 * `vidpad dataset`: indexes one dataset (SiW, OULU-NPU, CASIA-FASD,
 * Replay-Attack, MSU-MFSD, or the folder layout) or several, and prints for
 * each protocol and fold how many videos, live and per-attack-type videos and
 * subjects each split holds, then the problems found in the tree. With
 * several datasets, also each leave-one-dataset-out cross-dataset protocol;
 * with `--train … --test …`, that one cross-dataset protocol.
 */
import type { CliCommand } from '../command.js';
import { crossOptions, datasetListOption, datasetOption, datasetRoots, isCrossDataset } from '../dataset-args.js';
import {
  indexDataset,
  probeDatasetVideos,
  datasetProtocolSplits,
  defaultProtocolsOf,
  crossDatasetSplit,
  leaveOneOutSplits,
  countSplit,
  compareAttackTypes,
  DATASET_NAMES,
  DATASET_PROTOCOLS,
  DATASET_TITLES,
  UsageError,
} from '../../index.js';
import type { DatasetIndex, DatasetName, IndexIssue, ProtocolSplit, SplitCounts, SplitVideo } from '../../index.js';

/** Issues printed in the text report; `--json` has them all. */
const MAX_ISSUES_SHOWN = 40;

interface ProtocolEntry {
  protocol: string;
  fold: number | null;
  name: string;
  trainAttackTypes: string[];
  testAttackTypes: string[];
  valSubjects: string[];
  frames: { train: unknown; test: unknown };
  counts: { train: SplitCounts; val: SplitCounts; test: SplitCounts };
  /** Cross-dataset splits: videos per dataset in each list. */
  byDataset?: { train: Record<string, number>; val: Record<string, number>; test: Record<string, number> };
}

interface DatasetReport {
  dataset: DatasetName;
  root: string;
  total: SplitCounts;
  probed: boolean;
  protocols: ProtocolEntry[];
  issues: IndexIssue[];
}

function perDataset(list: readonly SplitVideo[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of list) out[s.video.dataset ?? '?'] = (out[s.video.dataset ?? '?'] ?? 0) + 1;
  return out;
}

function entryOf(s: ProtocolSplit, label?: string): ProtocolEntry {
  return {
    protocol: label ?? s.protocol,
    fold: s.fold,
    name: s.name,
    trainAttackTypes: s.trainAttackTypes,
    testAttackTypes: s.testAttackTypes,
    valSubjects: s.valSubjects,
    frames: { train: s.train[0]?.frames ?? null, test: s.test[0]?.frames ?? null },
    counts: { train: countSplit(s.train), val: countSplit(s.val), test: countSplit(s.test) },
    ...(s.dataset === 'cross' ? { byDataset: { train: perDataset(s.train), val: perDataset(s.val), test: perDataset(s.test) } } : {}),
  };
}

function reportOf(index: DatasetIndex, splits: readonly ProtocolSplit[], probed: boolean): DatasetReport {
  const everything: SplitVideo[] = index.videos.map((video) => ({ video, frames: { kind: 'all' } }));
  return { dataset: index.dataset, root: index.root, total: countSplit(everything), probed, protocols: splits.map((s) => entryOf(s)), issues: index.issues };
}

export const datasetCommand: CliCommand = {
  name: 'dataset',
  summary: "index one or several datasets and print each protocol's split counts and the problems found",
  usage: '--dataset NAME[,NAME,…] --root DIR [--protocol P | --train A,B,C --test D] [--val-subjects IDS] [--manifest FILE] [--probe] [--json]',
  description:
    'Indexes a dataset without decoding any video and prints for every protocol and fold the videos, live and\n' +
    'attack-type counts and subjects of train, val and test, then the problems found (per file). Layouts:\n' +
    '  siw            Train|Test/live|spoof/<SID>/<SID>-<sensor>-<type>-<medium>-<session>.mov + .face; protocols 1, 2, 3\n' +
    '  oulu-npu       Train_files|Dev_files|Test_files/<phone>_<session>_<user>_<type>.avi + .txt; protocols 1, 2, 3, 4\n' +
    '  casia-fasd     train_release|test_release/<n>/{1-8,HR_1-HR_4}.avi; overall, low, normal, high, warped, cut, video\n' +
    '  replay-attack  train|devel|test/real|attack/{fixed,hand}/*.mov + face-locations/; grandtest, print, mobile, highdef,\n' +
    '                 photo, digitalphoto, video\n' +
    '  msu-mfsd       scene01/real|attack/*.mp4|.mov + .face, train_sub_list.txt, test_sub_list.txt; all\n' +
    '  folder         <root>/live/**, <root>/spoof/<attack-type>/** or a manifest.csv; all, cross (leave one attack type out)\n' +
    'docs/data.md says what each loader expects. Validation subjects come out of the training subjects (SiW,\n' +
    'CASIA-FASD, MSU-MFSD, folder: every third by default, or --val-subjects); OULU-NPU validates on its Dev users,\n' +
    'Replay-Attack on devel/. Several datasets (--dataset oulu-npu,casia-fasd,replay-attack,msu-mfsd with --root\n' +
    'holding one folder per dataset, or --root NAME=DIR,…) are each reported, then every leave-one-dataset-out\n' +
    'cross-dataset protocol; --train A,B,C --test D reports that one. With --probe, each video is probed with\n' +
    'ffprobe for its frame count, and its face file checked against it.',
  options: [
    { name: 'dataset', type: 'string', valueName: 'NAME', description: `the layout of the tree under --root (${DATASET_NAMES.join(', ')}), or several, comma-separated` },
    { name: 'root', type: 'string', valueName: 'DIR', description: 'the dataset folder; with several datasets a folder of one folder per dataset, or NAME=DIR,…' },
    { name: 'protocol', type: 'string', valueName: 'P', description: 'only this protocol (default: every one); cross with --train and --test' },
    { name: 'train', type: 'string', valueName: 'LIST', description: 'a cross-dataset protocol: the source datasets' },
    { name: 'test', type: 'string', valueName: 'NAME', description: 'a cross-dataset protocol: the target dataset' },
    { name: 'cross-sources', type: 'string', valueName: 'PARTS', description: 'cross-dataset: train or train+test of each source', default: 'train+test' },
    { name: 'cross-target', type: 'string', valueName: 'PARTS', description: 'cross-dataset: test or train+test of the target', default: 'train+test' },
    { name: 'val-subjects', type: 'string', valueName: 'IDS', description: 'comma-separated validation subject ids, taken from the training subjects' },
    { name: 'manifest', type: 'string', valueName: 'FILE', description: 'folder layout: a CSV manifest path,label,attack_type,subject,split (default: <root>/manifest.csv if present)' },
    { name: 'probe', type: 'boolean', description: 'probe every video (frame counts) and check face files against them', default: false },
    { name: 'json', type: 'boolean', description: 'print JSON instead of tables', default: false },
  ],
  async run(args, io) {
    const o = args.options;
    const datasetText = o.dataset as string | undefined;
    const root = o.root as string | undefined;
    const cross = isCrossDataset(args);
    if ((datasetText === undefined || datasetText === '') && !cross) throw new UsageError(`--dataset is required and must be one of ${DATASET_NAMES.join(', ')} (or several, comma-separated)`);
    if (root === undefined || root === '') throw new UsageError('--root DIR is required');
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'; see 'vidpad dataset --help'`);
    const protocolOpt = o.protocol as string | undefined;
    const valOpt = o['val-subjects'] as string | undefined;
    const valSubjects = valOpt === undefined ? undefined : valOpt.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    if (valSubjects !== undefined && valSubjects.length === 0) throw new UsageError('--val-subjects needs at least one subject id');
    const manifest = o.manifest as string | undefined;
    const probe = Boolean(o.probe);
    const load = async (d: DatasetName, dir: string): Promise<DatasetIndex> => {
      const ix = await indexDataset(d, dir, d === 'folder' && manifest !== undefined ? { manifest } : {});
      return probe ? probeDatasetVideos(ix) : ix;
    };

    if (cross) {
      if (protocolOpt !== undefined && protocolOpt !== 'cross') throw new UsageError(`--train and --test choose the cross-dataset protocol; drop --protocol ${protocolOpt}`);
      if (typeof o.train !== 'string' || typeof o.test !== 'string') throw new UsageError('the cross-dataset protocol needs --train SOURCE,SOURCE,… and --test TARGET');
      if (valSubjects) throw new UsageError('--val-subjects does not apply to cross-dataset protocols: each source uses its own validation part');
      const sources = datasetListOption(o.train, 'train');
      const target = datasetOption(o.test, 'test');
      if (sources.includes(target)) throw new UsageError(`--test ${target} is also in --train: a cross-dataset protocol tests on a dataset it never trained on`);
      const roots = await datasetRoots(root, [...sources, target]);
      const indexes = new Map<DatasetName, DatasetIndex>();
      for (const d of [...sources, target]) indexes.set(d, await load(d, roots.get(d)!));
      const split = crossDatasetSplit(sources.map((d) => indexes.get(d)!), indexes.get(target)!, crossOptions(args));
      const reports = [...indexes.values()].map((ix) => reportOf(ix, [], probe));
      return print(io.stdout, Boolean(o.json), reports, [entryOf(split)]);
    }

    const names = datasetListOption(datasetText!, 'dataset');
    if (names.length > 1) {
      if (protocolOpt !== undefined) throw new UsageError('--protocol applies to one dataset; with several, every protocol of each and every leave-one-out cross-dataset protocol are reported');
      if (valSubjects) throw new UsageError('--val-subjects applies to one dataset');
      const roots = await datasetRoots(root, names);
      const indexes: DatasetIndex[] = [];
      for (const d of names) indexes.push(await load(d, roots.get(d)!));
      const reports = indexes.map((ix) => reportOf(ix, defaultProtocolsOf(ix).flatMap((p) => datasetProtocolSplits(ix, p)), probe));
      const crossEntries = leaveOneOutSplits(indexes, crossOptions(args)).map(({ label, split }) => entryOf(split, label));
      return print(io.stdout, Boolean(o.json), reports, crossEntries);
    }

    const dataset = names[0]!;
    if (manifest !== undefined && dataset !== 'folder') throw new UsageError('--manifest applies to --dataset folder only');
    const index = await load(dataset, root);
    let protocols: string[];
    if (protocolOpt === undefined) protocols = defaultProtocolsOf(index);
    else if (DATASET_PROTOCOLS[dataset].includes(protocolOpt)) protocols = [protocolOpt];
    else throw new UsageError(`--protocol for ${dataset} is one of ${DATASET_PROTOCOLS[dataset].join(', ')}, got '${protocolOpt}'`);
    const splits = protocols.flatMap((p) => datasetProtocolSplits(index, p, valSubjects ? { valSubjects } : {}));
    return print(io.stdout, Boolean(o.json), [reportOf(index, splits, probe)], null);
  },
};

/**
 * One dataset without cross entries prints today's single report (JSON: the
 * report object); otherwise `{ datasets: [...], cross: [...] }`.
 */
function print(stdout: NodeJS.WritableStream, json: boolean, reports: DatasetReport[], crossEntries: ProtocolEntry[] | null): number {
  if (json) {
    const body = crossEntries === null && reports.length === 1 ? reports[0] : { datasets: reports, cross: crossEntries ?? [] };
    stdout.write(JSON.stringify(body, null, 2) + '\n');
    return 0;
  }
  const out: string[] = [];
  for (const r of reports) {
    out.push(`${r.dataset} (${DATASET_TITLES[r.dataset]}) at ${r.root}: ${describe(r.total)}`);
    for (const p of r.protocols) {
      out.push('', `${p.name}`);
      if (p.valSubjects.length > 0) out.push(`  validation subjects (${p.valSubjects.length}): ${p.valSubjects.join(', ')}`);
      out.push(...table(p.counts));
    }
    out.push('', `Issues: ${r.issues.length}`);
    for (const i of r.issues.slice(0, MAX_ISSUES_SHOWN)) out.push(`  ${i.kind.padEnd(25)} ${i.file}${i.line !== undefined ? `:${i.line}` : ''}: ${i.message}`);
    if (r.issues.length > MAX_ISSUES_SHOWN) out.push(`  … ${r.issues.length - MAX_ISSUES_SHOWN} more (see --json)`);
    out.push('');
  }
  if (crossEntries && crossEntries.length > 0) {
    out.push('Cross-dataset protocols (train on the sources, threshold on their validation parts, test on the target):');
    for (const p of crossEntries) {
      out.push('', p.name);
      const by = p.byDataset!;
      out.push(`  videos per dataset: train ${fmtBy(by.train)}; val ${fmtBy(by.val)}; test ${fmtBy(by.test)}`);
      out.push(...table(p.counts, false));
    }
    out.push('');
  }
  stdout.write(out.join('\n'));
  return 0;
}

function fmtBy(by: Record<string, number>): string {
  return Object.entries(by).map(([d, n]) => `${d} ${n}`).join(', ') || 'none';
}

function describe(c: SplitCounts): string {
  const types = Object.entries(c.byAttackType).map(([t, n]) => `${t} ${n}`);
  return `${c.videos} videos (live ${c.live}${types.length ? `, ${types.join(', ')}` : ''}), ${c.subjects} subjects`;
}

function table(counts: { train: SplitCounts; val: SplitCounts; test: SplitCounts }, perType = true): string[] {
  const types = perType ? [...new Set(Object.values(counts).flatMap((c) => Object.keys(c.byAttackType)))].sort(compareAttackTypes) : [];
  const withFrames = Object.values(counts).some((c) => c.frames !== undefined);
  const head = ['split', 'videos', 'live', ...(perType ? types : ['attacks']), 'subjects', ...(withFrames ? ['frames'] : [])];
  const rows = (['train', 'val', 'test'] as const).map((k) => {
    const c = counts[k];
    const frames = withFrames ? [String(c.frames ?? 0)] : [];
    return [k, String(c.videos), String(c.live), ...(perType ? types.map((t) => String(c.byAttackType[t] ?? 0)) : [String(c.spoof)]), String(c.subjects), ...frames];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string => '  ' + r.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  return [fmt(head), ...rows.map(fmt)];
}
