/**
 * A throwaway PostgreSQL cluster for tests: Debian's server binaries
 * (/usr/lib/postgresql/<version>/bin, installed by scripts/ensure-system-deps.sh), `initdb`
 * into a temporary folder, listening on one address and a free port only (its socket in the
 * same folder), fsync off, password (scram-sha-256) authentication so a wrong password is
 * really refused. Started once per test file; each test takes a fresh database of it.
 * The server refuses to run as root, so as root it runs as the system user `tunebook-pg`
 * (created when missing) through `runuser`.
 *
 * @example
 *   const skip = postgresUnavailable();
 *   let pg: PostgresCluster;
 *   before(async () => { if (!skip) pg = await startPostgres({ after }); });
 *   test('...', { skip }, async () => { const url = await pg.createDatabase(); ... });
 */
import { execFile, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const ROOT = '/usr/lib/postgresql';
const SERVICE_USER = 'tunebook-pg';

export interface PostgresCluster {
  host: string;
  port: number;
  /** The superuser's name and password. */
  user: string;
  password: string;
  dir: string;
  /** A URL of this server (the superuser and password unless given). */
  url(database: string, login?: { user?: string; password?: string | null }): string;
  /** A new empty database; its URL. */
  createDatabase(name?: string): Promise<string>;
  /** SQL as the superuser on `database` (default postgres). */
  sql(text: string, values?: unknown[], database?: string): Promise<pg.QueryResult>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Address to listen on; default 127.0.0.1. */
  listen?: string;
  /** A command prefix for the server, e.g. ['ip', 'netns', 'exec', 'ns1']. */
  prefix?: string[];
  /** Address clients use; default `listen`. */
  host?: string;
}

/** The newest installed server's bin folder, or null. */
export function postgresBin(): string | null {
  if (!existsSync(ROOT)) return null;
  const versions = readdirSync(ROOT)
    .filter(
      (v) =>
        existsSync(join(ROOT, v, 'bin', 'initdb')) && existsSync(join(ROOT, v, 'bin', 'pg_ctl')),
    )
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(ROOT, versions[0], 'bin') : null;
}

/**
 * Why PostgreSQL tests cannot run here, or undefined when they can. Under CI (CI=true) a
 * missing server is an error, not a skip: ensure-system-deps.sh installs it there.
 */
export function postgresUnavailable(): string | undefined {
  if (postgresBin() !== null) return undefined;
  const why = `PostgreSQL is not installed (no ${ROOT}/*/bin/initdb): run scripts/ensure-system-deps.sh or apt-get install postgresql`;
  if (process.env.CI) throw new Error(why);
  return why;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** As root: the service user the server runs as, created when missing. */
function serviceUser(): { uid: number; gid: number } | null {
  if (!isRoot()) return null;
  const lookup = () => {
    const uid = spawnSync('id', ['-u', SERVICE_USER], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', SERVICE_USER], { encoding: 'utf8' });
    return uid.status === 0 ? { uid: Number(uid.stdout), gid: Number(gid.stdout) } : null;
  };
  const found = lookup();
  if (found) return found;
  // Two test files may race here: whichever loses finds the user made by the other.
  spawnSync('useradd', [
    '--system',
    '--no-create-home',
    '--home-dir',
    '/nonexistent',
    '--shell',
    '/usr/sbin/nologin',
    SERVICE_USER,
  ]);
  const made = lookup();
  if (!made)
    throw new Error(
      `cannot create the system user ${SERVICE_USER} to run PostgreSQL as (useradd failed)`,
    );
  return made;
}

/**
 * Where the cluster's folder goes: the temp folder, unless the service user could not reach
 * into it (a TMPDIR under /root, mode 0700): then /tmp.
 */
function baseDir(asServiceUser: boolean): string {
  const base = tmpdir();
  if (!asServiceUser) return base;
  return (statSync(base).mode & 0o001) !== 0 ? base : '/tmp';
}

/** Last resort when pg_ctl cannot stop it: the postmaster's pid is postmaster.pid's first line. */
function killPostmaster(data: string): void {
  try {
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    // SIGQUIT: the postmaster's immediate shutdown, which takes its children along.
    if (pid > 0) process.kill(pid, 'SIGQUIT');
  } catch {
    // not running
  }
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startPostgres(
  /** Stops the server after the test; null: the caller calls `stop()` (e.g. in a file's `after`). */
  t: { after(fn: () => unknown): void } | null,
  options: StartOptions = {},
): Promise<PostgresCluster> {
  const bin = postgresBin();
  if (!bin) throw new Error(postgresUnavailable() ?? 'PostgreSQL is not installed');
  const listen = options.listen ?? '127.0.0.1';
  const host = options.host ?? listen;
  const owner = serviceUser();
  const dir = mkdtempSync(join(baseDir(owner !== null), 'tunebook-pg-'));
  const data = join(dir, 'data');
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  // The prefix (another network namespace) only for what needs the network; pg_ctl stop
  // only signals a pid, and must work after the namespace is gone.
  const command = (cmd: string, args: string[], prefix = options.prefix ?? []) => [
    ...prefix,
    ...(owner ? ['runuser', '-u', SERVICE_USER, '--'] : []),
    join(bin, cmd),
    ...args,
  ];
  const as = (cmd: string, args: string[], prefix?: string[]) => {
    const full = command(cmd, args, prefix);
    return run(full[0], full.slice(1), { encoding: 'utf8' });
  };
  writeFileSync(join(dir, 'pw'), password);
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(join(dir, 'pw'), owner.uid, owner.gid);
  }
  let started = false;
  // A test file that crashes still stops its server (exit handlers run synchronously).
  const onExit = () => {
    if (!started) return;
    const full = command('pg_ctl', ['-D', data, '-m', 'immediate', 'stop'], []);
    if (spawnSync(full[0], full.slice(1)).status !== 0) killPostmaster(data);
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  };
  const stop = async () => {
    process.off('exit', onExit);
    if (started) {
      started = false;
      await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'], []).catch(() =>
        killPostmaster(data),
      );
    }
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  };
  process.once('exit', onExit);
  t?.after(stop);
  await as('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=scram-sha-256',
    `--pwfile=${join(dir, 'pw')}`,
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  // Clients from other network namespaces (10.x addresses) too; the listen address limits who can reach it.
  appendFileSync(join(data, 'pg_hba.conf'), 'host all all 0.0.0.0/0 scram-sha-256\n');
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort(options.prefix ? '127.0.0.1' : listen);
    const settings = [
      `-h ${listen}`,
      `-p ${port}`,
      `-k ${dir}`,
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
    ].join(' ');
    try {
      await as('pg_ctl', [
        '-D',
        data,
        '-l',
        join(dir, 'log'),
        '-w',
        '-t',
        '60',
        '-o',
        settings,
        'start',
      ]);
      started = true;
      break;
    } catch (e) {
      // Another process took the port between the probe and the start: try another.
      if (attempt >= 3) throw new Error(`pg_ctl start failed: ${(e as Error).message}`);
    }
  }
  const url = (database: string, login: { user?: string; password?: string | null } = {}) => {
    const user = encodeURIComponent(login.user ?? 'postgres');
    const pw = login.password === null ? '' : `:${encodeURIComponent(login.password ?? password)}`;
    return `postgres://${user}${pw}@${host}:${port}/${database}`;
  };
  const sql = async (text: string, values: unknown[] = [], database = 'postgres') => {
    const client = new pg.Client({ connectionString: url(database) });
    await client.connect();
    try {
      return await client.query(text, values);
    } finally {
      await client.end();
    }
  };
  let made = 0;
  return {
    host,
    port,
    user: 'postgres',
    password,
    dir,
    url,
    sql,
    async createDatabase(name = `t${process.pid}_${++made}`) {
      await sql(`CREATE DATABASE "${name}"`);
      return url(name);
    },
    stop,
  };
}
