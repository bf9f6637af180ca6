import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError, DataError } from '../core/errors.js';
import { initEngine } from '../engine/backend.js';
import { seedWeights } from '../engine/seeded-init.js';
import {
  type BackboneSpec,
  backboneInfo,
  backboneLayers,
  backboneTrainableAt,
  buildOnBackbone,
  defaultCutLayer,
  loadBackbone,
  seedModel,
  setBackboneTrainable,
} from './backbone.js';
import { loadModel, saveModel } from './model-io.js';
import { buildModel, type ModelSpec } from './registry.js';
import { changed, oneHot, sgdStep, snapshot } from './test-helpers.js';

let dir = '';
let pretrained = '';
let source: tfl.LayersModel;

/** A small pretrained ResNet (batch norm included) with a hidden dense layer, on disk. */
before(async () => {
  await initEngine({ backend: 'wasm' });
  dir = await mkdtemp(join(tmpdir(), 'tunebook-backbone-'));
  source = buildModel({
    name: 'resnet',
    inputShape: [8, 8, 1],
    classes: 4,
    options: { widths: [4, 8], blocksPerStage: 1 },
    extraDense: [6],
  });
  seedWeights(source, 7);
  // Moving statistics away from their 0/1 start, as a trained model's would be.
  for (let i = 0; i < 3; i++) {
    const x = tf.randomNormal([8, 8, 8, 1], 1, 2, 'float32', i);
    const y = oneHot(8, 4, i);
    sgdStep(source, x, [y], 0.05);
    tf.dispose([x, y]);
  }
  pretrained = join(dir, 'pretrained');
  await saveModel(source, pretrained);
});
after(async () => {
  source.dispose();
  await rm(dir, { recursive: true, force: true });
});

const batch = () => tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 11);

/** Weights of the backbone layers only. */
function backboneWeights(model: tfl.LayersModel): Map<string, Float32Array> {
  const names = new Set(backboneLayers(model).flatMap((l) => l.weights.map((w) => w.originalName)));
  return new Map([...snapshot(model)].filter(([k]) => names.has(k)));
}

test('the default cut removes the classifier and the dropout before it, nothing more', async () => {
  await initEngine({ backend: 'wasm' });
  const cut = (spec: Partial<ModelSpec>) => {
    const model = buildModel({
      name: 'small-cnn',
      inputShape: [28, 28, 1],
      classes: 10,
      ...spec,
    } as ModelSpec);
    const name = defaultCutLayer(model).name;
    model.dispose();
    return name;
  };
  assert.equal(cut({}), 'dense_1');
  assert.equal(
    cut({ extraDense: [8], dropout: { rate: 0.2, where: 'before-classifier' } }),
    'extra_dense_1',
  );
  assert.equal(cut({ dropout: { rate: 0.2, where: 'after-each-dense' } }), 'dense_1');
  assert.equal(cut({ multiTask: [{ name: 'aux', classes: 2, weight: 1 }] }), 'dense_1');
  assert.equal(cut({ name: 'resnet', inputShape: [8, 8, 1] }), 'features');
  assert.equal(cut({ name: 'mlp', inputShape: [4], options: { hidden: [5] } }), 'dense_1');
  // A logistic regression has no features to keep.
  assert.throws(
    () => cut({ name: 'mlp', inputShape: [4], options: { hidden: [] } }),
    /backbone\.cutAt: expected a layer name: the model does not end in a Dense classifier on features/,
  );
});

test('loadBackbone cuts before the head by default, keeping the pretrained weights', async () => {
  await initEngine({ backend: 'wasm' });
  const backbone = await loadBackbone({ source: pretrained });
  assert.deepEqual(backbone.outputs[0].shape, [null, 6]);
  const names = backbone.layers.map((l) => l.name);
  assert.equal(names.at(-1), 'extra_dense_1');
  assert.ok(!names.includes('main'));
  const original = snapshot(source);
  for (const [name, values] of snapshot(backbone))
    assert.deepEqual(values, original.get(name), name);
  const info = backboneInfo(backbone)!;
  assert.equal(info.cutAt, 'extra_dense_1');
  assert.equal(info.freeze, 'frozen');
  assert.ok(backbone.layers.every((l) => !l.trainable));
  backbone.dispose();
});

test('cutAt a named layer: a feature map gets a global pool, then the new head', async () => {
  await initEngine({ backend: 'wasm' });
  const backbone = await loadBackbone({
    source: pretrained,
    cutAt: 's2b1_out',
    freeze: 'trainable',
  });
  assert.deepEqual(backbone.outputs[0].shape, [null, 4, 4, 8]);
  const model = buildOnBackbone(backbone, {
    classes: 3,
    extraDense: [5],
    multiTask: [{ name: 'aux', classes: 2, weight: 0.5 }],
  });
  assert.deepEqual(model.outputNames, ['main', 'aux']);
  assert.equal(model.getLayer('features').getClassName(), 'GlobalAveragePooling2D');
  const x = batch();
  const outputs = model.predict(x) as tf.Tensor[];
  assert.deepEqual(
    outputs.map((o) => o.shape),
    [
      [4, 3],
      [4, 2],
    ],
  );
  assert.deepEqual(
    backboneLayers(model).map((l) => l.name),
    backbone.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name),
  );
  const flat = buildOnBackbone(await loadBackbone({ source: pretrained, cutAt: 's1b1_out' }), {
    classes: 2,
    options: { pooling: 'flatten' },
  });
  assert.equal(flat.getLayer('features').getClassName(), 'Flatten');
  assert.deepEqual(flat.getLayer('features').outputShape, [null, 8 * 8 * 4]);
  tf.dispose([x, ...outputs]);
  model.dispose();
  flat.dispose();
});

