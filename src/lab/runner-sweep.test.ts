/**
 * A sweep runs one arm per value; with `confirm: true`, once every value is settled, its best
 * value trains again at fresh seeds (2000+) as the confirmation arm, paired with the baseline.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseStudy } from './config/load.js';
import { runStudy } from './runner.js';
import { openStore } from './store/index.js';

test('a confirmed sweep reruns its best value at fresh seeds, and that arm gets a verdict', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunebook-sweep-'));
  const store = await openStore(join(dir, 'db.sqlite'));
  try {
    const study = parseStudy(`name: sweep
data: { source: mnist, limit: 120 }
model: { name: mlp }
training: { epochs: 1, batchSize: 32, optimizer: { name: adam, lr: 0.003 } }
seeds: { minSeeds: 2, maxSeeds: 2 }
control: false
measures:
  - optimizer: { lr: [0.0003, 0.01] }
    confirm: true
`);
    const log: string[] = [];
    const outcome = await runStudy(study, { store, workers: 2, log: (l) => log.push(l) });
    const armRows = await store.arms(outcome.study.id);
    const arms = armRows.map((a) => a.key);
    assert.deepEqual(arms, ['baseline', 'm1-optimizer-v1', 'm1-optimizer-v2', 'confirm-m1']);
    const verdicts = await store.verdicts(outcome.study.id);
    const effect = (key: string) => {
      const id = armRows.find((a) => a.key === key)!.id;
      return verdicts.find((v) => v.armId === id)!;
    };
    const best = effect('m1-optimizer-v1').effect > effect('m1-optimizer-v2').effect ? 'v1' : 'v2';
    assert.ok(
      log.some((l) =>
        l.startsWith(`confirmation arm: confirm optimizer lr ${best === 'v1' ? '0.0003' : '0.01'}`),
      ),
      log.join('\n'),
    );
    assert.equal(effect('confirm-m1').n, 2);
    // Fresh seeds: its trials are not copies of the best arm's (other trained seeds).
    const trials = await store.trials(outcome.study.id);
    const score = (arm: string) =>
      trials.filter((t) => t.armKey === arm).map((t) => t.metrics?.test_loss);
    assert.notDeepEqual(score('confirm-m1'), score(`m1-optimizer-${best}`));
    assert.equal(outcome.trialsRun, 2 * 4);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
