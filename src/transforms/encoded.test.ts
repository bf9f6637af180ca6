import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { decodeImageBytes } from '../data/decode-image.js';
import { loadGoldenJpegs } from './functional/golden.js';
import * as T from './index.js';

test('augmentEncoded gives what decodeImageBytes then apply give, on every path', async () => {
  const jpegs = loadGoldenJpegs();
  const baseline = jpegs.find((j) => j.name === 'astronaut/422-q90')!;
  const progressive = jpegs.find((j) => j.name === 'astronaut/progressive')!;
  const grey = jpegs.find((j) => j.name === 'camera/grey-q80')!;
  const png = await sharp(baseline.expected.data, { raw: { width: 64, height: 48, channels: 3 } })
    .png()
    .toBuffer();
  const seed = [
    T.resize([40, 44]),
    T.randomCrop(32),
    T.randomHorizontalFlip(),
    T.randomRotation(10),
  ];
  const pipelines: T.Transform[] = [
    T.compose([...seed, T.toTensor(), T.normalize([0.5, 0.4, 0.3], [0.2, 0.3, 0.4])]),
    T.compose([...seed, T.colorJitter({ brightness: 0.5 }), T.toTensor()]),
    T.compose([T.centerCrop(30), T.randomRotation(10)]),
    T.randomRotation(20),
  ];
  for (const pipeline of pipelines) {
    for (const [name, bytes] of [
      ['baseline', baseline.bytes],
      ['progressive', progressive.bytes],
      ['grey', grey.bytes],
      ['png', png],
    ] as const) {
      for (let i = 0; i < 6; i++) {
        const got = await T.augmentEncoded(pipeline, bytes, name, T.sampleRng(1, 2, i), 3);
        const image = await decodeImageBytes(bytes, name, 3);
        const params = pipeline.sampleParams(T.sampleRng(1, 2, i), T.infoOf(image));
        assert.deepEqual(got.params, params, `${name} ${i}`);
        assert.deepEqual(got.image, pipeline.apply(image, params), `${name} ${i}`);
      }
    }
  }
});
