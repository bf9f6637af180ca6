// Opening a PostgreSQL store: migrations, and the refusals (one line, exit 2, nothing
// written, no password anywhere) against a real server.
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import pg from 'pg';
import {
  freePort,
  type PostgresCluster,
  postgresUnavailable,
  startPostgres,
} from '../../../testing/postgres-cluster.js';
import { StoreError } from '../errors.js';
import { TABLES } from '../test-helpers.js';
import { openPostgresStore, PG_SCHEMA_VERSION } from './index.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, parseUrl, redactUrl } from './url.js';

const skip = postgresUnavailable();
let cluster: PostgresCluster;
before(async () => {
  if (!skip) cluster = await startPostgres(null);
});
after(() => cluster?.stop());

/** A one-line StoreError, exit 2, naming `where`, without `secret`. */
function refusal(pattern: RegExp, where: string, secret?: string) {
  return (e: unknown) => {
    assert.ok(e instanceof StoreError, String(e));
    assert.equal(e.exitCode, 2);
    assert.ok(!e.message.includes('\n'), e.message);
    assert.ok(e.message.includes(where), e.message);
    assert.match(e.message, pattern);
    if (secret) {
      assert.ok(!e.message.includes(secret), e.message);
      assert.ok(!e.file.includes(secret), e.file);
      assert.ok(!String(e.stack).includes(secret));
    }
    return true;
  };
}

const tables = async (db: string) =>
  (
    await cluster.sql(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
      [],
      db,
    )
  ).rows.map((r) => r.tablename as string);

test('redactUrl hides the password wherever it is; parseUrl names what is wrong', () => {
  assert.equal(redactUrl('postgres://ann:s3cret@db:5432/lab'), 'postgres://ann:***@db:5432/lab');
  assert.equal(redactUrl('postgresql://ann:p%40ss@db/lab?x=1'), 'postgresql://ann:***@db/lab?x=1');
  assert.equal(
    redactUrl('postgres://db/lab?password=s3cret&a=b'),
    'postgres://db/lab?password=***&a=b',
  );
  assert.equal(redactUrl('postgres://ann:s3c ret@[bad/lab'), 'postgres://ann:***@[bad/lab');
  assert.equal(redactUrl('postgres://ann@db/lab'), 'postgres://ann@db/lab');
  const t = parseUrl('postgres://ann:p%40ss@db.internal/lab');
  assert.deepEqual(
    [t.host, t.port, t.database, t.user, t.password, t.connectTimeoutMs],
    ['db.internal', 5432, 'lab', 'ann', 'p@ss', DEFAULT_CONNECT_TIMEOUT_MS],
  );
  assert.equal(DEFAULT_CONNECT_TIMEOUT_MS, 5000);
  assert.equal(parseUrl('postgres://a@h/d?connect_timeout=2.5').connectTimeoutMs, 2500);
  assert.equal(parseUrl('postgres://a@[::1]:6543/d').host, '::1');
  assert.equal(parseUrl('postgres://a@[::1]:6543/d').port, 6543);
  assert.equal(parseUrl('postgres:///d?host=/run/postgresql').host, '/run/postgresql');
  assert.equal(parseUrl('postgres://a@h/d', { connectTimeoutMs: 700 }).connectTimeoutMs, 700);
  const bad = (url: string, pattern: RegExp) =>
    assert.throws(() => parseUrl(url), refusal(pattern, redactUrl(url), 'pw'));
  bad('postgres://a:pw@h/d?sslmod=require', /unknown URL parameter sslmod/);
  bad('postgres://a:pw@h:99999/d', /not a valid URL|port/);
  bad('postgres://a:pw@h/', /name the database/);
  bad('postgres://a:pw@h/d?connect_timeout=0', /connect_timeout: expected seconds > 0, got 0/);
  bad(
    'postgres://a:pw@h/d?sslmode=prefer',
    /sslmode: expected one of disable, require, verify-full/,
  );
});

