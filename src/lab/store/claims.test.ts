import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError } from './errors.js';
import { openStore } from './open.js';
import type { Claimant, TrialOutcome } from './store.js';
import { smallStudy, tempDir } from './test-helpers.js';

const A: Claimant = { worker: 'hostA:1:0', host: 'hostA', leaseMs: 60_000 };
const B: Claimant = { worker: 'hostB:2:0', host: 'hostB', leaseMs: 60_000 };

const outcome = (score: number): TrialOutcome => ({
  state: 'done',
  seconds: 1,
  metrics: { test_accuracy: score },
  result: { by: score },
  error: null,
  epochs: [{ epoch: 0, lr: 0.1, trainLoss: 1 - score, seconds: 1 }],
});

test('claimTrial takes the queued trial of highest priority, under a lease, recording host and worker', async (t) => {
  const store = await openStore(join(tempDir(t), 'a.db'));
  t.after(() => store.close());
  const { study, baseline, arm } = await smallStudy(store);
  const other = await smallStudy(store, 'other');
  await store.ensureTrial(baseline.id, 0);
  const needed = await store.ensureTrial(arm.id, 1, { priority: 10, key: 'k1' });
  await store.ensureTrial(other.baseline.id, 0, { priority: 99 });
  const before = Date.now();
  const claimed = await store.claimTrial({ ...A, studyId: study.id });
  assert.ok(claimed);
  assert.equal(claimed.id, needed.id);
  assert.equal(claimed.state, 'running');
  assert.equal(claimed.attempts, 1);
  assert.equal(claimed.host, 'hostA');
  assert.equal(claimed.worker, A.worker);
  assert.equal(claimed.key, 'k1');
  assert.equal(claimed.armKey, 'm1-dropout');
  assert.equal(claimed.studyId, study.id);
  assert.deepEqual(claimed.armConfig, { dropout: 0.5 });
  const lease = Date.parse(claimed.leaseUntil!);
  assert.ok(lease >= before + 59_000 && lease <= Date.now() + 60_000, claimed.leaseUntil!);
  // Without a study: any study's, highest priority first.
  assert.equal((await store.claimTrial(B))!.armId, other.baseline.id);
  assert.equal((await store.claimTrial(B))!.armId, baseline.id);
  assert.equal(await store.claimTrial(B), null);
  await assert.rejects(store.claimTrial({ ...A, leaseMs: 0 }), StoreError);
});

test('ensureTrial raises the priority of a queued trial, never lowers it, and keeps its key', async (t) => {
  const store = await openStore(':memory:');
  t.after(() => store.close());
  const { arm } = await smallStudy(store);
  const low = await store.ensureTrial(arm.id, 3, { priority: 1, key: 'k' });
  assert.equal((await store.ensureTrial(arm.id, 3, { priority: 5, key: 'other' })).priority, 5);
  const again = await store.ensureTrial(arm.id, 3, { priority: 0 });
  assert.equal(again.priority, 5);
  assert.equal(again.key, 'k');
  assert.equal(again.id, low.id);
});

test('renewLease holds only for the holder; a set-aside trial answers false', async (t) => {
  const store = await openStore(':memory:');
  t.after(() => store.close());
  const { arm } = await smallStudy(store);
  const trial = await store.ensureTrial(arm.id, 0);
  const claimed = (await store.claimTrial(A))!;
  assert.equal(await store.renewLease(trial.id, A.worker, 120_000), true);
  const renewed = (await store.trial(trial.id))!;
  assert.ok(Date.parse(renewed.leaseUntil!) > Date.parse(claimed.leaseUntil!));
  assert.equal(await store.renewLease(trial.id, B.worker, 1000), false);
  await store.requeueTrial(trial.id); // the planner sets it aside
  assert.equal(await store.renewLease(trial.id, A.worker, 1000), false);
  const queued = (await store.trial(trial.id))!;
  assert.deepEqual([queued.state, queued.worker, queued.leaseUntil], ['queued', null, null]);
  assert.equal(await store.finishTrial(trial.id, outcome(0.9), A.worker), false);
  assert.equal((await store.trial(trial.id))!.state, 'queued');
});

