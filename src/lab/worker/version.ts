/**
 * The version of what decides a trial's numbers (`TRAINING_CODE_VERSION`, lab/config/
 * trial-key.ts: also part of every trial key, and pinned by a tiny training's fingerprint).
 * A planner records it in the study's environment; a worker whose own differs refuses the
 * study, since a trial it ran would not be the trial the planner asked for (and the verdicts
 * would mix two trainings).
 *
 * @example
 *   assertSameTraining(study, TRAINING_CODE_VERSION); // throws a one-line UsageError on a mismatch
 */
import { TunebookError } from '../../core/errors.js';
import { TRAINING_CODE_VERSION } from '../config/trial-key.js';
import type { StudyRow } from '../store/store.js';

export { TRAINING_CODE_VERSION };

/** A study made by a tunebook that trains differently: exit code 2, nothing run. */
export class TrainingVersionError extends TunebookError {
  constructor(study: string, theirs: unknown, ours: number) {
    super(
      'E_TRAINING_VERSION',
      `study "${study}": made by a tunebook whose training code is version ${theirs === undefined ? '(none recorded)' : JSON.stringify(theirs)}, this worker's is ${JSON.stringify(ours)}: run the same tunebook version on every machine`,
      2,
    );
  }
}

/** The training-code version a study's environment recorded, or undefined. */
export function trainingVersionOf(study: StudyRow): unknown {
  const env = study.environment as { trainingCodeVersion?: unknown } | null;
  return env?.trainingCodeVersion;
}

export function assertSameTraining(study: StudyRow, ours = TRAINING_CODE_VERSION): void {
  const theirs = trainingVersionOf(study);
  if (theirs !== ours) throw new TrainingVersionError(study.name, theirs, ours);
}
