/**
 * The backbone's freeze schedule during training: which epochs its layers train in follows
 * `backboneTrainableAt` (models/backbone.ts, the one place the rule is written), applied
 * before training and at the start of every epoch.
 *
 * @example
 *   new FreezeSchedule(backboneLayers(model), { freeze: 'unfreeze-after', unfreezeAfter: 2 });
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { backboneTrainableAt, type FreezeMode } from '../../models/backbone.js';
import type { Callback } from '../callbacks.js';

export class FreezeSchedule implements Callback {
  constructor(
    private readonly layers: readonly tfl.layers.Layer[],
    private readonly schedule: { freeze: FreezeMode; unfreezeAfter: number },
  ) {}

  onTrainBegin(): void {
    this.apply(0);
  }

  onEpochBegin(epoch: number): void {
    this.apply(epoch);
  }

  private apply(epoch: number): void {
    const trainable = backboneTrainableAt(this.schedule, epoch);
    for (const layer of this.layers) layer.trainable = trainable;
  }
}
