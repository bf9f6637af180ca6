/**
 * The server store: the `Store` contract on PostgreSQL, so workers on several machines share
 * one study. Statements go through a pool; multi-statement writes run in a transaction on a
 * dedicated client. Times (start, finish, leases) come from the server's clock.
 *
 * @example
 *   const store = await openPostgresStore('postgres://lab@db:5432/tunebook');
 *   const trial = await store.claimTrial({ worker: 'gpu1:812:0', host: 'gpu1', leaseMs: 60000 });
 */
import { hostname } from 'node:os';
import { StoreError } from '../errors.js';
import { decodeJson, encodeJson } from '../json.js';
import {
  type ArmRecord,
  type CheckpointRecord,
  nullableJson,
  type StudyRecord,
  type TrialRecord,
  toArm,
  toCheckpoint,
  toStudy,
  toTrial,
} from '../rows.js';
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
  type Store,
  type StudyRow,
  type StudyState,
  type TrialOutcome,
  type TrialRow,
  type VerdictRow,
} from '../store.js';
import * as claims from './claims.js';
import * as epochs from './epochs.js';
import * as notebook from './notebook.js';

import type { Session } from './session.js';

/** Cleared when a trial goes back to the queue: nothing of the attempt is kept but `host`. */
const CLEARED = `started_at = NULL, finished_at = NULL, seconds = NULL, metrics = NULL,
  result = NULL, error = NULL, worker = NULL, lease_until = NULL`;

export class PgStore implements Store {
  constructor(private readonly s: Session) {}

  get file(): string {
    return this.s.target.shown;
  }

  get readonly(): boolean {
    return this.s.readonly;
  }

  /** A caller's mistake (unknown id, impossible state): a bug to fix, so exit code 1. */
  private bug(problem: string): StoreError {
    return new StoreError(this.file, problem, 1);
  }

  async findStudy(name: string): Promise<StudyRow | null> {
    const [r] = await this.s.rows<StudyRecord>('SELECT * FROM studies WHERE name = $1', [name]);
    return r ? toStudy(r) : null;
  }

  async listStudies(): Promise<StudyRow[]> {
    return (await this.s.rows<StudyRecord>('SELECT * FROM studies ORDER BY id')).map(toStudy);
  }

  async createStudy(s: NewStudy): Promise<StudyRow> {
    try {
      const { rows } = await this.s.write<StudyRecord>(
        `INSERT INTO studies (name, hash, file, config, state, environment)
         VALUES ($1, $2, $3, $4, 'running', $5) RETURNING *`,
        [s.name, s.hash, s.file, encodeJson(s.config), encodeJson(s.environment)],
      );
      return toStudy(rows[0]);
    } catch (e) {
      if ((e as { code?: string }).code === '23505')
        throw new StoreError(this.file, `a study named ${JSON.stringify(s.name)} already exists`);
      throw e;
    }
  }

  async deleteStudy(name: string): Promise<boolean> {
    // ON DELETE CASCADE takes arms, trials, epochs, checkpoints and verdicts along.
    const r = await this.s.write('DELETE FROM studies WHERE name = $1', [name]);
    return (r.rowCount ?? 0) > 0;
  }

  async setStudyState(studyId: number, state: StudyState): Promise<void> {
    if (!(STUDY_STATES as readonly string[]).includes(state))
      throw this.bug(`study state: expected one of ${STUDY_STATES.join(', ')}, got ${state}`);
    const r = await this.s.write(
      'UPDATE studies SET state = $1, updated_at = now() WHERE id = $2',
      [state, studyId],
    );
    if (r.rowCount === 0) throw this.bug(`no study with id ${studyId}`);
  }

  async upsertArm(a: Omit<ArmRow, 'id'>): Promise<ArmRow> {
    try {
      const { rows } = await this.s.write<ArmRecord>(
        `INSERT INTO arms (study_id, key, label, kind, position, measure, config)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (study_id, key) DO UPDATE SET label = excluded.label, kind = excluded.kind,
           position = excluded.position, measure = excluded.measure, config = excluded.config
         RETURNING *`,
        [
          a.studyId,
          a.key,
          a.label,
          a.kind,
          a.position,
          nullableJson(a.measure),
          encodeJson(a.config),
        ],
      );
      return toArm(rows[0]);
    } catch (e) {
      if ((e as { code?: string }).code === '23503')
        throw this.bug(`no study with id ${a.studyId}`);
      throw e;
    }
  }

