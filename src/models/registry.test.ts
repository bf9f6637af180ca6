import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../core/errors.js';
import { initEngine } from '../engine/backend.js';
import { seedWeights } from '../engine/seeded-init.js';
import { buildModel, describeModel, type ModelSpec, parameterCount } from './registry.js';
import { resnet } from './resnet.js';
import { smallCnn } from './small-cnn.js';
import { changed, oneHot, sgdStep, snapshot } from './test-helpers.js';

const SHAPES: { spec: Omit<ModelSpec, 'inputShape'>; shapes: number[][] }[] = [
  {
    spec: { name: 'mlp', classes: 10, options: { hidden: [16] } },
    shapes: [[784], [28, 28, 1], [64, 2]],
  },
  {
    spec: { name: 'small-cnn', classes: 10 },
    shapes: [
      [28, 28, 1],
      [32, 32, 3],
    ],
  },
  {
    spec: { name: 'resnet', classes: 5, options: { widths: [4, 8], blocksPerStage: 1 } },
    // 28 and 32 px take the CIFAR stem, 96 and 224 px the ImageNet one.
    shapes: [
      [28, 28, 1],
      [32, 32, 3],
      [96, 96, 3],
      [224, 224, 3],
    ],
  },
  {
    spec: { name: 'cnn1d', classes: 3, options: { filters: [4, 8] } },
    shapes: [
      [64, 1],
      [100, 3],
    ],
  },
];

test('every model builds for several input shapes and gives [batch, classes] logits', async () => {
  await initEngine({ backend: 'wasm' });
  for (const { spec, shapes } of SHAPES) {
    for (const inputShape of shapes) {
      const model = buildModel({ ...spec, inputShape } as ModelSpec);
      const y = tf.tidy(() => model.predict(tf.ones([2, ...inputShape])) as tf.Tensor);
      assert.deepEqual(y.shape, [2, spec.classes], `${spec.name} ${inputShape}`);
      assert.deepEqual(model.outputNames, ['main']);
      y.dispose();
      model.dispose();
    }
  }
});

test('the ResNet stem follows the input size: CIFAR up to 64 px, ImageNet beyond', async () => {
  await initEngine({ backend: 'wasm' });
  const names = (side: number, stem?: string) => {
    const model = buildModel({
      name: 'resnet',
      inputShape: [side, side, 3],
      classes: 2,
      options: { widths: [4, 8], blocksPerStage: 1, ...(stem ? { stem } : {}) },
    });
    const out = model.layers.map((l) => `${l.name}:${l.outputShape}`);
    model.dispose();
    return out;
  };
  assert.ok(names(32).includes('stem_conv:,32,32,4'));
  assert.ok(!names(64).some((n) => n.startsWith('stem_pool')));
  const large = names(224);
  assert.ok(large.includes('stem_conv:,112,112,4'), large.join(' '));
  assert.ok(large.includes('stem_pool:,56,56,4'));
  assert.ok(names(32, 'imagenet').includes('stem_pool:,8,8,4'));
});

test('seedWeights makes every model reproducible; another seed gives other weights', async () => {
  await initEngine({ backend: 'wasm' });
  for (const { spec, shapes } of SHAPES) {
    const draw = (seed: number) => {
      const model = buildModel({ ...spec, inputShape: shapes[0] } as ModelSpec);
      seedWeights(model, seed);
      const values = snapshot(model);
      model.dispose();
      return [...values.values()];
    };
    const [a, b, c] = [draw(3), draw(3), draw(4)];
    assert.deepEqual(a, b, spec.name);
    assert.notDeepEqual(a, c, spec.name);
  }
});

test('one training step on wasm changes every trainable weight of every model', async () => {
  await initEngine({ backend: 'wasm' });
  for (const { spec, shapes } of SHAPES) {
    const model = buildModel({ ...spec, inputShape: shapes[0] } as ModelSpec);
    seedWeights(model, 1);
    const x = tf.randomNormal([4, ...shapes[0]], 0, 1, 'float32', 2);
    const y = oneHot(4, spec.classes, 3);
    const before = snapshot(model);
    const loss = sgdStep(model, x, [y]);
    assert.ok(Number.isFinite(loss), `${spec.name} loss ${loss}`);
    const moved = changed(before, snapshot(model));
    const trainable = model.trainableWeights.map((w) => w.originalName);
    for (const name of trainable)
      assert.ok(moved.includes(name), `${spec.name}: ${name} did not move`);
    tf.dispose([x, y]);
    model.dispose();
  }
});

