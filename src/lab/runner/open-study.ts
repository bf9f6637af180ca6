/**
 * The first step of a run: find the study in the store (or create it; `--fresh` discards a
 * stored one), refuse a changed study, write its arms, and put back in the queue whatever a
 * killed or failed earlier run left unfinished.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { TunebookError } from '../../core/errors.js';
import type { LoadedStudy } from '../config/load.js';
import type { PlanOptions } from '../planner.js';
import { MEMORY_FAILURE_PREFIXES } from '../pool/memory-faults.js';
import { repeatedLevel } from '../stats/sequential.js';
import type { ArmRow, Store } from '../store/store.js';
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
  plan: Required<PlanOptions>;
}

export function openStudy(
  loaded: LoadedStudy,
  options: RunOptions,
  log: (line: string) => void,
): StudySession {
  const { store } = options;
  const { config } = loaded;
  const checkpointRoot = join(options.checkpointDir ?? `${store.file}.checkpoints`, config.name);
  let study = store.findStudy(config.name);
  if (study && study.hash !== loaded.hash && !options.fresh)
    throw new StudyChangedError(config.name, store.file);
  if (study && options.fresh) {
    store.deleteStudy(config.name);
    rmSync(checkpointRoot, { recursive: true, force: true });
    study = null;
  }
  study ??= store.createStudy({
    name: config.name,
    hash: loaded.hash,
    file: loaded.file,
    config,
    environment: options.environment ?? null,
  });
  const studyId = study.id;
  store.setStudyState(studyId, 'running');
  const armRows = syncArms(store, studyId, loaded);
  const requeued = store.requeueUnfinished(studyId, {
    failed: true,
    keepErrors: options.retryFailed ? [] : MEMORY_FAILURE_PREFIXES,
  });
  if (requeued > 0) log(`resuming: ${requeued} unfinished trial(s) will run again`);
  return { loaded, config, store, studyId, armRows, checkpointRoot, plan: planOf(config) };
}

/** The study file's arms written (or updated), plus any stored ones (a stack arm added earlier). */
function syncArms(store: Store, studyId: number, loaded: LoadedStudy): Map<string, ArmRow> {
  const armRows = new Map<string, ArmRow>();
  for (const arm of loaded.arms) {
    const row = store.upsertArm({
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
  for (const row of store.arms(studyId)) armRows.set(row.key, row);
  return armRows;
}

/** The planner's settings of a study: repeated intervals widen every look's interval. */
export function planOf(config: LoadedStudy['config']): Required<PlanOptions> {
  const { minSeeds, maxSeeds, intervals } = config.seeds;
  return {
    minSeeds,
    maxSeeds,
    delta: config.delta,
    level: intervals === 'repeated' ? repeatedLevel(minSeeds, maxSeeds) : 0.95,
  };
}