  async arms(studyId: number): Promise<ArmRow[]> {
    return (
      await this.s.rows<ArmRecord>('SELECT * FROM arms WHERE study_id = $1 ORDER BY position, id', [
        studyId,
      ])
    ).map(toArm);
  }

  async ensureTrial(
    armId: number,
    seed: number,
    options: { key?: string; priority?: number } = {},
  ): Promise<TrialRow> {
    const priority = options.priority ?? null;
    if (priority !== null && !Number.isInteger(priority))
      throw this.bug(`trial priority: expected an integer, got ${priority}`);
    const row = await this.s.atomic(async (q) => {
      if ((await q.query('SELECT 1 FROM arms WHERE id = $1', [armId])).rowCount === 0)
        throw this.bug(`no arm with id ${armId}`);
      const made = await q.query<TrialRecord>(
        `INSERT INTO trials (arm_id, seed, key, priority) VALUES ($1, $2, $3, coalesce($4, 0))
         ON CONFLICT (arm_id, seed) DO NOTHING RETURNING *`,
        [armId, seed, options.key ?? null, priority],
      );
      if (made.rows[0]) return made.rows[0];
      // A speculative trial becoming needed: its priority is raised while it waits.
      const raised = await q.query<TrialRecord>(
        `UPDATE trials SET priority = $3 WHERE arm_id = $1 AND seed = $2
           AND state = 'queued' AND priority < $3 RETURNING *`,
        [armId, seed, priority],
      );
      if (raised.rows[0]) return raised.rows[0];
      return (
        await q.query<TrialRecord>('SELECT * FROM trials WHERE arm_id = $1 AND seed = $2', [
          armId,
          seed,
        ])
      ).rows[0];
    });
    return toTrial(row);
  }

  async trial(trialId: number): Promise<TrialRow | null> {
    const [r] = await this.s.rows<TrialRecord>('SELECT * FROM trials WHERE id = $1', [trialId]);
    return r ? toTrial(r) : null;
  }

  async trials(studyId: number): Promise<(TrialRow & { armKey: string })[]> {
    const rows = await this.s.rows<TrialRecord & { arm_key: string }>(
      `SELECT t.*, a.key AS arm_key FROM trials t JOIN arms a ON a.id = t.arm_id
       WHERE a.study_id = $1 ORDER BY a.position, a.id, t.seed`,
      [studyId],
    );
    return rows.map((r) => ({ ...toTrial(r), armKey: r.arm_key }));
  }

  async markRunning(trialId: number, host: string = hostname()): Promise<void> {
    await this.s.atomic(async (q) => {
      const r = await q.query(
        `UPDATE trials SET state = 'running', started_at = now(), finished_at = NULL,
           seconds = NULL, metrics = NULL, result = NULL, error = NULL, worker = NULL,
           lease_until = NULL, attempts = attempts + 1, host = $2
         WHERE id = $1 AND state IN ('queued', 'running', 'failed')`,
        [trialId, host],
      );
      if (r.rowCount === 0) {
        const [t] = (await q.query('SELECT state FROM trials WHERE id = $1', [trialId])).rows;
        throw this.bug(
          t
            ? `trial ${trialId} is already ${t.state}; its result is kept (requeue it to rerun)`
            : `no trial with id ${trialId}`,
        );
      }
      // A rerun starts clean: a reader must not mistake the last attempt's curve for this one's.
      await q.query('DELETE FROM epochs WHERE trial_id = $1', [trialId]);
    });
  }

  async claimTrial(claimant: Claimant): Promise<ClaimedTrial | null> {
    this.s.writes();
    claims.checkClaimant(this.file, claimant);
    await this.expireLeases(claimant.studyId);
    const r = await this.s.write<
      TrialRecord & { arm_key: string; study_id: number; arm_config: string }
    >(
      claims.CLAIM,
      [claimant.studyId ?? null, claimant.host, claimant.worker, claimant.leaseMs],
      'tunebook_claim',
    );
    const row = r.rows[0];
    if (!row) return null;
    return {
      ...toTrial(row),
      armKey: row.arm_key,
      studyId: row.study_id,
      armConfig: decodeJson(row.arm_config, `arms.config of arm ${row.arm_key}`),
    };
  }

  async renewLease(trialId: number, worker: string, leaseMs: number): Promise<boolean> {
    claims.checkLease(this.file, leaseMs);
    const r = await this.s.write(claims.RENEW, [trialId, worker, leaseMs], 'tunebook_renew');
    return r.rowCount === 1;
  }

