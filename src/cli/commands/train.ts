/**
 * `tunebook train`: trains a model on the bundled MNIST digits (stratified 80/20 split) and
 * prints the test accuracy: a quick check that the engine trains, and how fast.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  type BackendChoice,
  evaluateAccuracy,
  gather,
  initEngine,
  loadMnistDigits,
  resnet,
  seedWeights,
  smallCnn,
  stratifiedSplit,
  trainClassifier,
} from '../../index.js';
import type { Command } from '../command.js';

const MODELS = ['small-cnn', 'resnet'] as const;

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a model on the bundled MNIST digits and print its test accuracy',
  usage:
    'tunebook train [--model small-cnn|resnet] [--epochs N] [--batch-size N] [--lr X] [--seed N] [--limit N]',
  flags: {
    model: { type: 'string', choices: MODELS, help: 'model to train (default small-cnn)' },
    epochs: { type: 'int', min: 1, max: 1000, help: 'epochs (default 2)' },
    'batch-size': { type: 'int', min: 1, max: 65536, help: 'batch size (default 64)' },
    lr: {
      type: 'number',
      min: 0,
      max: 10,
      exclusiveMin: true,
      help: 'Adam learning rate (default 1e-3)',
    },
    seed: { type: 'int', min: 0, help: 'seed for weights, split and order (default 0)' },
    limit: { type: 'int', min: 20, help: 'use only the first N digits of a seeded shuffle' },
  },
  async run({ flags, out }) {
    const info = await initEngine({ backend: flags.backend as BackendChoice | undefined });
    const seed = (flags.seed as number | undefined) ?? 0;
    const epochs = (flags.epochs as number | undefined) ?? 2;
    const batchSize = (flags['batch-size'] as number | undefined) ?? 64;
    const lr = (flags.lr as number | undefined) ?? 1e-3;
    const modelName = (flags.model as (typeof MODELS)[number] | undefined) ?? 'small-cnn';

    let digits = loadMnistDigits();
    const limit = flags.limit as number | undefined;
    if (limit !== undefined && limit < digits.count) {
      const { test } = stratifiedSplit(digits.labels, limit / digits.count, seed + 1);
      digits = gather(digits, test);
    }
    const split = stratifiedSplit(digits.labels, 0.2, seed);
    const train = gather(digits, split.train);
    const test = gather(digits, split.test);
    const model =
      modelName === 'resnet'
        ? resnet({ inputShape: digits.shape, classes: digits.classes })
        : smallCnn({ inputShape: digits.shape, classes: digits.classes });
    seedWeights(model, seed);
    out(
      `training ${modelName} (${model.countParams()} parameters) on ${train.count} MNIST digits, ` +
        `testing on ${test.count}; backend ${info.backend}, batch ${batchSize}, Adam lr ${lr}, seed ${seed}`,
    );
    const optimizer = tf.train.adam(lr);
    trainClassifier(model, optimizer, train, {
      epochs,
      batchSize,
      seed,
      onEpoch: (epoch, loss, seconds) =>
        out(
          `epoch ${epoch + 1}/${epochs}  loss ${loss.toFixed(4)}  ${seconds.toFixed(1)} s  ` +
            `${Math.round(train.count / seconds)} samples/s`,
        ),
    });
    const accuracy = evaluateAccuracy(model, test);
    out(`test accuracy ${(accuracy * 100).toFixed(2)}% (${test.count} digits)`);
    optimizer.dispose();
    model.dispose();
  },
};
