import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CancelledError, TaskError, WorkerPool } from './worker-pool.js';

const script = new URL('./fixture-worker.js', import.meta.url);
type In = { kind: string; value?: number };

test('runs tasks on several workers and forwards progress', async () => {
  const pool = new WorkerPool<In, number>(script, 2);
  const progress: unknown[] = [];
  const results = await Promise.all(
    [1, 2, 3, 4].map((value) => pool.run({ kind: 'echo', value }, (p) => progress.push(p))),
  );
  assert.deepEqual(results, [1, 2, 3, 4]);
  assert.equal(progress.length, 4);
  await pool.terminate();
});

test('a throwing, exiting or out-of-memory worker fails only its task; the pool goes on', async () => {
  const pool = new WorkerPool<In, number>(script, 2, { maxMemoryMb: 32 });
  await assert.rejects(
    pool.run({ kind: 'throw' }),
    (e: unknown) => e instanceof TaskError && e.message === 'bad input',
  );
  await assert.rejects(pool.run({ kind: 'exit' }), /exited with code 3/);
  await assert.rejects(pool.run({ kind: 'oom' }), /out of memory/);
  assert.deepEqual(
    await Promise.all([pool.run({ kind: 'echo', value: 7 }), pool.run({ kind: 'echo', value: 8 })]),
    [7, 8],
  );
  await pool.terminate();
});

test('terminate stops running and queued tasks at once', async () => {
  const pool = new WorkerPool<In, number>(script, 1);
  const running = assert.rejects(pool.run({ kind: 'slow' }), /stopped/);
  const queued = assert.rejects(pool.run({ kind: 'echo', value: 1 }), /stopped/);
  await new Promise((r) => setTimeout(r, 100));
  const started = Date.now();
  await pool.terminate();
  await running;
  await queued;
  assert.ok(Date.now() - started < 2000);
  await assert.rejects(pool.run({ kind: 'echo' }), /closed/);
});

test('an aborted task is cancelled, running or queued; its worker is replaced and the pool goes on', async () => {
  const pool = new WorkerPool<In, number>(script, 1);
  const slow = new AbortController();
  const waiting = new AbortController();
  const running = pool.run({ kind: 'slow' }, undefined, slow.signal);
  const queued = pool.run({ kind: 'echo', value: 5 }, undefined, waiting.signal);
  const after = pool.run({ kind: 'echo', value: 6 });
  await new Promise((r) => setTimeout(r, 100));
  const started = Date.now();
  waiting.abort();
  await assert.rejects(queued, (e: unknown) => e instanceof CancelledError);
  assert.equal(pool.busy, 1, 'the running task is untouched by the queued one being cancelled');
  slow.abort();
  await assert.rejects(running, (e: unknown) => e instanceof CancelledError);
  // The queued task after them runs on the fresh worker, long before the slow task would end.
  assert.equal(await after, 6);
  assert.ok(Date.now() - started < 5000);
  await assert.rejects(
    pool.run({ kind: 'echo' }, undefined, AbortSignal.abort()),
    (e: unknown) => e instanceof CancelledError,
  );
  await pool.terminate();
});

test('a wasm abort replaces its worker and is named out of memory with the heap size', async () => {
  const pool = new WorkerPool<In, number>(script, 1);
  await assert.rejects(
    pool.run({ kind: 'abort' }),
    (e: unknown) =>
      e instanceof TaskError &&
      e.memory &&
      /^out of memory \(wasm heap at \d+ MB\)$/.test(e.message),
  );
  // The aborted worker would fail every later task ('memory access out of bounds'); its
  // replacement does not.
  assert.equal(await pool.run({ kind: 'echo', value: 4 }), 4);
  await pool.terminate();
});

test('a task over its memory budget is stopped; the task beside it is untouched', async () => {
  const pool = new WorkerPool<In, number>(script, 2, { budgetMb: 120 });
  const beside = assert.rejects(pool.run({ kind: 'slow' }), /stopped/);
  const started = Date.now();
  await assert.rejects(
    pool.run({ kind: 'hog' }),
    (e: unknown) =>
      e instanceof TaskError &&
      e.memory &&
      /^over its memory budget \(\d+ MB used, budget 120 MB; wasm heap at \d+ MB\)$/.test(
        e.message,
      ),
  );
  assert.ok(Date.now() - started < 5000);
  assert.equal(pool.busy, 1, 'the slow task still runs');
  assert.equal(await pool.run({ kind: 'echo', value: 2 }), 2);
  await pool.terminate();
  await beside;
});

test("over the process's memory budget, the busy task holding the most is stopped", async () => {
  // 1 MB for the whole process: already passed, so the first check stops the running task.
  const pool = new WorkerPool<In, number>(script, 1, { totalMb: 1 });
  await assert.rejects(
    pool.run({ kind: 'slow' }),
    (e: unknown) =>
      e instanceof TaskError &&
      e.memory &&
      /^over its memory budget \(the process at \d+ MB of the 1 MB allowed; wasm heap (at \d+ MB|size unknown)\)$/.test(
        e.message,
      ),
  );
  await pool.terminate();
});
