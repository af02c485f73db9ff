/**
 * The `vidpad` command lines in the fenced blocks of README.md and every
 * docs/*.md: every one parses against its command's declared options with
 * valid dataset, grid and shard values, and
 * every `vidpad dataset` example runs on placeholder trees in each layout,
 * reporting no issue.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { main } from '../../src/cli/main.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { DATASET_NAMES, EXPERIMENT_GRIDS, parseShard } from '../../src/index.js';
import { captureIo } from '../helpers/capture-io.js';
import { writeAllTrees } from '../data/benchmark-trees.js';

const DOCS = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

/** Every line of a fenced block that runs vidpad, with the file it came from. */
function commandLines(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const block of text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)) {
    for (const raw of block[1]!.split('\n')) {
      const json = /\[\s*"vidpad"[^\]]*\]/.exec(raw);
      if (json) {
        out.push((JSON.parse(json[0]) as string[]).join(' '));
        continue;
      }
      // A command line: `vidpad …` or `npx vidpad …`, alone or as a YAML list item, a trailing comment dropped.
      const m = /^\s*(?:-\s+)?(?:npx\s+)?(vidpad\s[^#]*?)\s*(?:#.*)?$/.exec(raw);
      if (m) out.push(m[1]!);
    }
  }
  return out;
}

/** Shell-like words: double quotes group, the array index expressions become `i`. */
function words(line: string, i: number): string[] {
  const expanded = line
    .replace(/\$\(\((?:SLURM_ARRAY_TASK_ID|JOB_COMPLETION_INDEX) \+ 1\)\)/g, String(i))
    .replace(/\$SLURM_ARRAY_TASK_ID/g, String(i));
  return [...expanded.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

let tmp = '';
before(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'vidpad-docs-'));
  writeAllTrees(path.join(tmp, 'fas'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('every documented vidpad line parses against its command, with valid datasets, grids and shards', () => {
  let checked = 0;
  for (const file of DOCS) {
    for (const line of commandLines(file)) {
      const argv = words(line, 1).slice(1);
      assert.ok(!argv.some((w) => w.startsWith('[')), `${file}: '${line}' has [optional] placeholders: write a command that runs`);
      const command = COMMANDS.find((c) => c.name === argv[0]);
      assert.ok(command, `${file}: unknown command in '${line}'`);
      const parsed = parseArgs({
        args: argv.slice(1),
        allowPositionals: true,
        strict: true,
        options: Object.fromEntries(command.options.map((o) => [o.name, { type: o.type }])),
      }).values as Record<string, string | boolean | undefined>;
      for (const key of ['dataset', 'train', 'test']) {
        const v = parsed[key];
        if (typeof v === 'string') for (const d of v.split(',')) assert.ok((DATASET_NAMES as readonly string[]).includes(d), `${file}: --${key} ${v} in '${line}'`);
      }
      if (typeof parsed.grid === 'string') assert.ok((EXPERIMENT_GRIDS as readonly string[]).includes(parsed.grid), `${file}: '${line}'`);
      if (typeof parsed.shard === 'string') {
        const n = Number(parsed.shard.split('/')[1]);
        for (let i = 1; i <= n; i++) assert.doesNotThrow(() => parseShard(words(line, i).find((w, k, all) => all[k - 1] === '--shard')!), `${file}: shard ${i} of '${line}'`);
      }
      checked++;
    }
  }
  assert.ok(checked >= 15, `only ${checked} command lines found`);
});

test('every documented vidpad dataset example runs on trees in each layout and finds no issue', async () => {
  const fas = path.join(tmp, 'fas');
  const roots: Array<[RegExp, string]> = [
    [/\/(?:data|shared)\/fas(?=\s|$)/g, fas],
    [/\/data\/OULU-NPU/g, path.join(fas, 'oulu-npu')],
    [/\/data\/CASIA-FASD/g, path.join(fas, 'casia-fasd')],
    [/\/data\/replayattack/g, path.join(fas, 'replay-attack')],
    [/\/data\/MSU-MFSD/g, path.join(fas, 'msu-mfsd')],
    [/\/data\/SiW/g, path.join(fas, 'siw')],
  ];
  let ran = 0;
  for (const file of DOCS) {
    for (const line of commandLines(file).filter((l) => l.startsWith('vidpad dataset '))) {
      let local = line;
      for (const [re, dir] of roots) local = local.replace(re, dir);
      const { out, io } = captureIo();
      const code = await main(words(local, 1).slice(1), io);
      assert.equal(code, 0, `${file}: '${line}': ${out.stderr}`);
      if (local.includes('--json')) {
        const rep = JSON.parse(out.stdout) as { issues?: unknown[]; datasets?: Array<{ issues: unknown[] }> };
        assert.deepEqual([...(rep.issues ?? []), ...(rep.datasets ?? []).flatMap((d) => d.issues)], [], line);
      } else {
        assert.doesNotMatch(out.stdout, /Issues: [1-9]/, `${file}: '${line}'`);
        assert.match(out.stdout, /Issues: 0|Cross-dataset protocols/, line);
      }
      ran++;
    }
  }
  assert.ok(ran >= 8, `only ${ran} dataset examples found`);
});
