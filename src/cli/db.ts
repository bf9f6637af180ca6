/** The `--db` flag shared by the lab's commands, and opening the store it names. */

import { UsageError } from '../core/errors.js';
import * as lab from '../lab/index.js';
import type { FlagSpecs, FlagValues } from './args.js';

export const DB_FLAG: FlagSpecs = {
  db: {
    type: 'string',
    help: 'the study database: a SQLite file or a postgres:// URL (default $TUNEBOOK_DB, else ./tunebook.db)',
  },
};

/** `--db`, else the environment's TUNEBOOK_DB (one setting for a shell on a shared study), else ./tunebook.db. */
export function dbPath(flags: FlagValues): string {
  const fromEnv = process.env.TUNEBOOK_DB;
  const db = (flags.db as string | undefined) ?? (fromEnv || undefined) ?? 'tunebook.db';
  if (db.trim() === '')
    throw new UsageError('--db: expected a database file path or a postgres:// URL, got ""');
  return db;
}

/** Opens the store for reading: a missing db is an error, never created. */
export function openForReading(flags: FlagValues): Promise<lab.Store> {
  return lab.openStore(dbPath(flags), { readonly: true, create: false });
}