  async expireLeases(studyId?: number): Promise<number> {
    const r = await this.s.write<{ n: number }>(
      claims.EXPIRE,
      [studyId ?? null],
      'tunebook_expire',
    );
    return r.rows[0].n;
  }

  async requeueUnfinished(
    studyId: number,
    options: { failed?: boolean; keepErrors?: readonly string[] } = {},
  ): Promise<number> {
    const r = await this.s.write<{ n: number }>(claims.REQUEUE_UNFINISHED, [
      studyId,
      options.failed === false ? 'running' : 'failed',
      [...(options.keepErrors ?? [])],
    ]);
    return r.rows[0].n;
  }

  async requeueTrial(trialId: number): Promise<void> {
    await this.s.atomic(async (q) => {
      const r = await q.query(
        `UPDATE trials SET ${CLEARED}, state = 'queued' WHERE id = $1 AND state IN ('queued', 'running')`,
        [trialId],
      );
      if (r.rowCount === 0) {
        const [t] = (await q.query('SELECT state FROM trials WHERE id = $1', [trialId])).rows;
        throw this.bug(
          t
            ? `trial ${trialId} is already ${t.state}; a finished trial is not requeued this way`
            : `no trial with id ${trialId}`,
        );
      }
      await q.query('DELETE FROM epochs WHERE trial_id = $1', [trialId]);
    });
  }

  async dropQueued(studyId: number): Promise<number> {
    const r = await this.s.write(
      `DELETE FROM trials WHERE state = 'queued'
         AND arm_id IN (SELECT id FROM arms WHERE study_id = $1)`,
      [studyId],
    );
    return r.rowCount ?? 0;
  }

  async finishTrial(trialId: number, r: TrialOutcome, worker?: string): Promise<boolean> {
    if (!(FINISHED_STATES as readonly string[]).includes(r.state))
      throw this.bug(
        `trial ${trialId}: a trial finishes as one of ${FINISHED_STATES.join(', ')}, not ${r.state}`,
      );
    for (const [k, v] of Object.entries(r.metrics ?? {}))
      if (typeof v !== 'number') throw this.bug(`trial ${trialId}: metric ${k} is not a number`);
    return this.s.atomic(async (q) => {
      // With a worker: only while it still holds the claim (see claims.RENEW).
      const held = worker === undefined ? '' : ` AND state = 'running' AND worker = $7`;
      const values: unknown[] = [
        trialId,
        r.state,
        r.seconds,
        nullableJson(r.metrics),
        nullableJson(r.result),
        r.error,
      ];
      if (worker !== undefined) values.push(worker);
      const u = await q.query(
        `UPDATE trials SET state = $2, finished_at = now(), seconds = $3, metrics = $4,
           result = $5, error = $6, worker = NULL, lease_until = NULL
         WHERE id = $1${held}`,
        values,
      );
      if (u.rowCount === 0) {
        if (
          worker !== undefined &&
          (await q.query('SELECT 1 FROM trials WHERE id = $1', [trialId])).rowCount
        )
          return false;
        throw this.bug(`no trial with id ${trialId}`);
      }
      await q.query('DELETE FROM epochs WHERE trial_id = $1', [trialId]);
      await epochs.insertEpochs(q, trialId, r.epochs);
      await epochs.touchStudy(q, trialId);
      return true;
    });
  }

