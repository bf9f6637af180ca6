import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { StoreError } from './errors.js';
import { openStore } from './open.js';
import { fingerprint, smallStudy, tempDir } from './test-helpers.js';

/** A StoreError for bad input: code E_STORE, exit 2, message starting with the file. */
function refused(file: string, pattern: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof StoreError, String(e));
    assert.equal(e.code, 'E_STORE');
    assert.equal(e.exitCode, 2);
    assert.ok(e.message.startsWith(`${file}: `), e.message);
    assert.match(e.message, pattern);
    return true;
  };
}

/** Write permission bits do not stop root; then a read-only file cannot be simulated. */
function chmodProtects(file: string): boolean {
  try {
    closeSync(openSync(file, 'r+'));
    return false;
  } catch {
    return true;
  }
}

test('a path whose folder does not exist: refused, nothing created', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'missing', 'a.db');
  await assert.rejects(
    async () => await openStore(file),
    refused(file, /the folder .*missing does not exist/),
  );
  assert.deepEqual(readdirSync(dir), []);
});

test('a folder given as the database: refused', async (t) => {
  const dir = tempDir(t);
  await assert.rejects(
    async () => await openStore(dir),
    refused(dir, /is a folder, not a database file/),
  );
});

test('a missing file with create: false or readonly: refused, not created', async (t) => {
  const file = join(tempDir(t), 'a.db');
  await assert.rejects(
    async () => await openStore(file, { create: false }),
    refused(file, /no such database file/),
  );
  await assert.rejects(
    async () => await openStore(file, { readonly: true }),
    refused(file, /no such database file/),
  );
  assert.equal(existsSync(file), false);
});

test('a text file: refused as not a SQLite file, bytes unchanged', async (t) => {
  const dir = tempDir(t);
  for (const [name, content] of [
    ['notes.txt', 'dropout helped, I think\n'.repeat(20)],
    ['short.db', 'SQLite'],
  ]) {
    const file = join(dir, name);
    writeFileSync(file, content);
    const before = fingerprint(file);
    await assert.rejects(
      async () => await openStore(file),
      refused(file, /not a tunebook database \(not a SQLite/),
    );
    await assert.rejects(
      async () => await openStore(file, { readonly: true }),
      refused(file, /not a tunebook/),
    );
    assert.equal(fingerprint(file), before);
  }
  assert.deepEqual(readdirSync(dir).sort(), ['notes.txt', 'short.db']);
});

test('a SQLite database of another application: refused, bytes unchanged, no files left', async (t) => {
  const dir = tempDir(t);
  const cases: [string, (db: Database.Database) => void][] = [
    ['plain.db', () => {}],
    ['wal.db', (db) => db.pragma('journal_mode = WAL')],
    ['appid.db', (db) => db.pragma('application_id = 1234')],
    ['version-only.db', (db) => db.pragma('user_version = 7')],
  ];
  for (const [name, setup] of cases) {
    const file = join(dir, name);
    const other = new Database(file);
    setup(other);
    if (name !== 'version-only.db') {
      other.exec(`CREATE TABLE recipes_${name.length} (id INTEGER PRIMARY KEY, title TEXT)`);
      other.prepare(`INSERT INTO recipes_${name.length} (title) VALUES (?)`).run('bread');
    }
    await other.close();
    const before = fingerprint(file);
    await assert.rejects(
      async () => await openStore(file),
      refused(file, /not a tunebook database \(a SQLite database of another application/),
      name,
    );
    await assert.rejects(
      async () => await openStore(file, { readonly: true }),
      refused(file, /another application/),
    );
    assert.equal(fingerprint(file), before, name);
  }
  assert.deepEqual(readdirSync(dir).sort(), cases.map(([n]) => n).sort());
});

test('an empty file (touch) becomes a tunebook database; an empty one is not readable as one', async (t) => {
  const file = join(tempDir(t), 'a.db');
  writeFileSync(file, '');
  await assert.rejects(
    async () => await openStore(file, { readonly: true }),
    refused(file, /empty file/),
  );
  const store = await openStore(file);
  await smallStudy(store);
  await store.close();
  const reader = await openStore(file, { readonly: true });
  assert.equal((await reader.listStudies()).length, 1);
  await reader.close();
});

test('a database locked by another process: a clear error within the busy timeout, unchanged', async (t) => {
  const file = join(tempDir(t), 'a.db');
  const store = await openStore(file);
  await smallStudy(store);
  await store.close();
  const before = fingerprint(file);
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const script = `
    const Database = require(${JSON.stringify(driver)});
    const db = new Database(${JSON.stringify(file)});
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    setTimeout(() => {}, 60000);
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
    child.on('exit', (code) => reject(new Error(`lock holder exited early (${code})`)));
  });

  const started = Date.now();
  await assert.rejects(
    async () => await openStore(file),
    refused(file, /the database is locked by another process \(another study running on it\?\)$/),
  );
  const waited = Date.now() - started;
  assert.ok(waited >= 1500 && waited < 5000, `waited ${waited} ms`);
  assert.equal(fingerprint(file), before);

  // Readers are not blocked by a writer (WAL).
  const reader = await openStore(file, { readonly: true });
  assert.equal((await reader.listStudies()).length, 1);
  reader.close();

  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('close', resolve));
  const after = await openStore(file, { busyTimeoutMs: 200 });
  t.after(() => after.close());
  assert.equal((await after.listStudies()).length, 1);
});

test('a writer whose database gets locked mid-run: the write fails with the lock message', async (t) => {
  const file = join(tempDir(t), 'a.db');
  const store = await openStore(file, { busyTimeoutMs: 300 });
  t.after(() => store.close());
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const script = `
    const db = new (require(${JSON.stringify(driver)}))(${JSON.stringify(file)});
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    setTimeout(() => {}, 60000);
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  await new Promise<void>((resolve) =>
    child.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve()),
  );
  await assert.rejects(
    async () => await smallStudy(store),
    refused(file, /locked by another process/),
  );
  assert.deepEqual(await store.listStudies(), []);
});

test('a read-only database file: refused, unchanged', async (t) => {
  const file = join(tempDir(t), 'a.db');
  await (await openStore(file)).close();
  chmodSync(file, 0o444);
  const before = fingerprint(file);
  // A reader needs no write permission.
  await (await openStore(file, { readonly: true })).close();
  if (!chmodProtects(file)) {
    t.skip(
      'running as root: chmod 0444 does not stop writes, so a read-only file cannot be simulated',
    );
    return;
  }
  await assert.rejects(
    async () => await openStore(file),
    refused(file, /the database file is read-only/),
  );
  assert.equal(fingerprint(file), before);
});

test('a read-only folder: refused, nothing created', async (t) => {
  const dir = join(tempDir(t), 'locked');
  mkdirSync(dir);
  chmodSync(dir, 0o555);
  const file = join(dir, 'a.db');
  const probeFile = join(dir, 'probe');
  let writable = true;
  try {
    writeFileSync(probeFile, '');
  } catch {
    writable = false;
  }
  if (writable) {
    t.skip('running as root: a 0555 folder still takes new files, so it cannot be simulated');
    return;
  }
  await assert.rejects(
    async () => await openStore(file),
    refused(file, /the folder .* is read-only/),
  );
  assert.deepEqual(readdirSync(dir), []);
});
