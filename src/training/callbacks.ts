/**
 * Callbacks of the training loop, as Keras and fastai have them: objects whose hooks the loop
 * calls at fixed points (train begin, epoch begin, batch begin/end, epoch end, train end).
 * Early stopping, checkpoints, the LR schedule, the backbone's freeze schedule and progress
 * are callbacks (callbacks/*.ts); a caller adds its own through `hooks.callbacks`. Hooks run
 * in the order the callbacks are listed, each awaited before the next.
 *
 * @example
 *   const printer: Callback = { onEpochEnd: (record) => console.log(record.epoch, record.trainLoss) };
 *   await trainModel(model, data, config, { callbacks: [printer] });
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { BatchProgress } from './progress.js';

export type Outcome = 'completed' | 'early-stopped' | 'diverged';

export interface EpochRecord {
  epoch: number;
  lr: number;
  trainLoss: number;
  valLoss?: number;
  valAccuracy?: number;
  valBalancedAccuracy?: number;
  valMacroF1?: number;
  seconds: number;
  /** CPU seconds of the training thread in this epoch (engine/thread-cpu.ts), when measurable. */
  cpuSeconds?: number;
}

/** The loop's own state: what a checkpoint keeps, and what callbacks read and change. */
export interface LoopState {
  history: EpochRecord[];
  /** Early stopping's best monitored value so far, and epochs since it improved. */
  best: { epoch: number; value: number } | null;
  stale: number;
  /** The LR schedule's state (plateau's counters), when it has one. */
  schedule: unknown;
  /** Set by a callback (or a NaN loss) to end training after this epoch. */
  outcome: Outcome | null;
}

/** What every hook sees. */
export interface TrainContext {
  model: tfl.LayersModel;
  epochs: number;
  state: LoopState;
  /** The first epoch this run trains (after a resume, the one after the restored epochs). */
  startEpoch: number;
  /** The rate of the current step, as the LR schedule set it. */
  lr: number;
}

export interface Callback {
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: TrainContext): void | Promise<void>;
  onBatchBegin?(epoch: number, step: number, ctx: TrainContext): void;
  onBatchEnd?(progress: BatchProgress, ctx: TrainContext): void;
  onEpochEnd?(record: EpochRecord, ctx: TrainContext): void | Promise<void>;
  /** Called after the last epoch, diverged or not, before the test split is evaluated. */
  onTrainEnd?(outcome: Outcome, ctx: TrainContext): void | Promise<void>;
  /** Frees what the callback holds (tensors); called once, however training ended. */
  dispose?(): void;
}

/** Calls one hook on every callback, in order. */
export class CallbackList {
  constructor(private readonly list: Callback[]) {}

  async trainBegin(ctx: TrainContext): Promise<void> {
    for (const c of this.list) await c.onTrainBegin?.(ctx);
  }

  async epochBegin(epoch: number, ctx: TrainContext): Promise<void> {
    for (const c of this.list) await c.onEpochBegin?.(epoch, ctx);
  }

  batchBegin(epoch: number, step: number, ctx: TrainContext): void {
    for (const c of this.list) c.onBatchBegin?.(epoch, step, ctx);
  }

  batchEnd(progress: BatchProgress, ctx: TrainContext): void {
    for (const c of this.list) c.onBatchEnd?.(progress, ctx);
  }

  async epochEnd(record: EpochRecord, ctx: TrainContext): Promise<void> {
    for (const c of this.list) await c.onEpochEnd?.(record, ctx);
  }

  async trainEnd(outcome: Outcome, ctx: TrainContext): Promise<void> {
    for (const c of this.list) await c.onTrainEnd?.(outcome, ctx);
  }

  dispose(): void {
    for (const c of this.list) c.dispose?.();
  }
}
