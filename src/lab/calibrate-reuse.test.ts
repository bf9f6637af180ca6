/**
 * A study and its calibration share trials through trial keys (lab/reuse): the baseline
 * seeds `tunebook calibrate` trained are the study's baseline seeds, not trained again, and
 * the other way round; each reused trial records the original it came from; a calibration
 * of other settings is not reused.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type LoadedStudy, parseStudy } from './config/load.js';
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

/** As `tunebook calibrate --seeds k` runs it: the baseline arm alone, at seeds 0..k-1. */
function calibration(loaded: LoadedStudy, k: number, training?: object): LoadedStudy {
  const baseline = loaded.arms.find((a) => a.kind === 'baseline')!;
  const calibrated = {
    name: `${loaded.config.name}.calibration`,
    seeds: { minSeeds: k, maxSeeds: k },
    control: false,
    stack: false,
  };
  const config = { ...baseline.config, ...calibrated };
  if (training) config.training = { ...config.training, ...training };
  return {
    ...loaded,
    config: { ...loaded.config, ...calibrated },
    arms: [{ ...baseline, config }],
  };
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

async function baselineTrials(store: Store, studyId: number) {
  return (await store.trials(studyId)).filter((t) => t.armKey === 'baseline');
}

test('the study takes its calibration baseline trials as its own baseline seeds', async () => {
  await withStore(async (store) => {
    const loaded = parseStudy(STUDY);
    const calibrated = await runStudy(calibration(loaded, 4), { store, workers: 2, workerUrl });
    const originals = new Map(
      (await baselineTrials(store, calibrated.study.id)).map((t) => [t.seed, t.id]),
    );
    const lines: string[] = [];
    const outcome = await runStudy(loaded, {
      store,
      workers: 2,
      workerUrl,
      log: (l) => lines.push(l),
    });
    const trials = await baselineTrials(store, outcome.study.id);
    for (const t of trials.filter((t) => t.seed < 4)) {
      assert.equal(t.reusedFrom, originals.get(t.seed), `seed ${t.seed} was trained again`);
      assert.equal(t.attempts, 0);
    }
    assert.ok(
      lines.some((l) => /^reused \d+ trials/.test(l)),
      lines.join('\n'),
    );
    const trained = (await store.trials(outcome.study.id)).filter((t) => t.reusedFrom === null);
    assert.equal(outcome.trialsRun, trained.length);
  });
});

test('a calibration of other settings is not reused', async () => {
  await withStore(async (store) => {
    const loaded = parseStudy(STUDY);
    await runStudy(calibration(loaded, 4, { epochs: 2 }), { store, workers: 2, workerUrl });
    const outcome = await runStudy(loaded, { store, workers: 2, workerUrl });
    for (const t of await baselineTrials(store, outcome.study.id)) assert.equal(t.reusedFrom, null);
  });
});

test('calibrate after the study takes the study’s baseline trials the same way', async () => {
  await withStore(async (store) => {
    const loaded = parseStudy(STUDY);
    const study = await runStudy(loaded, { store, workers: 2, workerUrl });
    const originals = new Map(
      (await baselineTrials(store, study.study.id)).map((t) => [t.seed, t.id]),
    );
    const outcome = await runStudy(calibration(loaded, 4), { store, workers: 2, workerUrl });
    assert.equal(outcome.trialsRun, 0, 'nothing trained again');
    const copies = await store.trials(outcome.study.id);
    assert.deepEqual(
      copies.map((t) => [t.seed, t.reusedFrom]),
      [0, 1, 2, 3].map((s) => [s, originals.get(s)]),
    );
  });
});
