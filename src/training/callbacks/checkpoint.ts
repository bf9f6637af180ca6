/**
 * A checkpoint after every epoch, and a resume from it before training: model weights,
 * optimiser slots, early stopping's best weights and the loop's state (history, patience,
 * schedule state), so a killed run resumes from its last epoch with the same numbers. It
 * goes last in the callback list, so that it saves what the others changed this epoch.
 *
 * @example
 *   new CheckpointCallback('run.ckpt', key, { head, backbone: null }, earlyStopping, schedule);
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Callback, EpochRecord, LoopState, TrainContext } from '../callbacks.js';
import { disposeCheckpoint, loadCheckpoint, saveCheckpoint } from '../checkpoint.js';
import type { Schedule } from '../schedules.js';
import type { EarlyStoppingCallback } from './early-stopping.js';

export class CheckpointCallback implements Callback {
  /** The first epoch of this run when it resumed from a checkpoint, else null. */
  resumedAt: number | null = null;

  constructor(
    private readonly file: string,
    private readonly key: string,
    private readonly optimizers: { head: tf.Optimizer; backbone: tf.Optimizer | null },
    private readonly earlyStopping: EarlyStoppingCallback | null,
    private readonly schedule: Schedule | null,
  ) {}

  async onTrainBegin(ctx: TrainContext): Promise<void> {
    const cp = await loadCheckpoint<LoopState>(this.file, this.key);
    if (!cp) return;
    Object.assign(ctx.state, cp.state);
    ctx.model.setWeights(cp.groups.model.map((e) => e.tensor));
    const named = (list?: { name?: string; tensor: tf.Tensor }[]) =>
      (list ?? []).map((e) => ({ name: e.name ?? '', tensor: e.tensor }));
    await this.optimizers.head.setWeights(named(cp.groups.headOptimizer));
    if (this.optimizers.backbone)
      await this.optimizers.backbone.setWeights(named(cp.groups.backboneOptimizer));
    // Best weights without early stopping cannot be in a checkpoint of the same key.
    if (cp.groups.best && this.earlyStopping)
      this.earlyStopping.keep(cp.groups.best.map((e) => tf.keep(tf.clone(e.tensor))));
    if (this.schedule?.restore && ctx.state.schedule !== null)
      this.schedule.restore(ctx.state.schedule);
    ctx.startEpoch = ctx.state.history.length;
    this.resumedAt = ctx.startEpoch;
    disposeCheckpoint(cp);
  }

  async onEpochEnd(_record: EpochRecord, ctx: TrainContext): Promise<void> {
    const best = this.earlyStopping?.bestWeights;
    await saveCheckpoint(this.file, {
      key: this.key,
      state: ctx.state,
      groups: {
        model: ctx.model.getWeights().map((tensor) => ({ tensor })),
        headOptimizer: await optimizerWeights(this.optimizers.head),
        backboneOptimizer: this.optimizers.backbone
          ? await optimizerWeights(this.optimizers.backbone)
          : [],
        ...(best ? { best: best.map((tensor) => ({ tensor })) } : {}),
      },
    });
  }
}

async function optimizerWeights(
  optimizer: tf.Optimizer,
): Promise<{ name: string; tensor: tf.Tensor }[]> {
  const list = await optimizer.getWeights();
  return list.map(({ name, tensor }) => ({ name, tensor }));
}
