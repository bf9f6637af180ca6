/**
 * A study across machines, as the README's "Several machines" runs it: PostgreSQL on one
 * host, a `tunebook worker` on each of two others (network namespaces joined by a bridge,
 * each with its own address and host name), the planner in the main namespace. One worker is
 * killed with SIGKILL mid-trial; its lease lapses and the other host finishes that trial. The
 * verdicts equal a single-process SQLite run's. Where namespaces cannot be made, the test
 * says so and runs the workers as processes on loopback.
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openStore } from '../../lab/store/open.js';
import { BIN, exited, runCli, spawnCli, watch } from '../../testing/cli.js';
import { hosts, spawnOn } from '../../testing/netns.js';
import { postgresUnavailable, startPostgres } from '../../testing/postgres-cluster.js';
import { sharedStudy, sharedVerdicts } from '../../testing/shared-study.js';

const { dir, file, track } = sharedStudy('tunebook-hosts-');

test(
  'workers on two hosts and PostgreSQL on a third: one killed mid-trial, its trial finishes on the other; verdicts equal one SQLite process',
  { skip: process.env.CI ? false : postgresUnavailable() },
  async (t) => {
    const lab = await hosts(t, 3);
    if (lab.kind === 'loopback')
      t.diagnostic(`no network namespaces here (${lab.reason}): workers run on loopback`);
    const [dbHost, one, two] = lab.hosts;
    const pg = await startPostgres(t, { listen: dbHost.address, prefix: dbHost.prefix });
    const url = await pg.createDatabase('several_hosts');
    const planner = track(spawnCli(['study', file, '--db', url, '--workers', '0']));
    const plannerOut = watch(planner);
    await plannerOut.waitFor(/^study shared: /m);
    const worker = (host: typeof one) => {
      const child = spawnOn(
        host,
        process.execPath,
        [BIN, 'worker', '--workers', '1', '--lease-seconds', '2', '--study', 'shared'],
        { env: { ...process.env, TUNEBOOK_DB: url }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      return { child: track(child), out: watch(child) };
    };
    const a = worker(one);
    const [, arm, seed] = await a.out.waitFor(/^claimed shared (\S+) seed (\d+) \(attempt 1/m);
    const b = worker(two);
    await sleep(1500);
    assert.ok(!a.out.text.includes(`done shared ${arm} seed ${seed}`), 'the trial ended too soon');
    a.child.kill('SIGKILL');
    assert.equal(await exited(planner), 0, plannerOut.text);
    assert.equal(await exited(b.child), 0, b.out.text);
    assert.match(b.out.text, new RegExp(`^claimed shared ${arm} seed ${seed} \\(attempt 2`, 'm'));
    // The password reached no output.
    const password = new URL(url).password;
    for (const text of [plannerOut.text, a.out.text, b.out.text])
      assert.ok(!text.includes(password), 'a password was printed');
    const store = await openStore(url, { readonly: true });
    try {
      const study = (await store.findStudy('shared'))!;
      const trials = await store.trials(study.id);
      const taken = trials.find((x) => x.armKey === arm && x.seed === Number(seed))!;
      const machine = lab.kind === 'netns' ? two.name : hostname();
      assert.deepEqual([taken.state, taken.attempts, taken.host], ['done', 2, machine]);
      assert.ok(trials.every((x) => x.state === 'done'));
      if (lab.kind === 'netns')
        assert.ok(trials.every((x) => x.host === one.name || x.host === two.name));
    } finally {
      await store.close();
    }
    const single = join(dir, 'single.db');
    const r = runCli(['study', file, '--db', single, '--workers', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(sharedVerdicts(url), sharedVerdicts(single));
  },
);
