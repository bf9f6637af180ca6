/**
 * The schema, as a list of versions. A tunebook database carries `PRAGMA application_id =
 * APPLICATION_ID` and `PRAGMA user_version = <schema version>` in its header, so a SQLite file
 * of another application is recognised before anything is written to it, and a database made
 * by a newer tunebook is refused rather than misread.
 *
 * Migrations are frozen once released: a change is a new entry, never an edit of an old one
 * (databases in the wild were built by the old text).
 *
 * @example
 *   migrate(db, 'tunebook.db'); // { from: 0, to: 1 } on a new file, { from: 1, to: 1 } after
 */
import type Database from 'better-sqlite3';
import { StoreError } from './errors.js';

/** 'TUNE' in ASCII. */
export const APPLICATION_ID = 0x54554e45;

export interface Migration {
  version: number;
  description: string;
  up: string | ((db: Database.Database) => void);
}

// Columns that hold JSON are TEXT; numbers a REAL column cannot hold (NaN becomes NULL in
// SQLite) are NULL and read back as NaN where the field is required, or are listed in
// epochs.nan where NULL would otherwise mean "not measured".
const V1 = `
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE studies (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  hash TEXT NOT NULL,
  file TEXT NOT NULL,
  config TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('running', 'done', 'interrupted')),
  environment TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE arms (
  id INTEGER PRIMARY KEY,
  study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  label TEXT NOT NULL,
  kind TEXT NOT NULL,
  position INTEGER NOT NULL,
  measure TEXT,
  config TEXT NOT NULL,
  UNIQUE (study_id, key),
  -- the parent key of verdicts (arm_id, study_id): a verdict cannot name another study's arm
  UNIQUE (id, study_id)
) STRICT;

CREATE TABLE trials (
  id INTEGER PRIMARY KEY,
  arm_id INTEGER NOT NULL REFERENCES arms (id) ON DELETE CASCADE,
  seed INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued'
    CHECK (state IN ('queued', 'running', 'done', 'failed', 'diverged')),
  attempts INTEGER NOT NULL DEFAULT 0,
  started_at TEXT,
  finished_at TEXT,
  seconds REAL,
  metrics TEXT,
  result TEXT,
  error TEXT,
  UNIQUE (arm_id, seed)
) STRICT;

CREATE TABLE epochs (
  trial_id INTEGER NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
  epoch INTEGER NOT NULL,
  lr REAL,
  train_loss REAL,
  val_loss REAL,
  val_accuracy REAL,
  val_balanced_accuracy REAL,
  val_macro_f1 REAL,
  seconds REAL,
  nan TEXT,
  extra TEXT,
  PRIMARY KEY (trial_id, epoch)
) STRICT, WITHOUT ROWID;

CREATE TABLE verdicts (
  study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
  arm_id INTEGER NOT NULL,
  verdict TEXT NOT NULL
    CHECK (verdict IN ('effective', 'unstable', 'ineffective', 'harmful', 'undecided')),
  effect REAL,
  lo REAL,
  hi REAL,
  n INTEGER NOT NULL,
  details TEXT NOT NULL,
  computed_at TEXT NOT NULL,
  PRIMARY KEY (study_id, arm_id),
  FOREIGN KEY (arm_id, study_id) REFERENCES arms (id, study_id) ON DELETE CASCADE
) STRICT;
CREATE INDEX verdicts_by_arm ON verdicts (arm_id, study_id);

-- notes are the user's own words: deleting a study (--fresh) detaches them, never drops them
CREATE TABLE notes (
  id INTEGER PRIMARY KEY,
  measure TEXT NOT NULL,
  text TEXT NOT NULL,
  study_id INTEGER REFERENCES studies (id) ON DELETE SET NULL,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX notes_by_measure ON notes (measure);
CREATE INDEX notes_by_study ON notes (study_id);
`;

