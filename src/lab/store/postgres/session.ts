/**
 * Where a PostgreSQL store's statements go: the pool (each statement its own transaction),
 * or one client inside a transaction. `atomic` runs several statements all or nothing: a
 * transaction of its own on a dedicated client, or a savepoint inside the caller's
 * transaction (so a refused step, e.g. a taken study name, does not poison the caller's
 * whole transaction, as any error otherwise does in PostgreSQL).
 *
 * @example
 *   const n = await session.atomic(async (q) => (await q.query('DELETE ...')).rowCount);
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import { StoreError } from '../errors.js';
import { translate } from './errors.js';
import type { PgTarget } from './url.js';

export interface Query {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/** Which session's transaction the running code is inside (and whether it is still open). */
const inside = new AsyncLocalStorage<{ session: Session; open: boolean }>();

export class Session {
  private savepoints = 0;
  /** Inside a transaction: its statements one op at a time (savepoints must nest). */
  private queue: Promise<unknown> = Promise.resolve();
  /** Set when the transaction this session belongs to has ended. */
  ended = false;

  constructor(
    readonly pool: pg.Pool,
    readonly target: PgTarget,
    readonly readonly: boolean,
    readonly closed: { value: boolean },
    /** The transaction's client; null for the pool. */
    readonly client: pg.PoolClient | null = null,
  ) {}

  private check(): void {
    if (this.closed.value) throw new StoreError(this.target.shown, 'the store is closed', 1);
    if (this.ended)
      throw new StoreError(
        this.target.shown,
        'the transaction’s store was used after its transaction ended: use the outer store',
        1,
      );
    // The outer store from inside its own transaction would run on another connection and
    // could wait for ever on a row the transaction holds: refused, as on SQLite.
    const ctx = inside.getStore();
    if (ctx?.open && ctx.session === this)
      throw new StoreError(
        this.target.shown,
        'the store was used inside its own transaction: use the transaction argument `tx`',
        1,
      );
  }

  fail(e: unknown): unknown {
    return translate(this.target, e, { readonly: this.readonly });
  }

  writes(): void {
    if (this.readonly)
      throw new StoreError(
        this.target.shown,
        'the store was opened read-only; this operation writes',
        1,
      );
  }

  async rows<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    return (await this.run<R>(text, values)).rows;
  }

  /**
   * `name`: a prepared statement, planned once per connection; for the statements every
   * claim and heartbeat runs (an unnamed statement is planned on every call).
   */
  async run<R extends pg.QueryResultRow>(text: string, values: unknown[] = [], name?: string) {
    this.check();
    try {
      return await (this.client ?? this.pool).query<R>(
        name ? { name, text, values } : { text, values },
      );
    } catch (e) {
      throw this.fail(e);
    }
  }

  /** One write statement: atomic by itself on the pool, under a savepoint in a transaction. */
  async write<R extends pg.QueryResultRow>(text: string, values: unknown[] = [], name?: string) {
    this.writes();
    if (this.client === null) return this.run<R>(text, values, name);
    return this.atomic((q) => q.query<R>(text, values));
  }

  async atomic<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    this.writes();
    this.check();
    if (this.client !== null) {
      const client = this.client;
      const run = this.queue.then(() => this.savepoint(client, fn));
      this.queue = run.catch(() => {});
      return run;
    }
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw this.fail(e);
    }
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      broken = await rollback(client);
      throw this.fail(e);
    } finally {
      client.release(broken);
    }
  }

  private async savepoint<T>(client: pg.PoolClient, fn: (q: Query) => Promise<T>): Promise<T> {
    const name = `tb_${++this.savepoints}`;
    try {
      await client.query(`SAVEPOINT ${name}`);
      const result = await fn(client);
      await client.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (e) {
      await client.query(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => {});
      throw this.fail(e);
    }
  }

  /** Runs `fn` with a session bound to one transaction; nested calls take a savepoint. */
  async transaction<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    this.check();
    if (this.client !== null) {
      const client = this.client;
      const name = `tb_${++this.savepoints}`;
      try {
        await client.query(`SAVEPOINT ${name}`);
        const result = await fn(this);
        await client.query(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (e) {
        await client.query(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => {});
        throw this.fail(e);
      }
    }
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw this.fail(e);
    }
    const inner = new Session(this.pool, this.target, this.readonly, this.closed, client);
    const ctx = { session: this as Session, open: true };
    let broken = false;
    try {
      await client.query(this.readonly ? 'BEGIN READ ONLY' : 'BEGIN');
      const result = await inside.run(ctx, () => fn(inner));
      await inner.queue;
      await client.query('COMMIT');
      return result;
    } catch (e) {
      broken = await rollback(client);
      throw this.fail(e);
    } finally {
      ctx.open = false;
      inner.ended = true;
      client.release(broken);
    }
  }
}

/**
 * Rolls back; true when even that failed: the connection is broken and must not go back to
 * the pool (the next user would inherit a dead or half-open transaction).
 */
async function rollback(client: pg.PoolClient): Promise<boolean> {
  try {
    await client.query('ROLLBACK');
    return false;
  } catch {
    return true;
  }
}
