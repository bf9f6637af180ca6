/**
 * The source tree as the layering and packaging tests see it: every `src/**\/*.ts` file, the
 * relative imports each one makes, its layer, and whether it is test-only (never shipped).
 *
 * @example
 *   for (const file of sourceFiles()) for (const spec of importsOf(file)) ...
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: tests run from dist/src/testing, three levels below it. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SRC = join(ROOT, 'src');

/**
 * The layers, lowest first; a module may import its own layer and the layers below it.
 * transforms and preprocessing share a level and do not import each other; both sit above
 * data, whose one image reader and writer the offline augmentation and previews use. The
 * entry point (`src/index.ts`) sits between report and cli: cli commands may import it.
 */
export const LAYERS: Readonly<Record<string, number>> = {
  core: 0,
  engine: 1,
  data: 2,
  transforms: 3,
  preprocessing: 3,
  models: 4,
  training: 5,
  lab: 6,
  report: 7,
  index: 7.5,
  cli: 8,
};

/** Test doubles and golden-fixture runners: test-only although their names are not. */
const TEST_DOUBLES = [
  'lab/fixture-trial-worker',
  'lab/pool/fixture-worker',
  'transforms/functional/golden',
];

/** Whether a path under src (or dist/src), with or without extension, is test-only. */
export function isTestOnly(pathUnderSrc: string): boolean {
  const path = pathUnderSrc.split('\\').join('/');
  const stem = path.replace(/\.(d\.ts|ts|js|js\.map|d\.ts\.map)$/, '');
  return (
    path.startsWith('testing/') ||
    /\.test$|\.test-helper$|(^|\/)test-helpers$/.test(stem) ||
    TEST_DOUBLES.includes(stem)
  );
}

/** The layer of a path under src: its first folder, or `index` for the entry point. */
export function layerOf(pathUnderSrc: string): string {
  const [first, ...rest] = pathUnderSrc.split('/');
  return rest.length === 0 ? 'index' : (first ?? 'index');
}

/** Every .ts file under src, as paths relative to src with forward slashes. */
export function sourceFiles(dir = SRC): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts'))
      out.push(relative(SRC, path).split('\\').join('/'));
  }
  return out.sort();
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^;]*?\sfrom\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The relative imports of a file (static, re-exports, side-effect and literal dynamic), resolved to paths under src. */
export function importsOf(pathUnderSrc: string): string[] {
  const text = readFileSync(join(SRC, pathUnderSrc), 'utf8').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2] ?? match[3];
    if (spec === undefined || !spec.startsWith('.')) continue;
    out.push(posix.normalize(posix.join(dirname(pathUnderSrc), spec)).replace(/\.js$/, '.ts'));
  }
  return out;
}

/** Why importing `to` from `from` (paths under src) breaks the layering, or undefined. */
export function layerViolation(from: string, to: string): string | undefined {
  if (isTestOnly(from)) return undefined; // tests may build on any layer
  if (isTestOnly(to)) return 'a shipped module imports a test-only file';
  const own = layerOf(from);
  const layer = layerOf(to);
  const rank = LAYERS[own];
  if (rank === undefined) return `folder "${own}" is in no layer (add it to LAYERS)`;
  if (layer === own) return undefined;
  const target = LAYERS[layer];
  if (target === undefined) return `folder "${layer}" is in no layer (add it to LAYERS)`;
  return target < rank ? undefined : `${own} may not import ${layer}`;
}
