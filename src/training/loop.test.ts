import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mnistSource } from '../data/mnist.js';
import { type ImageSource, subsetSource } from '../data/source.js';
import { stratifiedSplit } from '../data/split.js';
import { initEngine } from '../engine/backend.js';
import { seedWeights } from '../engine/seeded-init.js';
import { smallCnn } from '../models/small-cnn.js';
import { type TrainConfig, trainModel } from './loop.js';
import { taskHead } from './multitask.js';

const dir = mkdtempSync(join(tmpdir(), 'tunebook-loop-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function digits(
  n: number,
  seed: number,
): { train: ImageSource; validation: ImageSource; test: ImageSource } {
  const all = mnistSource();
  const picked = stratifiedSplit(all.labels, n / all.count, seed).test;
  const subset = subsetSource(all, picked);
  const split = stratifiedSplit(subset.labels, { validation: 0.2, test: 0.2 }, seed);
  return {
    train: subsetSource(subset, split.train),
    validation: subsetSource(subset, split.validation),
    test: subsetSource(subset, split.test),
  };
}

function tinyModel(seed: number, dropout = false): tfl.LayersModel {
  const layers: tfl.layers.Layer[] = [
    tfl.layers.conv2d({
      inputShape: [28, 28, 1],
      filters: 4,
      kernelSize: 5,
      strides: 3,
      activation: 'relu',
    }),
    tfl.layers.flatten(),
  ];
  if (dropout) layers.push(tfl.layers.dropout({ rate: 0.3 }));
  layers.push(tfl.layers.dense({ units: 10 }));
  const model = tfl.sequential({ layers });
  seedWeights(model, seed);
  return model;
}

const base: TrainConfig = {
  epochs: 3,
  batchSize: 32,
  seed: 4,
  optimizer: { name: 'adam', lr: 3e-3 },
};

test('the same seed gives the same numbers, dropout included; another seed others', async () => {
  await initEngine({ backend: 'wasm' });
  const data = digits(400, 1);
  const run = async (seed: number) =>
    (await trainModel(tinyModel(seed, true), data, { ...base, seed })).epochs.map((e) => [
      e.trainLoss,
      e.valLoss,
    ]);
  const a = await run(4);
  assert.deepEqual(await run(4), a);
  assert.notDeepEqual(await run(5), a);
});

test('a run resumed from its checkpoint ends with the numbers of an uninterrupted run', async () => {
  await initEngine({ backend: 'wasm' });
  const data = digits(400, 2);
  const config: TrainConfig = {
    ...base,
    epochs: 4,
    schedule: { name: 'plateau', patience: 1, factor: 0.5 },
    earlyStopping: { monitor: 'val_loss', patience: 10 },
  };
  const full = await trainModel(tinyModel(1, true), data, config);
  const file = join(dir, 'resume.ckpt');
  // "Killed" after two epochs: a run with the same settings but stopped early by the caller.
  const first = await trainModel(
    tinyModel(1, true),
    data,
    { ...config, checkpoint: file, epochs: 4 },
    {
      onEpoch: (r) => {
        if (r.epoch === 1) throw new Error('killed');
      },
    },
  ).catch((e: Error) => e);
  assert.match(String(first), /killed/);
  const t0 = performance.now();
  const resumed = await trainModel(tinyModel(99, true), data, { ...config, checkpoint: file });
  const wall = (performance.now() - t0) / 1000;
  assert.equal(resumed.resumedAt, 1); // the kill came before epoch 1 was checkpointed
  assert.deepEqual(
    resumed.epochs.map((e) => [e.trainLoss, e.valLoss, e.lr]),
    full.epochs.map((e) => [e.trainLoss, e.valLoss, e.lr]),
  );
  assert.deepEqual(resumed.test?.metrics.confusion, full.test?.metrics.confusion);
  // Its time counts the restored epoch too, so a resumed trial's cost is not understated.
  const restored = resumed.epochs[0].seconds;
  assert.ok(restored > 0.001, `restored epoch ${restored} s`);
  assert.ok(resumed.seconds > wall, `${resumed.seconds} s, the resumed run's wall time ${wall} s`);
  assert.ok(resumed.seconds <= wall + restored + 1e-6);
});

test('early stopping stops on a stalled metric and restores the best weights', async () => {
  await initEngine({ backend: 'wasm' });
  const data = digits(300, 3);
  // After the first epoch the rate collapses, so validation accuracy cannot improve again.
  const model = tinyModel(2);
  let afterFirst: Float32Array[] = [];
  const result = await trainModel(
    model,
    data,
    {
      ...base,
      epochs: 8,
      schedule: { name: 'exponential', gamma: 1e-9 },
      earlyStopping: { monitor: 'val_accuracy', patience: 2 },
    },
    {
      onEpoch: (r) => {
        if (r.epoch === 0)
          afterFirst = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
      },
    },
  );
  assert.equal(result.outcome, 'early-stopped');
  assert.equal(result.epochs.length, 3);
  assert.equal(result.bestEpoch, 0);
  const restored = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
  assert.deepEqual(restored, afterFirst);
});

test('a NaN loss is an outcome, not a crash', async () => {
  await initEngine({ backend: 'wasm' });
  const data = digits(200, 4);
  // An input that is not a number (a broken preprocessing step, say) makes the loss NaN.
  const result = await trainModel(tinyModel(3), data, {
    ...base,
    trainTransform: (img) => ({ ...img, data: new Float32Array(img.data.length).fill(Number.NaN) }),
  });
  assert.equal(result.outcome, 'diverged');
  assert.ok(result.diverged && !Number.isFinite(result.diverged.loss));
  assert.equal(result.test, undefined);
});

test('multi-task heads train, memory stays flat, and class weights apply', async () => {
  await initEngine({ backend: 'wasm' });
  const data = digits(300, 5);
  const input = tfl.input({ shape: [28, 28, 1] });
  const trunk = tfl.layers
    .flatten()
    .apply(
      tfl.layers.conv2d({ filters: 4, kernelSize: 5, strides: 3, activation: 'relu' }).apply(input),
    ) as tfl.SymbolicTensor;
  const main = tfl.layers.dense({ units: 10, name: 'main' }).apply(trunk) as tfl.SymbolicTensor;
  const parity = tfl.layers.dense({ units: 2, name: 'parity' }).apply(trunk) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: [main, parity] });
  seedWeights(model, 1);
  const before = tf.memory().numTensors;
  const result = await trainModel(model, data, {
    ...base,
    heads: [taskHead({ name: 'parity', target: 'parity', weight: 0.5 }, 10)],
    classWeights: 'balanced',
  });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(result.outcome, 'completed');
  assert.ok(
    result.test && result.test.heads.parity.accuracy > 0.6,
    JSON.stringify(result.test?.heads),
  );
  const small = smallCnn({ inputShape: [28, 28, 1], classes: 10 });
  assert.equal(small.countParams(), 225034);
});

test('bad settings name the field and the value', async () => {
  await initEngine({ backend: 'wasm' });
  const data = digits(100, 6);
  await assert.rejects(
    trainModel(tinyModel(1), data, { ...base, epochs: 0 }),
    /epochs: expected an integer >= 1, got 0/,
  );
  await assert.rejects(
    trainModel(tinyModel(1), data, {
      ...base,
      earlyStopping: { monitor: 'val_x' as 'val_loss', patience: 2 },
    }),
    /earlyStopping.monitor/,
  );
  await assert.rejects(
    trainModel(tinyModel(1), data, { ...base, labelSmoothing: 1 }),
    /labelSmoothing/,
  );
});
