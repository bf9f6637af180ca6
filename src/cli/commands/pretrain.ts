/**
 * `tunebook pretrain <task.yaml> --out <dir>`: trains a model on a source task and saves it
 * (model.json + weights) for a study's `pretrained` measure, so transfer can be tried with no
 * download: e.g. digits 0-4 as the source for digits 5-9.
 */

import { UsageError } from '../../core/errors.js';
import type { BackendChoice } from '../../engine/backend.js';
import * as lab from '../../lab/index.js';
import type { Command } from '../command.js';

export const pretrainCommand: Command = {
  name: 'pretrain',
  usage: 'tunebook pretrain <task.yaml> --out <dir>',
  flags: { out: { type: 'string', help: 'folder to write model.json and its weights to' } },
  async run({ flags, positionals, out }) {
    if (positionals.length !== 1) throw new UsageError('pretrain: expected one task file');
    const dir = flags.out as string | undefined;
    if (!dir) throw new UsageError('pretrain: --out <dir> is required');
    const task = await lab.loadPretrainFile(positionals[0]);
    const config = {
      ...task,
      measures: [],
      seeds: { minSeeds: 2, maxSeeds: 2 },
      metric: 'test_accuracy' as const,
      delta: 0.5,
      stack: false,
    };
    out(
      `pretraining ${task.model.name} on ${task.data.source}${task.data.classes ? ` classes ${task.data.classes.join(',')}` : ''} (${task.training.epochs} epochs)`,
    );
    const result = await lab.runTrial(
      {
        config: config as unknown as lab.StudyConfig,
        seed: task.seed,
        backend: flags.backend as BackendChoice | undefined,
        saveTo: dir,
      },
      (r) => {
        if (r.type === 'epoch')
          out(
            `epoch ${r.record.epoch + 1}/${task.training.epochs}  loss ${r.record.trainLoss.toFixed(4)}  val_acc ${((r.record.valAccuracy ?? 0) * 100).toFixed(2)}%`,
          );
      },
    );
    if (result.state === 'diverged')
      throw new UsageError('pretrain: training diverged (NaN loss); nothing saved');
    out(`test accuracy ${(100 * result.metrics.test_accuracy).toFixed(2)}%; saved to ${dir}`);
  },
};
