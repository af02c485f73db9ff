/**
 * vidpad's own package: its root folder (where the native addons are built)
 * and its version, found by walking up from this module to the nearest
 * package.json that names vidpad, so the same code works from src/ under tsx
 * and from dist/src/ when built. Nothing is cached: callers ask rarely.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'vidpad';

function findPackageJson(): { dir: string; version: string | null } | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === PACKAGE_NAME) return { dir, version: typeof pkg.version === 'string' ? pkg.version : null };
      } catch {
        // an unreadable package.json is not ours; keep climbing
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** The folder of vidpad's package.json, or null when vidpad runs without one (e.g. bundled). */
export function packageRoot(): string | null {
  return findPackageJson()?.dir ?? null;
}

/** The version in vidpad's package.json, or 'unknown'. */
export function vidpadVersion(): string {
  return findPackageJson()?.version ?? 'unknown';
}
