/** The module specifiers a TypeScript file imports at run time (type-only imports are erased, so they do not count). */
import { readFileSync } from 'node:fs';

export function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(?!type\b)([^;]*?)\s+from\s+'([^']+)'/gms)) {
    if (/^\{?\s*type\s/.test(m[1]!) && !m[1]!.includes(',')) continue;
    out.push(m[2]!);
  }
  for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) out.push(m[1]!);
  return out;
}
