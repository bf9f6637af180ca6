/**
 * `npm run bench:iterate [-- --small]`: the example study run once on a fresh database, then
 * again with one measure added (dropout 0.3 before the classifier): the second run trains
 * only the new arm and reuses every other trial by key. Prints both wall times, whether every
 * unchanged arm kept its verdict and effect, and `iterate ratio: R` last (second run's time
 * over the first's; target <= 0.15).
 *
 * `--small` runs a lighter copy of the example (1,200 digits, 2 epochs, no pretrained arm, so
 * no backbone to train first): the full study takes over 12 minutes per run on 2 loaded cores.
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
const small = process.argv.includes('--small');

/** Trials a `study` run trained (its log lines), not those it reused. */
const trained = (stdout: string) =>
  stdout.split('\n').filter((l) => /^(done|diverged) /.test(l)).length;

function cli(args: string[]): { seconds: number; stdout: string } {
  const start = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`tunebook ${args.join(' ')} failed: ${r.stderr}`);
  return { seconds: (performance.now() - start) / 1000, stdout: r.stdout };
}

type Arm = { label: string; verdict: string; effect: number | null; seeds: number };
function verdicts(db: string, name: string): Map<string, Arm> {
  const json = JSON.parse(cli(['verdicts', name, '--json', '--db', db]).stdout) as {
    arms: Arm[];
    control: Arm | null;
  };
  const arms = [...json.arms, ...(json.control ? [json.control] : [])];
  return new Map(arms.map((a) => [a.label, a]));
}

const dir = mkdtempSync(join(tmpdir(), 'tunebook-bench-iterate-'));
try {
  const config = parse(readFileSync(STUDY, 'utf8'));
  config.name = 'iterate';
  if (small) {
    config.data.limit = 1200;
    config.training.epochs = 2;
    config.measures = config.measures.filter((m: Record<string, unknown>) => !m.pretrained);
  } else {
    if (!existsSync(join(BACKBONE, 'model.json')))
      cli(['pretrain', join(ROOT, 'examples/pretrain-digits-0-4.yaml'), '--out', BACKBONE]);
    for (const m of config.measures) if (m.pretrained) m.pretrained.source = resolve(BACKBONE);
  }
  const first = join(dir, 'first.yaml');
  writeFileSync(first, stringify(config));
  const db = join(dir, 'iterate.db');
  const one = cli(['study', first, '--db', db, '--workers', '2']);
  console.log(
    `first run (${config.measures.length} measures): ${one.seconds.toFixed(1)} s, ${trained(one.stdout)} trials trained`,
  );
  const before = verdicts(db, 'iterate');

  config.measures.push({
    label: 'dropout 0.3 before the classifier',
    dropout: { rate: 0.3, where: 'before-classifier' },
  });
  writeFileSync(first, stringify(config));
  const two = cli(['study', first, '--db', db, '--workers', '2']);
  for (const line of two.stdout.split('\n'))
    if (line.startsWith('changed: ') || line.startsWith('reused ')) console.log(`  ${line}`);
  console.log(
    `second run (one measure added): ${two.seconds.toFixed(1)} s, ${trained(two.stdout)} trials trained`,
  );
  const after = verdicts(db, 'iterate');
  const differ = [...before].filter(([label, a]) => {
    const b = after.get(label);
    return !b || b.verdict !== a.verdict || b.effect !== a.effect || b.seeds !== a.seeds;
  });
  for (const [label, a] of differ)
    console.log(`  changed verdict: ${label}: ${a.verdict} -> ${after.get(label)?.verdict}`);
  console.log(
    `unchanged arms keep their verdicts: ${differ.length === 0 ? 'yes' : 'no'} (${before.size} arms)`,
  );
  console.log(`iterate ratio: ${(two.seconds / one.seconds).toFixed(3)}`);
  if (differ.length > 0) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
