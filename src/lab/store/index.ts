/**
 * The lab's store: studies, arms, trials, per-epoch curves, verdicts and notes, behind the
 * asynchronous `Store` interface; `openStore` picks the engine from the target (a SQLite file
 * or a PostgreSQL URL).
 *
 * @example
 *   import { openStore } from './lab/store/index.js';
 *   const store = await openStore('tunebook.db');
 */
export { StoreError } from './errors.js';
export { APPLICATION_ID, SCHEMA_VERSION } from './migrations.js';
export { openStore } from './open.js';
export {
  type ArmRow,
  type Checkpoint,
  type Claimant,
  type ClaimedTrial,
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
export { isServerTarget, redactTarget } from './target.js';
