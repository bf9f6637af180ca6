/**
 * The worker side of `WorkerPool`: answers each request with the handler's result, or its
 * error as one line, and forwards progress reports. While a task runs, the worker's memory
 * (wasm heaps registered with memory-probe.ts, and its JS heap) is reported every
 * `MEMORY_REPORT_MS`, and with every error, so the pool can enforce a budget and name an
 * out-of-memory failure with the heap's size.
 *
 * @example
 *   serve(async (input, report) => { report({ epoch: 1 }); return run(input); });
 */
import { parentPort } from 'node:worker_threads';
import { workerMemory } from './memory-probe.js';
import type { WorkerReply, WorkerRequest } from './worker-pool.js';

/** Often enough to stop a runaway trial within a second, rarely enough to cost nothing. */
export const MEMORY_REPORT_MS = 200;

export function serve<I, O>(
  handler: (input: I, report: (progress: unknown) => void) => Promise<O>,
): void {
  const port = parentPort;
  if (!port) throw new Error('serve() must run in a worker thread');
  port.on('message', async (request: WorkerRequest<I>) => {
    const send = (reply: WorkerReply<O>) => port.postMessage(reply);
    const reportMemory = () => send({ id: request.id, memory: workerMemory() });
    const timer = setInterval(reportMemory, MEMORY_REPORT_MS);
    try {
      reportMemory();
      const result = await handler(request.input, (progress) => {
        send({ id: request.id, progress });
        reportMemory();
      });
      send({ id: request.id, result });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      send({ id: request.id, error: message.split('\n')[0], memory: workerMemory() });
    } finally {
      clearInterval(timer);
    }
  });
}
