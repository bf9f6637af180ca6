import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DataError } from '../../core/errors.js';
import { initEngine } from '../../engine/backend.js';
import { backboneInfo, buildOnBackbone } from '../backbone.js';
import { loadTorchBackbone } from './backbone.js';
import { adaptInputChannels, loadStateDict } from './load-weights.js';
import {
  archName,
  checkArch,
  checkStateDict,
  expectedTensors,
  inferResnetArch,
} from './resnet-arch.js';
import { parseStateDict, readStateDict } from './state-dict.js';
import { torchvisionResnet } from './torchvision-resnet.js';
import { UnsafePickleError } from './unpickle.js';

/** Written by test/fixtures/models/make_fixtures.py (PyTorch 1.13, torchvision 0.14). */
const fixture = (name: string) =>
  fileURLToPath(new URL(`../../../../test/fixtures/models/${name}`, import.meta.url));
interface Reference {
  inputShapeNCHW: [number, number, number, number];
  input: number[];
  logits: number[][];
}
const reference = (name: string): Reference =>
  JSON.parse(readFileSync(fixture(`${name}.json`), 'utf8'));

before(async () => {
  await initEngine({ backend: 'wasm' });
});

/** The reference input as NHWC, optionally its first channel only. */
function inputOf(ref: Reference, grey = false): tf.Tensor4D {
  const [n, c, h, w] = ref.inputShapeNCHW;
  const x = tf.transpose(tf.tensor4d(ref.input, [n, c, h, w]), [0, 2, 3, 1]) as tf.Tensor4D;
  return grey ? tf.slice(x, [0, 0, 0, 0], [n, h, w, 1]) : x;
}

async function logitsOf(file: string, ref: Reference): Promise<number[][]> {
  const sd = await readStateDict(file);
  const arch = inferResnetArch(sd, file);
  const [, c, h, w] = ref.inputShapeNCHW;
  const model = torchvisionResnet(arch, [h, w, c], { classes: arch.classes ?? 0 });
  loadStateDict(model, sd, file);
  const out = tf.tidy(() => (model.predict(inputOf(ref)) as tf.Tensor).arraySync() as number[][]);
  model.dispose();
  return out;
}

function assertClose(actual: number[][], expected: number[][], tolerance: number) {
  assert.equal(actual.length, expected.length);
  let worst = 0;
  actual.forEach((row, i) => {
    row.forEach((v, j) => {
      worst = Math.max(worst, Math.abs(v - expected[i][j]));
    });
  });
  assert.ok(worst <= tolerance, `largest logit difference ${worst} > ${tolerance}`);
}

for (const name of ['basic', 'bottleneck']) {
  for (const ext of ['pth', 'safetensors']) {
    test(`${name}.${ext}: the logits equal PyTorch's to 1e-4 in eval mode`, async () => {
      const ref = reference(name);
      assertClose(await logitsOf(fixture(`${name}.${ext}`), ref), ref.logits, 1e-4);
    });
  }
}

test("torch.save's legacy (pre-1.6) format gives PyTorch's logits too", async () => {
  const ref = reference('bottleneck');
  assertClose(await logitsOf(fixture('bottleneck-legacy.pth'), ref), ref.logits, 1e-4);
  const legacy = await readStateDict(fixture('bottleneck-legacy.pth'));
  const zip = await readStateDict(fixture('bottleneck.pth'));
  assert.deepEqual([...legacy.keys()], [...zip.keys()]);
});

test('a deflated archive reads as the stored one', async () => {
  const stored = await readStateDict(fixture('basic.pth'));
  const deflated = await readStateDict(fixture('basic-deflated.pth'));
  assert.deepEqual([...deflated.keys()], [...stored.keys()]);
  for (const [k, t] of stored) assert.deepEqual(deflated.get(k)?.data, t.data, k);
});

test('both formats hold the same tensors, num_batches_tracked included', async () => {
  const pth = await readStateDict(fixture('bottleneck.pth'));
  const st = await readStateDict(fixture('bottleneck.safetensors'));
  assert.deepEqual([...st.keys()].sort(), [...pth.keys()].sort());
  assert.equal(pth.get('bn1.num_batches_tracked')?.dtype, 'int64');
  assert.deepEqual([...(pth.get('bn1.num_batches_tracked')?.data ?? [])], [7]);
  const arch = inferResnetArch(pth, 'bottleneck.pth');
  assert.deepEqual(
    { block: arch.block, layers: arch.layers, outer: arch.outer, classes: arch.classes },
    { block: 'bottleneck', layers: [1, 1, 1, 1], outer: [16, 32, 48, 64], classes: 7 },
  );
});

test('a grey input gets conv1 summed over RGB: same logits as the grey image in three planes', async () => {
  const ref = reference('basic');
  const file = fixture('basic.pth');
  const sd = await readStateDict(file);
  const arch = inferResnetArch(sd, file);
  const rgb = torchvisionResnet(arch, [32, 32, 3], { classes: 10 });
  loadStateDict(rgb, sd, file);
  adaptInputChannels(sd, 1, file);
  const grey = torchvisionResnet(arch, [32, 32, 1], { classes: 10 });
  loadStateDict(grey, sd, file);
  const [a, b] = tf.tidy(() => {
    const g = inputOf(ref, true);
    return [
      (grey.predict(g) as tf.Tensor).arraySync() as number[][],
      (rgb.predict(tf.concat([g, g, g], 3)) as tf.Tensor).arraySync() as number[][],
    ];
  });
  assertClose(a, b, 1e-4);
  rgb.dispose();
  grey.dispose();
});

