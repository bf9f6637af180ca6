/**
 * Sets the optimisers' rate from an LR schedule before every step (tfjs has no LR-schedule
 * callback), the backbone's optimiser at its multiple under discriminative rates; feeds a
 * plateau schedule the monitored value after every epoch and keeps its state for checkpoints
 * (the checkpoint callback restores it).
 *
 * @example
 *   new LrScheduleCallback(schedule, headOptimizer, null, 1, 'val_loss', stepsPerEpoch);
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Callback, EpochRecord, TrainContext } from '../callbacks.js';
import type { Monitor } from '../names.js';
import { setLearningRate } from '../optimizers.js';
import type { Schedule } from '../schedules.js';
import { monitored } from './early-stopping.js';

export class LrScheduleCallback implements Callback {
  constructor(
    private readonly schedule: Schedule,
    private readonly head: tf.Optimizer,
    private readonly backbone: tf.Optimizer | null,
    private readonly backboneMultiplier: number,
    private readonly monitor: Monitor,
    private readonly stepsPerEpoch: number,
  ) {}

  onBatchBegin(epoch: number, step: number, ctx: TrainContext): void {
    const s = this.schedule;
    ctx.lr = s.per === 'step' ? s.rate(epoch, epoch * this.stepsPerEpoch + step) : s.rate(epoch, 0);
    setLearningRate(this.head, ctx.lr);
    if (this.backbone) setLearningRate(this.backbone, ctx.lr * this.backboneMultiplier);
  }

  onEpochEnd(record: EpochRecord, ctx: TrainContext): void {
    this.schedule.observe?.(monitored(record, this.monitor));
    if (this.schedule.state) ctx.state.schedule = this.schedule.state();
  }
}
