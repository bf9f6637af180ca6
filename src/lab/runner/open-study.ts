/**
 * The first step of a run: find the study in the store (or create it; `--fresh` discards a
 * stored one), write its arms, and put back in the queue whatever a killed or failed earlier
 * run left unfinished. A study whose file changed is re-created from the file, keeping every
 * trial whose key still holds (lab/reuse); a new study takes trials of the same key from other
 * studies in the db.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Arm, controlArm } from '../config/arms.js';
import type { LoadedStudy } from '../config/load.js';
import { TRAINING_CODE_VERSION } from '../config/trial-key.js';
import { plannedTrials } from '../planner.js';
import { MEMORY_FAILURE_PREFIXES } from '../pool/memory-faults.js';
import { describeReuse, reuseTrials } from '../reuse/reuse-trials.js';
import { type Source, snapshotStudy } from '../reuse/stored-trials.js';
import { describeDiff, diffStudy } from '../reuse/study-diff.js';
import {
  planFor,
  prepareRule,
  type RuleSettings,
  recordRule,
  type StudyPlan,
} from '../stats/study-rule.js';
import type { ArmRow, Store, TrialRow } from '../store/store.js';
import type { RunOptions } from './options.js';
import { studyKeys } from './trial-keys.js';

/** What every later step of a run reads: the study's row id, its arms and its plan. */
export interface StudySession {
  loaded: LoadedStudy;
  config: LoadedStudy['config'];
  store: Store;
  studyId: number;
  /** By arm key; the stack arm joins when it is added. */
  armRows: Map<string, ArmRow>;
  checkpointRoot: string;
  /** The stored settings with the verdict rule recorded when the study was created. */
  stored: RuleSettings;
  /** The planner's settings; refined once a trial reports the test split's size. */
  plan: StudyPlan;
  /** The key of an arm's trial at a seed (recorded with each trained trial). */
  keyOf(armKey: string, seed: number): string;
  /** An arm added mid-run (stack, confirmation) takes any stored trials of its keys. */
  reuseFor(arm: ArmRow): Promise<number>;
}

export async function openStudy(
  loaded: LoadedStudy,
  options: RunOptions,
  log: (line: string) => void,
): Promise<StudySession> {
  const { store } = options;
  const { config } = loaded;
  const checkpointRoot = join(options.checkpointDir ?? `${store.file}.checkpoints`, config.name);
  // The rule's boundaries before the study is stored (they take a moment to simulate).
  prepareRule(planOf(config), loaded.arms.length - 1);
  let study = await store.findStudy(config.name);
  if (study && options.fresh) {
    await store.deleteStudy(config.name);
    rmSync(checkpointRoot, { recursive: true, force: true });
    study = null;
  }
  // An edited file: what changed is shown, the trials whose key holds are kept in memory, and
  // the study is made again from the file (its settings, rule and hash are the file's now).
  let own = new Map<string, Source>();
  if (study && study.hash !== loaded.hash) {
    const storedArms = await store.arms(study.id);
    const nextArms = loaded.arms.map((a) => ({ ...a, key: a.id }));
    for (const line of describeDiff(
      diffStudy(study.config as object, storedArms, config, nextArms),
    ))
      log(`changed: ${line}`);
    own = await snapshotStudy(store, study.id);
    await store.deleteStudy(config.name);
    // Checkpoints are by arm key, and keys move with the measures: none can be trusted.
    rmSync(checkpointRoot, { recursive: true, force: true });
    study = null;
  }
  const created = study === null;
  study ??= await store.createStudy({
    name: config.name,
    hash: loaded.hash,
    file: loaded.file,
    // The rule is recorded beside the settings (not in the hash): a later default never
    // changes this study's verdicts (lab/stats/study-rule.ts).
    config: { ...config, verdictRule: recordRule(config) },
    // The training-code version goes with the study: a worker that trains otherwise refuses it.
    environment: {
      ...((options.environment as object | null) ?? {}),
      trainingCodeVersion: options.trainingCodeVersion ?? TRAINING_CODE_VERSION,
    },
  });
  const studyId = study.id;
  await store.setStudyState(studyId, 'running');
  const stored = study.config as RuleSettings;
  const plan = planFor(stored);
  // The control trains the baseline arm's settings, paths resolved by preflight as the rest.
  const baseline = loaded.arms.find((a) => a.kind === 'baseline')!;
  const arms = plan.control ? [...loaded.arms, controlArm(baseline.config)] : loaded.arms;
  const armRows = await syncArms(store, studyId, arms);
  const keys = studyKeys(options);
  const keyOf = (armKey: string, seed: number) => keys(armRows.get(armKey)!, seed);
  const target = (arms: ArmRow[]) => ({
    store,
    studyId,
    arms,
    maxSeeds: plan.maxSeeds,
    keyOf: keys,
  });
  const reuseFor = async (arm: ArmRow) => (await reuseTrials(target([arm]), new Map())).trials;
  const session = {
    ...{ loaded, config, store, studyId, armRows, checkpointRoot, stored, plan },
    ...{ keyOf, reuseFor },
  };
  if (created) {
    const reused = await reuseTrials(target([...armRows.values()]), own);
    if (reused.trials > 0 || own.size > 0) log(describeReuse(reused, await toRun(session)));
  }
  const requeued = await store.requeueUnfinished(studyId, {
    failed: true,
    keepErrors: options.retryFailed ? [] : MEMORY_FAILURE_PREFIXES,
  });
  if (requeued > 0) log(`resuming: ${requeued} unfinished trial(s) will run again`);
  return session;
}

