/**
 * Editing a study reuses exactly the trials whose keys still hold, on real (tiny) training:
 * adding a measure, raising maxSeeds, relabelling and reordering retrain nothing already
 * trained; a changed lr retrains that arm only; a new metric trains nothing; another study
 * with the same baseline reuses it; a new training-code version reuses nothing; and the
 * edited study's verdicts equal a fresh run's.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseStudy } from '../config/load.js';
import { TRAINING_CODE_VERSION } from '../config/trial-key.js';
import { type RunOptions, runStudy } from '../runner.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/store.js';

const dir = mkdtempSync(join(tmpdir(), 'tunebook-reuse-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const study = (measures: string, seeds = 'minSeeds: 2, maxSeeds: 3', extra = '', name = 'edit') =>
  parseStudy(`name: ${name}
data: { source: mnist, limit: 120 }
model: { name: mlp }
training: { epochs: 1, batchSize: 32, optimizer: { name: adam, lr: 0.003 } }
seeds: { ${seeds} }
control: false
${extra}
measures:
${measures}`);

const A = '  - label: weights\n    classWeights: balanced\n';
const B = '  - label: fast lr\n    optimizer: { lr: 0.01 }\n';
const C = '  - dropout: { rate: 0.3, where: head }\n';

async function run(store: Store, s: ReturnType<typeof study>, more: Partial<RunOptions> = {}) {
  const log: string[] = [];
  const outcome = await runStudy(s, { store, workers: 2, log: (l) => log.push(l), ...more });
  const arms = new Map((await store.arms(outcome.study.id)).map((a) => [a.id, a.label]));
  const verdicts = Object.fromEntries(
    (await store.verdicts(outcome.study.id)).map((v) => [
      arms.get(v.armId),
      `${v.verdict} ${v.effect.toFixed(6)} ${v.n}`,
    ]),
  );
  return { outcome, log, verdicts, trained: outcome.trialsRun };
}

test("an edited study retrains only what its edit changed, and ends with a fresh run's verdicts", async () => {
  const store = await openStore(join(dir, 'a.db'));
  try {
    const first = await run(store, study(A + B));
    assert.equal(first.trained, 9, first.log.join('\n'));

    // Reordered, relabelled, one measure added, maxSeeds raised: the old arms' 3 seeds each
    // are reused; their 4th seeds and the new arm's 4 seeds train.
    const relabelled = A.replace('weights', 'balanced weights');
    const edited = study(B + C + relabelled, 'minSeeds: 2, maxSeeds: 4');
    const second = await run(store, edited);
    assert.ok(
      second.log.includes('changed: arms added: "dropout rate 0.3, where head"'),
      second.log.join('\n'),
    );
    assert.ok(
      second.log.some((l) =>
        l.startsWith('changed: arms relabelled or moved (kept): "weights" -> "balanced weights"'),
      ),
    );
    assert.ok(second.log.includes('changed: seeds raised: 2-3 -> 2-4'), second.log.join('\n'));
    assert.ok(
      second.log.some((l) => /^reused 9 trials, 0 h 0 min saved; \d+ to run$/.test(l)),
      second.log.join('\n'),
    );
    assert.equal(second.trained, 3 + 4);

    // The lr of one arm changed: that arm alone retrains.
    const changedLr = study(B.replace('0.01', '0.02') + C + relabelled, 'minSeeds: 2, maxSeeds: 4');
    const third = await run(store, changedLr);
    assert.ok(
      third.log.includes('changed: arms changed (retrain): "fast lr"'),
      third.log.join('\n'),
    );
    assert.equal(third.trained, 4);

    // A new metric (and delta) re-reads the stored trials: nothing trains.
    const metric = study(
      B.replace('0.01', '0.02') + C + relabelled,
      'minSeeds: 2, maxSeeds: 4',
      'metric: test_accuracy\ndelta: 1',
    );
    const fourth = await run(store, metric);
    assert.equal(fourth.trained, 0, fourth.log.join('\n'));
    assert.ok(
      fourth.log.includes(
        'changed: metric: test_balanced_accuracy -> test_accuracy (verdicts re-read)',
      ),
    );

    // The same verdicts as a fresh run of the final file in an empty db.
    const fresh = await openStore(join(dir, 'fresh.db'));
    try {
      const clean = await run(fresh, metric);
      assert.deepEqual(fourth.verdicts, clean.verdicts);
      assert.equal(clean.trained, 4 * 4);
    } finally {
      await fresh.close();
    }

    // --fresh still starts over.
    const over = await run(store, metric, { fresh: true });
    assert.equal(over.trained, 16);
  } finally {
    await store.close();
  }
});

test('another study in the db reuses matching trials, marked as shared; a new code version reuses none', async () => {
  const store = await openStore(join(dir, 'b.db'));
  try {
    await run(store, study(A));
    const other = await run(store, study(C, undefined, '', 'other'));
    // The baseline's 3 seeds come from the first study; the dropout arm trains.
    assert.equal(other.trained, 3, other.log.join('\n'));
    assert.ok(
      other.log.some((l) => l.startsWith('reused 3 trials (3 from other studies in this db)')),
    );
    const firstTrials = await store.trials((await store.findStudy('edit'))!.id);
    const shared = (await store.trials(other.outcome.study.id)).filter(
      (t) => t.armKey === 'baseline',
    );
    assert.deepEqual(
      shared.map((t) => t.reusedFrom),
      firstTrials.filter((t) => t.armKey === 'baseline').map((t) => t.id),
    );
    const next = TRAINING_CODE_VERSION + 1;
    const bumped = await run(store, study(C, undefined, '', 'bumped'), {
      trainingCodeVersion: next,
    });
    assert.equal(bumped.trained, 6, bumped.log.join('\n'));
  } finally {
    await store.close();
  }
});