test('parameter counts match hand computation', async () => {
  await initEngine({ backend: 'wasm' });
  const count = (spec: ModelSpec) => {
    const model = buildModel(spec);
    const n = parameterCount(model);
    model.dispose();
    return n;
  };
  // conv 3*3*1*32+32, conv 3*3*32*64+64, dense 5*5*64*128+128, dense 128*10+10.
  assert.deepEqual(count({ name: 'small-cnn', inputShape: [28, 28, 1], classes: 10 }), {
    total: 225_034,
    trainable: 225_034,
  });
  // 784*128+128 + 128*10+10.
  assert.deepEqual(count({ name: 'mlp', inputShape: [784], classes: 10 }), {
    total: 101_770,
    trainable: 101_770,
  });
  // 784*256+256 + 256*128+128 + 128*10+10.
  const deep = count({
    name: 'mlp',
    inputShape: [28, 28, 1],
    classes: 10,
    options: { hidden: [256, 128] },
  });
  assert.equal(deep.total, 235_146);
  // conv 3*2*8 (no bias) + batch norm 4*8 (gamma, beta trainable; moving mean, variance not)
  // + dense 8*3+3.
  assert.deepEqual(
    count({
      name: 'cnn1d',
      inputShape: [16, 2],
      classes: 3,
      options: { filters: [8], kernelSize: 3 },
    }),
    { total: 48 + 32 + 27, trainable: 48 + 16 + 27 },
  );
  // torchvision's resnet18 has 11,689,512 parameters for 1000 classes.
  const r18 = count({
    name: 'resnet',
    inputShape: [224, 224, 3],
    classes: 1000,
    options: { depth: 18, widths: [64, 128, 256, 512] },
  });
  assert.equal(r18.trainable, 11_689_512);
});

test('the reference CNN is unchanged; the named builders equal buildModel', async () => {
  await initEngine({ backend: 'wasm' });
  const ref = smallCnn({ inputShape: [28, 28, 1], classes: 10 });
  assert.deepEqual(
    ref.layers.map((l) => `${l.getClassName()}:${l.outputShape}`),
    [
      'InputLayer:,28,28,1',
      'Conv2D:,26,26,32',
      'MaxPooling2D:,13,13,32',
      'Conv2D:,11,11,64',
      'MaxPooling2D:,5,5,64',
      'Flatten:,1600',
      'Dense:,128',
      'Dense:,10',
    ],
  );
  const dense = ref.getLayer('dense_1').getConfig();
  assert.equal(dense.activation, 'relu');
  assert.equal(ref.getLayer('conv1').getConfig().padding, 'valid');
  const a = resnet({ inputShape: [28, 28, 1], classes: 10, widths: [8, 16], blocksPerStage: 1 });
  const b = buildModel({
    name: 'resnet',
    inputShape: [28, 28, 1],
    classes: 10,
    options: { widths: [8, 16], blocksPerStage: 1 },
  });
  assert.equal(describeModel(a), describeModel(b));
  for (const m of [ref, a, b]) m.dispose();
});

test('describeModel gives one line per layer and the totals', async () => {
  await initEngine({ backend: 'wasm' });
  const model = smallCnn({ inputShape: [28, 28, 1], classes: 10 });
  const lines = describeModel(model).split('\n');
  assert.equal(lines.length, model.layers.length + 1);
  assert.match(lines[1], /^conv1 \(Conv2D\)\s+\[batch,26,26,32\]\s+320$/);
  assert.equal(lines.at(-1), '225,034 parameters, 225,034 trainable');
  model.dispose();
});