test('frozen: a training step moves the head only (batch-norm statistics stay too)', async () => {
  await initEngine({ backend: 'wasm' });
  const model = buildOnBackbone(await loadBackbone({ source: pretrained }), { classes: 3 });
  seedModel(model, 1);
  const before = snapshot(model);
  const frozenBefore = backboneWeights(model);
  assert.ok(frozenBefore.has('s1b1_bn1/moving_mean'));
  const x = batch();
  const y = oneHot(4, 3, 1);
  sgdStep(model, x, [y]);
  assert.deepEqual(backboneWeights(model), frozenBefore);
  assert.deepEqual(changed(before, snapshot(model)).sort(), ['main/bias', 'main/kernel']);
  tf.dispose([x, y]);
  model.dispose();
});

test('unfreeze-after: frozen for N epochs, then the backbone trains', async () => {
  await initEngine({ backend: 'wasm' });
  const backbone = await loadBackbone({
    source: pretrained,
    freeze: 'unfreeze-after',
    unfreezeAfter: 2,
  });
  const model = buildOnBackbone(backbone, { classes: 3 });
  const info = backboneInfo(model)!;
  assert.equal(info.freeze, 'unfreeze-after');
  assert.deepEqual(
    [0, 1, 2, 3].map((epoch) => backboneTrainableAt(info, epoch)),
    [false, false, true, true],
  );
  const x = batch();
  const y = oneHot(4, 3, 2);
  for (const epoch of [0, 2]) {
    setBackboneTrainable(model, backboneTrainableAt(info, epoch));
    const frozenBefore = backboneWeights(model);
    sgdStep(model, x, [y]);
    const moved = changed(frozenBefore, backboneWeights(model));
    if (epoch === 0) assert.deepEqual(moved, []);
    else assert.ok(moved.includes('stem_conv/kernel') && moved.includes('stem_bn/moving_mean'));
  }
  tf.dispose([x, y]);
  model.dispose();
});

test('discriminative and trainable: the backbone trains; its layers are exposed for a second optimiser', async () => {
  await initEngine({ backend: 'wasm' });
  const model = buildOnBackbone(
    await loadBackbone({ source: pretrained, freeze: 'discriminative', lrMultiplier: 0.01 }),
    { classes: 3 },
  );
  const info = backboneInfo(model)!;
  assert.equal(info.lrMultiplier, 0.01);
  assert.equal(backboneTrainableAt(info, 0), true);
  const layers = backboneLayers(model);
  assert.ok(layers.every((l) => l.trainable));
  assert.ok(!layers.some((l) => l.name === 'main'));
  const backboneVars = layers.flatMap((l) => l.trainableWeights).map((w) => w.originalName);
  const headVars = model.trainableWeights
    .map((w) => w.originalName)
    .filter((n) => !backboneVars.includes(n));
  assert.deepEqual(headVars, ['main/kernel', 'main/bias']);
  model.dispose();
  assert.equal(backboneTrainableAt({ freeze: 'trainable', unfreezeAfter: 1 }, 0), true);
  assert.equal(backboneTrainableAt({ freeze: 'frozen', unfreezeAfter: 1 }, 9), false);
});

test('a plain tfjs Sequential model works as a backbone; loading and disposing leak nothing', async () => {
  await initEngine({ backend: 'wasm' });
  const seq = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 3, kernelSize: 3, activation: 'relu' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 5, activation: 'relu', name: 'hidden' }),
      tfl.layers.dropout({ rate: 0.5 }),
      tfl.layers.dense({ units: 2, activation: 'softmax' }),
    ],
  });
  const folder = join(dir, 'sequential');
  await saveModel(seq, folder);
  seq.dispose();
  const before = tf.memory().numTensors;
  const backbone = await loadBackbone({ source: folder, freeze: 'trainable' });
  assert.equal(backboneInfo(backbone)!.cutAt, 'hidden');
  const model = buildOnBackbone(backbone, { classes: 3 });
  seedModel(model, 1);
  const x = batch();
  const y = oneHot(4, 3, 4);
  const start = snapshot(model);
  sgdStep(model, x, [y]);
  const moved = changed(start, snapshot(model));
  assert.ok(moved.includes('hidden/kernel') && moved.includes('main/kernel'));
  tf.dispose([x, y]);
  model.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('seedModel draws the new head reproducibly and leaves the pretrained weights', async () => {
  await initEngine({ backend: 'wasm' });
  const draw = async (seed: number) => {
    const model = buildOnBackbone(await loadBackbone({ source: pretrained }), {
      classes: 3,
      extraDense: [4],
    });
    seedModel(model, seed);
    const values = snapshot(model);
    const kept = backboneWeights(model);
    model.dispose();
    return { values, kept };
  };
  const [first, second, third] = [await draw(1), await draw(1), await draw(2)];
  const [a, b, c] = [first.values, second.values, third.values];
  assert.deepEqual(a, b);
  const original = snapshot(source);
  assert.equal(first.kept.size, 32);
  for (const [name, values] of first.kept) assert.deepEqual(values, original.get(name), name);
  assert.notDeepEqual(a.get('main/kernel'), c.get('main/kernel'));
  assert.notDeepEqual(a.get('extra_dense_1_2/kernel'), c.get('extra_dense_1_2/kernel'));
});

