/**
 * `npm run bench:study`: the example study (examples/mnist-tricks.yaml) run three times on
 * fresh databases: with 1 worker, with 2 workers, and with 2 workers at `maxSeeds`
 * everywhere (no adaptive seeding). Prints the wall times, the speed-up of 2 workers, the
 * time and trials adaptive seeding saved and whether the verdicts (the negative control's
 * included) agree, ratios last:
 *
 *   study workers: 1 worker X s, 2 workers Y s, speed-up X/Y
 *   study adaptive: A s (n trials), fixed maxSeeds F s (m trials), time saved 1 - A/F, trials saved 1 - n/m, same verdicts: yes
 *
 * `-- --small` runs bench/study-small.yaml (the example's measures on an MLP, minutes not
 * most of an hour), `-- --study <file>` any study, `-- --skip-one-worker` leaves out the
 * 1-worker run (the adaptive line does not need it).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { args, BIN, ensureBackbone, STUDY } from './study-args.js';

const skipOneWorker = args.includes('--skip-one-worker');

function cli(args: string[]): { seconds: number; stdout: string } {
  const start = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`tunebook ${args.join(' ')} failed: ${r.stderr}`);
  return { seconds: (performance.now() - start) / 1000, stdout: r.stdout };
}

/** Every arm's verdict, the negative control's too (it runs adaptively like a measure). */
function verdicts(db: string, name: string): Record<string, string> {
  const json = JSON.parse(cli(['verdicts', name, '--json', '--db', db]).stdout) as {
    arms: { arm: string; verdict: string }[];
    control?: { verdict: string } | null;
  };
  const out = Object.fromEntries(json.arms.map((a) => [a.arm, a.verdict]));
  if (json.control) out.control = json.control.verdict;
  return out;
}

/** Trials the study stored (baseline, measures and control), from its "adaptive seeds:" line. */
function trials(stdout: string): number {
  const match = /^adaptive seeds: (\d+) trials/m.exec(stdout);
  if (!match) throw new Error(`no "adaptive seeds:" line in the study's output:\n${stdout}`);
  return Number(match[1]);
}

const dir = mkdtempSync(join(tmpdir(), 'tunebook-bench-study-'));
try {
  ensureBackbone();
  console.log(`bench:study on ${STUDY}`);
  const one = skipOneWorker
    ? null
    : cli(['study', STUDY, '--db', join(dir, 'one.db'), '--workers', '1']);
  if (one) console.log(`study with 1 worker: ${one.seconds.toFixed(1)} s`);
  const two = cli(['study', STUDY, '--db', join(dir, 'two.db'), '--workers', '2']);
  console.log(`study with 2 workers: ${two.seconds.toFixed(1)} s`);
  const savingsLine = two.stdout.split('\n').find((l) => l.startsWith('adaptive seeds:'));
  if (savingsLine) console.log(`  ${savingsLine}`);
  const config = parse(readFileSync(STUDY, 'utf8'));
  const name = config.name as string;
  config.name = `${name}-fixed`;
  config.seeds.minSeeds = config.seeds.maxSeeds;
  // The copy lives elsewhere: paths in it are resolved against the original file's folder.
  for (const m of config.measures)
    if (m.pretrained) m.pretrained.source = resolve(dirname(STUDY), m.pretrained.source);
  const fixedFile = join(dir, 'fixed.yaml');
  writeFileSync(fixedFile, stringify(config));
  const fixed = cli(['study', fixedFile, '--db', join(dir, 'fixed.db'), '--workers', '2']);
  console.log(`study at maxSeeds everywhere, 2 workers: ${fixed.seconds.toFixed(1)} s`);
  const adaptiveVerdicts = verdicts(join(dir, 'two.db'), name);
  const fixedVerdicts = verdicts(join(dir, 'fixed.db'), config.name);
  const differ = Object.keys(adaptiveVerdicts).filter(
    (k) => adaptiveVerdicts[k] !== fixedVerdicts[k],
  );
  for (const k of differ)
    console.log(
      `  verdict differs: ${k}: adaptive ${adaptiveVerdicts[k]}, fixed ${fixedVerdicts[k]}`,
    );
  const nAdaptive = trials(two.stdout);
  const nFixed = trials(fixed.stdout);
  if (one)
    console.log(
      `study workers: 1 worker ${one.seconds.toFixed(1)} s, 2 workers ${two.seconds.toFixed(1)} s, ` +
        `speed-up ${(one.seconds / two.seconds).toFixed(2)}`,
    );
  console.log(
    `study adaptive: ${two.seconds.toFixed(1)} s (${nAdaptive} trials), fixed maxSeeds ${fixed.seconds.toFixed(1)} s ` +
      `(${nFixed} trials), time saved ${(1 - two.seconds / fixed.seconds).toFixed(2)}, ` +
      `trials saved ${(1 - nAdaptive / nFixed).toFixed(2)}, ` +
      `same verdicts: ${differ.length === 0 ? 'yes' : `no (${differ.length} of ${Object.keys(adaptiveVerdicts).length})`}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
