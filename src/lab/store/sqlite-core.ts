/**
 * The embedded store's synchronous core: one SQLite connection, statements prepared once.
 * `SqliteStore` (sqlite-store.ts) wraps it in the asynchronous `Store` contract; every method
 * here runs to its end without yielding, so a call is atomic within the process, and a
 * write that needs several statements runs in one transaction (IMMEDIATE where other
 * processes may race for the same rows: claims).
 *
 * @example
 *   const core = new SqliteCore(db, 'tunebook.db', false);
 *   core.requeueUnfinished(study.id);
 */

import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import { StoreError } from './errors.js';
import { decodeJson, encodeJson } from './json.js';
import {
  type ArmRecord,
  type CheckpointRecord,
  type EpochRecord,
  epochParams,
  type NoteRecord,
  now,
  nullableJson,
  type StudyRecord,
  type TrialRecord,
  toArm,
  toCheckpoint,
  toEpoch,
  toNote,
  toStudy,
  toTrial,
  toVerdict,
  type VerdictRecord,
} from './rows.js';
import { translate } from './sqlite-errors.js';
import {
  type ArmRow,
  type Checkpoint,
  type Claimant,
  type ClaimedTrial,
  type EpochRow,
  FINISHED_STATES,
  type NewStudy,
  type NotebookVerdict,
  type NoteRow,
  STUDY_STATES,
  type StudyRow,
  type StudyState,
  type TrialOutcome,
  type TrialRow,
  type VerdictRow,
} from './store.js';

/** A trial's own columns cleared when it goes back to the queue: the next attempt starts clean. */
const BACK_TO_QUEUE = `state = 'queued', started_at = NULL, finished_at = NULL, seconds = NULL,
  metrics = NULL, result = NULL, error = NULL, worker = NULL, lease_until = NULL`;

const later = (ms: number) => new Date(Date.now() + ms).toISOString();

export class SqliteCore {
  readonly file: string;
  readonly readonly: boolean;
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(db: Database.Database, file: string, readonly: boolean) {
    this.db = db;
    this.file = file;
    this.readonly = readonly;
  }

