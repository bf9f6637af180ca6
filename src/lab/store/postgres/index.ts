/**
 * The PostgreSQL engine of the store, loaded only for a postgres:// or postgresql:// URL (so
 * the SQLite-only paths never load the client).
 *
 * Opening connects with a timeout (default 5 s; `?connect_timeout=<s>` in the URL or
 * `connectTimeoutMs`), checks what the database holds and migrates an empty or older
 * tunebook schema. Refused, with one line naming the server and database and nothing
 * written: an unreachable or unknown host, a refused password, a missing database, a
 * database holding another application's tables, a schema from a newer tunebook.
 *
 * @example
 *   const store = await openPostgresStore('postgres://lab@db.internal:5432/tunebook');
 *   const reader = await openPostgresStore(url, { readonly: true }); // report, dashboard
 */
import pg from 'pg';
import type { OpenOptions, Store } from '../store.js';
import { translate } from './errors.js';
import { PgStore } from './pg-store.js';
import { PG_TYPES } from './rows.js';
import { assertUsable, identify, migrate } from './schema.js';
import { Session } from './session.js';
import { parseUrl } from './url.js';

export { PG_APPLICATION_ID, PG_SCHEMA_VERSION } from './schema.js';
export { redactUrl } from './url.js';

export interface PostgresOpenOptions extends OpenOptions {
  /** How long to wait for the server to answer a connection, ms. Default 5000. */
  connectTimeoutMs?: number;
  /** Connections kept by the store's pool. Default 4. */
  poolSize?: number;
  /**
   * How long a statement may go without an answer, ms. Default 60000. A worker whose network
   * is gone gets an error from its heartbeat instead of waiting on TCP for many minutes.
   */
  queryTimeoutMs?: number;
}

const DEFAULT_POOL_SIZE = 4;
const DEFAULT_QUERY_TIMEOUT_MS = 60_000;

export async function openPostgresStore(
  url: string,
  options: PostgresOpenOptions = {},
): Promise<Store> {
  const target = parseUrl(url, { connectTimeoutMs: options.connectTimeoutMs });
  target.queryTimeoutMs = options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  const readonly = options.readonly ?? false;
  const pool = new pg.Pool({
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    password: target.password,
    ssl: target.ssl,
    application_name: target.applicationName,
    connectionTimeoutMillis: target.connectTimeoutMs,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    query_timeout: target.queryTimeoutMs,
    // Probe an idle connection after 10 s of silence, so a dead peer is noticed.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    types: PG_TYPES,
    // A reader's connections refuse writes on the server too, not only in this code.
    options: readonly ? '-c default_transaction_read_only=on' : undefined,
  });
  // An idle connection dropped by the server (restart, network) must not crash the process:
  // the next statement on the pool connects again, or fails with a translated error.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    try {
      if (readonly) assertUsable(target.shown, await identify(client, target.shown), { readonly });
      else await migrate(client, target.shown);
    } finally {
      client.release();
    }
  } catch (e) {
    await pool.end().catch(() => {});
    throw translate(target, e, { readonly });
  }
  return new PgStore(new Session(pool, target, readonly, { value: false }));
}
