import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../../testing/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tunebook-calibrate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('calibrate trains the baseline at K seeds, prints what the study can detect, and reuses them', () => {
  const file = join(dir, 'tiny.yaml');
  writeFileSync(
    file,
    `name: tiny
data: { source: mnist, limit: 200 }
model: { name: mlp }
training: { epochs: 1, batchSize: 32 }
seeds: { minSeeds: 3, maxSeeds: 8 }
measures:
  - dropout: { rate: 0.5, where: head }
`,
  );
  const db = join(dir, 'c.db');
  const r = runCli(['calibrate', file, '--seeds', '4', '--workers', '2', '--db', db]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /stored as tiny\.calibration/);
  assert.match(r.stdout, /seed-to-seed spread \d+\.\d\d pts over 4 trials/);
  assert.match(r.stdout, /maxSeeds {3}5: none/);
  assert.match(r.stdout, /maxSeeds {3}8: \d+\.\d\d pts {2}<- the study/);
  assert.match(
    r.stdout,
    /false verdicts on 2000 A\/A studies resampled from these trials: \d+\.\d%/,
  );
  assert.match(r.stdout, /suggested: maxSeeds /);
  // Run again: the trials are stored, nothing trains.
  const again = runCli(['calibrate', file, '--seeds', '4', '--db', db]);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stdout, /^done {2}baseline/m);
  const bad = runCli(['calibrate', file, '--seeds', '1', '--db', db]);
  assert.equal(bad.code, 2);
  // The study takes the calibration's baseline trials as its own first seeds.
  const study = runCli(['study', file, '--workers', '2', '--db', db]);
  assert.equal(study.code, 0, study.stderr);
  assert.match(study.stdout, /reused 4 trials/);
});