  async saveCheckpoint(c: Checkpoint): Promise<void> {
    if (!(c.data instanceof Uint8Array))
      throw this.bug(`trial ${c.trialId}: checkpoint data must be bytes, got ${typeof c.data}`);
    if (!Number.isInteger(c.epoch) || c.epoch < 0)
      throw this.bug(
        `trial ${c.trialId}: checkpoint epoch must be an integer >= 0, got ${c.epoch}`,
      );
    try {
      // An older attempt's late write never replaces a newer attempt's checkpoint.
      await this.s.write(
        `INSERT INTO checkpoints (trial_id, attempt, epoch, data) VALUES ($1, $2, $3, $4)
         ON CONFLICT (trial_id) DO UPDATE SET attempt = excluded.attempt, epoch = excluded.epoch,
           data = excluded.data, saved_at = now()
         WHERE checkpoints.attempt <= excluded.attempt`,
        [
          c.trialId,
          c.attempt,
          c.epoch,
          Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength),
        ],
      );
    } catch (e) {
      if ((e as { code?: string }).code === '23503')
        throw this.bug(`no trial with id ${c.trialId}`);
      throw e;
    }
  }

  async checkpoint(trialId: number): Promise<Checkpoint | null> {
    const [r] = await this.s.rows<CheckpointRecord>(
      'SELECT trial_id, attempt, epoch, data FROM checkpoints WHERE trial_id = $1',
      [trialId],
    );
    return r ? toCheckpoint(r) : null;
  }

  async dropCheckpoints(which: { trialId: number } | { studyId: number }): Promise<void> {
    if ('trialId' in which)
      await this.s.write('DELETE FROM checkpoints WHERE trial_id = $1', [which.trialId]);
    else
      await this.s.write(
        `DELETE FROM checkpoints WHERE trial_id IN (
           SELECT t.id FROM trials t JOIN arms a ON a.id = t.arm_id
           WHERE a.study_id = $1 AND t.state IN ('done', 'failed', 'diverged'))`,
        [which.studyId],
      );
  }

  async findByKey(key: string): Promise<(TrialRow & { studyId: number; armKey: string }) | null> {
    const [r] = await this.s.rows<TrialRecord & { study_id: number; arm_key: string }>(
      `SELECT t.*, a.study_id, a.key AS arm_key FROM trials t JOIN arms a ON a.id = t.arm_id
       WHERE t.key = $1 AND t.state IN ('done', 'diverged') AND t.reused_from IS NULL
       ORDER BY t.id LIMIT 1`,
      [key],
    );
    return r ? { ...toTrial(r), studyId: r.study_id, armKey: r.arm_key } : null;
  }

  async reuseTrial(trialId: number, sourceId: number): Promise<void> {
    await this.s.atomic(async (q) => {
      const [src] = (
        await q.query<{ state: string }>('SELECT state FROM trials WHERE id = $1', [sourceId])
      ).rows;
      if (!src) throw this.bug(`no trial with id ${sourceId} to reuse`);
      if (src.state !== 'done' && src.state !== 'diverged')
        throw this.bug(
          `trial ${sourceId} is ${src.state}: only a done or diverged trial is reused`,
        );
      const u = await q.query(
        `UPDATE trials t SET state = s.state, started_at = s.started_at,
           finished_at = s.finished_at, seconds = s.seconds, metrics = s.metrics,
           result = s.result, error = s.error, host = s.host, worker = NULL, lease_until = NULL,
           reused_from = coalesce(s.reused_from, s.id)
         FROM trials s WHERE s.id = $2 AND t.id = $1 AND t.state = 'queued'`,
        [trialId, sourceId],
      );
      if (u.rowCount === 0) {
        const [t] = (await q.query('SELECT state FROM trials WHERE id = $1', [trialId])).rows;
        throw this.bug(
          t
            ? `trial ${trialId} is ${t.state}: only a queued trial reuses another's outcome`
            : `no trial with id ${trialId}`,
        );
      }
      await q.query('DELETE FROM epochs WHERE trial_id = $1', [trialId]);
      await q.query(
        `INSERT INTO epochs (${epochs.EPOCH_COLUMNS})
         SELECT $1, epoch, lr, train_loss, val_loss, val_accuracy, val_balanced_accuracy,
           val_macro_f1, seconds, nan, extra FROM epochs WHERE trial_id = $2`,
        [trialId, sourceId],
      );
      await epochs.touchStudy(q, trialId);
    });
  }

  epochs(trialId: number): Promise<EpochRow[]> {
    return epochs.epochs(this.s, trialId);
  }

  epochsForStudy(studyId: number): Promise<Map<number, EpochRow[]>> {
    return epochs.epochsForStudy(this.s, studyId);
  }

  saveVerdicts(studyId: number, rows: Omit<VerdictRow, 'computedAt'>[]): Promise<void> {
    return notebook.saveVerdicts(this.s, studyId, rows);
  }

  verdicts(studyId: number): Promise<VerdictRow[]> {
    return notebook.verdicts(this.s, studyId);
  }

  allVerdicts(): Promise<NotebookVerdict[]> {
    return notebook.allVerdicts(this.s);
  }

  addNote(n: { measure: string; text: string; studyId?: number | null }): Promise<NoteRow> {
    return notebook.addNote(this.s, n);
  }

  notes(measure?: string): Promise<NoteRow[]> {
    return notebook.notes(this.s, measure);
  }

  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    return this.s.transaction((inner) => fn(inner === this.s ? this : new PgStore(inner)));
  }

  async close(): Promise<void> {
    if (this.s.client !== null) return; // a transaction's store: the outer store owns the pool
    if (this.s.closed.value) return;
    this.s.closed.value = true;
    await this.s.pool.end();
  }
}
