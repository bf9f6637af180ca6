/**
 * The PostgreSQL client's and server's errors as messages a user can act on, each naming
 * the server and database (never the password). Constraint violations and the like are
 * tunebook bugs and pass through unchanged, with their stack.
 *
 * @example
 *   try { await pool.connect(); } catch (e) { throw translate(target, e); }
 */
import { TunebookError } from '../../../core/errors.js';
import { StoreError } from '../errors.js';
import { StoredJsonError } from '../json.js';
import type { PgTarget } from './url.js';

type Where = Pick<
  PgTarget,
  'shown' | 'host' | 'port' | 'database' | 'user' | 'connectTimeoutMs' | 'queryTimeoutMs'
>;

const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN']);
const LOST = new Set(['ECONNRESET', 'EPIPE', '57P01', '57P02', '08006', '08003', '08001']);

export function translate(where: Where, error: unknown, options: { readonly?: boolean } = {}) {
  if (error instanceof StoredJsonError) return new StoreError(where.shown, error.message);
  if (error instanceof TunebookError) return error;
  const code = String((error as { code?: unknown }).code ?? '');
  const message = String((error as Error)?.message ?? error);
  const server = `${where.host}:${where.port}`;
  const fail = (problem: string, exitCode: 1 | 2 | 3 = 2) =>
    new StoreError(where.shown, problem, exitCode);
  if (/Query read timeout/.test(message))
    return fail(
      `no answer from the PostgreSQL server at ${server} within ${(where.queryTimeoutMs ?? 0) / 1000} s while running a statement (network lost, or a lock held that long?)`,
      1,
    );
  if (code === 'ECONNREFUSED')
    return fail(
      `cannot connect to the PostgreSQL server at ${server} (connection refused): is it running and listening there?`,
    );
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return fail(`unknown host ${where.host}: check the host name in the URL`);
  if (
    UNREACHABLE.has(code) ||
    code === 'ETIMEDOUT' ||
    /timeout expired|connection timeout/i.test(message)
  )
    return fail(
      `no answer from the PostgreSQL server at ${server} within ${where.connectTimeoutMs / 1000} s (host unreachable or a firewall?); add ?connect_timeout=<seconds> to the URL to wait longer`,
    );
  if (code === '28P01')
    return fail(`the server at ${server} refused the password of user "${where.user}"`);
  if (/client password must be a string|password authentication failed/i.test(message))
    return fail(
      `the server at ${server} asks user "${where.user}" for a password and none was given: put it in the URL, PGPASSWORD or ~/.pgpass`,
    );
  if (code === '28000')
    return fail(
      `the server at ${server} does not let user "${where.user}" connect to database "${where.database}" (pg_hba.conf)`,
    );
  if (code === '3D000')
    return fail(
      `database "${where.database}" does not exist on ${server}: create it (createdb ${where.database}) or fix the URL`,
    );
  if (code === '42501')
    return fail(
      `user "${where.user}" lacks a privilege on database "${where.database}" (${message})`,
    );
  if (code === '25006')
    return options.readonly
      ? fail('the store was opened read-only; this operation writes', 1)
      : fail(`the server refuses writes (${message})`);
  if (code === '53300' || code === '57P03')
    return fail(`the server at ${server} takes no more connections now (${message})`, 1);
  if (code === '53100') return fail(`the server at ${server} is out of disk space (${message})`, 3);
  if (LOST.has(code) || /Connection terminated|connection is closed|not queryable/i.test(message))
    return fail(`lost the connection to the PostgreSQL server at ${server} (${message})`, 1);
  if (/after calling end on the pool|Client was closed/i.test(message))
    return fail('the store is closed', 1);
  return error;
}
