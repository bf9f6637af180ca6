/**
 * Progress as a callback: a Progress display (training/progress.ts) fed every batch and
 * epoch, and an optional listener told of every finished epoch (a trial reports it to the
 * study's main thread this way).
 *
 * @example
 *   new ProgressCallback(createProgress(process.stderr), (record) => send(record));
 */
import type { Callback, EpochRecord, TrainContext } from '../callbacks.js';
import type { BatchProgress, Progress } from '../progress.js';

export class ProgressCallback implements Callback {
  constructor(
    private readonly progress: Progress,
    private readonly onEpoch?: (record: EpochRecord) => void,
  ) {}

  onBatchEnd(p: BatchProgress): void {
    this.progress.batch(p);
  }

  onEpochEnd(record: EpochRecord, ctx: TrainContext): void {
    this.progress.epoch({ epoch: record.epoch, epochs: ctx.epochs, text: describeEpoch(record) });
    this.onEpoch?.(record);
  }

  onTrainEnd(): void {
    this.progress.done();
  }
}

function describeEpoch(r: EpochRecord): string {
  const parts = [`loss ${r.trainLoss.toFixed(4)}`];
  if (r.valLoss !== undefined) parts.push(`val_loss ${r.valLoss.toFixed(4)}`);
  if (r.valAccuracy !== undefined) parts.push(`val_acc ${(100 * r.valAccuracy).toFixed(2)}%`);
  if (r.valBalancedAccuracy !== undefined)
    parts.push(`val_bal_acc ${(100 * r.valBalancedAccuracy).toFixed(2)}%`);
  parts.push(`lr ${r.lr.toPrecision(3)}`, `${r.seconds.toFixed(1)} s`);
  return parts.join('  ');
}
