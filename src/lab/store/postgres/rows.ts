/**
 * PostgreSQL rows in the shapes SQLite gives (rows.ts): ids and counts as numbers, times as
 * ISO strings, JSON as text; so the two engines share one mapping to the store's row types.
 *
 * @example
 *   new pg.Pool({ types: PG_TYPES }); toTrial(row);
 */
import pg from 'pg';

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
