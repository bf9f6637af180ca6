import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseStudy } from './config/load.js';
import { runStudy } from './runner.js';
import { openStore } from './store/index.js';

const STUDY = `
name: scheduling
data: { source: mnist, limit: 200 }
model: { name: mlp }
training: { epochs: 1 }
seeds: { minSeeds: 3, maxSeeds: 10 }
measures:
  - label: m1
    set: { training.batchSize: 16 }
  - label: m2
    set: { training.batchSize: 8 }
`;
const workerUrl = new URL('./fixture-trial-worker.js', import.meta.url);

async function run(workers: number, study = STUDY, shared = false) {
  const dir = mkdtempSync(join(tmpdir(), 'tunebook-runner-'));
  const store = await openStore(join(dir, 'db.sqlite'));
  try {
    const outcome = await runStudy(parseStudy(study), {
      store,
      workers,
      workerUrl,
      // Shared: trials go through the store's queue, claimed by this process's own threads.
      shared: shared ? { threads: workers, leaseMs: 5000, pollMs: 10 } : undefined,
    });
    const verdicts = (await store.verdicts(outcome.study.id)).map((v) => ({
      verdict: v.verdict,
      seeds: (v.details as { seeds: number[] }).seeds,
      effect: Number(v.effect.toFixed(6)),
    }));
    const trials = await store.trials(outcome.study.id);
    const states = trials.map((t) => `${t.armKey}/${t.seed}:${t.state}`);
    const trainedSeeds = (arm: string) =>
      trials.filter((t) => t.armKey === arm).map((t) => t.metrics?.trained_seed);
    const trained = { control: trainedSeeds('control'), baseline: trainedSeeds('baseline') };
    return { outcome, verdicts, states, trained };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('verdicts follow the sequential rule whatever runs ahead: 1 worker and 3 workers agree', async () => {
  const one = await run(1);
  const three = await run(3);
  const upTo = (n: number) => Array.from({ length: n }, (_, s) => s);
  assert.deepEqual(one.verdicts, [
    // m1: undecided up to 6 seeds, effective at 7; its seeds 7-9 (far below) are never read.
    { verdict: 'effective', seeds: upTo(7), effect: 2.714286 },
    { verdict: 'unstable', seeds: upTo(10), effect: 0.1 },
    // The negative control: the baseline at seeds 1000+, paired with the baseline at 0-9.
    { verdict: 'unstable', seeds: upTo(10), effect: -0.1 },
  ]);
  assert.deepEqual(three.verdicts, one.verdicts);
  // With one worker nothing is idle, so nothing runs ahead; 3 workers do run ahead.
  assert.deepEqual(one.outcome.ahead, { started: 0, setAside: 0 });
  // While m1's slow seed 6 trains, idle workers start m1's seed 7 ahead; m1 is decided at
  // seed 6, so that trial is set aside (cancelled) and, unneeded, dropped at the end.
  assert.ok(three.outcome.ahead.started > 0, JSON.stringify(three.outcome.ahead));
  assert.ok(three.outcome.ahead.setAside > 0, JSON.stringify(three.outcome.ahead));
  assert.ok(!three.states.includes('m1-set/7:done'), three.states.join(' '));
  assert.equal(one.states.length, 10 + 7 + 10 + 10);
  // The control trains at seeds no other arm uses.
  assert.deepEqual(
    one.trained.control,
    upTo(10).map((s) => 1000 + s),
  );
  assert.deepEqual(one.trained.baseline, upTo(10));
  // Nothing is left queued or running; trials run ahead and finished are kept as done.
  for (const s of [...one.states, ...three.states]) assert.match(s, /:done$/);
  assert.ok(three.states.length >= one.states.length);
});

test('the stack arm starts once every measure is decided, with the effective ones, and pairs like the rest', async () => {
  const study = `${STUDY.replace('name: scheduling', 'name: stacked')}  - label: m3
    set: { training.epochs: 2 }
stack: true
`;
  for (const workers of [1, 3]) {
    const { verdicts, states } = await run(workers, study);
    assert.deepEqual(
      verdicts.map((v) => `${v.verdict} ${v.seeds.join(',')}`),
      [
        'effective 0,1,2,3,4,5,6',
        'unstable 0,1,2,3,4,5,6,7,8,9',
        'effective 0,1,2,3,4,5',
        'effective 0,1,2,3,4,5',
        'unstable 0,1,2,3,4,5,6,7,8,9',
      ],
    );
    // The stack arm ran at least the seeds its verdict read (seed 6 only if started ahead).
    const stack = states.filter((s) => s.startsWith('stack/')).map((s) => s.split(/[/:]/)[1]);
    assert.deepEqual(stack.slice(0, 6), ['0', '1', '2', '3', '4', '5']);
  }
});

test('the baseline runs first: when its first trial fails, no arm starts and the error says why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunebook-runner-'));
  const store = await openStore(join(dir, 'db.sqlite'));
  try {
    const broken = STUDY.replace('epochs: 1', 'epochs: 1, batchSize: 13');
    await assert.rejects(
      runStudy(parseStudy(broken), { store, workers: 3, workerUrl }),
      (error: Error & { exitCode?: number }) => {
        assert.equal(
          error.message,
          "the baseline's first trial (seed 0) failed: data/broken.png: not a PNG file (truncated)",
        );
        assert.equal(error.exitCode, 2);
        return true;
      },
    );
    const study = (await store.findStudy('scheduling'))!;
    assert.equal(study.state, 'interrupted');
    // Only the baseline ran (seed 0, and seeds 1-2 beside it on the idle workers).
    const started = (await store.trials(study.id)).filter((t) => t.state !== 'queued');
    assert.ok(started.length > 0);
    for (const t of started) assert.equal(t.armKey, 'baseline');
    assert.deepEqual(await store.verdicts(study.id), []);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an arm whose every trial fails gets no verdict (never NaN) and is named', async () => {
  const study = STUDY.replace('training.batchSize: 8', 'training.batchSize: 13');
  for (const workers of [1, 3]) {
    const { outcome, verdicts, states } = await run(workers, study);
    assert.deepEqual(outcome.noData, ['m2']);
    const upTo = (n: number) => Array.from({ length: n }, (_, s) => s);
    // m1's and the control's verdicts are the ones they have without the broken arm.
    assert.deepEqual(verdicts, [
      { verdict: 'effective', seeds: upTo(7), effect: 2.714286 },
      { verdict: 'unstable', seeds: upTo(10), effect: -0.1 },
    ]);
    // A failed trial uses up its seed: the arm stays undecided to maxSeeds.
    assert.deepEqual(
      states.filter((s) => s.startsWith('m2')),
      upTo(10).map((seed) => `m2-set/${seed}:failed`),
    );
    assert.equal(outcome.failed, 10);
  }
});

test('a shared study (trials through the queue, claimed by workers) gives the verdicts of a pushed one', async () => {
  const pushed = await run(1);
  const shared = await run(3, STUDY, true);
  assert.deepEqual(shared.verdicts, pushed.verdicts);
  // Every needed trial finished; what ran ahead and was set aside was dropped at the end.
  for (const s of shared.states) assert.match(s, /:done$/);
  assert.ok(shared.states.length >= pushed.states.length);
});
