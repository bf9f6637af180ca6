/**
 * What the lab keeps: studies, their arms, one trial per (arm, seed), per-epoch curves,
 * verdicts and the user's notes. `Store` is one asynchronous contract with two engines:
 * embedded SQLite (a file path) and PostgreSQL (a postgres:// URL), so that several
 * machines' workers can share a study. Every method returns a promise; the SQLite engine is
 * synchronous underneath.
 *
 * Trials run in one of two ways: pushed (the planner's own worker threads: `markRunning`,
 * then `finishTrial`) or claimed (any process on any machine: `claimTrial` takes a lease that
 * `renewLease` keeps alive; a lapsed lease puts the trial back in the queue, and the holder's
 * late `finishTrial` is refused, so epochs of two attempts are never mixed).
 *
 * @example
 *   const store = await openStore('tunebook.db');
 *   const study = (await store.findStudy('mnist-tricks')) ?? (await store.createStudy({ name, hash, file, config, environment }));
 *   const arm = await store.upsertArm({ studyId: study.id, key: 'baseline', label: 'baseline', kind: 'baseline', position: 0, measure: null, config });
 *   const trial = await store.ensureTrial(arm.id, 1);
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
  /** The machine that ran (or runs) the latest attempt: its host name. Null until started. */
  host: string | null;
  /** The worker holding the claim (`host:pid:n`), null when pushed or not running. */
  worker: string | null;
  /** When a claimed trial's lease lapses unless renewed (ISO time); null when not claimed. */
  leaseUntil: string | null;
  /** Higher runs first among queued trials: needed trials before speculative ones. */
  priority: number;
  /** Identity of what decides the result (issue 13's trial key); null for old trials. */
  key: string | null;
  /** The trial (of any study) whose outcome and epochs this one reuses, or null. */
  reusedFrom: number | null;
}

/** Who claims: a worker process (one of its threads) on some machine. */
export interface Claimant {
  /** Unique per worker thread and attempt: `host:pid:n`. */
  worker: string;
  host: string;
  /** How long the claim holds without a renewal, ms. */
  leaseMs: number;
  /** Only this study's trials; any study's when omitted. */
  studyId?: number;
}

/** A claimed trial with what a worker needs to run it without asking again. */
export type ClaimedTrial = TrialRow & { armKey: string; studyId: number; armConfig: unknown };

/** The last epoch a trial's attempt saved, to resume from on any machine. */
export interface Checkpoint {
  trialId: number;
  /** The attempt that wrote it: a new attempt resumes from it only through `claimTrial`'s handover. */
  attempt: number;
  /** Epochs finished (the next epoch to train). */
  epoch: number;
  data: Uint8Array;
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

  findStudy(name: string): Promise<StudyRow | null>;
  /** Oldest first. */
  listStudies(): Promise<StudyRow[]>;
  /** Throws a StoreError when the name is taken (check `findStudy` first). */
  createStudy(s: NewStudy): Promise<StudyRow>;
  /** For `--fresh`: the study and everything under it go, in one transaction. Notes stay, detached. Returns whether it existed. */
  deleteStudy(name: string): Promise<boolean>;
  setStudyState(studyId: number, state: StudyState): Promise<void>;

  /** Inserts or updates by (studyId, key); the id of an existing arm is kept. */
  upsertArm(a: Omit<ArmRow, 'id'>): Promise<ArmRow>;
  /** By position. */
  arms(studyId: number): Promise<ArmRow[]>;

  /**
   * The trial of (armId, seed), created 'queued' when missing. `key` and `priority` are set on
   * creation, and `priority` also raised on a queued trial (a speculative trial becoming needed).
   */
  ensureTrial(
    armId: number,
    seed: number,
    options?: { key?: string; priority?: number },
  ): Promise<TrialRow>;
  trial(trialId: number): Promise<TrialRow | null>;
  /** By arm position, then seed. */
  trials(studyId: number): Promise<(TrialRow & { armKey: string })[]>;
  /**
   * Pushed start: queued, failed or running -> running, attempts + 1, `host` recorded (default:
   * this machine's `os.hostname()`), worker and lease cleared. A done or diverged trial is
   * refused: its result is kept.
   */
  markRunning(trialId: number, host?: string): Promise<void>;