// Claims under leases (several worker processes, on one machine or many), the machine that
// ran each trial, queue priorities (needed before speculative), trial keys for reuse, and
// per-epoch checkpoints kept in the database so that a trial can resume on another machine.
// lease_until is an ISO time like every other time here: ISO strings of one format sort as
// the times they name, so `lease_until < ?` compares times.
const V2 = `
ALTER TABLE trials ADD COLUMN host TEXT;
ALTER TABLE trials ADD COLUMN worker TEXT;
ALTER TABLE trials ADD COLUMN lease_until TEXT;
ALTER TABLE trials ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE trials ADD COLUMN key TEXT;
ALTER TABLE trials ADD COLUMN reused_from INTEGER REFERENCES trials (id) ON DELETE SET NULL;
CREATE INDEX trials_queue ON trials (state, priority);
CREATE INDEX trials_by_key ON trials (key) WHERE key IS NOT NULL;
CREATE INDEX trials_by_source ON trials (reused_from) WHERE reused_from IS NOT NULL;

CREATE TABLE checkpoints (
  trial_id INTEGER PRIMARY KEY REFERENCES trials (id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  data BLOB NOT NULL,
  saved_at TEXT NOT NULL
) STRICT;
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'studies, arms, trials, epochs, verdicts, notes', up: V1 },
  {
    version: 2,
    description: 'trial claims and leases, hosts, priorities, keys, checkpoints',
    up: V2,
  },
];

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export type Identity =
  | { kind: 'empty' }
  | { kind: 'tunebook'; version: number }
  | { kind: 'foreign'; applicationId: number };

/** What a SQLite database is, from its header pragmas and whether it holds any table. */
export function identify(db: Database.Database): Identity {
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  const version = db.pragma('user_version', { simple: true }) as number;
  if (applicationId === APPLICATION_ID) return { kind: 'tunebook', version };
  const objects = (db.prepare('SELECT count(*) AS n FROM sqlite_schema').get() as { n: number }).n;
  if (applicationId === 0 && version === 0 && objects === 0) return { kind: 'empty' };
  return { kind: 'foreign', applicationId };
}

/**
 * Throws unless this code may use the database: ours, not newer than `latest`, and for a
 * read-only open already at `latest` (a reader cannot upgrade it).
 */
export function assertUsable(
  file: string,
  identity: Identity,
  options: { readonly: boolean; latest?: number },
): void {
  const latest = options.latest ?? SCHEMA_VERSION;
  if (identity.kind === 'foreign')
    throw new StoreError(
      file,
      'not a tunebook database (a SQLite database of another application; left untouched): give another database file',
    );
  if (identity.kind === 'empty') {
    if (options.readonly)
      throw new StoreError(file, 'not a tunebook database yet (an empty SQLite database)');
    return;
  }
  if (identity.version > latest)
    throw new StoreError(
      file,
      `made by a newer tunebook (schema version ${identity.version}; this one reads up to ${latest}): upgrade tunebook to use it`,
    );
  if (options.readonly && identity.version < latest)
    throw new StoreError(
      file,
      `made by an older tunebook (schema version ${identity.version} of ${latest}): open it once for writing (e.g. run a study on it) to upgrade it`,
    );
}

/**
 * Brings the database to the latest version in one IMMEDIATE transaction, so a concurrent
 * writer is waited for (busy timeout) and a failing step leaves the file as it was. The
 * identity is checked again under the lock: the probe before opening was not.
 */
export function migrate(
  db: Database.Database,
  file: string,
  migrations: readonly Migration[] = MIGRATIONS,
): { from: number; to: number } {
  const latest = migrations[migrations.length - 1].version;
  const run = db.transaction(() => {
    const identity = identify(db);
    assertUsable(file, identity, { readonly: false, latest });
    const from = identity.kind === 'tunebook' ? identity.version : 0;
    for (const m of migrations) {
      if (m.version <= from) continue;
      try {
        if (typeof m.up === 'string') db.exec(m.up);
        else m.up(db);
      } catch (e) {
        throw new StoreError(
          file,
          `upgrading the schema to version ${m.version} (${m.description}) failed: ${(e as Error).message}`,
          1,
        );
      }
    }
    if (from !== latest || identity.kind !== 'tunebook') {
      const now = new Date().toISOString();
      const setMeta = db.prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      );
      if (from === 0) setMeta.run('created_at', now);
      setMeta.run('schema_version', String(latest));
      setMeta.run('migrated_at', now);
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${latest}`);
    }
    return { from, to: latest };
  });
  return run.immediate();
}
