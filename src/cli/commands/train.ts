/**
 * `tunebook train`: trains a model on the bundled MNIST digits (stratified 70/10/20 split)
 * with the full training loop and prints the test accuracy: a quick check that the engine
 * trains, and how fast. A progress bar on a terminal, one line per epoch otherwise.
 */

import { mnistSource, stratifiedSplit, subsetSource } from '../../data/index.js';
import { type BackendChoice, initEngine } from '../../engine/backend.js';
import { seedWeights } from '../../engine/seeded-init.js';
import * as models from '../../models/index.js';
import * as training from '../../training/index.js';
import { createProgress } from '../../training/progress.js';
import type { Command } from '../command.js';

export const trainCommand: Command = {
  name: 'train',
  usage:
    'tunebook train [--model small-cnn|mlp|resnet] [--epochs N] [--batch-size N] [--lr X] [--seed N] [--limit N]',
  flags: {
    model: {
      type: 'string',
      choices: ['small-cnn', 'mlp', 'resnet'],
      help: 'model to train (default small-cnn)',
    },
    epochs: { type: 'int', min: 1, max: 1000, help: 'epochs (default 2)' },
    'batch-size': { type: 'int', min: 1, max: 65536, help: 'batch size (default 64)' },
    lr: {
      type: 'number',
      min: 0,
      max: 10,
      exclusiveMin: true,
      help: 'Adam learning rate (default 1e-3)',
    },
    seed: { type: 'int', min: 0, help: 'seed for weights and order (default 0)' },
    limit: { type: 'int', min: 100, help: 'use a stratified subset of N digits' },
  },
  async run({ flags, out }) {
    const info = await initEngine({ backend: flags.backend as BackendChoice | undefined });
    const seed = (flags.seed as number | undefined) ?? 0;
    const epochs = (flags.epochs as number | undefined) ?? 2;
    const batchSize = (flags['batch-size'] as number | undefined) ?? 64;
    const lr = (flags.lr as number | undefined) ?? 1e-3;
    const name = (flags.model as 'small-cnn' | 'mlp' | 'resnet' | undefined) ?? 'small-cnn';
    let digits = mnistSource();
    const limit = flags.limit as number | undefined;
    if (limit !== undefined && limit < digits.count) {
      digits = subsetSource(digits, stratifiedSplit(digits.labels, limit / digits.count, 1).test);
    }
    const split = stratifiedSplit(digits.labels, { validation: 0.1, test: 0.2 }, 0);
    const data = {
      train: subsetSource(digits, split.train),
      validation: subsetSource(digits, split.validation),
      test: subsetSource(digits, split.test),
    };
    const model = models.buildModel({ name, inputShape: [28, 28, 1], classes: 10 });
    seedWeights(model, seed);
    out(
      `training ${name} (${model.countParams()} parameters) on ${data.train.count} MNIST digits, ` +
        `testing on ${data.test.count}; backend ${info.backend}, batch ${batchSize}, Adam lr ${lr}, seed ${seed}`,
    );
    const result = await training.trainModel(
      model,
      data,
      { epochs, batchSize, seed, optimizer: { name: 'adam', lr } },
      { progress: createProgress(process.stderr) },
    );
    const seconds = result.epochs.reduce((t, r) => t + r.seconds, 0);
    out(
      `${Math.round((data.train.count * result.epochs.length) / seconds)} samples/s over ${result.epochs.length} epoch(s), validation included`,
    );
    if (result.outcome === 'diverged') {
      out('training diverged (the loss became NaN); try a smaller --lr');
      return 1;
    }
    out(
      `test accuracy ${(100 * result.test!.metrics.accuracy).toFixed(2)}% (${data.test.count} digits)`,
    );
    model.dispose();
  },
};
