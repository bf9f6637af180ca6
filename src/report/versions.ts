/**
 * Versions of tunebook and the packages that decide its numbers, as installed where the
 * report is made: a study's own record of its environment comes first, and these fill in
 * what it did not record.
 *
 * @example
 *   installedVersions(); // { tunebook: '0.1.0', '@tensorflow/tfjs-core': '4.22.0', ... }
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

const PACKAGES = [
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-layers',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-node',
  'better-sqlite3',
  'vega',
  'vega-lite',
] as const;

/** The version in a package's own package.json, found from its entry point; null if absent. */
function versionOf(name: string): string | null {
  try {
    let dir = dirname(require.resolve(name));
    for (let i = 0; i < 6; i++) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
          name?: string;
          version?: string;
        };
        if (pkg.name === name) return pkg.version ?? null;
      } catch {
        // no package.json at this level: keep climbing
      }
      dir = dirname(dir);
    }
  } catch {
    // not installed (tfjs-node is optional)
  }
  return null;
}

let cached: Record<string, string> | null = null;

export function installedVersions(): Record<string, string> {
  if (cached) return cached;
  const out: Record<string, string> = {};
  try {
    const own = JSON.parse(
      readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    out.tunebook = own.version;
  } catch {
    out.tunebook = 'unknown';
  }
  out.node = process.versions.node;
  for (const name of PACKAGES) {
    const v = versionOf(name);
    if (v) out[name] = v;
  }
  cached = out;
  return out;
}
