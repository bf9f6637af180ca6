/**
 * A study whose trials fail, end to end as a user runs it: the baseline's first trial failing
 * stops the study at once (exit 2, its error on one line, no arm started); an arm whose every
 * trial fails ends the study with exit 1 naming it, and shows as 'no data' — never NaN — in
 * the table, `verdicts --json`, the notebook and the report.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../../testing/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tunebook-study-failures-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// Settings that pass validate and preflight but break in training: a failure injected into
// the real trial worker (settings that preflight can see are refused before any trial).
const FAILURE = 'a failure injected by TUNEBOOK_INJECT_FAULT';

const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

test("a baseline that cannot train stops the study after its first trial: exit 2, the trial's error", () => {
  const file = write(
    'crop.yaml',
    `name: crop
data: { source: mnist, limit: 200 }
model: { name: mlp }
training: { epochs: 1, batchSize: 32 }
seeds: { minSeeds: 2, maxSeeds: 2 }
measures:
  - classWeights: balanced
`,
  );
  const db = join(dir, 'crop.db');
  const r = runCli(['study', file, '--db', db, '--workers', '1'], {
    TUNEBOOK_INJECT_FAULT: 'fail@baseline/0',
  });
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr, `tunebook: the baseline's first trial (seed 0) failed: ${FAILURE}\n`);
  assert.doesNotMatch(r.stdout, /m1-classWeights/);
  const json = JSON.parse(runCli(['verdicts', 'crop', '--json', '--db', db]).stdout) as {
    state: string;
    arms: unknown[];
  };
  assert.equal(json.state, 'interrupted');
  assert.deepEqual(json.arms, []);
});

test('an arm whose every trial fails: exit 1 naming it, "no data" everywhere, never NaN', async () => {
  const file = write(
    'armfail.yaml',
    `name: armfail
data: { source: mnist, limit: 200 }
model: { name: mlp }
training: { epochs: 1, batchSize: 32 }
seeds: { minSeeds: 2, maxSeeds: 2 }
measures:
  - label: breaks in training
    normalize: standard
  - label: weights
    classWeights: balanced
  - label: same again
    classWeights: balanced
  - label: no change
    set: { training.epochs: 1 }
`,
  );
  const db = join(dir, 'armfail.db');
  const r = runCli(['study', file, '--db', db, '--workers', '2'], {
    TUNEBOOK_INJECT_FAULT: 'fail@m1-normalize/0,fail@m1-normalize/1',
  });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(
    r.stderr,
    'tunebook: 1 arm(s) ended without a finished trial, so without a verdict: breaks in training ' +
      '(see tunebook verdicts armfail --json)\n',
  );
  const warnings = r.stdout.split('\n').filter((l) => l.startsWith('warning: '));
  assert.deepEqual(warnings, [
    'warning: measures "weights" (m2-classWeights) and "same again" (m3-classWeights) give the same settings: one is a duplicate',
    `warning: measure "no change" (m4-set) changes nothing: its settings equal the baseline's`,
    'warning: the test split has 40 example(s): one example moves test_balanced_accuracy by 2.00 points or more, against delta 0.5; effects smaller than one example are not measured (more test data, or a larger delta)',
  ]);
  assert.match(
    r.stdout,
    /^breaks in training\s+n\/a\s+\[n\/a, n\/a\]\s+0\s+no data\s+n\/a\s+n\/a\s+never$/m,
  );
  assert.match(r.stdout, /2 trial\(s\) failed/);
  assert.doesNotMatch(r.stdout, /NaN/);

  const json = JSON.parse(runCli(['verdicts', 'armfail', '--json', '--db', db]).stdout) as {
    state: string;
    arms: { arm: string; verdict: string; effect: number | null; trials: { state: string }[] }[];
  };
  assert.equal(json.state, 'done');
  const broken = json.arms.find((a) => a.arm === 'm1-normalize')!;
  assert.equal(broken.verdict, 'no data');
  assert.equal(broken.effect, null);
  assert.deepEqual(
    broken.trials.map((t) => t.state),
    ['failed', 'failed'],
  );

  const notebook = runCli(['notebook', '--db', db]);
  assert.equal(notebook.code, 0, notebook.stderr);
  assert.doesNotMatch(notebook.stdout, /NaN/);
  assert.doesNotMatch(notebook.stdout, /standardise|normalize/);

  const html = join(dir, 'armfail.html');
  const report = runCli(['report', 'armfail', '--out', html, '--db', db]);
  assert.equal(report.code, 0, report.stderr);
  const page = readFileSync(html, 'utf8');
  // (a match on the page would print all of it)
  assert.equal(page.match(/.{0,80}NaN.{0,80}/)?.[0], undefined);
  assert.ok(page.includes('>no data</span>'));
  // Six arms (the negative control included) at two seeds; the broken arm's two failed.
  assert.ok(page.includes('10 of 12 trials finished, 2 failed'));
});
