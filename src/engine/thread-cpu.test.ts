import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { threadCpuSeconds } from './thread-cpu.js';

test("a thread's CPU time counts its own work, not the other threads'", async () => {
  const start = threadCpuSeconds();
  if (start === null) return; // neither threadCpuUsage nor /proc: nothing to measure here
  // A worker spins until its own clock says 0.5 s of CPU while this thread waits: this thread's
  // time barely moves (a process-wide measure would move by the worker's 0.5 s).
  const url = new URL('./thread-cpu.js', import.meta.url).href;
  const spun = await new Promise<number>((resolve, reject) => {
    const worker = new Worker(
      `import(${JSON.stringify(url)}).then(({ threadCpuSeconds }) => {
         const { parentPort } = require('node:worker_threads');
         const t0 = threadCpuSeconds();
         const end = Date.now() + 20000;
         let x = 0;
         while (threadCpuSeconds() - t0 < 0.5 && Date.now() < end)
           for (let i = 0; i < 1e5; i++) x += Math.sqrt(x + 1);
         parentPort.postMessage(threadCpuSeconds() - t0);
       });`,
      { eval: true },
    );
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const mine = threadCpuSeconds()! - start;
  assert.ok(spun >= 0.5, `the worker's own CPU time: ${spun}`);
  assert.ok(mine < 0.25, `this thread's CPU time while the worker spun: ${mine}`);
});
