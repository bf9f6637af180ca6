/**
 * A shared study across processes, as users run it: a planner that only plans
 * (`--workers 0`) and two `tunebook worker` processes on one SQLite file; one worker is
 * killed with SIGKILL mid-trial, its lease lapses, and the other worker finishes that trial.
 * The verdicts equal a single-process run's. Plus the worker's bad input.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openStore } from '../../lab/store/open.js';
import { smallStudy } from '../../lab/store/test-helpers.js';
import { exited, runCli, spawnCli, watch } from '../../testing/cli.js';
import { sharedStudy, sharedVerdicts } from '../../testing/shared-study.js';

const { dir, file, track } = sharedStudy('tunebook-worker-');

function spawn(args: string[]): ChildProcess {
  return track(spawnCli(args));
}

test('planner with --workers 0 and two workers: a worker killed mid-trial loses it to the other; verdicts equal one process', async () => {
  const db = join(dir, 'shared.db');
  const worker = ['worker', '--db', db, '--workers', '1', '--lease-seconds', '2'];
  const planner = spawn(['study', file, '--db', db, '--workers', '0']);
  const plannerOut = watch(planner);
  await plannerOut.waitFor(/^study shared: /m); // the db exists from here on
  const a = spawn([...worker, '--study', 'shared']);
  const aOut = watch(a);
  const [, arm, seed] = await aOut.waitFor(/^claimed shared (\S+) seed (\d+) \(attempt 1/m);
  const b = spawn([...worker, '--study', 'shared']);
  const bOut = watch(b);
  await sleep(1500); // an epoch or more into the trial
  assert.ok(!aOut.text.includes(`done shared ${arm} seed ${seed}`), 'the trial ended too soon');
  a.kill('SIGKILL');
  assert.equal(await exited(planner), 0, plannerOut.text);
  assert.equal(await exited(b), 0, bOut.text);
  // The other worker took the trial over once the lease lapsed, and finished it.
  assert.match(bOut.text, new RegExp(`^claimed shared ${arm} seed ${seed} \\(attempt 2`, 'm'));
  assert.match(bOut.text, new RegExp(`^done shared ${arm} seed ${seed}$`, 'm'));
  const store = await openStore(db, { readonly: true });
  try {
    const study = (await store.findStudy('shared'))!;
    const trials = await store.trials(study.id);
    const taken = trials.find((t) => t.armKey === arm && t.seed === Number(seed))!;
    assert.deepEqual([taken.state, taken.attempts, taken.host], ['done', 2, hostname()]);
    assert.ok(trials.every((t) => t.state === 'done' && t.host === hostname()));
    assert.equal(study.state, 'done');
  } finally {
    await store.close();
  }
  // The same study in one process: the same verdicts, effects and trial scores.
  const single = join(dir, 'single.db');
  const r = runCli(['study', file, '--db', single, '--workers', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(sharedVerdicts(db), sharedVerdicts(single));
  // The readers take the db from TUNEBOOK_DB too.
  const fromEnv = runCli(['verdicts', 'shared', '--json'], { TUNEBOOK_DB: db });
  assert.equal(fromEnv.code, 0, fromEnv.stderr);
  assert.equal(JSON.parse(fromEnv.stdout).state, 'done');
});

test('the planner killed and restarted while a worker keeps going: the same verdicts', async () => {
  const db = join(dir, 'restarted.db');
  const plan = ['study', file, '--db', db, '--workers', '0'];
  const first = spawn(plan);
  const firstOut = watch(first);
  await firstOut.waitFor(/^study shared: /m);
  const w = spawn([
    'worker',
    '--db',
    db,
    '--workers',
    '1',
    '--lease-seconds',
    '2',
    '--study',
    'shared',
  ]);
  const wOut = watch(w);
  await firstOut.waitFor(/^done +\S+ seed \d+/m);
  first.kill('SIGKILL');
  await exited(first);
  const again = spawn(plan);
  const againOut = watch(again);
  assert.equal(await exited(again), 0, againOut.text);
  assert.equal(await exited(w), 0, wOut.text);
  // No trial ran twice: the restarted planner left the worker's claims alone.
  assert.doesNotMatch(wOut.text, /attempt 2/);
  const single = join(dir, 'single.db');
  assert.deepEqual(sharedVerdicts(db), sharedVerdicts(single));
});

test('a worker refuses a study whose training code differs from its own: one line, exit 2', async () => {
  const db = join(dir, 'old.db');
  const store = await openStore(db);
  const { baseline } = await smallStudy(store, 'old', { trainingCodeVersion: 'ancient' });
  const trial = await store.ensureTrial(baseline.id, 0);
  await store.close();
  for (const args of [['--study', 'old'], []]) {
    const r = runCli(['worker', '--db', db, '--workers', '1', ...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr.trim(),
      /^tunebook: study "old": made by a tunebook whose training code is version "ancient", this worker's is \d+: run the same tunebook version on every machine$/,
    );
  }
  // The claim of the second run was handed back: the trial is queued again, nothing written.
  const after = await openStore(db, { readonly: true });
  const t = (await after.trial(trial.id))!;
  await after.close();
  assert.ok(t.state === 'queued' || Date.parse(t.leaseUntil!) <= Date.now(), t.state);
  assert.equal(t.metrics, null);
});

test('bad worker and planner flags: one line, exit 2', () => {
  const db = join(dir, 'none.db');
  for (const [args, re] of [
    [['worker', '--db', db, '--workers', '-1'], /--workers/],
    [['worker', '--db', db, '--lease-seconds', '0'], /--lease-seconds/],
    [['study', file, '--db', db, '--workers', '-1'], /--workers/],
    [['study', file, '--db', db, '--lease-seconds', '0'], /--lease-seconds/],
    [['worker', '--db', db], /no such database file/],
  ] as const) {
    const r = runCli([...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], re);
  }
});