test('bad specs are ConfigErrors naming the field and the value, exit code 2', async () => {
  await initEngine({ backend: 'wasm' });
  const base = { name: 'small-cnn', inputShape: [28, 28, 1], classes: 10 };
  const cases: [Record<string, unknown>, string | RegExp][] = [
    [
      { ...base, name: 'vgg' },
      'model.name: expected one of mlp, small-cnn, resnet, cnn1d, got "vgg"',
    ],
    [
      { ...base, dropout: { rate: 1.5, where: 'head' } },
      'model.dropout.rate: expected a number in [0, 1), got 1.5',
    ],
    [
      { ...base, dropout: { rate: 0.2, where: 'middle' } },
      /^model\.dropout\.where: expected one of after-each-dense, head, before-classifier, got "middle"$/,
    ],
    [{ ...base, dropout: { rate: 0.2 } }, /^model\.dropout\.where: .* got undefined$/],
    [{ ...base, extraDense: [256, -1] }, 'model.extraDense[1]: expected an integer >= 1, got -1'],
    [{ ...base, extraDense: [256, 1.5] }, 'model.extraDense[1]: expected an integer >= 1, got 1.5'],
    [
      { ...base, extraDense: 256 },
      /^model\.extraDense: expected a list of integers >= 1, got 256$/,
    ],
    [
      { ...base, multiTask: [{ name: 'parity', weight: 1 }] },
      'model.multiTask[0].classes: missing; expected an integer >= 2',
    ],
    [
      { ...base, multiTask: [{ name: 'main', classes: 2 }] },
      /^model\.multiTask\[0\]\.name: .*got "main"$/,
    ],
    [
      {
        ...base,
        multiTask: [
          { name: 'a', classes: 2 },
          { name: 'a', classes: 3 },
        ],
      },
      /^model\.multiTask\[1\]\.name: .*got "a"$/,
    ],
    [
      { ...base, multiTask: [{ name: 'a b', classes: 2 }] },
      /^model\.multiTask\[0\]\.name: .*got "a b"$/,
    ],
    [
      { ...base, multiTask: [{ name: 'aux', classes: 2, weight: -1 }] },
      /^model\.multiTask\[0\]\.weight: .*got -1$/,
    ],
    [
      { ...base, inputShape: [8, 8, 1] },
      'model.inputShape: expected at least 10x10 pixels for small-cnn, got [8,8,1]',
    ],
    [
      { ...base, inputShape: [784] },
      'model.inputShape: expected [height, width, channels] for small-cnn, got [784]',
    ],
    [{ ...base, inputShape: [28, 0, 1] }, 'model.inputShape[1]: expected an integer >= 1, got 0'],
    [{ ...base, classes: 1 }, 'model.classes: expected an integer >= 2, got 1'],
    [
      { ...base, extraDens: [1] },
      /^model: expected one of the keys name, inputShape, .*, got "extraDens"$/,
    ],
    [
      { ...base, options: { widths: [8] } },
      'model.options.widths: unknown setting (none is taken here)',
    ],
    [
      { name: 'resnet', inputShape: [8, 8, 3], classes: 2, options: { stem: 'imagenet' } },
      /^model\.inputShape: expected at least 16x16 pixels .*imagenet stem, got \[8,8,3\]$/,
    ],
    [
      { name: 'resnet', inputShape: [32, 32, 3], classes: 2, options: { depth: 19 } },
      /^model\.options\.depth: expected 2 \+ 2 \* 3 \* blocksPerStage .*\(8, 14, 20, 26, 32, \.\.\.\), got 19$/,
    ],
    [
      {
        name: 'resnet',
        inputShape: [32, 32, 3],
        classes: 2,
        options: { depth: 20, blocksPerStage: 3 },
      },
      /^model\.options\.depth: expected depth or blocksPerStage, not both, got 20$/,
    ],
    [
      { name: 'resnet', inputShape: [32, 32, 3], classes: 2, options: { blocksPerStage: [1, 2] } },
      /^model\.options\.blocksPerStage: expected one count per stage \(3, as widths\), got \[1,2\]$/,
    ],
    [
      {
        name: 'resnet',
        inputShape: [32, 32, 3],
        classes: 2,
        dropout: { rate: 0.5, where: 'after-each-dense' },
      },
      /^model\.dropout\.where: expected head or before-classifier \(resnet has no hidden dense layer .*\), got "after-each-dense"$/,
    ],
    [
      { name: 'cnn1d', inputShape: [3, 1], classes: 2 },
      /^model\.inputShape: expected a length of at least 4 .*, got \[3,1\]$/,
    ],
    [
      { name: 'cnn1d', inputShape: [28, 28, 1], classes: 2 },
      /^model\.inputShape: expected \[length, channels\] for cnn1d/,
    ],
    [
      { name: 'mlp', inputShape: [10], classes: 2, options: { hidden: [0] } },
      'model.options.hidden[0]: expected an integer >= 1, got 0',
    ],
  ];
  for (const [spec, message] of cases) {
    assert.throws(
      () => buildModel(spec as unknown as ModelSpec),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, `${JSON.stringify(spec)}: ${error}`);
        assert.equal(error.exitCode, 2);
        if (typeof message === 'string') assert.equal(error.message, message);
        else assert.match(error.message, message);
        return true;
      },
    );
  }
  assert.throws(
    () => buildModel(null as unknown as ModelSpec, 'study.model'),
    /study\.model: expected a model spec/,
  );
});
