/**
 * The contract's claims, leases, checkpoints and trial reuse, as tests every engine must
 * pass: claim order, two connections never claiming the same trial, a lapsed lease going
 * back to the queue and its holder refused, checkpoints handed to the next attempt, and a
 * finished trial's outcome reused by key.
 *
 * @example
 *   claimsConformance('postgres', open);
 */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import type { Claimant } from '../store.js';
import {
  done,
  epoch,
  type OpenStore,
  opened,
  sleep,
  smallStudy,
  states,
  storeError,
} from './fixtures.js';

const claimant = (n: number, leaseMs = 60_000, studyId?: number): Claimant => ({
  worker: `host${n}:${1000 + n}:0`,
  host: `host${n}`,
  leaseMs,
  studyId,
});

export function claimsConformance(name: string, open: OpenStore, skip?: string): void {
  const it = (title: string, fn: (t: TestContext) => Promise<void>) =>
    test(`${name} store: ${title}`, { skip }, fn);

  it('claimTrial takes queued trials by priority, arm position, seed; records host, worker, lease', async (t) => {
    const store = await opened(t, open);
    const { study, baseline, arm } = await smallStudy(store);
    const other = await smallStudy(store, 'other');
    await store.ensureTrial(arm.id, 1);
    await store.ensureTrial(arm.id, 0);
    await store.ensureTrial(baseline.id, 2);
    await store.ensureTrial(arm.id, 7, { priority: 2 });
    await store.markRunning((await store.ensureTrial(baseline.id, 0)).id);
    await store.ensureTrial(other.baseline.id, 0);
    const before = Date.now();
    const order: string[] = [];
    for (;;) {
      const c = await store.claimTrial(claimant(1, 60_000, study.id));
      if (!c) break;
      order.push(`${c.armKey}/${c.seed}`);
      assert.equal(c.studyId, study.id);
      assert.equal(c.state, 'running');
      assert.equal(c.attempts, 1);
      assert.equal(c.host, 'host1');
      assert.equal(c.worker, 'host1:1001:0');
      assert.deepEqual(c.armConfig, c.armKey === 'baseline' ? { dropout: null } : { dropout: 0.5 });
      assert.ok(c.startedAt);
      // The lease runs about a minute from now (server clock; allow a little skew).
      const until = Date.parse(c.leaseUntil!);
      assert.ok(until > before + 50_000 && until < Date.now() + 70_000, c.leaseUntil!);
      const { armKey: _k, studyId: _s, armConfig: _c, ...row } = c;
      assert.deepEqual(await store.trial(c.id), row);
    }
    assert.deepEqual(order, ['m1-dropout/7', 'baseline/2', 'm1-dropout/0', 'm1-dropout/1']);
    // Other studies' trials are left to their own claimants; without a study, any study's.
    assert.deepEqual(await states(store, other.study.id), ['baseline/0:queued']);
    const any = await store.claimTrial(claimant(2));
    assert.equal(any?.studyId, other.study.id);
    assert.equal(await store.claimTrial(claimant(2)), null);
  });

  it('two connections claiming at once never get the same trial', async (t) => {
    const one = await opened(t, open);
    const two = await opened(t, open, { like: one });
    const { study, baseline, arm } = await smallStudy(one);
    await one.transaction(async (tx) => {
      for (let seed = 0; seed < 10; seed++) {
        await tx.ensureTrial(baseline.id, seed);
        await tx.ensureTrial(arm.id, seed);
      }
    });
    const claims = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 ? one : two).claimTrial(claimant(i, 60_000, study.id)),
      ),
    );
    const got = claims.filter((c) => c !== null);
    assert.equal(got.length, 20);
    assert.equal(new Set(got.map((c) => c.id)).size, 20);
    const trials = await one.trials(study.id);
    assert.ok(trials.every((x) => x.state === 'running' && x.attempts === 1));
    // Each trial is held by the worker that got it, and by no other.
    for (const c of got) assert.equal(trials.find((x) => x.id === c.id)?.worker, c.worker);
  });

  it('a lapsed lease is the holder’s until someone takes it; then renewLease is false and its finishTrial refused', async (t) => {
    const store = await opened(t, open);
    const { study, arm } = await smallStudy(store);
    const trial = await store.ensureTrial(arm.id, 1);
    const first = (await store.claimTrial(claimant(1, 300, study.id)))!;
    assert.equal(first.id, trial.id);
    assert.equal(await store.renewLease(trial.id, first.worker!, 300), true);
    // Only the holder renews or finishes.
    assert.equal(await store.renewLease(trial.id, 'host9:9:0', 60_000), false);
    assert.equal(await store.finishTrial(trial.id, done({ test_accuracy: 1 }), 'host9:9:0'), false);
    assert.equal((await store.trial(trial.id))!.state, 'running');
    // Lapsed, but no other attempt has started: the holder may still renew (a network blip).
    await sleep(600);
    assert.equal(await store.renewLease(trial.id, first.worker!, 300), true);
    assert.equal(await store.claimTrial(claimant(2, 60_000, study.id)), null);
    await sleep(600);

    const second = (await store.claimTrial(claimant(2, 60_000, study.id)))!;
    assert.equal(second.id, trial.id);
    assert.equal(second.attempts, 2);
    assert.equal(second.host, 'host2');
    assert.equal(await store.renewLease(trial.id, first.worker!, 60_000), false);
    assert.equal(
      await store.finishTrial(
        trial.id,
        done({ test_accuracy: 0.1 }, [epoch(0), epoch(1)]),
        first.worker!,
      ),
      false,
    );
    const during = (await store.trial(trial.id))!;
    assert.deepEqual(
      [during.state, during.worker, during.metrics],
      ['running', second.worker, null],
    );
    assert.deepEqual(await store.epochs(trial.id), []);
    assert.equal(
      await store.finishTrial(trial.id, done({ test_accuracy: 0.9 }, [epoch(0)]), second.worker!),
      true,
    );
    const finished = (await store.trial(trial.id))!;
    assert.equal(finished.state, 'done');
    assert.deepEqual(finished.metrics, { test_accuracy: 0.9 });
    assert.equal(finished.host, 'host2');
    assert.equal(finished.worker, null);
    assert.equal(finished.leaseUntil, null);
    assert.deepEqual(await store.epochs(trial.id), [epoch(0)]);
    // A finished trial's lease is gone for good.
    assert.equal(await store.renewLease(trial.id, second.worker!, 60_000), false);
  });

  it('expireLeases requeues lapsed claims only (of one study, or all), epochs cleared', async (t) => {
    const store = await opened(t, open);
    const one = await smallStudy(store, 'one');
    const two = await smallStudy(store, 'two');
    for (const s of [one, two]) {
      await store.ensureTrial(s.arm.id, 0);
      await store.ensureTrial(s.arm.id, 1);
    }
    const short1 = (await store.claimTrial(claimant(1, 200, one.study.id)))!;
    const long1 = (await store.claimTrial(claimant(2, 60_000, one.study.id)))!;
    const short2 = (await store.claimTrial(claimant(3, 200, two.study.id)))!;
    assert.equal(await store.expireLeases(), 0);
    await sleep(500);
    assert.equal(await store.expireLeases(one.study.id), 1);
    assert.equal((await store.trial(short1.id))!.state, 'queued');
    assert.equal((await store.trial(short1.id))!.worker, null);
    assert.equal((await store.trial(short1.id))!.leaseUntil, null);
    assert.equal(await store.renewLease(short1.id, short1.worker!, 60_000), false);
    assert.equal((await store.trial(long1.id))!.state, 'running');
    assert.equal((await store.trial(short2.id))!.state, 'running');
    assert.equal(await store.expireLeases(), 1);
    assert.equal((await store.trial(short2.id))!.state, 'queued');
    // A pushed trial (no lease) is never expired.
    await store.markRunning(short2.id);
    assert.equal(await store.expireLeases(), 0);
    assert.equal((await store.trial(short2.id))!.state, 'running');
  });

  it('requeueUnfinished leaves a running trial under a live lease to its worker; the planner can set it aside', async (t) => {
    const store = await opened(t, open);
    const { study, baseline, arm } = await smallStudy(store);
    await store.ensureTrial(arm.id, 0);
    const pushed = await store.ensureTrial(baseline.id, 0);
    await store.markRunning(pushed.id);
    const claimed = (await store.claimTrial(claimant(1, 60_000, study.id)))!;
    assert.equal(await store.requeueUnfinished(study.id), 1);
    assert.equal((await store.trial(pushed.id))!.state, 'queued');
    assert.equal((await store.trial(claimed.id))!.state, 'running');
    // Set aside by the planner: the worker learns it at its next heartbeat, and writes nothing.
    await store.requeueTrial(claimed.id);
    assert.equal(await store.renewLease(claimed.id, claimed.worker!, 60_000), false);
    assert.equal(await store.finishTrial(claimed.id, done({ x: 1 }), claimed.worker!), false);
    assert.equal((await store.trial(claimed.id))!.state, 'queued');
  });

  it('checkpoints: saved, replaced, kept for the next attempt, never replaced by an older one, dropped', async (t) => {
    const store = await opened(t, open);
    const { study, baseline, arm } = await smallStudy(store);
    const trial = await store.ensureTrial(arm.id, 1);
    const other = await store.ensureTrial(baseline.id, 1);
    assert.equal(await store.checkpoint(trial.id), null);
    await store.markRunning(other.id); // pushed: only `trial` is left to claim
    const first = (await store.claimTrial(claimant(1, 200, study.id)))!;
    assert.equal(first.id, trial.id);
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 7) % 256);
    // A checkpoint of `trial` (saved, and as read back).
    const cp = (attempt: number, at: number, data: Uint8Array) => ({
      trialId: trial.id,
      attempt,
      epoch: at,
      data,
    });
    await store.saveCheckpoint(cp(first.attempts, 1, new Uint8Array([1, 2])));
    await store.saveCheckpoint(cp(first.attempts, 2, bytes));
    assert.deepEqual(await store.checkpoint(trial.id), cp(1, 2, bytes));

    // The lease lapses; the next attempt finds the checkpoint to resume from.
    await sleep(500);
    const second = (await store.claimTrial(claimant(2, 60_000, study.id)))!;
    assert.equal(second.id, trial.id);
    assert.equal(second.attempts, 2);
    assert.deepEqual(await store.checkpoint(trial.id), cp(1, 2, bytes));
    await store.saveCheckpoint(cp(2, 3, new Uint8Array([3])));
    // The first attempt's late write does not replace the second's.
    await store.saveCheckpoint(cp(1, 9, new Uint8Array([1])));
    assert.deepEqual(await store.checkpoint(trial.id), cp(2, 3, new Uint8Array([3])));

    await store.saveCheckpoint({
      trialId: other.id,
      attempt: 1,
      epoch: 1,
      data: new Uint8Array([9]),
    });
    await store.finishTrial(trial.id, done({ test_accuracy: 1 }), second.worker!);
    // A study's drop takes its finished trials' checkpoints; a running trial keeps its own.
    await store.dropCheckpoints({ studyId: study.id });
    assert.equal(await store.checkpoint(trial.id), null);
    assert.deepEqual((await store.checkpoint(other.id))?.data, new Uint8Array([9]));
    await store.dropCheckpoints({ trialId: other.id });
    assert.equal(await store.checkpoint(other.id), null);
    await assert.rejects(
      store.saveCheckpoint({ trialId: 9999, attempt: 1, epoch: 1, data: new Uint8Array([1]) }),
      storeError(store, /no trial with id 9999/, 1),
    );
  });

  it('findByKey finds finished originals; reuseTrial copies outcome and epochs and records the source', async (t) => {
    const store = await opened(t, open);
    const one = await smallStudy(store, 'one');
    const two = await smallStudy(store, 'two');
    const source = await store.ensureTrial(one.arm.id, 1, { key: 'k1' });
    const failed = await store.ensureTrial(one.arm.id, 2, { key: 'k2' });
    assert.equal(await store.findByKey('k1'), null); // queued: nothing to reuse yet
    await store.markRunning(source.id, 'alpha');
    await store.finishTrial(source.id, done({ test_accuracy: 0.75 }, [epoch(0), epoch(1)]));
    await store.markRunning(failed.id);
    await store.finishTrial(failed.id, { ...done({}), state: 'failed', error: 'boom' });
    const found = (await store.findByKey('k1'))!;
    assert.equal(found.id, source.id);
    assert.equal(found.studyId, one.study.id);
    assert.equal(found.armKey, 'm1-dropout');
    assert.equal(found.state, 'done');
    assert.equal(await store.findByKey('k2'), null); // failed: not evidence
    assert.equal(await store.findByKey('none'), null);

    const target = await store.ensureTrial(two.arm.id, 1, { key: 'k1' });
    await store.reuseTrial(target.id, source.id);
    const reused = (await store.trial(target.id))!;
    assert.equal(reused.state, 'done');
    assert.equal(reused.reusedFrom, source.id);
    assert.equal(reused.key, 'k1');
    assert.deepEqual(reused.metrics, { test_accuracy: 0.75 });
    assert.deepEqual(reused.result, { params: 1234 });
    assert.deepEqual(await store.epochs(target.id), [epoch(0), epoch(1)]);
    // The original stays the one found: a reuse is not evidence of its own.
    assert.equal((await store.findByKey('k1'))!.id, source.id);
    await assert.rejects(store.reuseTrial(target.id, source.id), storeError(store, /queued/, 1));
    const queued = await store.ensureTrial(two.arm.id, 2);
    await assert.rejects(store.reuseTrial(queued.id, failed.id), storeError(store, /failed/, 1));
    assert.equal((await store.trial(queued.id))!.state, 'queued');
  });
}