  /** Prepared once per store: the same text always maps to the same statement. */
  private sql(text: string): Database.Statement {
    let s = this.statements.get(text);
    if (!s) {
      s = this.db.prepare(text);
      this.statements.set(text, s);
    }
    return s;
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw translate(this.file, e, { readonly: this.readonly });
    }
  }

  /** A caller's mistake (unknown id, impossible state): a bug to fix, so exit code 1. */
  private bug(problem: string): StoreError {
    return new StoreError(this.file, problem, 1);
  }

  private tx<T>(fn: () => T): T {
    return this.guard(() => this.db.transaction(fn)());
  }

  /** BEGIN IMMEDIATE: the write lock first, so two processes cannot read the same queued row. */
  private txImmediate<T>(fn: () => T): T {
    return this.guard(() => this.db.transaction(fn).immediate());
  }

  findStudy(name: string): StudyRow | null {
    return this.guard(() => {
      const r = this.sql('SELECT * FROM studies WHERE name = ?').get(name) as StudyRecord;
      return r ? toStudy(r) : null;
    });
  }

  listStudies(): StudyRow[] {
    return this.guard(() =>
      (this.sql('SELECT * FROM studies ORDER BY id').all() as StudyRecord[]).map(toStudy),
    );
  }

  createStudy(s: NewStudy): StudyRow {
    return this.guard(() => {
      const at = now();
      try {
        const r = this.sql(
          `INSERT INTO studies (name, hash, file, config, state, environment, created_at, updated_at)
           VALUES (?, ?, ?, ?, 'running', ?, ?, ?) RETURNING *`,
        ).get(s.name, s.hash, s.file, encodeJson(s.config), encodeJson(s.environment), at, at);
        return toStudy(r as StudyRecord);
      } catch (e) {
        if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
          throw new StoreError(this.file, `a study named ${JSON.stringify(s.name)} already exists`);
        throw e;
      }
    });
  }

  deleteStudy(name: string): boolean {
    // ON DELETE CASCADE takes arms, trials, epochs and verdicts along in the same statement.
    return this.tx(() => this.sql('DELETE FROM studies WHERE name = ?').run(name).changes > 0);
  }

  setStudyState(studyId: number, state: StudyState): void {
    if (!(STUDY_STATES as readonly string[]).includes(state))
      throw this.bug(`study state: expected one of ${STUDY_STATES.join(', ')}, got ${state}`);
    this.guard(() => {
      const changes = this.sql('UPDATE studies SET state = ?, updated_at = ? WHERE id = ?').run(
        state,
        now(),
        studyId,
      ).changes;
      if (changes === 0) throw this.bug(`no study with id ${studyId}`);
    });
  }

  upsertArm(a: Omit<ArmRow, 'id'>): ArmRow {
    return this.guard(() => {
      if (!this.sql('SELECT 1 FROM studies WHERE id = ?').get(a.studyId))
        throw this.bug(`no study with id ${a.studyId}`);
      const r = this.sql(
        `INSERT INTO arms (study_id, key, label, kind, position, measure, config)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (study_id, key) DO UPDATE SET label = excluded.label, kind = excluded.kind,
           position = excluded.position, measure = excluded.measure, config = excluded.config
         RETURNING *`,
      ).get(
        a.studyId,
        a.key,
        a.label,
        a.kind,
        a.position,
        nullableJson(a.measure),
        encodeJson(a.config),
      );
      return toArm(r as ArmRecord);
    });
  }

  arms(studyId: number): ArmRow[] {
    return this.guard(() =>
      (
        this.sql('SELECT * FROM arms WHERE study_id = ? ORDER BY position, id').all(
          studyId,
        ) as ArmRecord[]
      ).map(toArm),
    );
  }

  ensureTrial(
    armId: number,
    seed: number,
    options: { key?: string; priority?: number } = {},
  ): TrialRow {
    const priority = options.priority ?? 0;
    if (!Number.isInteger(priority))
      throw this.bug(`trial priority: expected an integer, got ${priority}`);
    return this.tx(() => {
      if (!this.sql('SELECT 1 FROM arms WHERE id = ?').get(armId))
        throw this.bug(`no arm with id ${armId}`);
      this.sql(
        'INSERT INTO trials (arm_id, seed, key, priority) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      ).run(armId, seed, options.key ?? null, priority);
      // A speculative trial that became needed moves up the queue; nothing ever moves down here.
      this.sql(
        `UPDATE trials SET priority = ? WHERE arm_id = ? AND seed = ? AND state = 'queued'
           AND priority < ?`,
      ).run(priority, armId, seed, priority);
      return toTrial(
        this.sql('SELECT * FROM trials WHERE arm_id = ? AND seed = ?').get(
          armId,
          seed,
        ) as TrialRecord,
      );
    });
  }

  trial(trialId: number): TrialRow | null {
    return this.guard(() => {
      const r = this.sql('SELECT * FROM trials WHERE id = ?').get(trialId) as TrialRecord;
      return r ? toTrial(r) : null;
    });
  }

  trials(studyId: number): (TrialRow & { armKey: string })[] {
    return this.guard(() =>
      (
        this.sql(
          `SELECT t.*, a.key AS arm_key FROM trials t JOIN arms a ON a.id = t.arm_id
           WHERE a.study_id = ? ORDER BY a.position, a.id, t.seed`,
        ).all(studyId) as (TrialRecord & { arm_key: string })[]
      ).map((r) => ({ ...toTrial(r), armKey: r.arm_key })),
    );
  }

  markRunning(trialId: number, host: string = hostname()): void {
    this.tx(() => {
      const changes = this.sql(
        `UPDATE trials SET state = 'running', started_at = ?, finished_at = NULL, seconds = NULL,
           metrics = NULL, result = NULL, error = NULL, attempts = attempts + 1, host = ?,
           worker = NULL, lease_until = NULL
         WHERE id = ? AND state IN ('queued', 'running', 'failed')`,
      ).run(now(), host, trialId).changes;
      if (changes === 0) {
        const t = this.sql('SELECT state FROM trials WHERE id = ?').get(trialId) as
          | { state: string }
          | undefined;
        throw this.bug(
          t
            ? `trial ${trialId} is already ${t.state}; its result is kept (requeue it to rerun)`
            : `no trial with id ${trialId}`,
        );
      }
      // A rerun starts clean: a reader must not mistake the last attempt's curve for this one's.
      this.sql('DELETE FROM epochs WHERE trial_id = ?').run(trialId);
    });
  }

  requeueTrial(trialId: number): void {
    this.tx(() => {
      this.sql('DELETE FROM epochs WHERE trial_id = ?').run(trialId);
      const changes = this.sql(
        `UPDATE trials SET ${BACK_TO_QUEUE} WHERE id = ? AND state IN ('queued', 'running')`,
      ).run(trialId).changes;
      if (changes === 0) {
        const t = this.sql('SELECT state FROM trials WHERE id = ?').get(trialId) as
          | { state: string }
          | undefined;
        throw this.bug(
          t
            ? `trial ${trialId} is already ${t.state}; a finished trial is not requeued this way`
            : `no trial with id ${trialId}`,
        );
      }
    });
  }

  dropQueued(studyId: number): number {
    return this.tx(
      () =>
        this.sql(
          `DELETE FROM trials WHERE state = 'queued'
             AND arm_id IN (SELECT id FROM arms WHERE study_id = ?)`,
        ).run(studyId).changes,
    );
  }

  requeueUnfinished(
    studyId: number,
    options: { failed?: boolean; keepErrors?: readonly string[] } = {},
  ): number {
    // `state IN ('running', ?)` with 'running' again when failed trials are to be kept.
    const other = options.failed === false ? 'running' : 'failed';
    // Kept failures: error LIKE 'prefix%', with LIKE's wildcards in the prefix escaped.
    const keep = (options.keepErrors ?? []).map((p) => `${p.replace(/[\\%_]/g, '\\$&')}%`);
    const kept = keep
      .map(() => " AND NOT (t.state = 'failed' AND t.error LIKE ? ESCAPE '\\')")
      .join('');
    // A running trial under a lease that has not lapsed belongs to a live worker (of a shared
    // study whose planner restarted): it is left running.
    const which = `SELECT t.id FROM trials t JOIN arms a ON a.id = t.arm_id
           WHERE a.study_id = ? AND t.state IN ('running', ?)
             AND NOT (t.state = 'running' AND t.lease_until IS NOT NULL AND t.lease_until >= ?)${kept}`;
    const at = now();
    return this.tx(() => {
      this.sql(`DELETE FROM epochs WHERE trial_id IN (${which})`).run(studyId, other, at, ...keep);
      return this.sql(`UPDATE trials SET ${BACK_TO_QUEUE} WHERE id IN (${which})`).run(
        studyId,
        other,
        at,
        ...keep,
      ).changes;
    });
  }

  finishTrial(trialId: number, r: TrialOutcome, worker?: string): boolean {
    if (!(FINISHED_STATES as readonly string[]).includes(r.state))
      throw this.bug(
        `trial ${trialId}: a trial finishes as one of ${FINISHED_STATES.join(', ')}, not ${r.state}`,
      );
    for (const [k, v] of Object.entries(r.metrics ?? {}))
      if (typeof v !== 'number') throw this.bug(`trial ${trialId}: metric ${k} is not a number`);
    return this.tx(() => {
      const at = now();
      // With a worker: only while it still holds the claim (a lapsed lease not yet taken by
      // anyone else still counts: no other attempt has started).
      const holder = worker === undefined ? '' : " AND state = 'running' AND worker = ?";
      const changes = this.sql(
        `UPDATE trials SET state = ?, finished_at = ?, seconds = ?, metrics = ?, result = ?, error = ?,
           worker = NULL, lease_until = NULL
         WHERE id = ?${holder}`,
      ).run(
        r.state,
        at,
        r.seconds,
        nullableJson(r.metrics),
        nullableJson(r.result),
        r.error,
        trialId,
        ...(worker === undefined ? [] : [worker]),
      ).changes;
      if (changes === 0) {
        if (worker !== undefined && this.trial(trialId)) return false;
        throw this.bug(`no trial with id ${trialId}`);
      }
      this.sql('DELETE FROM epochs WHERE trial_id = ?').run(trialId);
      const insert = this.sql(
        `INSERT INTO epochs (trial_id, epoch, lr, train_loss, val_loss, val_accuracy,
           val_balanced_accuracy, val_macro_f1, seconds, nan, extra)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const e of r.epochs) insert.run(epochParams(trialId, e));
      this.sql(
        `UPDATE studies SET updated_at = ?
         WHERE id = (SELECT a.study_id FROM trials t JOIN arms a ON a.id = t.arm_id WHERE t.id = ?)`,
      ).run(at, trialId);
      return true;
    });
  }

  claimTrial(c: Claimant): ClaimedTrial | null {
    if (!(c.leaseMs > 0))
      throw this.bug(`claim lease: expected a positive duration, got ${c.leaseMs} ms`);
    return this.txImmediate(() => {
      this.expireLeases(c.studyId);
      const study = c.studyId === undefined ? '' : 'AND a.study_id = ?';
      const r = this.sql(
        `SELECT t.id FROM trials t JOIN arms a ON a.id = t.arm_id
         WHERE t.state = 'queued' ${study}
         ORDER BY t.priority DESC, a.study_id, a.position, t.seed, t.id LIMIT 1`,
      ).get(...(c.studyId === undefined ? [] : [c.studyId])) as { id: number } | undefined;
      if (!r) return null;
      this.sql('DELETE FROM epochs WHERE trial_id = ?').run(r.id);
      this.sql(
        `UPDATE trials SET state = 'running', started_at = ?, finished_at = NULL, seconds = NULL,
           metrics = NULL, result = NULL, error = NULL, attempts = attempts + 1, host = ?,
           worker = ?, lease_until = ?
         WHERE id = ?`,
      ).run(now(), c.host, c.worker, later(c.leaseMs), r.id);
      const row = this.sql(
        `SELECT t.*, a.key AS arm_key, a.study_id AS study_id, a.config AS arm_config
         FROM trials t JOIN arms a ON a.id = t.arm_id WHERE t.id = ?`,
      ).get(r.id) as TrialRecord & { arm_key: string; study_id: number; arm_config: string };
      return {
        ...toTrial(row),
        armKey: row.arm_key,
        studyId: row.study_id,
        armConfig: decodeJson(row.arm_config, `arms.config of arm ${row.arm_key}`),
      };
    });
  }

  renewLease(trialId: number, worker: string, leaseMs: number): boolean {
    if (!(leaseMs > 0)) throw this.bug(`lease: expected a positive duration, got ${leaseMs} ms`);
    return this.guard(
      () =>
        this.sql(
          `UPDATE trials SET lease_until = ? WHERE id = ? AND state = 'running' AND worker = ?`,
        ).run(later(leaseMs), trialId, worker).changes > 0,
    );
  }

  expireLeases(studyId?: number): number {
    const study =
      studyId === undefined ? '' : 'AND arm_id IN (SELECT id FROM arms WHERE study_id = ?)';
    const which = `SELECT id FROM trials WHERE state = 'running' AND lease_until IS NOT NULL
      AND lease_until < ? ${study}`;
    const args = [now(), ...(studyId === undefined ? [] : [studyId])];
    return this.tx(() => {
      // Epochs go (the next attempt writes its own); the checkpoint stays, to resume from.
      this.sql(`DELETE FROM epochs WHERE trial_id IN (${which})`).run(...args);
      return this.sql(`UPDATE trials SET ${BACK_TO_QUEUE} WHERE id IN (${which})`).run(...args)
        .changes;
    });
  }

  saveCheckpoint(c: Checkpoint): void {
    this.guard(() => {
      // An older attempt (a worker whose lease lapsed) never replaces a newer one's checkpoint.
      const r = this.sql(
        `INSERT INTO checkpoints (trial_id, attempt, epoch, data, saved_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (trial_id) DO UPDATE SET attempt = excluded.attempt, epoch = excluded.epoch,
           data = excluded.data, saved_at = excluded.saved_at
         WHERE excluded.attempt >= checkpoints.attempt`,
      );
      try {
        r.run(c.trialId, c.attempt, c.epoch, Buffer.from(c.data), now());
      } catch (e) {
        if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY')
          throw this.bug(`no trial with id ${c.trialId}`);
        throw e;
      }
    });
  }

  checkpoint(trialId: number): Checkpoint | null {
    return this.guard(() => {
      const r = this.sql('SELECT * FROM checkpoints WHERE trial_id = ?').get(trialId) as
        | CheckpointRecord
        | undefined;
      return r ? toCheckpoint(r) : null;
    });
  }

  dropCheckpoints(which: { trialId: number } | { studyId: number }): void {
    this.guard(() => {
      if ('trialId' in which)
        this.sql('DELETE FROM checkpoints WHERE trial_id = ?').run(which.trialId);
      else
        this.sql(
          `DELETE FROM checkpoints WHERE trial_id IN (SELECT t.id FROM trials t
             JOIN arms a ON a.id = t.arm_id
             WHERE a.study_id = ? AND t.state IN ('done', 'failed', 'diverged'))`,
        ).run(which.studyId);
    });
  }

  findByKey(key: string): (TrialRow & { studyId: number; armKey: string }) | null {
    return this.guard(() => {
      const r = this.sql(
        `SELECT t.*, a.study_id AS study_id, a.key AS arm_key FROM trials t
         JOIN arms a ON a.id = t.arm_id
         WHERE t.key = ? AND t.state IN ('done', 'diverged') AND t.reused_from IS NULL
         ORDER BY t.id LIMIT 1`,
      ).get(key) as (TrialRecord & { study_id: number; arm_key: string }) | undefined;
      return r ? { ...toTrial(r), studyId: r.study_id, armKey: r.arm_key } : null;
    });
  }

  reuseTrial(trialId: number, sourceId: number): void {
    this.tx(() => {
      const source = this.trial(sourceId);
      if (!source) throw this.bug(`no trial with id ${sourceId}`);
      if (source.state !== 'done' && source.state !== 'diverged')
        throw this.bug(`trial ${sourceId} is ${source.state}: only a finished trial is reused`);
      // Always point at the original evidence, so that it is counted once.
      const original = source.reusedFrom ?? source.id;
      const changes = this.sql(
        `UPDATE trials SET (state, started_at, finished_at, seconds, metrics, result, error, host,
           reused_from) = (SELECT state, started_at, finished_at, seconds, metrics, result, error,
           host, ? FROM trials WHERE id = ?), worker = NULL, lease_until = NULL
         WHERE id = ? AND state = 'queued'`,
      ).run(original, sourceId, trialId).changes;
      if (changes === 0) {
        const t = this.trial(trialId);
        throw this.bug(
          t
            ? `trial ${trialId} is ${t.state}: only a queued trial reuses another's`
            : `no trial with id ${trialId}`,
        );
      }
      this.sql('DELETE FROM epochs WHERE trial_id = ?').run(trialId);
      this.sql(
        `INSERT INTO epochs (trial_id, epoch, lr, train_loss, val_loss, val_accuracy,
           val_balanced_accuracy, val_macro_f1, seconds, nan, extra)
         SELECT ?, epoch, lr, train_loss, val_loss, val_accuracy, val_balanced_accuracy,
           val_macro_f1, seconds, nan, extra FROM epochs WHERE trial_id = ?`,
      ).run(trialId, sourceId);
    });
  }

  epochs(trialId: number): EpochRow[] {
    return this.guard(() =>
      (
        this.sql('SELECT * FROM epochs WHERE trial_id = ? ORDER BY epoch').all(
          trialId,
        ) as EpochRecord[]
      ).map(toEpoch),
    );
  }

  epochsForStudy(studyId: number): Map<number, EpochRow[]> {
    return this.guard(() => {
      const rows = this.sql(
        `SELECT e.* FROM epochs e JOIN trials t ON t.id = e.trial_id JOIN arms a ON a.id = t.arm_id
         WHERE a.study_id = ? ORDER BY e.trial_id, e.epoch`,
      ).all(studyId) as EpochRecord[];
      const byTrial = new Map<number, EpochRow[]>();
      for (const r of rows) {
        const list = byTrial.get(r.trial_id);
        if (list) list.push(toEpoch(r));
        else byTrial.set(r.trial_id, [toEpoch(r)]);
      }
      return byTrial;
    });
  }

  saveVerdicts(studyId: number, rows: Omit<VerdictRow, 'computedAt'>[]): void {
    for (const v of rows)
      if (v.studyId !== studyId)
        throw this.bug(`a verdict of study ${v.studyId} passed to saveVerdicts(${studyId})`);
    this.tx(() => {
      this.sql('DELETE FROM verdicts WHERE study_id = ?').run(studyId);
      const insert = this.sql(
        `INSERT INTO verdicts (study_id, arm_id, verdict, effect, lo, hi, n, details, computed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const at = now();
      for (const v of rows) {
        try {
          insert.run(
            studyId,
            v.armId,
            v.verdict,
            v.effect,
            v.lo,
            v.hi,
            v.n,
            encodeJson(v.details),
            at,
          );
        } catch (e) {
          if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY')
            throw this.bug(`arm ${v.armId} is not an arm of study ${studyId}`);
          throw e;
        }
      }
    });
  }

  verdicts(studyId: number): VerdictRow[] {
    return this.guard(() =>
      (
        this.sql(
          `SELECT v.* FROM verdicts v JOIN arms a ON a.id = v.arm_id
           WHERE v.study_id = ? ORDER BY a.position, a.id`,
        ).all(studyId) as VerdictRecord[]
      ).map(toVerdict),
    );
  }

  allVerdicts(): NotebookVerdict[] {
    return this.guard(() =>
      (
        this.sql(
          `SELECT v.*, s.name AS study_name, s.config AS study_config, a.key AS arm_key,
             a.label AS arm_label, a.kind AS arm_kind, a.measure AS arm_measure
           FROM verdicts v JOIN arms a ON a.id = v.arm_id JOIN studies s ON s.id = v.study_id
           ORDER BY s.id, a.position, a.id`,
        ).all() as (VerdictRecord & {
          study_name: string;
          study_config: string;
          arm_key: string;
          arm_label: string;
          arm_kind: string;
          arm_measure: string | null;
        })[]
      ).map((r) => ({
        ...toVerdict(r),
        studyName: r.study_name,
        armKey: r.arm_key,
        armLabel: r.arm_label,
        kind: r.arm_kind,
        measure: decodeJson(r.arm_measure, `arms.measure of arm ${r.arm_key}`),
        studyConfig: decodeJson(r.study_config, `studies.config of study ${r.study_name}`),
      })),
    );
  }

  addNote(n: { measure: string; text: string; studyId?: number | null }): NoteRow {
    return this.guard(() => {
      const studyId = n.studyId ?? null;
      if (studyId !== null && !this.sql('SELECT 1 FROM studies WHERE id = ?').get(studyId))
        throw this.bug(`no study with id ${studyId}`);
      const r = this.sql(
        'INSERT INTO notes (measure, text, study_id, created_at) VALUES (?, ?, ?, ?) RETURNING *',
      ).get(n.measure, n.text, studyId, now());
      return toNote(r as NoteRecord);
    });
  }

  notes(measure?: string): NoteRow[] {
    return this.guard(() =>
      (measure === undefined
        ? (this.sql('SELECT * FROM notes ORDER BY id').all() as NoteRecord[])
        : (this.sql('SELECT * FROM notes WHERE measure = ? ORDER BY id').all(
            measure,
          ) as NoteRecord[])
      ).map(toNote),
    );
  }

  /** Opens a transaction spanning several calls (the async store's `transaction`). */
  begin(): void {
    // A reader cannot take the write lock; a plain BEGIN still gives it one consistent view.
    this.guard(() => this.db.exec(this.readonly ? 'BEGIN' : 'BEGIN IMMEDIATE'));
  }

  commit(): void {
    this.guard(() => this.db.exec('COMMIT'));
  }

  rollback(): void {
    this.guard(() => this.db.exec('ROLLBACK'));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
