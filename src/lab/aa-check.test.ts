/**
 * A real A/A check (issue 11): a small study of real trials (an MLP on 300 digits, real
 * worker threads and training) with its negative control at 20 paired seeds. The control is
 * the baseline against itself at other seeds, so it has no effect by construction: its
 * verdict must not be effective or harmful, and its interval must cover zero. Training is
 * deterministic per seed, so the outcome is the same on every run (no flake); a change that
 * made the control pair wrongly (the same seeds, another split, a biased interval) or the
 * statistics overclaim fails here on real numbers, not simulated ones.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseStudy } from './config/load.js';
import { runStudy } from './runner.js';
import { openStore } from './store/index.js';

const SEEDS = 20;

/** The measure is required by the file format; the check runs the baseline and control only. */
const study = (name: string, split = '') => `
name: ${name}
data: { source: mnist, limit: 300${split} }
model: { name: mlp, options: { hidden: [32] } }
training: { epochs: 2, batchSize: 32, optimizer: { name: adam, lr: 0.003 } }
seeds: { minSeeds: ${SEEDS}, maxSeeds: ${SEEDS} }
measures:
  - label: unused
    set: { training.batchSize: 16 }
`;

async function control(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'tunebook-aa-'));
  const store = await openStore(join(dir, 'db.sqlite'));
  try {
    const loaded = parseStudy(text);
    const arms = loaded.arms.filter((a) => a.kind === 'baseline');
    const outcome = await runStudy({ ...loaded, arms }, { store, workers: 2 });
    const rows = await store.verdicts(outcome.study.id);
    const armKeys = new Map((await store.arms(outcome.study.id)).map((a) => [a.id, a.key]));
    const row = rows.find((v) => armKeys.get(v.armId) === 'control');
    assert.ok(row, 'the study has a control verdict');
    return row;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test(`A/A: the negative control of a real study over ${SEEDS} paired seeds finds nothing`, async (t) => {
  const row = await control(study('aa-check'));
  assert.equal(row.n, SEEDS);
  assert.ok(
    row.verdict !== 'effective' && row.verdict !== 'harmful',
    `control ended ${row.verdict}: ${row.effect} [${row.lo}, ${row.hi}]`,
  );
  assert.ok(row.lo <= 0 && row.hi >= 0, `control interval [${row.lo}, ${row.hi}] misses 0`);
  t.diagnostic(`fixed split: control ${row.verdict} ${row.effect} [${row.lo}, ${row.hi}]`);
});

test(`A/A with data.split.vary: per-seed: the control still finds nothing over ${SEEDS} seeds`, async (t) => {
  const row = await control(
    study('aa-check-per-seed', ', split: { validation: 0.1, test: 0.2, vary: per-seed }'),
  );
  assert.equal(row.n, SEEDS);
  assert.ok(
    row.verdict !== 'effective' && row.verdict !== 'harmful',
    `control ended ${row.verdict}: ${row.effect} [${row.lo}, ${row.hi}]`,
  );
  assert.ok(row.lo <= 0 && row.hi >= 0, `control interval [${row.lo}, ${row.hi}] misses 0`);
  t.diagnostic(`per-seed split: control ${row.verdict} ${row.effect} [${row.lo}, ${row.hi}]`);
});
