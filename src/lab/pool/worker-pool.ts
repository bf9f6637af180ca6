/**
 * A pool of worker threads, each with its own tfjs, that runs tasks one at a time per worker.
 * A worker that crashes, exits or runs out of memory fails only its task (the error is
 * returned as text) and is replaced; the pool goes on. A task given an AbortSignal is
 * cancelled when it fires: taken off the queue, or its worker stopped and replaced, and the
 * task fails with a `CancelledError`. `terminate` stops everything at once (Ctrl-C),
 * failing what was running.
 *
 * @example
 *   const pool = new WorkerPool<Input, Output>(new URL('./trial-worker.js', import.meta.url), 2);
 *   const out = await pool.run(input, (progress) => console.log(progress));
 */
import { Worker } from 'node:worker_threads';

export interface WorkerRequest<I> {
  id: number;
  input: I;
}

export type WorkerReply<O> =
  | { id: number; result: O }
  | { id: number; error: string }
  | { id: number; progress: unknown };

interface Slot<I, O> {
  worker: Worker;
  task: Task<I, O> | null;
}

interface Task<I, O> {
  id: number;
  input: I;
  onProgress?: (progress: unknown) => void;
  signal?: AbortSignal;
  resolve: (output: O) => void;
  reject: (error: Error) => void;
}

/** A task's failure inside the worker (its message is the worker's error, one line). */
export class TaskError extends Error {}

/** A task stopped through its AbortSignal. */
export class CancelledError extends TaskError {
  constructor() {
    super('cancelled');
  }
}

export class WorkerPool<I, O> {
  private readonly slots: Slot<I, O>[] = [];
  private readonly queue: Task<I, O>[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly script: URL,
    readonly size: number,
    private readonly options: { maxMemoryMb?: number; workerData?: unknown } = {},
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** Runs one task on the next free worker; `signal` cancels it (see CancelledError). */
  run(input: I, onProgress?: (progress: unknown) => void, signal?: AbortSignal): Promise<O> {
    if (this.closed) return Promise.reject(new TaskError('the worker pool is closed'));
    if (signal?.aborted) return Promise.reject(new CancelledError());
    return new Promise<O>((resolve, reject) => {
      const task: Task<I, O> = { id: this.nextId++, input, onProgress, signal, resolve, reject };
      signal?.addEventListener('abort', () => this.cancel(task), { once: true });
      this.queue.push(task);
      this.dispatch();
    });
  }

  /** Tasks running now. */
  get busy(): number {
    return this.slots.filter((s) => s.task).length;
  }

  /** Stops every worker now; running and queued tasks fail. */
  async terminate(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new TaskError('stopped'));
    await Promise.all(
      this.slots.map(async (slot) => {
        const task = slot.task;
        slot.task = null;
        slot.worker.removeAllListeners();
        await slot.worker.terminate();
        task?.reject(new TaskError('stopped'));
      }),
    );
  }

  private spawn(): Slot<I, O> {
    const worker = new Worker(this.script, {
      workerData: this.options.workerData,
      resourceLimits: this.options.maxMemoryMb
        ? { maxOldGenerationSizeMb: this.options.maxMemoryMb }
        : undefined,
    });
    const slot: Slot<I, O> = { worker, task: null };
    worker.on('message', (reply: WorkerReply<O>) => this.onReply(slot, reply));
    worker.on('error', (error) => this.onDeath(slot, describeError(error)));
    worker.on('exit', (code) => this.onDeath(slot, `the worker exited with code ${code}`));
    return slot;
  }

  private cancel(task: Task<I, O>): void {
    const queued = this.queue.indexOf(task);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      task.reject(new CancelledError());
      return;
    }
    const slot = this.slots.find((s) => s.task === task);
    if (!slot || this.closed) return;
    slot.task = null;
    this.replace(slot);
    task.reject(new CancelledError());
    this.dispatch();
  }

  private onReply(slot: Slot<I, O>, reply: WorkerReply<O>): void {
    const task = slot.task;
    if (!task || task.id !== reply.id) return;
    if ('progress' in reply) {
      task.onProgress?.(reply.progress);
      return;
    }
    slot.task = null;
    if ('result' in reply) task.resolve(reply.result);
    else task.reject(new TaskError(reply.error));
    this.dispatch();
  }

  private onDeath(slot: Slot<I, O>, reason: string): void {
    if (!this.slots.includes(slot) || this.closed) return;
    const task = slot.task;
    slot.task = null;
    this.replace(slot);
    task?.reject(new TaskError(reason));
    this.dispatch();
  }

  /** Stops a slot's worker and puts a fresh one in its place. */
  private replace(slot: Slot<I, O>): void {
    slot.worker.removeAllListeners();
    void slot.worker.terminate();
    this.slots[this.slots.indexOf(slot)] = this.spawn();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.task || this.queue.length === 0) continue;
      const task = this.queue.shift()!;
      slot.task = task;
      const request: WorkerRequest<I> = { id: task.id, input: task.input };
      slot.worker.postMessage(request);
    }
  }
}

function describeError(error: Error & { code?: string }): string {
  if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') return 'the worker ran out of memory';
  return (error.message || String(error)).split('\n')[0];
}
