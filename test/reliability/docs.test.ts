/**
 * docs/reliability.md names, for each promise, the tests that hold it: every
 * named test must exist under that name in that file, and every test file of
 * test/reliability must be cited, so the page and the suite cannot drift
 * apart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './helpers.js';

const DOC = path.join(REPO, 'docs', 'reliability.md');

/** [file, test name] for every `test/….test.ts` "name"; "name" … citation. */
function citations(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const m of text.matchAll(/`(test\/[\w/.-]+\.test\.ts)`((?:\s*;?\s*"[^"]+")+)/g)) {
    for (const n of m[2]!.matchAll(/"([^"]+)"/g)) out.push([m[1]!, n[1]!]);
  }
  return out;
}

test('every test docs/reliability.md cites exists, under that name, in that file', () => {
  const cited = citations(readFileSync(DOC, 'utf8'));
  assert.ok(cited.length >= 40, `found ${cited.length} citations`);
  for (const [file, name] of cited) {
    const full = path.join(REPO, file);
    assert.ok(existsSync(full), `${file} exists`);
    const source = readFileSync(full, 'utf8');
    const declared = [`test('${name}'`, `test("${name}"`, `test(\`${name}\``, `it('${name}'`, `it("${name}"`];
    assert.ok(declared.some((d) => source.includes(d)), `${file} has a test named: ${name}`);
  }
});

test('every test file of test/reliability is cited by docs/reliability.md', () => {
  const files = new Set(citations(readFileSync(DOC, 'utf8')).map(([f]) => f));
  for (const f of readdirSync(path.join(REPO, 'test', 'reliability')).filter((n) => n.endsWith('.test.ts') && n !== 'docs.test.ts')) {
    assert.ok(files.has(`test/reliability/${f}`), `docs/reliability.md cites test/reliability/${f}`);
  }
});
