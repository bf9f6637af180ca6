/**
 * `openStore(target)`: the one way in, choosing the engine by the target. A `postgres://` or
 * `postgresql://` URL opens the PostgreSQL engine, loaded only then (so the SQLite path never
 * loads a PostgreSQL client); anything else is a SQLite file path (or ':memory:').
 *
 * @example
 *   const store = await openStore('tunebook.db');
 *   const shared = await openStore('postgres://lab@db.example:5432/tunebook');
 */
import { StoreError } from './errors.js';
import { openSqliteStore } from './sqlite-store.js';
import type { OpenOptions, Store } from './store.js';
import { isServerTarget, redactTarget } from './target.js';

type Opener = (target: string, options: OpenOptions) => Promise<Store>;

// A variable, not a literal: the PostgreSQL engine is an optional part of the build.
const POSTGRES_MODULE = './postgres/index.js';

async function postgresOpener(target: string): Promise<Opener> {
  try {
    const mod = (await import(POSTGRES_MODULE)) as { openPostgresStore?: Opener };
    if (typeof mod.openPostgresStore === 'function') return mod.openPostgresStore;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND') throw e;
  }
  throw new StoreError(
    redactTarget(target),
    'PostgreSQL support is not installed in this tunebook: give a SQLite file instead',
  );
}

export async function openStore(target: string, options: OpenOptions = {}): Promise<Store> {
  if (isServerTarget(target)) return (await postgresOpener(target))(target, options);
  return openSqliteStore(target, options);
}
