/**
 * The embedded store: one SQLite file in WAL mode (readers such as the report or dashboard
 * never block the study writing), foreign keys on, shared safely by several processes on one
 * machine (claims take the write lock first). The asynchronous `Store` contract over the
 * synchronous core: each call runs whole, and while a `transaction` is open on this
 * connection every other call waits for it to end, since async code could otherwise slip
 * its statements into that transaction.
 *
 * @example
 *   const store = openSqliteStore('tunebook.db');
 *   try {
 *     await store.requeueUnfinished(study.id);
 *   } finally {
 *     await store.close();
 *   }
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import Database from 'better-sqlite3';
import { checkPath, checkWritable, openReader, probe, removeCreated } from './db-file.js';
import { StoreError } from './errors.js';
import { assertUsable, identify, migrate } from './migrations.js';
import { SqliteCore } from './sqlite-core.js';
import { translate } from './sqlite-errors.js';
import type {
  ArmRow,
  Checkpoint,
  Claimant,
  ClaimedTrial,
  EpochRow,
  NewStudy,
  NotebookVerdict,
  NoteRow,
  OpenOptions,
  Store,
  StudyRow,
  StudyState,
  TrialOutcome,
  TrialRow,
  VerdictRow,
} from './store.js';

const DEFAULT_BUSY_TIMEOUT_MS = 2000;
const MEMORY = ':memory:';

/**
 * Serialises a connection: at most one transaction open, and nothing else runs during it.
 * Callers check `open` and act with no await in between (a check in one microtask and the
 * statement in the next would let a transaction begin in between).
 */
class Gate {
  open: Promise<void> | null = null;
  /** Which transaction the running async code belongs to, to catch a self-deadlock. */
  readonly inside = new AsyncLocalStorage<Gate>();

  /** Throws when the code waiting is the open transaction's own: it would wait for ever. */
  assertOutside(file: string): void {
    if (this.inside.getStore() === this)
      throw new StoreError(
        file,
        'the store was used inside its own transaction: use the transaction argument `tx`',
        1,
      );
  }

  /** Holds the gate while `fn` runs; callers queue behind it. */
  async hold<T>(file: string, fn: () => Promise<T>): Promise<T> {
    while (this.open) {
      this.assertOutside(file);
      await this.open;
    }
    let release = () => {};
    this.open = new Promise<void>((r) => {
      release = r;
    });
    try {
      return await this.inside.run(this, fn);
    } finally {
      this.open = null;
      release();
    }
  }
}

/**
 * The store over a core: `direct` calls (a transaction's `tx`) go straight through; others
 * wait at the gate first.
 */
class SqliteStore implements Store {
  private ended = false;

  constructor(
    private readonly core: SqliteCore,
    private readonly gate: Gate,
    private readonly direct: boolean,
  ) {}

  get file(): string {
    return this.core.file;
  }

  get readonly(): boolean {
    return this.core.readonly;
  }

  private async call<T>(fn: (core: SqliteCore) => T): Promise<T> {
    if (this.direct) {
      if (this.ended)
        throw new StoreError(
          this.file,
          'a transaction store was used after its transaction ended',
          1,
        );
    } else
      while (this.gate.open) {
        this.gate.assertOutside(this.file);
        await this.gate.open;
      }
    return fn(this.core);
  }