test(
  'a new database gets the tunebook meta and schema; reopening migrates nothing',
  { skip },
  async () => {
    const url = await cluster.createDatabase();
    const db = new URL(url).pathname.slice(1);
    const store = await openPostgresStore(url);
    assert.ok(!store.file.includes(cluster.password));
    assert.equal(store.file, redactUrl(url));
    await store.close();
    const meta = async () =>
      Object.fromEntries(
        (await cluster.sql('SELECT key, value FROM meta', [], db)).rows.map((r) => [
          r.key,
          r.value,
        ]),
      );
    const first = await meta();
    assert.equal(first.application_id, 'tunebook');
    assert.equal(first.schema_version, String(PG_SCHEMA_VERSION));
    assert.deepEqual(await tables(db), TABLES);
    await (await openPostgresStore(url)).close();
    assert.deepEqual(await meta(), first);
  },
);

test('processes opening a new database at once migrate it once', { skip }, async () => {
  const url = await cluster.createDatabase();
  const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(url)));
  await Promise.all(stores.map((s) => s.close()));
  const db = new URL(url).pathname.slice(1);
  const rows = (await cluster.sql("SELECT value FROM meta WHERE key = 'schema_version'", [], db))
    .rows;
  assert.deepEqual(rows, [{ value: String(PG_SCHEMA_VERSION) }]);
});

test(
  'an unreachable server is refused after the connect timeout, naming host and port',
  { skip },
  async (t) => {
    // A server that accepts and never answers: what a black-holed host looks like to a client.
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    t.after(() => {
      for (const s of sockets) s.destroy();
      silent.close();
    });
    const port = (silent.address() as { port: number }).port;
    const url = `postgres://ann:hunter2@127.0.0.1:${port}/lab?connect_timeout=1`;
    const start = Date.now();
    await assert.rejects(
      openPostgresStore(url),
      refusal(
        /no answer from the PostgreSQL server at 127\.0\.0\.1:\d+ within 1 s/,
        `127.0.0.1:${port}`,
        'hunter2',
      ),
    );
    assert.ok(Date.now() - start < 4000, `took ${Date.now() - start} ms`);
    const closed = await freePort();
    await assert.rejects(
      openPostgresStore(`postgres://ann:hunter2@127.0.0.1:${closed}/lab`),
      refusal(/connection refused/, `127.0.0.1:${closed}`, 'hunter2'),
    );
    await assert.rejects(
      openPostgresStore('postgres://ann:hunter2@no-such-host.invalid/lab'),
      refusal(/unknown host no-such-host\.invalid|no answer/, 'no-such-host.invalid', 'hunter2'),
    );
  },
);

test('a refused password and a missing database are refused by name', { skip }, async () => {
  const url = await cluster.createDatabase();
  const db = new URL(url).pathname.slice(1);
  await assert.rejects(
    openPostgresStore(cluster.url(db, { password: 'wrong-hunter2' })),
    refusal(
      /refused the password of user "postgres"/,
      `${cluster.host}:${cluster.port}`,
      'wrong-hunter2',
    ),
  );
  const previous = process.env.PGPASSWORD;
  delete process.env.PGPASSWORD;
  try {
    await assert.rejects(
      openPostgresStore(cluster.url(db, { password: null })),
      refusal(/asks user "postgres" for a password and none was given/, cluster.host),
    );
  } finally {
    if (previous !== undefined) process.env.PGPASSWORD = previous;
  }
  await assert.rejects(
    openPostgresStore(cluster.url('nope')),
    refusal(/database "nope" does not exist on /, 'nope', cluster.password),
  );
  assert.deepEqual(await tables(db), []);
});

