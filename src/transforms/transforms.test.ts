import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../core/errors.js';
import type { Image } from '../core/image.js';
import { setWasmKernels } from '../core/native/wasm-kernels.js';
import { Rng } from '../core/rng.js';
import { loadGoldenCases } from './functional/golden.js';
import * as T from './index.js';

const photo = loadGoldenCases().find((c) => c.name === 'hflip/coffee')!.input; // 72x96x3
const digit = loadGoldenCases().find((c) => c.name === 'hflip/digit3')!.input; // 28x28x1

function randomImage(rng: Rng, h: number, w: number, c: number): Image {
  const data = new Uint8Array(h * w * c);
  for (let i = 0; i < data.length; i++) data[i] = rng.int(256);
  return { data, height: h, width: w, channels: c };
}

function throwsConfig(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
    assert.match(e.message, message);
    return true;
  });
}

test('constructors reject bad options, naming the field and the value', () => {
  const cases: [() => unknown, RegExp][] = [
    [() => new T.Resize({ size: 0 }), /^resize\.size: expected an integer >= 1, got 0$/],
    [
      () => new T.Resize({ size: [1, 2, 3] }),
      /^resize\.size: expected .*\[height, width\], got \[1,2,3\]$/,
    ],
    [
      () => new T.Resize({ size: 8, interpolation: 'lanczos' as never }),
      /resize\.interpolation: expected one of nearest, bilinear, bicubic, got "lanczos"/,
    ],
    [
      () => new T.Resize({ size: 8, antialias: false }),
      /resize\.antialias: expected true .*, got false/,
    ],
    [() => new T.Resize({ size: [8, 8], maxSize: 10 }), /resize\.maxSize/],
    [() => new T.CenterCrop({ size: -3 }), /centerCrop\.size: .*got -3/],
    [
      () => new T.RandomCrop({ size: 224, paddingMode: 'wrap' as never }),
      /randomCrop\.paddingMode: expected one of constant, edge, reflect, symmetric, got "wrap"/,
    ],
    [
      () => new T.RandomCrop({ size: 224, padding: [1, 2, 3] }),
      /randomCrop\.padding: .*got \[1,2,3\]/,
    ],
    [
      () => new T.RandomCrop({ size: 224, fill: 'red' as never }),
      /randomCrop\.fill: expected a number or a list of numbers, got "red"/,
    ],
    [
      () => new T.RandomHorizontalFlip({ p: 1.5 }),
      /^randomHorizontalFlip\.p: expected a number in \[0, 1\], got 1\.5$/,
    ],
    [() => new T.RandomVerticalFlip({ p: -0.1 }), /randomVerticalFlip\.p: .*got -0\.1/],
    [
      () => new T.RandomRotation({ degrees: -5 }),
      /randomRotation\.degrees: expected a non-negative number or \[min, max\], got -5/,
    ],
    [
      () => new T.RandomRotation({ degrees: [10, 5] }),
      /randomRotation\.degrees: expected \[min, max\] with min <= max, got \[10,5\]/,
    ],
    [
      () => new T.RandomRotation({ degrees: 5, interpolation: 'bicubic' as never }),
      /randomRotation\.interpolation: expected one of nearest, bilinear/,
    ],
    [
      () => new T.RandomRotation({ degrees: 5, degreez: 3 } as never),
      /^randomRotation\.degreez: unknown parameter \(did you mean degrees\?/,
    ],
    [
      () => new T.RandomRotation({ degrees: 5, center: [1] as never }),
      /randomRotation\.center: expected \[x, y\]/,
    ],
    [
      () => new T.GaussianBlur({ kernelSize: 4 }),
      /gaussianBlur\.kernelSize: expected an odd positive integer .*got 4/,
    ],
    [() => new T.GaussianBlur({ kernelSize: 3, sigma: 0 }), /gaussianBlur\.sigma: .*got 0/],
    [
      () => new T.GaussianBlur({ kernelSize: 3, sigma: [2, 1] }),
      /gaussianBlur\.sigma: .*got \[2,1\]/,
    ],
    [() => new T.RandomErasing({ p: 2 }), /randomErasing\.p: .*got 2/],
    [() => new T.RandomErasing({ scale: [0.5, 0.1] }), /randomErasing\.scale: .*got \[0\.5,0\.1\]/],
    [() => new T.RandomErasing({ value: 'noise' as never }), /randomErasing\.value: .*got "noise"/],
    [() => new T.ColorJitter({ brightness: -1 }), /colorJitter\.brightness: .*got -1/],
    [() => new T.ColorJitter({ hue: 0.7 }), /colorJitter\.hue: .*got 0\.7/],
    [() => new T.ColorJitter({ hue: [-0.6, 0] }), /colorJitter\.hue: .*got \[-0\.6,0\]/],
    [
      () => new T.Grayscale({ numOutputChannels: 2 as never }),
      /grayscale\.numOutputChannels: expected 1 or 3, got 2/,
    ],
    [
      () => new T.Normalize({ mean: [0.5], std: [0] }),
      /normalize\.std: expected non-zero values, got \[0\]/,
    ],
    [
      () => new T.Normalize({ mean: [], std: [1] }),
      /normalize\.mean: expected a non-empty list of numbers, got \[\]/,
    ],
    [
      () => new T.Normalize({ mean: [1, 2], std: [1, 2, 3] }),
      /normalize\.std: expected as many values as mean/,
    ],
    [() => new T.RandomResizedCrop({ size: 224, ratio: [0, 1] }), /randomResizedCrop\.ratio/],
    [
      () => new T.RandomApply({ transforms: [] }),
      /randomApply\.transforms: expected a non-empty list of transforms, got \[\]/,
    ],
    [
      () => new T.ToTensor({ scale: 1 } as never),
      /^toTensor\.scale: unknown parameter \(this transform takes none\)$/,
    ],
    [() => T.compose([{} as never]), /compose: expected a list of transforms/],
  ];
  for (const [fn, message] of cases) throwsConfig(fn, message);
});

test('a pixel kind a transform cannot take is a ConfigError before any image', () => {
  throwsConfig(
    () => T.compose([T.normalize([0.5], [0.5])]).outputKind('uint8'),
    /normalize: expected a float image \(put toTensor before normalize\)/,
  );
  throwsConfig(
    () => T.compose([T.toTensor(), T.toTensor()]).outputKind('uint8'),
    /toTensor: expected an 8-bit image/,
  );
  throwsConfig(
    () => T.randomApply([T.toTensor()]).outputKind('uint8'),
    /randomApply\.transforms: expected transforms that keep the pixel kind/,
  );
  throwsConfig(
    () =>
      T.normalize([0.5, 0.5], [0.5, 0.5]).outputInfo({
        height: 2,
        width: 2,
        channels: 3,
        kind: 'float32',
      }),
    /normalize\.mean: expected 1 or 3 values/,
  );
  throwsConfig(
    () =>
      T.randomCrop(100).sampleParams(new Rng(0), {
        height: 28,
        width: 28,
        channels: 1,
        kind: 'uint8',
      }),
    /randomCrop\.size: expected a crop no larger than the image \(28x28/,
  );
});

test('draws stay in their ranges and follow their probabilities', () => {
  const rng = new Rng(7);
  const info = T.infoOf(photo);
  let flips = 0;
  for (let i = 0; i < 2000; i++) {
    const angle = T.randomRotation([-10, 30]).sampleParams(rng).angle;
    assert.ok(angle >= -10 && angle < 30);
    if (T.randomHorizontalFlip(0.3).sampleParams(rng).flip) flips++;
    const crop = T.randomCrop([40, 50], { padding: 4 }).sampleParams(rng, info);
    assert.ok(
      crop.top >= 0 && crop.top <= 72 + 8 - 40 && crop.left >= 0 && crop.left <= 96 + 8 - 50,
    );
    const box = T.randomResizedCrop(32).sampleParams(rng, info);
    assert.ok(
      box.top >= 0 && box.left >= 0 && box.top + box.height <= 72 && box.left + box.width <= 96,
    );
    const erase = T.randomErasing({ p: 1 }).sampleParams(rng, info);
    if (erase.erase) assert.ok(erase.top + erase.height <= 72 && erase.left + erase.width <= 96);
    const jitter = T.colorJitter({ brightness: 0.4, hue: [-0.1, 0.2] }).sampleParams(rng);
    assert.deepEqual([...jitter.order].sort(), [0, 1, 2, 3]);
    assert.ok(jitter.brightness! >= 0.6 && jitter.brightness! < 1.4);
    assert.ok(jitter.hue! >= -0.1 && jitter.hue! < 0.2);
    assert.equal(jitter.contrast, null);
  }
  assert.ok(Math.abs(flips / 2000 - 0.3) < 0.05, `${flips} flips of 2000 at p = 0.3`);
});

const everything = (): T.Transform[] => [
  T.resize([50, 60]),
  T.resize(40, { interpolation: 'bicubic', maxSize: 70 }),
  T.centerCrop([30, 20]),
  T.centerCrop(80),
  T.randomCrop(32, { padding: [2, 3], paddingMode: 'reflect' }),
  T.randomCrop(100, { padIfNeeded: true, fill: [1, 2, 3] }),
  T.randomResizedCrop([24, 28]),
  T.randomHorizontalFlip(),
  T.randomVerticalFlip(),
  T.randomRotation(40, { expand: true, fill: 128 }),
  T.randomRotation([-20, 20], { interpolation: 'bilinear', center: [5, 9] }),
  T.gaussianBlur([3, 5]),
  T.randomErasing({ p: 1, value: 'random' }),
  T.colorJitter({ brightness: 0.5, contrast: 0.5, saturation: 0.5, hue: 0.2 }),
  T.grayscale(3),
  T.randomApply([T.gaussianBlur(5), T.grayscale(3)], 0.5),
];

test('outputInfo predicts what apply makes, and inputs are never changed', () => {
  for (const image of [photo, digit]) {
    const before = image.data.slice();
    for (const t of everything()) {
      for (let s = 0; s < 5; s++) {
        const params = t.sampleParams(new Rng(s), T.infoOf(image));
        const out = t.apply(image, params);
        assert.deepEqual(
          T.infoOf(out),
          t.outputInfo(T.infoOf(image), params),
          `${t.name} seed ${s}`,
        );
      }
    }
    assert.deepEqual(image.data, before);
  }
});

function seedPipeline(): T.Compose {
  return T.compose([
    T.resize([64, 64]),
    T.randomCrop([56, 56]),
    T.randomHorizontalFlip(),
    T.randomRotation(5),
    T.toTensor(),
    T.normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
  ]);
}

test('the same seed gives the same augmented epoch, in any order; another seed or epoch differs', () => {
  const pipeline = T.compose([...everything().slice(6), T.toTensor()]);
  const images = [photo, randomImage(new Rng(1), 40, 50, 3), randomImage(new Rng(2), 33, 31, 3)];
  const epoch = (seed: number, e: number, order: number[]) => {
    const out: { params: unknown; data: number[] }[] = [];
    for (const i of order) {
      const { image, params } = T.augmentSample(pipeline, images[i], { seed, epoch: e, index: i });
      out[i] = { params, data: Array.from(image.data) };
    }
    return JSON.stringify(out);
  };
  const a = epoch(1, 0, [0, 1, 2]);
  assert.equal(epoch(1, 0, [2, 0, 1]), a);
  assert.notEqual(epoch(2, 0, [0, 1, 2]), a);
  assert.notEqual(epoch(1, 1, [0, 1, 2]), a);
  // Recorded params replay exactly.
  const { image, params } = T.augmentSample(pipeline, photo, { seed: 3, epoch: 4, index: 5 });
  assert.deepEqual(pipeline.apply(photo, JSON.parse(JSON.stringify(params))), image);
});

test("compose's fused steps give exactly what the transforms give one by one", () => {
  for (const wasm of [true, false]) {
    setWasmKernels(wasm);
    try {
      checkFusion();
    } finally {
      setWasmKernels(true);
    }
  }
});

function checkFusion(): void {
  const rng = new Rng(11);
  const grey = T.compose([
    T.resize([30, 33]),
    T.randomCrop(28, { padding: 2 }),
    T.randomRotation(10),
    T.toTensor(),
    T.normalize([0.13], [0.31]),
  ]);
  for (let k = 0; k < 20; k++) {
    const params = grey.sampleParams(new Rng(k), T.infoOf(digit));
    let expected: Image = digit;
    grey.transforms.forEach((t, i) => {
      expected = t.apply(expected, params[i]);
    });
    assert.deepEqual(grey.apply(digit, params).data, expected.data);
  }
  const pipelines = [
    seedPipeline(),
    T.compose([
      T.resize(60),
      T.centerCrop(48),
      T.randomVerticalFlip(),
      T.randomHorizontalFlip(),
      T.toTensor(),
      T.normalize([0.5], [0.25]),
    ]),
    T.compose([
      T.randomHorizontalFlip(),
      T.randomRotation(180, { expand: true, fill: [10, 20, 30] }),
    ]),
    T.compose([
      T.randomRotation(30, { center: [3, 4], fill: 300 }),
      T.toTensor(),
      T.normalize([0.1, 0.2, 0.3], [0.3, 0.2, 0.1]),
    ]),
    T.compose([T.randomHorizontalFlip(), T.toTensor(), T.normalize([0.5], [0.5])]),
    T.compose([
      T.resize([40, 40], { interpolation: 'nearest' }),
      T.randomCrop(30),
      T.randomRotation([90, 90]),
    ]),
  ];
  for (const pipeline of pipelines) {
    for (let k = 0; k < 30; k++) {
      const image = k % 3 === 0 ? photo : randomImage(rng, 30 + rng.int(40), 30 + rng.int(40), 3);
      const params = pipeline.sampleParams(new Rng(k), T.infoOf(image));
      let expected: Image = image;
      pipeline.transforms.forEach((t, i) => {
        expected = t.apply(expected, params[i]);
      });
      const actual = pipeline.apply(image, params);
      assert.deepEqual(T.infoOf(actual), T.infoOf(expected));
      assert.deepEqual(
        actual.data,
        expected.data,
        `${JSON.stringify(pipeline.describe())} case ${k}`,
      );
    }
  }
}

test("DESIGN.md's example: the seed's pipeline gives normalised 224x224 RGB floats", () => {
  const augment = T.compose([
    T.resize([256, 256]),
    T.randomCrop([224, 224]),
    T.randomHorizontalFlip(),
    T.randomRotation(5),
    T.toTensor(),
    T.normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
  ]);
  const out = augment.run(photo, T.sampleRng(0, 0, 0));
  assert.deepEqual(T.infoOf(out), { height: 224, width: 224, channels: 3, kind: 'float32' });
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of out.data) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  assert.ok(min >= -2.12 && max <= 2.64, `${min}..${max}`);
});
