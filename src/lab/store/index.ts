/**
 * The lab's store: studies, arms, trials, per-epoch curves, verdicts and notes, behind the
 * `Store` interface, with the embedded SQLite implementation from `openStore`.
 *
 * @example
 *   import { openStore } from './lab/store/index.js';
 *   const store = openStore('tunebook.db');
 */
export { StoreError } from './errors.js';
export { APPLICATION_ID, SCHEMA_VERSION } from './migrations.js';
export { openStore } from './sqlite-store.js';
export {
  type ArmRow,
  type EpochRow,
  FINISHED_STATES,
  type FinishedState,
  type NewStudy,
  type NotebookVerdict,
  type NoteRow,
  type OpenOptions,
  STUDY_STATES,
  type Store,
  type StudyRow,
  type StudyState,
  TRIAL_STATES,
  type TrialOutcome,
  type TrialRow,
  type TrialState,
  type VerdictRow,
} from './store.js';
