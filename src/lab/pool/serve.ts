/**
 * The worker side of `WorkerPool`: answers each request with the handler's result, or its
 * error as one line, and forwards progress reports.
 *
 * @example
 *   serve(async (input, report) => { report({ epoch: 1 }); return run(input); });
 */
import { parentPort } from 'node:worker_threads';
import type { WorkerReply, WorkerRequest } from './worker-pool.js';

export function serve<I, O>(
  handler: (input: I, report: (progress: unknown) => void) => Promise<O>,
): void {
  const port = parentPort;
  if (!port) throw new Error('serve() must run in a worker thread');
  port.on('message', async (request: WorkerRequest<I>) => {
    const send = (reply: WorkerReply<O>) => port.postMessage(reply);
    try {
      const result = await handler(request.input, (progress) => send({ id: request.id, progress }));
      send({ id: request.id, result });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      send({ id: request.id, error: message.split('\n')[0] });
    }
  });
}
