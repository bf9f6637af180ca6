/**
 * What the study benches share: where the CLI and the example live, and which study a run
 * takes (`-- --small` for bench/study-small.yaml, `-- --study <file>`, else the example),
 * with the example's backbone pretrained first when it is missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin/tunebook.js');
export const EXAMPLE = join(ROOT, 'examples/mnist-tricks.yaml');
export const BACKBONE = join(ROOT, 'examples/backbones/digits-0-4');

export const args = process.argv.slice(2);

export function flagValue(name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The study file this run takes. */
export const STUDY = resolve(
  flagValue('--study') ??
    (args.includes('--small') ? join(ROOT, 'bench/study-small.yaml') : EXAMPLE),
);

/** The example's pretrained arm needs its backbone: trained once, as the README does. */
export function ensureBackbone(): void {
  if (STUDY !== EXAMPLE || existsSync(join(BACKBONE, 'model.json'))) return;
  const r = spawnSync(
    process.execPath,
    [BIN, 'pretrain', join(ROOT, 'examples/pretrain-digits-0-4.yaml'), '--out', BACKBONE],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`tunebook pretrain failed: ${r.stderr}`);
}