  findStudy(name: string): Promise<StudyRow | null> {
    return this.call((c) => c.findStudy(name));
  }
  listStudies(): Promise<StudyRow[]> {
    return this.call((c) => c.listStudies());
  }
  createStudy(s: NewStudy): Promise<StudyRow> {
    return this.call((c) => c.createStudy(s));
  }
  deleteStudy(name: string): Promise<boolean> {
    return this.call((c) => c.deleteStudy(name));
  }
  setStudyState(studyId: number, state: StudyState): Promise<void> {
    return this.call((c) => c.setStudyState(studyId, state));
  }
  upsertArm(a: Omit<ArmRow, 'id'>): Promise<ArmRow> {
    return this.call((c) => c.upsertArm(a));
  }
  arms(studyId: number): Promise<ArmRow[]> {
    return this.call((c) => c.arms(studyId));
  }
  ensureTrial(
    armId: number,
    seed: number,
    options?: { key?: string; priority?: number },
  ): Promise<TrialRow> {
    return this.call((c) => c.ensureTrial(armId, seed, options));
  }
  trial(trialId: number): Promise<TrialRow | null> {
    return this.call((c) => c.trial(trialId));
  }
  trials(studyId: number): Promise<(TrialRow & { armKey: string })[]> {
    return this.call((c) => c.trials(studyId));
  }
  markRunning(trialId: number, host?: string): Promise<void> {
    return this.call((c) => c.markRunning(trialId, host));
  }
  claimTrial(claimant: Claimant): Promise<ClaimedTrial | null> {
    return this.call((c) => c.claimTrial(claimant));
  }
  renewLease(trialId: number, worker: string, leaseMs: number): Promise<boolean> {
    return this.call((c) => c.renewLease(trialId, worker, leaseMs));
  }
  expireLeases(studyId?: number): Promise<number> {
    return this.call((c) => c.expireLeases(studyId));
  }
  requeueUnfinished(
    studyId: number,
    options?: { failed?: boolean; keepErrors?: readonly string[] },
  ): Promise<number> {
    return this.call((c) => c.requeueUnfinished(studyId, options));
  }
  requeueTrial(trialId: number): Promise<void> {
    return this.call((c) => c.requeueTrial(trialId));
  }
  dropQueued(studyId: number): Promise<number> {
    return this.call((c) => c.dropQueued(studyId));
  }
  finishTrial(trialId: number, r: TrialOutcome, worker?: string): Promise<boolean> {
    return this.call((c) => c.finishTrial(trialId, r, worker));
  }
  saveCheckpoint(cp: Checkpoint): Promise<void> {
    return this.call((c) => c.saveCheckpoint(cp));
  }
  checkpoint(trialId: number): Promise<Checkpoint | null> {
    return this.call((c) => c.checkpoint(trialId));
  }
  dropCheckpoints(which: { trialId: number } | { studyId: number }): Promise<void> {
    return this.call((c) => c.dropCheckpoints(which));
  }
  findByKey(key: string): Promise<(TrialRow & { studyId: number; armKey: string }) | null> {
    return this.call((c) => c.findByKey(key));
  }
  reuseTrial(trialId: number, sourceId: number): Promise<void> {
    return this.call((c) => c.reuseTrial(trialId, sourceId));
  }
  epochs(trialId: number): Promise<EpochRow[]> {
    return this.call((c) => c.epochs(trialId));
  }
  epochsForStudy(studyId: number): Promise<Map<number, EpochRow[]>> {
    return this.call((c) => c.epochsForStudy(studyId));
  }
  saveVerdicts(studyId: number, rows: Omit<VerdictRow, 'computedAt'>[]): Promise<void> {
    return this.call((c) => c.saveVerdicts(studyId, rows));
  }
  verdicts(studyId: number): Promise<VerdictRow[]> {
    return this.call((c) => c.verdicts(studyId));
  }
  allVerdicts(): Promise<NotebookVerdict[]> {
    return this.call((c) => c.allVerdicts());
  }
  addNote(n: { measure: string; text: string; studyId?: number | null }): Promise<NoteRow> {
    return this.call((c) => c.addNote(n));
  }
  notes(measure?: string): Promise<NoteRow[]> {
    return this.call((c) => c.notes(measure));
  }

  /**
   * BEGIN IMMEDIATE (a reader: a plain BEGIN, for a consistent view) on the one connection;
   * nested, `fn` simply runs inside the outer transaction.
   */
  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.direct) return fn(this);
    return this.gate.hold(this.file, async () => {
      const db = this.core.db;
      const tx = new SqliteStore(this.core, this.gate, true);
      this.core.begin();
      try {
        const result = await fn(tx);
        this.core.commit();
        return result;
      } catch (e) {
        if (db.inTransaction) this.core.rollback();
        throw e;
      } finally {
        tx.ended = true;
      }
    });
  }

  async close(): Promise<void> {
    await this.call((core) => core.close());
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
 *   const store = openSqliteStore('tunebook.db');
 *   const reader = openSqliteStore('tunebook.db', { readonly: true }); // report, dashboard
 */
export function openSqliteStore(file: string, options: OpenOptions = {}): Store {
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
    return wrap(new SqliteCore(db, file, true));
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
    return wrap(new SqliteCore(db, file, false));
  } catch (e) {
    db?.close();
    if (created) removeCreated(file);
    throw translate(file, e);
  }
}

function wrap(core: SqliteCore): Store {
  return new SqliteStore(core, new Gate(), false);
}
