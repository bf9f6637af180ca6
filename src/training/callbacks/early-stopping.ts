/**
 * Early stopping on a validation metric, with the best weights kept and restored at the end
 * (Keras's `EarlyStopping(restore_best_weights=True)`): training stops after `patience`
 * epochs without an improvement larger than `minDelta`.
 *
 * @example
 *   new EarlyStoppingCallback({ monitor: 'val_loss', patience: 3 });
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Callback, EpochRecord, Outcome, TrainContext } from '../callbacks.js';
import type { Monitor } from '../names.js';

export interface EarlyStopping {
  monitor: Monitor;
  patience: number;
  minDelta?: number;
  restoreBest?: boolean;
}

const MAXIMISED: readonly Monitor[] = ['val_accuracy', 'val_balanced_accuracy', 'val_macro_f1'];

/** Whether a larger value of `monitor` is better. */
export const maximised = (monitor: Monitor) => MAXIMISED.includes(monitor);

/** The monitored value of an epoch (the training loss when validation did not report it). */
export function monitored(record: EpochRecord, monitor: Monitor): number {
  const value = {
    val_loss: record.valLoss,
    val_accuracy: record.valAccuracy,
    val_balanced_accuracy: record.valBalancedAccuracy,
    val_macro_f1: record.valMacroF1,
  }[monitor];
  return value ?? record.trainLoss;
}

export class EarlyStoppingCallback implements Callback {
  /** The best epoch's weights (kept tensors), saved in checkpoints and restored at the end. */
  bestWeights: tf.Tensor[] | null = null;

  constructor(private readonly rule: EarlyStopping) {}

  onEpochEnd(record: EpochRecord, ctx: TrainContext): void {
    const { state } = ctx;
    const value = monitored(record, this.rule.monitor);
    const sign = maximised(this.rule.monitor) ? 1 : -1;
    if (state.best === null || sign * (value - state.best.value) > (this.rule.minDelta ?? 0)) {
      state.best = { epoch: record.epoch, value };
      state.stale = 0;
      this.keep(ctx.model.getWeights().map((w) => tf.keep(tf.clone(w))));
      return;
    }
    state.stale++;
    if (state.stale >= this.rule.patience) state.outcome = 'early-stopped';
  }

  onTrainEnd(outcome: Outcome, ctx: TrainContext): void {
    if (this.bestWeights && this.rule.restoreBest !== false && outcome !== 'diverged')
      ctx.model.setWeights(this.bestWeights);
  }

  /** Takes ownership of `weights` (a checkpoint's, or the current best). */
  keep(weights: tf.Tensor[]): void {
    if (this.bestWeights) tf.dispose(this.bestWeights);
    this.bestWeights = weights;
  }

  dispose(): void {
    if (this.bestWeights) tf.dispose(this.bestWeights);
    this.bestWeights = null;
  }
}