test('the backbone marking and freezing survive saveModel/loadModel (a resumed trial)', async () => {
  await initEngine({ backend: 'wasm' });
  const model = buildOnBackbone(await loadBackbone({ source: pretrained, freeze: 'frozen' }), {
    classes: 3,
  });
  seedModel(model, 4);
  const folder = join(dir, 'transfer');
  await saveModel(model, folder);
  const loaded = await loadModel(folder);
  assert.deepEqual(backboneInfo(loaded), backboneInfo(model));
  assert.deepEqual(
    backboneLayers(loaded).map((l) => l.name),
    backboneLayers(model).map((l) => l.name),
  );
  const frozenBefore = backboneWeights(loaded);
  const x = batch();
  const y = oneHot(4, 3, 3);
  sgdStep(loaded, x, [y]);
  assert.deepEqual(backboneWeights(loaded), frozenBefore);
  tf.dispose([x, y]);
  model.dispose();
  loaded.dispose();
});

test('bad backbones are DataErrors or ConfigErrors naming the file or field, exit code 2', async () => {
  await initEngine({ backend: 'wasm' });
  const notModel = join(dir, 'notes.json');
  await writeFile(notModel, '{"hello": "world"}');
  const noWeights = join(dir, 'topology-only.json');
  const topology = JSON.parse(JSON.stringify(source.toJSON(null, false)));
  await writeFile(noWeights, JSON.stringify({ format: 'layers-model', modelTopology: topology }));
  const cases: [unknown, typeof DataError | typeof ConfigError, string | RegExp][] = [
    [
      { source: join(dir, 'nowhere') },
      DataError,
      `${join(dir, 'nowhere')}: not found (expected a model.json or a folder holding one)`,
    ],
    [{ source: notModel }, DataError, `${notModel}: not a tfjs model: no modelTopology`],
    [
      { source: noWeights },
      DataError,
      `${noWeights}: has no weights (its weightsManifest lists none)`,
    ],
    [
      { source: pretrained, cutAt: 'conv9' },
      ConfigError,
      /^backbone\.cutAt: expected a layer of the backbone \(22 layers; last ones: .*features, extra_dense_1, main\), got "conv9"$/,
    ],
    [
      { source: pretrained, freeze: 'later' },
      ConfigError,
      'backbone.freeze: expected one of frozen, unfreeze-after, discriminative, trainable, got "later"',
    ],
    [
      { source: pretrained, lrMultiplier: 2 },
      ConfigError,
      'backbone.lrMultiplier: expected a number in (0, 1], got 2',
    ],
    [
      { source: pretrained, unfreezeAfter: 0 },
      ConfigError,
      'backbone.unfreezeAfter: expected an integer >= 1, got 0',
    ],
    [
      { source: '' },
      ConfigError,
      /^backbone\.source: expected a path to a model\.json \(or its folder\) or an http\(s\) URL/,
    ],
    [
      { path: pretrained },
      ConfigError,
      /^backbone\.path: unknown setting \(expected source, cutAt, freeze, unfreezeAfter, lrMultiplier\) \(and 1 more problem\)$/,
    ],
    ['weights.json', ConfigError, /^backbone: expected a backbone spec/],
  ];
  for (const [spec, type, message] of cases) {
    await assert.rejects(loadBackbone(spec as BackboneSpec), (error: unknown) => {
      assert.ok(error instanceof type, `${JSON.stringify(spec)}: ${error}`);
      assert.equal(error.exitCode, 2);
      if (typeof message === 'string') assert.equal(error.message, message);
      else assert.match(error.message, message);
      return true;
    });
  }
  // Cutting at the classifier itself leaves no room for the new 'main'.
  const whole = await loadBackbone({ source: pretrained, cutAt: 'main' });
  assert.throws(
    () => buildOnBackbone(whole, { classes: 2 }),
    /backbone\.cutAt: expected a layer before the one named main/,
  );
  assert.throws(
    () => buildOnBackbone(whole, { classes: 2, dropout: { rate: 2, where: 'head' } }),
    /model\.dropout\.rate: /,
  );
  whole.dispose();
});
