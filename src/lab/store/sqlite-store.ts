/**
 * The embedded store: one SQLite file in WAL mode (readers such as the report or dashboard
 * never block the study writing), foreign keys on, statements prepared once per store.
 *
 * @example
 *   const store = openStore('tunebook.db');
 *   try {
 *     store.requeueUnfinished(study.id);
 *   } finally {
 *     store.close();
 *   }
 */
import Database from 'better-sqlite3';
import { checkPath, checkWritable, openReader, probe, removeCreated } from './db-file.js';
import { StoreError } from './errors.js';
import { decodeJson, encodeJson } from './json.js';
import { assertUsable, identify, migrate } from './migrations.js';
import {
  type ArmRecord,
  type EpochRecord,
  epochParams,
  type NoteRecord,
  now,
  nullableJson,
  type StudyRecord,
  type TrialRecord,
  toArm,
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
  type EpochRow,
  FINISHED_STATES,
  type NewStudy,
  type NotebookVerdict,
  type NoteRow,
  type OpenOptions,
  STUDY_STATES,
  type Store,
  type StudyRow,
  type StudyState,
  type TrialOutcome,
  type TrialRow,
  type VerdictRow,
} from './store.js';

const DEFAULT_BUSY_TIMEOUT_MS = 2000;
const MEMORY = ':memory:';

class SqliteStore implements Store {
  readonly file: string;
  readonly readonly: boolean;
  private readonly db: Database.Database;
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

  ensureTrial(armId: number, seed: number): TrialRow {
    return this.tx(() => {
      if (!this.sql('SELECT 1 FROM arms WHERE id = ?').get(armId))
        throw this.bug(`no arm with id ${armId}`);
      this.sql('INSERT INTO trials (arm_id, seed) VALUES (?, ?) ON CONFLICT DO NOTHING').run(
        armId,
        seed,
      );
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

  markRunning(trialId: number): void {
    this.tx(() => {
      const changes = this.sql(
        `UPDATE trials SET state = 'running', started_at = ?, finished_at = NULL, seconds = NULL,
           metrics = NULL, result = NULL, error = NULL, attempts = attempts + 1
         WHERE id = ? AND state IN ('queued', 'running', 'failed')`,
      ).run(now(), trialId).changes;
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
        `UPDATE trials SET state = 'queued', started_at = NULL, finished_at = NULL, seconds = NULL,
           metrics = NULL, result = NULL, error = NULL
         WHERE id = ? AND state IN ('queued', 'running')`,
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
    const which = `SELECT t.id FROM trials t JOIN arms a ON a.id = t.arm_id
           WHERE a.study_id = ? AND t.state IN ('running', ?)${kept}`;
    return this.tx(() => {
      this.sql(`DELETE FROM epochs WHERE trial_id IN (${which})`).run(studyId, other, ...keep);
      return this.sql(
        `UPDATE trials SET state = 'queued', started_at = NULL, finished_at = NULL, seconds = NULL,
           metrics = NULL, result = NULL, error = NULL
         WHERE id IN (${which})`,
      ).run(studyId, other, ...keep).changes;
    });
  }

  finishTrial(trialId: number, r: TrialOutcome): void {
    if (!(FINISHED_STATES as readonly string[]).includes(r.state))
      throw this.bug(
        `trial ${trialId}: a trial finishes as one of ${FINISHED_STATES.join(', ')}, not ${r.state}`,
      );
    for (const [k, v] of Object.entries(r.metrics ?? {}))
      if (typeof v !== 'number') throw this.bug(`trial ${trialId}: metric ${k} is not a number`);
    this.tx(() => {
      const at = now();
      const changes = this.sql(
        `UPDATE trials SET state = ?, finished_at = ?, seconds = ?, metrics = ?, result = ?, error = ?
         WHERE id = ?`,
      ).run(
        r.state,
        at,
        r.seconds,
        nullableJson(r.metrics),
        nullableJson(r.result),
        r.error,
        trialId,
      ).changes;
      if (changes === 0) throw this.bug(`no trial with id ${trialId}`);
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

  transaction<T>(fn: () => T): T {
    return this.tx(fn);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/**
 * Opens (creating and migrating when needed) a tunebook database. Throws a StoreError, with
 * the file left as it was, for a missing folder, a folder, a non-SQLite file or another
 * application's SQLite database, a database from a newer tunebook, a read-only file or
 * folder, or a database another process holds the write lock on. ':memory:' gives a private
 * in-memory store, for tests.
 *
 * @example
 *   const store = openStore('tunebook.db');
 *   const reader = openStore('tunebook.db', { readonly: true }); // report, dashboard
 */
export function openStore(file: string, options: OpenOptions = {}): Store {
  const readonly = options.readonly ?? false;
  const timeout = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (file === MEMORY) {
    if (readonly) throw new StoreError(file, 'an in-memory store cannot be opened read-only');
    return openWritable(file, timeout, false);
  }
  const found = checkPath(file, { mustExist: readonly || options.create === false });
  if (found === 'sqlite') {
    const { identity, discard } = probe(file, timeout);
    try {
      assertUsable(file, identity, { readonly });
    } catch (e) {
      discard();
      throw e;
    }
  } else if (found === 'empty' && readonly) {
    throw new StoreError(file, 'not a tunebook database (an empty file)');
  }
  if (readonly) return openReadonly(file, timeout);
  if (found !== 'missing') checkWritable(file);
  return openWritable(file, timeout, found === 'missing');
}

function openReadonly(file: string, timeout: number): Store {
  let db: Database.Database | undefined;
  try {
    db = openReader(file, timeout);
    // Checked again on this connection: the file may have changed since the probe.
    assertUsable(file, identify(db), { readonly: true });
    return new SqliteStore(db, file, true);
  } catch (e) {
    db?.close();
    throw translate(file, e, { readonly: true });
  }
}

/**
 * `PRAGMA quick_check` before the first write: a damaged database is refused as it is,
 * rather than written to (which can spread the damage) and found out later.
 */
function assertIntact(db: Database.Database, file: string): void {
  const rows = db.pragma('quick_check(3)', { simple: false }) as { quick_check: string }[];
  const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
  if (problems.length > 0)
    throw new StoreError(
      file,
      `the database is damaged (quick_check: ${problems.join('; ').slice(0, 200)}); it was not written to: restore a copy or give another --db`,
    );
}

function openWritable(file: string, timeout: number, created: boolean): Store {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout });
    if (db.readonly) throw translate(file, { code: 'SQLITE_READONLY', message: 'read-only' });
    if (!created && file !== MEMORY) assertIntact(db, file);
    if (file !== MEMORY) {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal')
        throw new StoreError(file, `cannot switch the database to WAL mode (it stays ${mode})`, 1);
    }
    db.pragma('foreign_keys = ON');
    migrate(db, file);
    return new SqliteStore(db, file, false);
  } catch (e) {
    db?.close();
    if (created) removeCreated(file);
    throw translate(file, e);
  }
}
