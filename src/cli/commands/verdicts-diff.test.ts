/**
 * `tunebook study` on a second study sharing the first's baseline and a measure (relabelled,
 * in another position) reuses their trials; `verdicts --diff` puts the measures side by side,
 * matched by what they switch on; an unknown study is one line and exit 2.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../../testing/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tunebook-diff-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const study = (name: string, measures: string) => `name: ${name}
data: { source: mnist, limit: 120 }
model: { name: mlp }
training: { epochs: 1, batchSize: 32 }
seeds: { minSeeds: 2, maxSeeds: 2 }
control: false
measures:
${measures}`;

test('verdicts --diff matches measures by what they switch on; the second study reuses shared trials', () => {
  const db = join(dir, 'db.sqlite');
  writeFileSync(
    join(dir, 'a.yaml'),
    study('a', '  - classWeights: balanced\n  - dropout: { rate: 0.5, where: head }\n'),
  );
  writeFileSync(
    join(dir, 'b.yaml'),
    study('b', '  - extraDense: [32]\n  - label: weights\n    classWeights: balanced\n'),
  );
  const first = runCli(['study', join(dir, 'a.yaml'), '--db', db, '--workers', '2']);
  assert.equal(first.code, 0, first.stderr);
  const second = runCli(['study', join(dir, 'b.yaml'), '--db', db, '--workers', '2']);
  assert.equal(second.code, 0, second.stderr);
  // Baseline and class weights at 2 seeds each come from study a.
  assert.match(
    second.stdout,
    /^reused 4 trials \(4 from other studies in this db\), 0 h 0 min saved; 2 to run$/m,
  );
  const diff = runCli(['verdicts', 'a', '--diff', 'b', '--db', db]);
  assert.equal(diff.code, 0, diff.stderr);
  const rows = diff.stdout.split('\n');
  assert.match(rows[0], /^measure\s+a\s+b$/);
  const weights = rows.find((r) => r.startsWith('classWeights balanced'))!;
  // The same trials on both sides: the same effect twice.
  const effects = weights.match(/[+-]\d+\.\d\d \[/g)!;
  assert.equal(effects.length, 2);
  assert.equal(effects[0], effects[1]);
  assert.match(rows.find((r) => r.startsWith('dropout'))!, /unstable\s+—$/);
  assert.match(rows.find((r) => r.startsWith('extraDense'))!, /^extraDense \[32\]\s+—\s+[+-]/);
  const unknown = runCli(['verdicts', 'a', '--diff', 'nope', '--db', db]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no study "nope" \(studies: a, b\)/);
});