test('as a backbone: fc left out, frozen, marked, and a new head on its 32 features', async () => {
  const base = await loadTorchBackbone(
    { source: fixture('basic.safetensors'), from: 'timm', freeze: 'frozen' },
    [32, 32, 3],
  );
  assert.equal(base.layers.at(-1)?.name, 'avgpool');
  assert.equal(base.trainableWeights.length, 0);
  const model: tfl.LayersModel = buildOnBackbone(base, { classes: 3 });
  assert.equal(backboneInfo(model)?.cutAt, 'avgpool');
  assert.deepEqual(model.outputs[0].shape, [null, 3]);
  model.dispose();
});

test('bad files: one-line errors naming the file and what is wrong', async () => {
  const bytes = new Uint8Array(readFileSync(fixture('basic.pth')));
  const reject = (data: Uint8Array, pattern: RegExp) =>
    assert.throws(
      () => parseStateDict(data, 'x.pth'),
      (e: Error) => {
        assert.ok(e instanceof DataError, e.message);
        assert.match(e.message, pattern);
        assert.ok(!e.message.includes('\n'));
        return true;
      },
    );
  reject(bytes.subarray(0, bytes.length - 40), /^x\.pth: truncated or not a zip/);
  reject(new TextEncoder().encode('hello, not weights'), /not a torch\.save zip archive/);
  reject(new Uint8Array(0), /not a torch\.save/);
  const legacy = new Uint8Array(readFileSync(fixture('bottleneck-legacy.pth')));
  reject(legacy.subarray(0, legacy.length - 100), /^x\.pth: storage \d+ is cut short/);
  reject(legacy.subarray(0, 2000), /^x\.pth: data\.pkl is truncated/);
  await assert.rejects(readStateDict(fixture('forbidden-global.pth')), (e: Error) => {
    assert.ok(e instanceof UnsafePickleError);
    assert.match(e.message, /refused the global posix\.system/);
    return true;
  });
  const other = await readStateDict(fixture('other-arch.pth'));
  assert.throws(
    () => inferResnetArch(other, 'o.pth'),
    /missing tensor conv1\.weight: not a torchvision\/timm ResNet state_dict \(its first tensors: features\.0\.weight/,
  );
});

test('a state_dict with one tensor too many, missing or mis-shaped is named', async () => {
  const file = fixture('basic.pth');
  const fresh = async () => readStateDict(file);
  let sd = await fresh();
  const arch = inferResnetArch(sd, file);
  checkStateDict(sd, arch, file);
  sd.set('extra.weight', { shape: [2], dtype: 'float32', data: new Float32Array(2) });
  assert.throws(
    () => checkStateDict(sd, arch, file),
    /unexpected tensor extra\.weight \(shape \[2\]\)/,
  );
  sd = await fresh();
  sd.delete('layer2.0.bn2.running_var');
  assert.throws(
    () => checkStateDict(sd, arch, file),
    /missing tensor layer2\.0\.bn2\.running_var \(shape \[16\]\)/,
  );
  sd = await fresh();
  const t = sd.get('layer3.0.conv1.weight');
  if (t) sd.set('layer3.0.conv1.weight', { ...t, shape: [24, 16, 1, 9] });
  assert.throws(
    () => checkStateDict(sd, arch, file),
    /tensor layer3\.0\.conv1\.weight has shape \[24,16,1,9\], resnet \(basic, 2-1-1-1\) needs \[24,16,3,3\]/,
  );
});

test('ResNet-18, 34 and 50 state_dicts are recognised by their tensors, and a named arch is checked', () => {
  const shapesOf = (block: 'basic' | 'bottleneck', layers: number[]) => {
    const widths = [64, 128, 256, 512];
    const arch = {
      block,
      layers,
      stem: 64,
      inner: widths,
      outer: block === 'basic' ? widths : widths.map((w) => w * 4),
      classes: 1000,
      inChannels: 3,
    };
    const sd = new Map(
      [...expectedTensors(arch)].map(([k, shape]) => [
        k,
        { shape, dtype: 'float32', data: new Float32Array(0) },
      ]),
    );
    return sd;
  };
  const cases: [string, 'basic' | 'bottleneck', number[], number][] = [
    ['resnet18', 'basic', [2, 2, 2, 2], 11_689_512],
    ['resnet34', 'basic', [3, 4, 6, 3], 21_797_672],
    ['resnet50', 'bottleneck', [3, 4, 6, 3], 25_557_032],
  ];
  for (const [name, block, layers, params] of cases) {
    const sd = shapesOf(block, layers);
    const arch = inferResnetArch(sd, `${name}.pth`);
    assert.equal(archName(arch), name);
    checkStateDict(sd, arch, `${name}.pth`);
    // torchvision's parameter counts (running statistics excluded), tensor for tensor.
    let count = 0;
    for (const [k, t] of sd) {
      if (!/running_(mean|var)$/.test(k)) count += t.shape.reduce((p, d) => p * d, 1);
    }
    assert.equal(count, params, name);
  }
  const r34 = shapesOf('basic', [3, 4, 6, 3]);
  assert.throws(
    () => checkArch(inferResnetArch(r34, 'r.pth'), 'resnet18', 'r.pth'),
    /r\.pth: expected a resnet18 state_dict, got resnet34/,
  );
});