test('a lapsed lease puts the trial back in the queue; the late holder cannot finish it', async (t) => {
  const store = await openStore(join(tempDir(t), 'a.db'));
  t.after(() => store.close());
  const { study, arm } = await smallStudy(store);
  const trial = await store.ensureTrial(arm.id, 0);
  await store.claimTrial({ ...A, leaseMs: 30 });
  await sleep(60);
  // Lapsed but not yet taken by anyone: the holder still counts (no other attempt started).
  assert.equal(await store.renewLease(trial.id, A.worker, 30), true);
  await sleep(60);
  assert.equal(await store.expireLeases(study.id + 1), 0, 'another study is left alone');
  assert.equal(await store.expireLeases(study.id), 1);
  assert.equal((await store.trial(trial.id))!.state, 'queued');
  assert.equal(await store.expireLeases(), 0);
  const second = (await store.claimTrial(B))!;
  assert.equal(second.attempts, 2);
  assert.equal(second.host, 'hostB');
  // A's result arrives late: refused, nothing written; B's is kept.
  assert.equal(await store.finishTrial(trial.id, outcome(0.1), A.worker), false);
  assert.deepEqual(await store.epochs(trial.id), []);
  assert.equal(await store.finishTrial(trial.id, outcome(0.9), B.worker), true);
  const done = (await store.trial(trial.id))!;
  assert.deepEqual(
    [done.state, done.metrics, done.worker, done.leaseUntil, done.host],
    ['done', { test_accuracy: 0.9 }, null, null, 'hostB'],
  );
  assert.equal((await store.epochs(trial.id))[0].trainLoss, 0.09999999999999998);
  await assert.rejects(store.finishTrial(9999, outcome(1), A.worker), StoreError);
});

test('claimTrial itself lapses expired leases before it picks', async (t) => {
  const store = await openStore(':memory:');
  t.after(() => store.close());
  const { arm } = await smallStudy(store);
  const trial = await store.ensureTrial(arm.id, 0);
  await store.claimTrial({ ...A, leaseMs: 20 });
  assert.equal(await store.claimTrial(B), null);
  await sleep(40);
  const taken = (await store.claimTrial(B))!;
  assert.equal(taken.id, trial.id);
  assert.equal(taken.worker, B.worker);
});

test('a restarted planner leaves trials under a live lease running; pushed ones are requeued', async (t) => {
  const store = await openStore(':memory:');
  t.after(() => store.close());
  const { study, baseline, arm } = await smallStudy(store);
  const claimed = await store.ensureTrial(arm.id, 0, { priority: 1 });
  const pushed = await store.ensureTrial(baseline.id, 0);
  await store.claimTrial(A);
  await store.markRunning(pushed.id, 'here');
  assert.equal((await store.trial(pushed.id))!.host, 'here');
  assert.equal(await store.requeueUnfinished(study.id), 1);
  assert.equal((await store.trial(claimed.id))!.state, 'running');
  assert.equal((await store.trial(pushed.id))!.state, 'queued');
});

test('checkpoints: replaced by the same or a newer attempt, never by an older one; dropped by trial or study', async (t) => {
  const store = await openStore(join(tempDir(t), 'a.db'));
  t.after(() => store.close());
  const { study, baseline, arm } = await smallStudy(store);
  const a = await store.ensureTrial(arm.id, 0);
  const b = await store.ensureTrial(baseline.id, 0);
  assert.equal(await store.checkpoint(a.id), null);
  const bytes = (n: number) => new Uint8Array([n, 0, 255, n]);
  await store.saveCheckpoint({ trialId: a.id, attempt: 1, epoch: 1, data: bytes(1) });
  await store.saveCheckpoint({ trialId: a.id, attempt: 2, epoch: 1, data: bytes(2) });
  await store.saveCheckpoint({ trialId: a.id, attempt: 2, epoch: 2, data: bytes(3) });
  await store.saveCheckpoint({ trialId: a.id, attempt: 1, epoch: 3, data: bytes(4) });
  const cp = (await store.checkpoint(a.id))!;
  assert.deepEqual([cp.trialId, cp.attempt, cp.epoch], [a.id, 2, 2]);
  assert.deepEqual([...cp.data], [3, 0, 255, 3]);
  await assert.rejects(
    store.saveCheckpoint({ trialId: 9999, attempt: 1, epoch: 1, data: bytes(0) }),
    StoreError,
  );
  await store.saveCheckpoint({ trialId: b.id, attempt: 1, epoch: 1, data: bytes(5) });
  await store.markRunning(b.id);
  await store.finishTrial(b.id, outcome(0.5));
  // By study: only finished trials' checkpoints go (a queued one may still resume).
  await store.dropCheckpoints({ studyId: study.id });
  assert.equal(await store.checkpoint(b.id), null);
  assert.ok(await store.checkpoint(a.id));
  await store.dropCheckpoints({ trialId: a.id });
  assert.equal(await store.checkpoint(a.id), null);
});

