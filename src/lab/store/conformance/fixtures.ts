/**
 * What the conformance suite works on: how to open an engine's store, a small study, and
 * assertions on StoreErrors.
 *
 * @example
 *   const store = await open(t);
 *   const { study, baseline, arm } = await smallStudy(store);
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { StoreError } from '../errors.js';
import type { ArmRow, EpochRow, Store, StudyRow, TrialOutcome } from '../store.js';

/**
 * An engine under test. `open(t)` gives a new, empty database; `open(t, { like })` another
 * connection to `like`'s database (another process, or the same one after a restart). The
 * suite closes every store it opens.
 */
export type OpenStore = (
  t: TestContext,
  options?: { like?: Store; readonly?: boolean },
) => Promise<Store>;

export async function opened(t: TestContext, open: OpenStore, options?: Parameters<OpenStore>[1]) {
  const store = await open(t, options);
  t.after(() => store.close());
  return store;
}

export const CONFIG = { name: 'tiny', training: { epochs: 2, lr: Number.NaN } };

/**
 * A study with a baseline and one measure arm: the one small study of the store's tests (the
 * suite's, and, through test-helpers.ts, the SQLite engine's and the callers').
 */
export async function smallStudy(
  store: Store,
  name = 'tiny',
  environment: unknown = { backend: 'wasm', node: process.version },
): Promise<{ study: StudyRow; baseline: ArmRow; arm: ArmRow }> {
  const study = await store.createStudy({
    name,
    hash: `hash-${name}`,
    file: `${name}.yaml`,
    config: { ...CONFIG, name },
    environment,
  });
  const baseline = await store.upsertArm({
    studyId: study.id,
    key: 'baseline',
    label: 'baseline',
    kind: 'baseline',
    position: 0,
    measure: null,
    config: { dropout: null },
  });
  const arm = await store.upsertArm({
    studyId: study.id,
    key: 'm1-dropout',
    label: 'dropout 0.5',
    kind: 'dropout',
    position: 1,
    measure: { dropout: { rate: 0.5, where: 'before-classifier' } },
    config: { dropout: 0.5 },
  });
  return { study, baseline, arm };
}

export const done = (metrics: Record<string, number>, epochs: EpochRow[] = []): TrialOutcome => ({
  state: 'done',
  seconds: 1.5,
  metrics,
  result: { params: 1234 },
  error: null,
  epochs,
});

export const epoch = (n: number): EpochRow => ({
  epoch: n,
  lr: 0.1,
  trainLoss: 1 / (n + 1),
  seconds: 1,
});

/** For assert.rejects: a StoreError of `store` whose message matches, with the exit code. */
export function storeError(store: Store, pattern: RegExp, exitCode?: 1 | 2) {
  return (e: unknown) => {
    assert.ok(e instanceof StoreError, String(e));
    assert.equal(e.code, 'E_STORE');
    assert.ok(e.message.startsWith(`${store.file}: `), e.message);
    assert.match(e.message, pattern);
    if (exitCode !== undefined) assert.equal(e.exitCode, exitCode);
    return true;
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function states(store: Store, studyId: number): Promise<string[]> {
  return (await store.trials(studyId)).map((x) => `${x.armKey}/${x.seed}:${x.state}`);
}
