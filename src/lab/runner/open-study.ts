/**
 * The first step of a run: find the study in the store (or create it; `--fresh` discards a
 * stored one), refuse a changed study, write its arms, and put back in the queue whatever a
 * killed or failed earlier run left unfinished.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { TunebookError } from '../../core/errors.js';
import { type Arm, controlArm } from '../config/arms.js';
import type { LoadedStudy } from '../config/load.js';
import { MEMORY_FAILURE_PREFIXES } from '../pool/memory-faults.js';
import {
  planFor,
  prepareRule,
  type RuleSettings,
  recordRule,
  type StudyPlan,
} from '../stats/study-rule.js';
import type { ArmRow, Store, TrialRow } from '../store/store.js';
import { TRAINING_CODE_VERSION } from '../worker/version.js';
import type { RunOptions } from './options.js';

/** A study already in the db under this name with other settings. */
export class StudyChangedError extends TunebookError {
  constructor(name: string, db: string) {
    super(
      'E_STUDY_CHANGED',
      `study "${name}" is already in ${db} with different settings; rerun with --fresh to discard ` +
        'its trials and start over, or give the changed study a new name',
    );
  }
}

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
  prepareRule(planOf(config), config.measures.length);
  let study = await store.findStudy(config.name);
  if (study && study.hash !== loaded.hash && !options.fresh)
    throw new StudyChangedError(config.name, store.file);
  if (study && options.fresh) {
    await store.deleteStudy(config.name);
    rmSync(checkpointRoot, { recursive: true, force: true });
    study = null;
  }
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
      trainingCodeVersion: options.shared?.trainingVersion ?? TRAINING_CODE_VERSION,
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
  const requeued = await store.requeueUnfinished(studyId, {
    failed: true,
    keepErrors: options.retryFailed ? [] : MEMORY_FAILURE_PREFIXES,
  });
  if (requeued > 0) log(`resuming: ${requeued} unfinished trial(s) will run again`);
  return { loaded, config, store, studyId, armRows, checkpointRoot, stored, plan };
}

/** The study file's arms written (or updated), plus any stored ones (a stack arm added earlier). */
async function syncArms(
  store: Store,
  studyId: number,
  arms: readonly Arm[],
): Promise<Map<string, ArmRow>> {
  const armRows = new Map<string, ArmRow>();
  for (const arm of arms) {
    const row = await store.upsertArm({
      studyId,
      key: arm.id,
      label: arm.label,
      kind: arm.kind,
      position: arm.index,
      measure: arm.measure,
      config: arm.config,
    });
    armRows.set(arm.id, row);
  }
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