  /**
   * Claimed start, atomic across processes and machines (PostgreSQL: `FOR UPDATE SKIP
   * LOCKED`; SQLite: an IMMEDIATE transaction): first lapses expired leases back to
   * 'queued', then takes the queued trial of highest priority (then arm position, seed, id),
   * sets it running under the claimant's lease (attempts + 1, host, worker recorded) and
   * returns it; null when nothing is queued.
   */
  claimTrial(claimant: Claimant): Promise<ClaimedTrial | null>;
  /**
   * The holder's heartbeat: extends its lease by `leaseMs`. False when the trial is no longer
   * running under this worker (its lease lapsed and it went back to the queue, or the planner
   * set it aside): the worker must stop it and write nothing more. A lapsed lease that nobody
   * has expired or taken yet still belongs to its holder (true): no other attempt started.
   */
  renewLease(trialId: number, worker: string, leaseMs: number): Promise<boolean>;
  /** Running trials whose lease lapsed go back to 'queued', epochs cleared. Returns how many. */
  expireLeases(studyId?: number): Promise<number>;
  /**
   * After a crash or kill: 'running' trials, and 'failed' ones unless `{ failed: false }`, go
   * back to 'queued' with their partial results and epochs cleared. A running trial under a
   * lease that has not lapsed is left running: it belongs to a live worker (a shared study's
   * planner restarting). Failed trials whose error
   * starts with one of `keepErrors` stay failed (a trial out of memory would fail again).
   * Returns how many.
   */
  requeueUnfinished(
    studyId: number,
    options?: { failed?: boolean; keepErrors?: readonly string[] },
  ): Promise<number>;
  /**
   * A running (or queued) trial set aside (a cancelled speculative trial): back to 'queued',
   * nothing kept, worker and lease cleared (so its holder's next `renewLease` is false). A
   * finished trial is refused.
   */
  requeueTrial(trialId: number): Promise<void>;
  /** At the end of a study: queued trials it did not need go. Returns how many. */
  dropQueued(studyId: number): Promise<number>;
  /**
   * One transaction: the trial row and its epochs (replacing any earlier ones). With `worker`,
   * only while that worker holds the trial's lease: otherwise nothing is written and it
   * returns false (a lapsed claim's late result is not mixed with another attempt's).
   */
  finishTrial(trialId: number, r: TrialOutcome, worker?: string): Promise<boolean>;

  /**
   * Replaces the trial's checkpoint (written by the attempt running it), unless the stored one
   * is of a later attempt (a worker whose lease lapsed may still be writing): then nothing.
   */
  saveCheckpoint(c: Checkpoint): Promise<void>;
  /** The trial's checkpoint, or null. */
  checkpoint(trialId: number): Promise<Checkpoint | null>;
  /** Drops checkpoints: one trial's, or every finished (done, failed, diverged) trial's of a study. */
  dropCheckpoints(which: { trialId: number } | { studyId: number }): Promise<void>;

  /**
   * A finished (done or diverged) trial of any study with this key, not itself reused: the
   * original evidence a new trial can reuse. Oldest first wins.
   */
  findByKey(key: string): Promise<(TrialRow & { studyId: number; armKey: string }) | null>;
  /**
   * A queued trial takes `sourceId`'s outcome and epochs (copied) and records `reusedFrom`,
   * so verdicts and reports read it like any trial, and the notebook can count it once.
   * `reusedFrom` names the original evidence: the source's own `reusedFrom` when it was a
   * reuse itself. Only a finished (done, diverged) source and a queued trial are accepted.
   */
  reuseTrial(trialId: number, sourceId: number): Promise<void>;

  /** By epoch. */
  epochs(trialId: number): Promise<EpochRow[]>;
  /** By trial id, each by epoch. */
  epochsForStudy(studyId: number): Promise<Map<number, EpochRow[]>>;

  /** Replaces the study's verdicts. */
  saveVerdicts(studyId: number, rows: Omit<VerdictRow, 'computedAt'>[]): Promise<void>;
  /** By arm position. */
  verdicts(studyId: number): Promise<VerdictRow[]>;
  /** Every study's verdicts, for the cross-study notebook; by study, then arm position. */
  allVerdicts(): Promise<NotebookVerdict[]>;

  addNote(n: { measure: string; text: string; studyId?: number | null }): Promise<NoteRow>;
  /** Oldest first; one measure's, or all. */
  notes(measure?: string): Promise<NoteRow[]>;

  /**
   * Runs `fn` in one transaction: e.g. plan every arm and trial at once, or read a study's
   * view consistently. `fn` gets a store bound to the transaction and must use only it.
   */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /** Idempotent. */
  close(): Promise<void>;
}

export interface OpenOptions {
  /** For readers (report, dashboard): no migration, every write refused. Default false. */
  readonly?: boolean;
  /** Create the file when missing. Default true (ignored when readonly). */
  create?: boolean;
  /** How long to wait for another process's write lock before giving up, ms. Default 2000. */
  busyTimeoutMs?: number;
}
