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

const CROP_ERROR =
  'training.augment.pipeline:2: pipeline[0].randomCrop.size: expected a crop no larger than ' +
  'the image (28x28; padIfNeeded pads up to size), got [40,40]';

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
training:
  epochs: 1
  batchSize: 32
  augment:
    - randomCrop: { size: [40, 40] }
seeds: { minSeeds: 2, maxSeeds: 2 }
measures:
  - classWeights: balanced
`,
  );
  const db = join(dir, 'crop.db');
  const r = runCli(['study', file, '--db', db, '--workers', '1']);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr, `tunebook: the baseline's first trial (seed 0) failed: ${CROP_ERROR}\n`);
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
  - label: crop too large
    augment:
      - randomCrop: { size: [40, 40] }
  - label: weights
    classWeights: balanced
  - label: same again
    classWeights: balanced
  - label: no change
    set: { training.epochs: 1 }
`,
  );
  const db = join(dir, 'armfail.db');
  const r = runCli(['study', file, '--db', db, '--workers', '2']);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(
    r.stderr,
    'tunebook: 1 arm(s) ended without a finished trial, so without a verdict: crop too large ' +
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
    /^crop too large\s+n\/a\s+\[n\/a, n\/a\]\s+0\s+no data\s+n\/a\s+n\/a\s+never$/m,
  );
  assert.match(r.stdout, /2 trial\(s\) failed/);
  assert.doesNotMatch(r.stdout, /NaN/);

  const json = JSON.parse(runCli(['verdicts', 'armfail', '--json', '--db', db]).stdout) as {
    state: string;
    arms: { arm: string; verdict: string; effect: number | null; trials: { state: string }[] }[];
  };
  assert.equal(json.state, 'done');
  const broken = json.arms.find((a) => a.arm === 'm1-augment')!;
  assert.equal(broken.verdict, 'no data');
  assert.equal(broken.effect, null);
  assert.deepEqual(
    broken.trials.map((t) => t.state),
    ['failed', 'failed'],
  );

  const notebook = runCli(['notebook', '--db', db]);
  assert.equal(notebook.code, 0, notebook.stderr);
  assert.doesNotMatch(notebook.stdout, /NaN/);
  assert.doesNotMatch(notebook.stdout, /randomCrop|augment/);

  const html = join(dir, 'armfail.html');
  const report = runCli(['report', 'armfail', '--out', html, '--db', db]);
  assert.equal(report.code, 0, report.stderr);
  const page = readFileSync(html, 'utf8');
  // (a match on the page would print all of it)
  assert.equal(page.match(/.{0,80}NaN.{0,80}/)?.[0], undefined);
  assert.ok(page.includes('>no data</span>'));
  assert.ok(page.includes('8 of 10 trials finished, 2 failed'));
});
