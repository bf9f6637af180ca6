/**
 * `npm run bench:study`: the example study (examples/mnist-tricks.yaml) run three times on
 * fresh databases: with 1 worker, with 2 workers, and with 2 workers at `maxSeeds`
 * everywhere (no adaptive seeding). Prints the wall times, the speed-up of 2 workers, the
 * time adaptive seeding saved and whether the verdicts agree, ratios last:
 *
 *   study workers: 1 worker X s, 2 workers Y s, speed-up X/Y
 *   study adaptive: A s (n trials), fixed maxSeeds F s (m trials), time saved 1 - A/F, same verdicts: yes
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/tunebook.js');
const STUDY = join(ROOT, 'examples/mnist-tricks.yaml');
const BACKBONE = join(ROOT, 'examples/backbones/digits-0-4');

function cli(args: string[]): { seconds: number; stdout: string } {
  const start = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`tunebook ${args.join(' ')} failed: ${r.stderr}`);
  return { seconds: (performance.now() - start) / 1000, stdout: r.stdout };
}

function verdicts(db: string, name: string): Record<string, string> {
  const json = JSON.parse(cli(['verdicts', name, '--json', '--db', db]).stdout) as {
    arms: { arm: string; verdict: string; trials: unknown[] }[];
  };
  return Object.fromEntries(json.arms.map((a) => [a.arm, a.verdict]));
}

function trials(db: string, name: string): number {
  const json = JSON.parse(cli(['verdicts', name, '--json', '--db', db]).stdout) as {
    arms: { trials: unknown[] }[];
  };
  // The baseline's trials are not in the arms list: count them through the first arm's pairing.
  return json.arms.reduce((n, a) => n + a.trials.length, 0);
}

const dir = mkdtempSync(join(tmpdir(), 'tunebook-bench-study-'));
try {
  if (!existsSync(join(BACKBONE, 'model.json'))) {
    cli(['pretrain', join(ROOT, 'examples/pretrain-digits-0-4.yaml'), '--out', BACKBONE]);
  }
  const one = cli(['study', STUDY, '--db', join(dir, 'one.db'), '--workers', '1']);
  console.log(`study with 1 worker: ${one.seconds.toFixed(1)} s`);
  const two = cli(['study', STUDY, '--db', join(dir, 'two.db'), '--workers', '2']);
  console.log(`study with 2 workers: ${two.seconds.toFixed(1)} s`);
  const savingsLine = two.stdout.split('\n').find((l) => l.startsWith('adaptive seeds:'));
  if (savingsLine) console.log(`  ${savingsLine}`);
  const config = parse(readFileSync(STUDY, 'utf8'));
  config.name = 'mnist-tricks-fixed';
  config.seeds.minSeeds = config.seeds.maxSeeds;
  for (const m of config.measures) if (m.pretrained) m.pretrained.source = resolve(BACKBONE);
  const fixedFile = join(dir, 'fixed.yaml');
  writeFileSync(fixedFile, stringify(config));
  const fixed = cli(['study', fixedFile, '--db', join(dir, 'fixed.db'), '--workers', '2']);
  console.log(`study at maxSeeds everywhere, 2 workers: ${fixed.seconds.toFixed(1)} s`);
  const adaptiveVerdicts = verdicts(join(dir, 'two.db'), 'mnist-tricks');
  const fixedVerdicts = verdicts(join(dir, 'fixed.db'), 'mnist-tricks-fixed');
  const differ = Object.keys(adaptiveVerdicts).filter(
    (k) => adaptiveVerdicts[k] !== fixedVerdicts[k],
  );
  for (const k of differ)
    console.log(
      `  verdict differs: ${k}: adaptive ${adaptiveVerdicts[k]}, fixed ${fixedVerdicts[k]}`,
    );
  const nAdaptive = trials(join(dir, 'two.db'), 'mnist-tricks');
  const nFixed = trials(join(dir, 'fixed.db'), 'mnist-tricks-fixed');
  console.log(
    `study workers: 1 worker ${one.seconds.toFixed(1)} s, 2 workers ${two.seconds.toFixed(1)} s, ` +
      `speed-up ${(one.seconds / two.seconds).toFixed(2)}`,
  );
  console.log(
    `study adaptive: ${two.seconds.toFixed(1)} s (${nAdaptive} arm trials), fixed maxSeeds ${fixed.seconds.toFixed(1)} s ` +
      `(${nFixed} arm trials), time saved ${(1 - two.seconds / fixed.seconds).toFixed(2)}, ` +
      `same verdicts: ${differ.length === 0 ? 'yes' : `no (${differ.length} of ${Object.keys(adaptiveVerdicts).length})`}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
