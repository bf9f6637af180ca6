// The plumbing of the several-hosts test: a PostgreSQL server on one network namespace, a
// client on another reaching it over the bridge (SELECT 1 with the pg client, and a study
// written through the store), the main namespace too; namespaces are really apart.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { type TestContext, test } from 'node:test';
import { promisify } from 'node:util';
import { command, hosts, spawnOn } from './netns.js';
import { postgresUnavailable, startPostgres } from './postgres-cluster.js';

const run = promisify(execFile);
const skip = postgresUnavailable();
const storeModule = new URL('../lab/store/postgres/index.js', import.meta.url).href;

// Runs on a host: connects with the client and through the store, says where it ran.
const client = `
  import { createRequire } from 'node:module';
  import os from 'node:os';
  const { openPostgresStore } = await import(${JSON.stringify(storeModule)});
  const pg = createRequire(${JSON.stringify(storeModule)})('pg');
  const c = new pg.Client({ connectionString: process.env.TB_URL, connectionTimeoutMillis: 3000 });
  let one = null, error = null;
  try {
    await c.connect();
    one = (await c.query('SELECT 1 AS one')).rows[0].one;
    await c.end();
    const store = await openPostgresStore(process.env.TB_URL);
    await store.createStudy({ name: os.hostname() + ' ' + process.pid, hash: 'h', file: 'f', config: {}, environment: {} });
    await store.close();
  } catch (e) { error = e.code ?? e.message; }
  const addresses = Object.values(os.networkInterfaces()).flat().map((a) => a.address);
  console.log(JSON.stringify({ one, error, hostname: os.hostname(), addresses }));
`;

async function runOn(host: Parameters<typeof command>[0], url: string) {
  const argv = command(host, process.execPath, ['--input-type=module', '-e', client]);
  const { stdout } = await run(argv[0], argv.slice(1), { env: { ...process.env, TB_URL: url } });
  return JSON.parse(stdout) as {
    one: number | null;
    error: string | null;
    hostname: string;
    addresses: string[];
  };
}

async function plumbing(t: TestContext, forceLoopback: boolean) {
  const previous = process.env.TUNEBOOK_NETNS;
  if (forceLoopback) process.env.TUNEBOOK_NETNS = 'off';
  const lab = await hosts(t, 3);
  if (previous === undefined) delete process.env.TUNEBOOK_NETNS;
  else process.env.TUNEBOOK_NETNS = previous;
  if (forceLoopback) assert.equal(lab.kind, 'loopback');
  if (lab.kind === 'loopback')
    t.diagnostic(`no network namespaces here (${lab.reason}): hosts are loopback processes`);
  const [db, one, two] = lab.hosts;
  const pg = await startPostgres(t, { listen: db.address, prefix: db.prefix });
  const url = await pg.createDatabase('several_hosts');
  const fromOne = await runOn(one, url);
  assert.deepEqual([fromOne.one, fromOne.error], [1, null]);
  const fromTwo = await runOn(two, url);
  assert.deepEqual([fromTwo.one, fromTwo.error], [1, null]);
  // The main namespace (the planner's) reaches it too, and sees both hosts' studies.
  const names = (
    await pg.sql('SELECT name FROM studies ORDER BY id', [], 'several_hosts')
  ).rows.map((r) => r.name);
  assert.equal(names.length, 2);
  if (lab.kind === 'netns') {
    assert.equal(fromOne.hostname, one.name);
    assert.deepEqual(
      names.map((n) => n.split(' ')[0]),
      [one.name, two.name],
    );
    assert.ok(fromOne.addresses.includes(one.address), fromOne.addresses.join(' '));
    assert.ok(!fromOne.addresses.includes(two.address));
    assert.ok(!fromOne.addresses.includes(lab.gateway));
    // The spawned child is the command itself: killing it kills the worker, not a wrapper.
    const child = spawnOn(one, process.execPath, ['-e', 'console.log(process.pid)'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
    });
    await new Promise((r) => child.on('exit', r));
    assert.equal(Number(out.trim()), child.pid);
    // Apart for real: on host two's own loopback there is no server.
    const local = await runOn(two, pg.url('several_hosts').replace(db.address, '127.0.0.1'));
    assert.equal(local.error, 'ECONNREFUSED');
  }
}

test(
  'a client in one namespace reaches PostgreSQL in another (or loopback, said so)',
  { skip },
  (t) => plumbing(t, false),
);

test(
  'without namespaces the hosts are loopback processes, and the same plumbing works',
  { skip },
  (t) => plumbing(t, true),
);
