/**
 * A postgres:// URL as the store reads it: where to connect, with the password kept out of
 * every message. `redactUrl` is what errors, logs and `store.file` show; the password only
 * ever goes to the client's connection settings.
 *
 * @example
 *   redactUrl('postgres://ann:s3cret@db:5432/lab'); // 'postgres://ann:***@db:5432/lab'
 *   parseUrl('postgres://ann:s3cret@db/lab?connect_timeout=10').connectTimeoutMs; // 10000
 */
import { userInfo } from 'node:os';
import { StoreError } from '../errors.js';
import { redactTarget } from '../target.js';

/** Seconds without an answer before a connection attempt gives up (libpq's connect_timeout). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

const PROTOCOLS = ['postgres:', 'postgresql:'];
/** libpq's parameters that this store understands; others are refused by name. */
const PARAMS = [
  'connect_timeout',
  'sslmode',
  'application_name',
  'host',
  'port',
  'user',
  'password',
];
// libpq's meanings: require encrypts without checking the certificate, verify-full checks it.
const SSL_MODES = ['disable', 'require', 'verify-full'] as const;

/**
 * The URL with its password as `***` (in the authority, as `redactTarget` shows every
 * server target, or as `?password=`). Works on text that is not a valid URL too, so even
 * the message about a malformed URL leaks nothing.
 */
export function redactUrl(url: string): string {
  return redactTarget(url).replace(/([?&]password=)[^&#]*/gi, '$1***');
}

export interface PgTarget {
  /** The redacted URL: what messages and `store.file` show. */
  shown: string;
  host: string;
  port: number;
  database: string;
  user: string;
  /** Undefined: the client reads PGPASSWORD or ~/.pgpass, as libpq does. */
  password: string | undefined;
  ssl: boolean | { rejectUnauthorized: false };
  applicationName: string;
  connectTimeoutMs: number;
  /** Set by the opener: how long a statement may go without an answer, ms. */
  queryTimeoutMs?: number;
}

function bad(shown: string, problem: string): StoreError {
  return new StoreError(shown, problem);
}

export function parseUrl(url: string, options: { connectTimeoutMs?: number } = {}): PgTarget {
  const shown = redactUrl(url);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw bad(shown, 'not a valid URL: expected postgres://user@host:5432/database');
  }
  if (!PROTOCOLS.includes(u.protocol))
    throw bad(shown, `expected a postgres:// or postgresql:// URL, got ${u.protocol}//`);
  const q = u.searchParams;
  for (const key of q.keys())
    if (!PARAMS.includes(key))
      throw bad(shown, `unknown URL parameter ${key}: expected one of ${PARAMS.join(', ')}`);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/'))
    throw bad(shown, 'name the database in the URL: postgres://user@host:5432/<database>');
  // `?host=/run/postgresql` (a socket folder), as libpq takes it, when the URL names no host.
  // An IPv6 address comes bracketed in a URL; the client wants it bare.
  const host =
    decodeURIComponent(u.hostname).replace(/^\[(.*)\]$/, '$1') || q.get('host') || 'localhost';
  const portText = u.port || q.get('port') || '5432';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw bad(shown, `port: expected 1..65535, got ${portText}`);
  const timeoutText = q.get('connect_timeout');
  let connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (timeoutText !== null) {
    const seconds = Number(timeoutText);
    if (!(seconds > 0) || !Number.isFinite(seconds))
      throw bad(shown, `connect_timeout: expected seconds > 0, got ${timeoutText}`);
    connectTimeoutMs = seconds * 1000;
  }
  const sslmode = q.get('sslmode') ?? 'disable';
  if (!(SSL_MODES as readonly string[]).includes(sslmode))
    throw bad(shown, `sslmode: expected one of ${SSL_MODES.join(', ')}, got ${sslmode}`);
  const password = u.password ? decodeURIComponent(u.password) : (q.get('password') ?? undefined);
  return {
    shown,
    host,
    port,
    database,
    user:
      decodeURIComponent(u.username) || q.get('user') || process.env.PGUSER || userInfo().username,
    password,
    ssl:
      sslmode === 'disable' ? false : sslmode === 'require' ? { rejectUnauthorized: false } : true,
    applicationName: q.get('application_name') ?? 'tunebook',
    connectTimeoutMs,
  };
}
