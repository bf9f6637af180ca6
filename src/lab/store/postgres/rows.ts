/**
 * PostgreSQL rows in the shapes SQLite gives (rows.ts): ids and counts as numbers, times as
 * ISO strings, JSON as text; so the two engines share one mapping to the store's row types.
 * The trial's claim, key and reuse columns are mapped here.
 *
 * @example
 *   new pg.Pool({ types: PG_TYPES }); pgTrial(row);
 */
import pg from 'pg';
import { type TrialRecord, toTrial } from '../rows.js';
import type { Checkpoint, TrialRow } from '../store.js';

const INT8 = 20;
const TIMESTAMPTZ = 1184;
const parseTimestamp = pg.types.getTypeParser(TIMESTAMPTZ, 'text') as (v: string) => Date;

/**
 * Per pool, not pg's global table: ids are bigint (int8), which pg leaves as strings to be
 * safe past 2^53; tunebook's ids and counts never get near it. Times as ISO strings like the
 * SQLite engine's (millisecond precision).
 */
export const PG_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8) return (v: string) => Number(v);
    if (oid === TIMESTAMPTZ) return (v: string) => parseTimestamp(v).toISOString();
    // biome-ignore lint/suspicious/noExplicitAny: pg's overloads do not take a union format
    return pg.types.getTypeParser(oid, format as any);
  },
} as pg.CustomTypesConfig;

export interface PgTrialRecord extends TrialRecord {
  host: string | null;
  worker: string | null;
  lease_until: string | null;
  priority: number;
  key: string | null;
  reused_from: number | null;
}

export function pgTrial(r: PgTrialRecord): TrialRow {
  return {
    ...toTrial(r),
    host: r.host,
    worker: r.worker,
    leaseUntil: r.lease_until,
    priority: r.priority,
    key: r.key,
    reusedFrom: r.reused_from,
  };
}

export function pgCheckpoint(r: {
  trial_id: number;
  attempt: number;
  epoch: number;
  data: Buffer;
}): Checkpoint {
  // A plain Uint8Array, as the caller gave it (a Buffer compares unequal in strict asserts).
  const data = new Uint8Array(r.data.length);
  data.set(r.data);
  return { trialId: r.trial_id, attempt: r.attempt, epoch: r.epoch, data };
}
