import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type { Image } from '../core/image.js';
import type { Rng } from '../core/rng.js';
import { type Batch, DataLoader } from './loader.js';
import { mnistSource } from './mnist.js';
import { signalSource } from './signal-set.js';
import { subsetSource } from './source.js';
import { stratifiedSplit } from './split.js';
import { syntheticSignals } from './synthetic-signals.js';

before(async () => {
  await tf.setBackend('cpu');
});

const digits = mnistSource();
const small = subsetSource(digits, stratifiedSplit(digits.labels, 0.03, 1).test); // 299 digits
const n = small.count;

async function collect(loader: DataLoader, epoch: number) {
  const out: { x: number[]; y: number[]; indices: number[]; shape: number[] }[] = [];
  for await (const b of loader.epoch(epoch)) {
    out.push({
      x: [...(await b.x.data())],
      y: [...(await b.y.data())],
      indices: [...b.indices],
      shape: b.x.shape,
    });
  }
  return out;
}

test('same seed, same batches; epochs reshuffle; every sample once per epoch', async () => {
  const a = new DataLoader(small, { batchSize: 64, seed: 7 });
  const b = new DataLoader(small, { batchSize: 64, seed: 7 });
  const e0 = await collect(a, 0);
  assert.deepEqual(e0, await collect(b, 0));
  assert.equal(e0.length, 5);
  assert.deepEqual(e0[0].shape, [64, 28, 28, 1]);
  assert.deepEqual(e0[4].shape, [n - 256, 28, 28, 1]);
  const order0 = e0.flatMap((x) => x.indices);
  const order1 = (await collect(a, 1)).flatMap((x) => x.indices);
  assert.notDeepEqual(order0, order1);
  assert.deepEqual(
    [...order0].sort((p, q) => p - q),
    Array.from({ length: n }, (_, i) => i),
  );
  assert.deepEqual(
    [...order1].sort((p, q) => p - q),
    Array.from({ length: n }, (_, i) => i),
  );
  const other = (await collect(new DataLoader(small, { batchSize: 64, seed: 8 }), 0)).flatMap(
    (x) => x.indices,
  );
  assert.notDeepEqual(order0, other);

  // Pixels are the 8-bit digits over 255; labels one-hot.
  const first = e0[0];
  const img = await small.get(first.indices[0]);
  assert.deepEqual(
    first.x.slice(0, 784),
    Array.from(img.data, (v) => Math.fround(v / 255)),
  );
  const label = small.labels[first.indices[0]];
  assert.deepEqual(
    first.y.slice(0, 10),
    Array.from({ length: 10 }, (_, k) => (k === label ? 1 : 0)),
  );
});

test('per-sample transforms get a reproducible rng, independent of the batch size', async () => {
  const draws: string[] = [];
  const transform = (image: Image, rng: Rng): Image => {
    const shift = rng.uniform();
    draws.push(shift.toFixed(6));
    return { ...image, data: Float32Array.from(image.data, (v) => v / 255 + shift) };
  };
  const run = async (batchSize: number) => {
    const loader = new DataLoader(small, { batchSize, seed: 3, transform, dropLast: false });
    return (await collect(loader, 2)).flatMap((b) => b.x);
  };
  const x32 = await run(32);
  const x100 = await run(100);
  assert.deepEqual(x32, x100);
  assert.ok(
    x32.some((v) => v > 1),
    'the float output of the transform is used as is',
  );
  assert.equal(new Set(draws).size, n, 'each sample its own draw');
});

test('memory stays flat: numTensors does not grow across epochs, also after a break', async () => {
  const loader = new DataLoader(small, { batchSize: 50, seed: 1, dropLast: true });
  const before = tf.memory().numTensors;
  const counts: number[] = [];
  let maxLive = 0;
  for (let epoch = 0; epoch < 3; epoch++) {
    for await (const { x } of loader.epoch(epoch)) {
      maxLive = Math.max(maxLive, tf.memory().numTensors - before);
      tf.tidy(() => {
        tf.mean(x);
      });
    }
    counts.push(tf.memory().numTensors);
  }
  assert.deepEqual(counts, [before, before, before]);
  assert.equal(maxLive, 2, 'one batch (x, y) alive at a time');
  for await (const _ of loader.epoch(3)) break;
  assert.equal(tf.memory().numTensors, before);
});

test('signals batch as NWC; mismatched sizes and bad options are clear errors', async () => {
  const set = syntheticSignals({ seed: 1, perClass: 4, length: 32 });
  const loader = new DataLoader(signalSource(set), {
    batchSize: 8,
    seed: 1,
    layout: 'nwc',
    shuffle: false,
  });
  let first: Batch | null = null;
  for await (const b of loader.epoch(0)) {
    first ??= { ...b, x: b.x.clone(), y: b.y.clone() };
  }
  assert.deepEqual(first!.x.shape, [8, 32, 1]);
  assert.deepEqual([...first!.indices], [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(await first!.x.data(), set.signals.subarray(0, 256));
  tf.dispose([first!.x, first!.y]);

  const odd = {
    ...small,
    get: async (i: number): Promise<Image> =>
      i === 5 ? { data: new Uint8Array(4), height: 2, width: 2, channels: 1 } : small.get(i),
    describe: (i: number) => `file-${i}.png`,
  };
  const before = tf.memory().numTensors;
  await assert.rejects(async () => {
    for await (const _ of new DataLoader(odd, { batchSize: n, seed: 1 }).epoch(0)) {
    }
  }, /file-5\.png: image is 2x2x1, but others in its batch are 28x28x1; add a resize/);
  assert.equal(tf.memory().numTensors, before);
  assert.throws(
    () => new DataLoader(small, { batchSize: 0, seed: 1 }),
    /batchSize: expected an integer >= 1, got 0/,
  );
  assert.throws(
    () => new DataLoader(small, { batchSize: 1, seed: 1, indices: [300] }),
    /indices\[0\]/,
  );
  assert.throws(
    () => new DataLoader(small, { batchSize: 1, seed: 1, layout: 'nchw' as 'nhwc' }),
    /layout: expected nhwc or nwc/,
  );
});