test(
  'another application’s database and a newer schema are refused, left untouched',
  { skip },
  async () => {
    const url = await cluster.createDatabase();
    const db = new URL(url).pathname.slice(1);
    await cluster.sql('CREATE TABLE customers (id integer PRIMARY KEY, name text)', [], db);
    await assert.rejects(
      openPostgresStore(url),
      refusal(
        /not a tunebook database \(it holds tables customers of another application; left untouched\)/,
        db,
        cluster.password,
      ),
    );
    assert.deepEqual(await tables(db), ['customers']);
    // A meta table of someone else's is not ours either.
    await cluster.sql(
      "CREATE TABLE meta (key text, value text); INSERT INTO meta VALUES ('application_id', 'other')",
      [],
      db,
    );
    await assert.rejects(openPostgresStore(url), refusal(/application "other"/, db));

    const newer = await cluster.createDatabase();
    const newerDb = new URL(newer).pathname.slice(1);
    await (await openPostgresStore(newer)).close();
    await cluster.sql("UPDATE meta SET value = '99' WHERE key = 'schema_version'", [], newerDb);
    const snapshot = async () =>
      (await cluster.sql('SELECT key, value FROM meta ORDER BY key', [], newerDb)).rows;
    const before = await snapshot();
    await assert.rejects(
      openPostgresStore(newer),
      refusal(
        /made by a newer tunebook \(schema version 99; this one reads up to 1\)/,
        newerDb,
        cluster.password,
      ),
    );
    await assert.rejects(
      openPostgresStore(newer, { readonly: true }),
      refusal(/newer tunebook/, newerDb),
    );
    assert.deepEqual(await snapshot(), before);
  },
);

test('a reader refuses an empty database and writes nothing', { skip }, async () => {
  const url = await cluster.createDatabase();
  const db = new URL(url).pathname.slice(1);
  await assert.rejects(
    openPostgresStore(url, { readonly: true }),
    refusal(/not a tunebook database yet \(an empty database\)/, db),
  );
  assert.deepEqual(await tables(db), []);
});

test('connections the server drops are replaced: the store goes on', { skip }, async (t) => {
  const url = await cluster.createDatabase();
  const db = new URL(url).pathname.slice(1);
  const store = await openPostgresStore(url);
  t.after(() => store.close());
  await store.createStudy({ name: 'a', hash: 'h', file: 'f', config: {}, environment: {} });
  // A server restart or a network blip, as the pool's idle connections see it.
  const killed = await cluster.sql(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [db],
  );
  assert.ok(killed.rowCount! >= 1);
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(
    (await store.listStudies()).map((s) => s.name),
    ['a'],
  );
});

test(
  'a local server through its socket folder: postgres:///db?host=<folder>',
  { skip },
  async (t) => {
    const url = await cluster.createDatabase();
    const db = new URL(url).pathname.slice(1);
    const socket = `postgres:///${db}?host=${cluster.dir}&port=${cluster.port}&user=postgres&password=${cluster.password}`;
    const store = await openPostgresStore(socket);
    t.after(() => store.close());
    assert.ok(!store.file.includes(cluster.password), store.file);
    assert.deepEqual(await store.listStudies(), []);
  },
);

test(
  'a statement without an answer within the query timeout: a run-time error, then the store goes on',
  { skip },
  async (t) => {
    const url = await cluster.createDatabase();
    const store = await openPostgresStore(url, { queryTimeoutMs: 500 });
    t.after(() => store.close());
    // Another session holds the table: the statement waits, as it would on a lost network.
    const locker = new pg.Client({ connectionString: url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE studies IN ACCESS EXCLUSIVE MODE');
    const start = Date.now();
    await assert.rejects(store.listStudies(), (e: unknown) => {
      assert.ok(e instanceof StoreError, String(e));
      assert.equal(e.exitCode, 1);
      assert.match(
        e.message,
        /no answer from the PostgreSQL server at .* within 0\.5 s while running a statement/,
      );
      return true;
    });
    assert.ok(Date.now() - start < 3000, `${Date.now() - start} ms`);
    await locker.query('ROLLBACK');
    await locker.end();
    assert.deepEqual(await store.listStudies(), []);
  },
);