test('findByKey finds the original finished trial; reuseTrial copies its outcome and epochs', async (t) => {
  const store = await openStore(':memory:');
  t.after(() => store.close());
  const first = await smallStudy(store, 'first');
  const second = await smallStudy(store, 'second');
  const source = await store.ensureTrial(first.arm.id, 0, { key: 'K' });
  assert.equal(await store.findByKey('K'), null, 'queued: no evidence yet');
  await store.markRunning(source.id, 'm1');
  await store.finishTrial(source.id, outcome(0.8));
  const found = (await store.findByKey('K'))!;
  assert.deepEqual(
    [found.id, found.studyId, found.armKey],
    [source.id, first.study.id, 'm1-dropout'],
  );
  const reuser = await store.ensureTrial(second.arm.id, 0, { key: 'K' });
  await store.reuseTrial(reuser.id, source.id);
  const reused = (await store.trial(reuser.id))!;
  assert.deepEqual(
    [reused.state, reused.metrics, reused.reusedFrom, reused.host],
    ['done', { test_accuracy: 0.8 }, source.id, 'm1'],
  );
  assert.deepEqual(await store.epochs(reuser.id), await store.epochs(source.id));
  // Still the original that is found, and a reuse of a reuse points at the original.
  assert.equal((await store.findByKey('K'))!.id, source.id);
  const third = await smallStudy(store, 'third');
  const again = await store.ensureTrial(third.arm.id, 0, { key: 'K' });
  await store.reuseTrial(again.id, reuser.id);
  assert.equal((await store.trial(again.id))!.reusedFrom, source.id);
  await assert.rejects(store.reuseTrial(again.id, source.id), StoreError, 'only a queued trial');
});

test('a transaction holds the connection: other calls wait for it, and the outer store inside it is refused', async (t) => {
  const store = await openStore(join(tempDir(t), 'a.db'));
  t.after(() => store.close());
  const { study, arm } = await smallStudy(store);
  const order: string[] = [];
  let leak: import('./store.js').Store | null = null;
  const tx = store.transaction(async (inner) => {
    leak = inner;
    await inner.ensureTrial(arm.id, 1);
    await sleep(30); // another caller's statement must not slip in here
    order.push('tx');
    await inner.ensureTrial(arm.id, 2);
    return 'ok';
  });
  const outside = store.trials(study.id).then((rows) => {
    order.push(`outside saw ${rows.length}`);
  });
  assert.equal(await tx, 'ok');
  await outside;
  assert.deepEqual(order, ['tx', 'outside saw 2']);
  await assert.rejects(leak!.trials(study.id), /after its transaction ended/);
  await assert.rejects(
    store.transaction(async () => store.trials(study.id)),
    /used inside its own transaction/,
  );
  // The refused transaction was rolled back and the store still works.
  assert.equal((await store.trials(study.id)).length, 2);
});

test('two processes claiming from one SQLite file never take the same trial', async (t) => {
  const file = join(tempDir(t), 'shared.db');
  const store = await openStore(file);
  const { study, baseline, arm } = await smallStudy(store);
  for (let seed = 0; seed < 20; seed++) {
    await store.ensureTrial(baseline.id, seed);
    await store.ensureTrial(arm.id, seed);
  }
  const module = new URL('./open.js', import.meta.url).href;
  const claimer = (name: string) => `
    const { openStore } = await import(${JSON.stringify(module)});
    const store = await openStore(${JSON.stringify(file)}, { busyTimeoutMs: 10000 });
    const got = [];
    for (;;) {
      const t = await store.claimTrial({ worker: '${name}', host: '${name}', leaseMs: 60000 });
      if (!t) break;
      got.push(t.id);
      await store.finishTrial(t.id, { state: 'done', seconds: 0, metrics: { x: 1 }, result: null, error: null, epochs: [] }, '${name}');
    }
    await store.close();
    console.log(JSON.stringify(got));`;
  const run = (name: string) =>
    new Promise<number[]>((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', claimer(name)]);
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.stderr.on('data', (d) => {
        err += d;
      });
      child.on('exit', (code) =>
        code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(err)),
      );
    });
  const [x, y] = await Promise.all([run('p1'), run('p2')]);
  const all = [...x, ...y].sort((a, b) => a - b);
  assert.equal(new Set(all).size, all.length, 'a trial was claimed twice');
  assert.equal(all.length, 40);
  const trials = await store.trials(study.id);
  assert.ok(trials.every((tr) => tr.state === 'done' && tr.attempts === 1));
  await store.close();
});
