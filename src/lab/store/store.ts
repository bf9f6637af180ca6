/**
 * What the lab keeps: studies, their arms, one trial per (arm, seed), per-epoch curves,
 * verdicts and the user's notes. `Store` is an interface so that a server database can back
 * several machines' workers later; `openStore` (sqlite-store.ts) gives the embedded SQLite one.
 *
 * One writer: the main thread owns the store. Workers never open it; they send their results
 * back and the main thread calls `finishTrial`.
 *
 * @example
 *   const store = openStore('tunebook.db');
 *   const study = store.findStudy('mnist-tricks') ?? store.createStudy({ name, hash, file, config, environment });
 *   const arm = store.upsertArm({ studyId: study.id, key: 'baseline', label: 'baseline', kind: 'baseline', position: 0, measure: null, config });
 *   const trial = store.ensureTrial(arm.id, 1);
 */
import type { EpochRecord } from '../../training/loop.js';
import type { Verdict } from '../stats/verdict.js';

export const TRIAL_STATES = ['queued', 'running', 'done', 'failed', 'diverged'] as const;
export type TrialState = (typeof TRIAL_STATES)[number];

/** How a trial can end; `diverged` (NaN loss) is an outcome, not a crash. */
export const FINISHED_STATES = ['done', 'failed', 'diverged'] as const;
export type FinishedState = (typeof FINISHED_STATES)[number];

export const STUDY_STATES = ['running', 'done', 'interrupted'] as const;
export type StudyState = (typeof STUDY_STATES)[number];

export interface StudyRow {
  id: number;
  name: string;
  /** Hash of the study file's settings: a rerun with a changed file is refused on it. */
  hash: string;
  file: string;
  config: unknown;
  state: StudyState;
  createdAt: string;
  /** Touched by every state change and finished trial: the study's last sign of life. */
  updatedAt: string;
  /** Backend, versions, machine. */
  environment: unknown;
}

export interface ArmRow {
  id: number;
  studyId: number;
  /** 'baseline' | 'm1-dropout' | 'stack'; unique within a study. */
  key: string;
  label: string;
  kind: string;
  position: number;
  measure: unknown | null;
  config: unknown;
}

/** One stored epoch: what the training loop records, plus anything else measured per epoch. */
export interface EpochRow extends EpochRecord {
  /** Anything else measured per epoch (e.g. each multi-task head's loss). */
  extra?: Record<string, number>;
}

export interface TrialRow {
  id: number;
  armId: number;
  seed: number;
  state: TrialState;
  startedAt: string | null;
  finishedAt: string | null;
  seconds: number | null;
  /** test_accuracy, test_balanced_accuracy, test_macro_f1, test_loss, recall_<k>, ... */
  metrics: Record<string, number> | null;
  /** Free JSON: confusion matrix, class counts, parameter count, epochs to converge... */
  result: unknown | null;
  error: string | null;
  /** How many times the trial was started (`markRunning`); above 1 means it was rerun. */
  attempts: number;
}

export interface VerdictRow {
  studyId: number;
  armId: number;
  verdict: Verdict;
  effect: number;
  lo: number;
  hi: number;
  n: number;
  details: unknown;
  computedAt: string;
}

export interface NoteRow {
  id: number;
  measure: string;
  text: string;
  /** Null for a note on the measure in general, or once its study was deleted. */
  studyId: number | null;
  createdAt: string;
}

export interface NewStudy {
  name: string;
  hash: string;
  file: string;
  config: unknown;
  environment: unknown;
}

export interface TrialOutcome {
  state: FinishedState;
  seconds: number | null;
  metrics: Record<string, number> | null;
  result: unknown;
  error: string | null;
  epochs: EpochRow[];
}

/** A verdict joined with what the cross-study notebook shows beside it. */
export type NotebookVerdict = VerdictRow & {
  studyName: string;
  armKey: string;
  armLabel: string;
  kind: string;
  measure: unknown;
  studyConfig: unknown;
};

export interface Store {
  readonly file: string;
  /** True when opened with `{ readonly: true }`: every write throws a StoreError. */
  readonly readonly: boolean;

  findStudy(name: string): StudyRow | null;
  /** Oldest first. */
  listStudies(): StudyRow[];
  /** Throws a StoreError when the name is taken (check `findStudy` first). */
  createStudy(s: NewStudy): StudyRow;
  /** For `--fresh`: the study and everything under it go, in one transaction. Notes stay, detached. Returns whether it existed. */
  deleteStudy(name: string): boolean;
  setStudyState(studyId: number, state: StudyState): void;

  /** Inserts or updates by (studyId, key); the id of an existing arm is kept. */
  upsertArm(a: Omit<ArmRow, 'id'>): ArmRow;
  /** By position. */
  arms(studyId: number): ArmRow[];

  /** The trial of (armId, seed), created 'queued' when missing. */
  ensureTrial(armId: number, seed: number): TrialRow;
  trial(trialId: number): TrialRow | null;
  /** By arm position, then seed. */
  trials(studyId: number): (TrialRow & { armKey: string })[];
  /** Queued, failed or running -> running, attempts + 1. A done or diverged trial is refused: its result is kept. */
  markRunning(trialId: number): void;
  /**
   * After a crash or kill: 'running' trials, and 'failed' ones unless `{ failed: false }`, go
   * back to 'queued' with their partial results and epochs cleared. Failed trials whose error
   * starts with one of `keepErrors` stay failed (a trial out of memory would fail again).
   * Returns how many.
   */
  requeueUnfinished(
    studyId: number,
    options?: { failed?: boolean; keepErrors?: readonly string[] },
  ): number;
  /** A running trial set aside (a cancelled speculative trial): back to 'queued', nothing kept. */
  requeueTrial(trialId: number): void;
  /** At the end of a study: queued trials it did not need go. Returns how many. */
  dropQueued(studyId: number): number;
  /** One transaction: the trial row and its epochs (replacing any earlier ones). */
  finishTrial(trialId: number, r: TrialOutcome): void;

  /** By epoch. */
  epochs(trialId: number): EpochRow[];
  /** By trial id, each by epoch. */
  epochsForStudy(studyId: number): Map<number, EpochRow[]>;

  /** Replaces the study's verdicts. */
  saveVerdicts(studyId: number, rows: Omit<VerdictRow, 'computedAt'>[]): void;
  /** By arm position. */
  verdicts(studyId: number): VerdictRow[];
  /** Every study's verdicts, for the cross-study notebook; by study, then arm position. */
  allVerdicts(): NotebookVerdict[];

  addNote(n: { measure: string; text: string; studyId?: number | null }): NoteRow;
  /** Oldest first; one measure's, or all. */
  notes(measure?: string): NoteRow[];

  /** Runs `fn` in one transaction (nested calls join it): e.g. plan every arm and trial at once. */
  transaction<T>(fn: () => T): T;
  /** Idempotent. */
  close(): void;
}

export interface OpenOptions {
  /** For readers (report, dashboard): no migration, every write refused. Default false. */
  readonly?: boolean;
  /** Create the file when missing. Default true (ignored when readonly). */
  create?: boolean;
  /** How long to wait for another process's write lock before giving up, ms. Default 2000. */
  busyTimeoutMs?: number;
}
