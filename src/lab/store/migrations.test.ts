import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { StoreError } from './errors.js';
import {
  APPLICATION_ID,
  MIGRATIONS,
  type Migration,
  migrate,
  SCHEMA_VERSION,
} from './migrations.js';
import { openStore } from './sqlite-store.js';
import { fingerprint, smallStudy, tempDir } from './test-helpers.js';

function header(file: string) {
  const raw = new Database(file, { readonly: true });
  try {
    return {
      applicationId: raw.pragma('application_id', { simple: true }),
      version: raw.pragma('user_version', { simple: true }),
      meta: Object.fromEntries(
        (raw.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map(
          (r) => [r.key, r.value],
        ),
      ),
    };
  } finally {
    raw.close();
  }
}

test('a new database carries the tunebook application id and the current schema version', (t) => {
  const file = join(tempDir(t), 'a.db');
  openStore(file).close();
  const h = header(file);
  assert.equal(h.applicationId, APPLICATION_ID);
  assert.equal(h.version, SCHEMA_VERSION);
  assert.equal(h.meta.schema_version, String(SCHEMA_VERSION));
  assert.ok(h.meta.created_at);
  // Reopening an up-to-date database runs no migration and changes nothing.
  const before = fingerprint(file);
  const store = openStore(file);
  store.close();
  assert.equal(fingerprint(file), before);
});

test('a database made by version 1 is upgraded in place, keeping its data', (t) => {
  const file = join(tempDir(t), 'a.db');
  const store = openStore(file);
  smallStudy(store);
  store.close();
  const v2: Migration = {
    version: 2,
    description: 'trial tags',
    up: "ALTER TABLE trials ADD COLUMN tag TEXT NOT NULL DEFAULT ''",
  };
  const db = new Database(file);
  assert.deepEqual(migrate(db, file, [...MIGRATIONS, v2]), { from: 1, to: 2 });
  assert.deepEqual(migrate(db, file, [...MIGRATIONS, v2]), { from: 2, to: 2 });
  assert.equal(db.pragma('user_version', { simple: true }), 2);
  assert.ok((db.pragma('table_info(trials)') as { name: string }[]).some((c) => c.name === 'tag'));
  assert.equal((db.prepare('SELECT count(*) AS n FROM arms').get() as { n: number }).n, 2);
  db.close();
});

test('a failing migration rolls back every step of the upgrade', (t) => {
  const file = join(tempDir(t), 'a.db');
  openStore(file).close();
  const steps: Migration[] = [
    ...MIGRATIONS,
    { version: 2, description: 'fine', up: 'CREATE TABLE extra (x INTEGER) STRICT' },
    {
      version: 3,
      description: 'broken',
      up: (db) => {
        db.exec('CREATE TABLE half (x INTEGER)');
        throw new Error('disk said no');
      },
    },
  ];
  const db = new Database(file);
  assert.throws(
    () => migrate(db, file, steps),
    (e: unknown) =>
      e instanceof StoreError &&
      /upgrading the schema to version 3 \(broken\) failed: disk said no/.test(e.message),
  );
  assert.equal(db.pragma('user_version', { simple: true }), 1);
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE name IN ('extra', 'half')").all();
  assert.deepEqual(tables, []);
  db.close();
});

test('a database from a newer tunebook is refused and left byte-for-byte unchanged', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'a.db');
  const store = openStore(file);
  smallStudy(store);
  store.close();
  const raw = new Database(file);
  raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  raw.close();
  const before = fingerprint(file);
  const files = readdirSync(dir).sort();
  for (const options of [{}, { readonly: true }]) {
    assert.throws(
      () => openStore(file, options),
      (e: unknown) =>
        e instanceof StoreError &&
        e.exitCode === 2 &&
        e.message ===
          `${file}: made by a newer tunebook (schema version ${SCHEMA_VERSION + 1}; this one reads up to ${SCHEMA_VERSION}): upgrade tunebook to use it`,
    );
    assert.equal(fingerprint(file), before);
    assert.deepEqual(readdirSync(dir).sort(), files);
  }
});
