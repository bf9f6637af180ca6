/**
 * A pool of worker threads, each with its own tfjs, that runs tasks one at a time per worker.
 * A worker that crashes, exits or runs out of memory fails only its task (the error is
 * returned as text) and is replaced; the pool goes on. A task that fails with a wasm abort
 * or an allocation failure (memory-faults.ts) also gets its worker replaced, since a wasm
 * heap that overflowed is left corrupt and would fail every later task, and its failure is
 * named "out of memory (wasm heap at N MB)". With a `budgetMb`, a task whose worker reports
 * more memory than that (wasm heap plus JS heap) is stopped and fails "over its memory
 * budget"; with a `totalMb`, when the whole process's resident memory passes it, the task
 * holding the most memory is stopped the same way. Either way the other tasks go on. A task given an AbortSignal is
 * cancelled when it fires: taken off the queue, or its worker stopped and replaced, and the
 * task fails with a `CancelledError`. `terminate` stops everything at once (Ctrl-C),
 * failing what was running.
 *
 * @example
 *   const pool = new WorkerPool<Input, Output>(new URL('./trial-worker.js', import.meta.url), 2);
 *   const out = await pool.run(input, (progress) => console.log(progress));
 */
import { Worker } from 'node:worker_threads';
import { isMemoryFault, OVER_BUDGET, outOfMemory } from './memory-faults.js';
import type { WorkerMemory } from './memory-probe.js';

export interface WorkerRequest<I> {
  id: number;
  input: I;
}

export type WorkerReply<O> =
  | { id: number; result: O }
  | { id: number; error: string; memory?: WorkerMemory }
  | { id: number; progress: unknown }
  | { id: number; memory: WorkerMemory };

interface Slot<I, O> {
  worker: Worker;
  task: Task<I, O> | null;
  /** The worker's last memory report, bytes (wasm heap + JS heap). */
  memory: WorkerMemory | null;
}

export interface PoolOptions {
  /** V8's old-generation limit per worker (JS objects only: not wasm nor typed arrays). */
  maxMemoryMb?: number;
  workerData?: unknown;
  /** Per task: wasm heap + JS heap reported by the worker. */
  budgetMb?: number;
  /** The whole process's resident memory (main thread and every worker). */
  totalMb?: number;
}

const MB = 1024 * 1024;
const RSS_CHECK_MS = 250;

interface Task<I, O> {
  id: number;
  input: I;
  onProgress?: (progress: unknown) => void;
  signal?: AbortSignal;
  resolve: (output: O) => void;
  reject: (error: Error) => void;
}

/**
 * A task's failure inside the worker (its message is the worker's error, one line).
 * `memory` is set when it failed for memory: out of memory, or over its budget.
 */
export class TaskError extends Error {
  constructor(
    message: string,
    readonly memory = false,
  ) {
    super(message);
  }
}

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
  private readonly rssTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly script: URL,
    readonly size: number,
    private readonly options: PoolOptions = {},
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
    if (options.totalMb) {
      this.rssTimer = setInterval(() => this.checkRss(), RSS_CHECK_MS);
      this.rssTimer.unref();
    }
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
    clearInterval(this.rssTimer);
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
    const slot: Slot<I, O> = { worker, task: null, memory: null };
    worker.on('message', (reply: WorkerReply<O>) => this.onReply(slot, reply));
    worker.on('error', (error) => this.onDeath(slot, describeError(error, slot.memory)));
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
    if ('memory' in reply && !('error' in reply)) {
      slot.memory = reply.memory;
      const used = (reply.memory.wasmBytes + reply.memory.heapBytes) / MB;
      const budget = this.options.budgetMb;
      if (budget && used > budget)
        this.fail(
          slot,
          `${OVER_BUDGET} (${Math.round(used)} MB used, budget ${budget} MB; ${heapOf(slot.memory)})`,
        );
      return;
    }
    slot.task = null;
    if ('result' in reply) task.resolve(reply.result);
    else if (isMemoryFault(reply.error)) {
      // The wasm heap is corrupt after an abort: this worker must not run another task.
      this.replace(slot);
      task.reject(new TaskError(outOfMemory(wasmMb(reply.memory ?? slot.memory)), true));
    } else task.reject(new TaskError(reply.error));
    this.dispatch();
  }

  /** Stops a slot's task for memory: its worker is replaced, the others go on. */
  private fail(slot: Slot<I, O>, reason: string): void {
    const task = slot.task;
    if (!task) return;
    slot.task = null;
    this.replace(slot);
    task.reject(new TaskError(reason, true));
    this.dispatch();
  }

  /** Over the process budget: the busy worker holding the most memory gives way. */
  private checkRss(): void {
    const total = this.options.totalMb!;
    const rss = process.memoryUsage.rss() / MB;
    if (rss <= total) return;
    const size = (s: Slot<I, O>) => (s.memory ? s.memory.wasmBytes + s.memory.heapBytes : 0);
    const busy = this.slots.filter((s) => s.task).sort((a, b) => size(b) - size(a));
    if (busy.length === 0) return;
    this.fail(
      busy[0],
      `${OVER_BUDGET} (the process at ${Math.round(rss)} MB of the ${total} MB allowed; ${heapOf(busy[0].memory)})`,
    );
  }

  private onDeath(slot: Slot<I, O>, reason: string): void {
    if (!this.slots.includes(slot) || this.closed) return;
    const task = slot.task;
    slot.task = null;
    this.replace(slot);
    task?.reject(new TaskError(reason, isMemoryFault(reason)));
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

function wasmMb(memory: WorkerMemory | null | undefined): number | null {
  return memory ? memory.wasmBytes / MB : null;
}

function heapOf(memory: WorkerMemory | null): string {
  const mb = wasmMb(memory);
  return mb === null ? 'wasm heap size unknown' : `wasm heap at ${Math.round(mb)} MB`;
}

function describeError(error: Error & { code?: string }, memory: WorkerMemory | null): string {
  const message = (error.message || String(error)).split('\n')[0];
  if (error.code === 'ERR_WORKER_OUT_OF_MEMORY' || isMemoryFault(message))
    return outOfMemory(wasmMb(memory));
  return message;
}
