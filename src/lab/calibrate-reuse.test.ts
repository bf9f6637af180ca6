/**
 * The study reuses its calibration's baseline trials (same store, same baseline trial
 * settings, same seeds) instead of training them again, and records where each came from;
 * a calibration with other settings is not reused.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { adoptPartnerBaseline, partnerName, reusedFromOf } from './calibrate-reuse.js';
import { parseStudy } from './config/load.js';
import { runStudy } from './runner.js';
import { openStore } from './store/index.js';
import type { Store } from './store/store.js';

const STUDY = `
name: reuse
data: { source: mnist, limit: 200 }
model: { name: mlp }
training: { epochs: 1 }
seeds: { minSeeds: 3, maxSeeds: 10 }
measures:
  - label: m2
    set: { training.batchSize: 16 }
`;
const workerUrl = new URL('./fixture-trial-worker.js', import.meta.url);

/** A calibration stored as `tunebook calibrate` stores it, with marked scores at seeds 0..k-1. */
async function storeCalibration(store: Store, config: unknown, k: number) {
  const study = await store.createStudy({
    name: 'reuse.calibration',
    hash: 'h',
    file: 'f',
    config,
    environment: null,
  });
  const arm = await store.upsertArm({
    studyId: study.id,
    key: 'baseline',
    label: 'baseline',
    kind: 'baseline',
    position: 0,
    measure: null,
    config,
  });
  const ids: number[] = [];
  for (let seed = 0; seed < k; seed++) {
    const t = await store.ensureTrial(arm.id, seed);
    await store.finishTrial(t.id, {
      state: 'done',
      seconds: 1,
      metrics: { test_balanced_accuracy: 0.9, calibrated: 1 },
      result: { classCounts: { test: [50, 50] } },
      error: null,
      epochs: [],
    });
    ids.push(t.id);
  }
  return ids;
}

async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'tunebook-reuse-'));
  const store = await openStore(join(dir, 'db.sqlite'));
  try {
    return await fn(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('partner names: a study and its calibration', () => {
  assert.equal(partnerName('mnist'), 'mnist.calibration');
  assert.equal(partnerName('mnist.calibration'), 'mnist');
  assert.equal(partnerName('x'.repeat(95)), null, 'a truncated calibration name is not matched');
});

test('the study takes its calibration baseline trials as its own baseline seeds', async () => {
  await withStore(async (store) => {
    const loaded = parseStudy(STUDY);
    const baseline = loaded.arms.find((a) => a.kind === 'baseline')!;
    const ids = await storeCalibration(
      store,
      { ...baseline.config, name: 'reuse.calibration' },
      12,
    );
    const lines: string[] = [];
    const outcome = await runStudy(loaded, {
      store,
      workers: 2,
      workerUrl,
      log: (l) => lines.push(l),
    });
    const trials = (await store.trials(outcome.study.id)).filter((t) => t.armKey === 'baseline');
    // Seeds 0-9 (maxSeeds 10) come from the calibration; seeds 10-11 are not the study's.
    assert.deepEqual(
      trials.map((t) => t.seed),
      [...Array(10).keys()],
    );
    for (const t of trials) {
      assert.equal(t.metrics?.calibrated, 1, `seed ${t.seed} was trained again`);
      assert.deepEqual(reusedFromOf(t), { trial: ids[t.seed], study: 'reuse.calibration' });
      assert.equal(t.attempts, 0);
    }
    assert.ok(
      lines.some((l) => /^reusing 10 baseline trial\(s\) of reuse\.calibration/.test(l)),
      lines.join('\n'),
    );
    // Only the measure and the control trained in this run.
    const trained = (await store.trials(outcome.study.id)).filter((t) => t.armKey !== 'baseline');
    assert.equal(outcome.trialsRun, trained.length);
    // Run again: nothing new is adopted (the seeds are finished).
    const again = await adoptPartnerBaseline(
      store,
      outcome.study.id,
      'reuse',
      (await store.arms(outcome.study.id))[0],
      10,
    );
    assert.equal(again, null);
  });
});

test('a calibration of other settings is not reused', async () => {
  await withStore(async (store) => {
    const loaded = parseStudy(STUDY);
    const baseline = loaded.arms.find((a) => a.kind === 'baseline')!;
    const other = { ...baseline.config, training: { ...baseline.config.training, epochs: 2 } };
    await storeCalibration(store, other, 10);
    const outcome = await runStudy(loaded, { store, workers: 2, workerUrl });
    const trials = (await store.trials(outcome.study.id)).filter((t) => t.armKey === 'baseline');
    for (const t of trials) {
      assert.equal(t.metrics?.calibrated, undefined);
      assert.equal(reusedFromOf(t), null);
    }
  });
});

test('calibrate after the study takes the study’s baseline trials the same way', async () => {
  await withStore(async (store) => {
    const loaded = parseStudy(STUDY);
    const study = await runStudy(loaded, { store, workers: 2, workerUrl });
    const baseline = loaded.arms.find((a) => a.kind === 'baseline')!;
    // As `tunebook calibrate --seeds 4` runs it: the baseline arm alone, at seeds 0-3.
    const calibrated = {
      name: 'reuse.calibration',
      seeds: { minSeeds: 4, maxSeeds: 4 },
      control: false,
      stack: false,
    };
    const config = { ...loaded.config, ...calibrated };
    const outcome = await runStudy(
      { ...loaded, config, arms: [{ ...baseline, config: { ...baseline.config, ...calibrated } }] },
      { store, workers: 2, workerUrl },
    );
    assert.equal(outcome.trialsRun, 0, 'nothing trained again');
    const originals = new Map(
      (await store.trials(study.study.id))
        .filter((t) => t.armKey === 'baseline')
        .map((t) => [t.seed, t.id]),
    );
    const copies = await store.trials(outcome.study.id);
    assert.deepEqual(
      copies.map((t) => [t.seed, reusedFromOf(t)?.trial]),
      [0, 1, 2, 3].map((s) => [s, originals.get(s)]),
    );
  });
});