/** Trials the plan wants that have not finished (more join while verdicts are undecided). */
async function toRun(session: StudySession): Promise<number> {
  const trials = await session.store.trials(session.studyId);
  const progress = [...session.armRows.values()].map((arm) => {
    const scores = new Map<number, number>();
    for (const t of trials)
      if (t.armId === arm.id && t.metrics && (t.state === 'done' || t.state === 'diverged'))
        scores.set(t.seed, t.metrics[session.config.metric]);
    return { key: arm.key, scores, pending: new Set<number>() };
  });
  let count = 0;
  for (const [key, seeds] of plannedTrials(progress, session.plan)) {
    const scores = progress.find((p) => p.key === key)!.scores;
    count += seeds.filter((s) => !scores.has(s)).length;
  }
  return count;
}

/** The study file's arms written (or updated), plus any stored ones (a stack arm added earlier). */
async function syncArms(
  store: Store,
  studyId: number,
  arms: readonly Arm[],
): Promise<Map<string, ArmRow>> {
  const armRows = new Map<string, ArmRow>();
  for (const arm of arms) armRows.set(arm.id, await store.upsertArm(armRecord(studyId, arm)));
  for (const row of await store.arms(studyId)) armRows.set(row.key, row);
  return armRows;
}

/** The planner's settings of a study file as a new study would record them. */
export function planOf(config: LoadedStudy['config'], testSize: number | null = null): StudyPlan {
  return planFor({ ...config, verdictRule: recordRule(config) }, testSize);
}

/** The plan again once a trial has reported the test split's size (its resolution). */
export async function refinePlan(session: StudySession, trials?: TrialRow[]): Promise<void> {
  if (session.plan.resolution && trials === undefined) return;
  const size = testSizeOf(trials ?? (await session.store.trials(session.studyId)));
  session.plan = planFor(session.stored, size);
}

/** Examples in the test split, from the first trial that reports it (null before). */
function testSizeOf(trials: TrialRow[]): number | null {
  for (const t of trials) {
    const counts = (t.result as { classCounts?: { test?: number[] } } | null)?.classCounts?.test;
    if (counts?.length) return counts.reduce((a, b) => a + b, 0);
  }
  return null;
}

/** A planned arm as the store keeps it. */
export function armRecord(studyId: number, arm: Arm): Omit<ArmRow, 'id'> {
  return {
    studyId,
    key: arm.id,
    label: arm.label,
    kind: arm.kind,
    position: arm.index,
    measure: arm.measure,
    config: arm.config,
  };
}
