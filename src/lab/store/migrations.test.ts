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
import { openStore } from './open.js';
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

test('a new database carries the tunebook application id and the current schema version', async (t) => {
  const file = join(tempDir(t), 'a.db');
  await (await openStore(file)).close();
  const h = header(file);
  assert.equal(h.applicationId, APPLICATION_ID);
  assert.equal(h.version, SCHEMA_VERSION);
  assert.equal(h.meta.schema_version, String(SCHEMA_VERSION));
  assert.ok(h.meta.created_at);
  // Reopening an up-to-date database runs no migration and changes nothing.
  const before = fingerprint(file);
  const store = await openStore(file);
  await store.close();
  assert.equal(fingerprint(file), before);
});

test('a database made by version 1 is upgraded to the claims schema, keeping its data', async (t) => {
  const file = join(tempDir(t), 'a.db');
  const v1 = new Database(file);
  assert.deepEqual(migrate(v1, file, MIGRATIONS.slice(0, 1)), { from: 0, to: 1 });
  v1.exec(`INSERT INTO studies (name, hash, file, config, state, environment, created_at, updated_at)
             VALUES ('old', 'h', 'old.yaml', '{}', 'done', '{}', 't', 't');
           INSERT INTO arms (study_id, key, label, kind, position, config)
             VALUES (1, 'baseline', 'baseline', 'baseline', 0, '{}');
           INSERT INTO trials (arm_id, seed, state, attempts, metrics)
             VALUES (1, 0, 'done', 1, '{"test_accuracy":0.5}');`);
  v1.close();
  const store = await openStore(file);
  t.after(() => store.close());
  const [trial] = await store.trials(1);
  assert.equal(trial.state, 'done');
  assert.deepEqual(trial.metrics, { test_accuracy: 0.5 });
  assert.deepEqual(
    [trial.host, trial.worker, trial.leaseUntil, trial.priority, trial.key, trial.reusedFrom],
    [null, null, null, 0, null, null],
  );
  assert.equal(await store.checkpoint(trial.id), null);
  assert.equal(header(file).version, SCHEMA_VERSION);
});

test('a later version is applied in place on top of the current one, keeping the data', async (t) => {
  const file = join(tempDir(t), 'a.db');
  const store = await openStore(file);
  await smallStudy(store);
  await store.close();
  const next: Migration = {
    version: SCHEMA_VERSION + 1,
    description: 'trial tags',
    up: "ALTER TABLE trials ADD COLUMN tag TEXT NOT NULL DEFAULT ''",
  };
  const db = new Database(file);
  const to = SCHEMA_VERSION + 1;
  assert.deepEqual(migrate(db, file, [...MIGRATIONS, next]), { from: SCHEMA_VERSION, to });
  assert.deepEqual(migrate(db, file, [...MIGRATIONS, next]), { from: to, to });
  assert.equal(db.pragma('user_version', { simple: true }), to);
  assert.ok((db.pragma('table_info(trials)') as { name: string }[]).some((c) => c.name === 'tag'));
  assert.equal((db.prepare('SELECT count(*) AS n FROM arms').get() as { n: number }).n, 2);
  db.close();
});

test('a failing migration rolls back every step of the upgrade', async (t) => {
  const file = join(tempDir(t), 'a.db');
  await (await openStore(file)).close();
  const steps: Migration[] = [
    ...MIGRATIONS,
    {
      version: SCHEMA_VERSION + 1,
      description: 'fine',
      up: 'CREATE TABLE extra (x INTEGER) STRICT',
    },
    {
      version: SCHEMA_VERSION + 2,
      description: 'broken',
      up: (db) => {
        db.exec('CREATE TABLE half (x INTEGER)');
        throw new Error('disk said no');
      },
    },
  ];
  const db = new Database(file);
  await assert.rejects(
    async () => migrate(db, file, steps),
    (e: unknown) =>
      e instanceof StoreError &&
      new RegExp(
        `upgrading the schema to version ${SCHEMA_VERSION + 2} \\(broken\\) failed: disk said no`,
      ).test(e.message),
  );
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE name IN ('extra', 'half')").all();
  assert.deepEqual(tables, []);
  db.close();
});

test('a database from a newer tunebook is refused and left byte-for-byte unchanged', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'a.db');
  const store = await openStore(file);
  await smallStudy(store);
  await store.close();
  const raw = new Database(file);
  raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  raw.close();
  const before = fingerprint(file);
  const files = readdirSync(dir).sort();
  for (const options of [{}, { readonly: true }]) {
    await assert.rejects(
      async () => await openStore(file, options),
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
