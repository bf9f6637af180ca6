/**
 * The gradient tests for the wasm Conv2DBackpropInput and Conv2DBackpropFilter kernels: against
 * the cpu backend over a grid of strides, paddings, kernel sizes and shapes; with dilations
 * (which the cpu kernels ignore) against a float64 reference; and end to end through
 * tf.grads of tf.conv2d and of a small CNN. Everything runs once per build of tunebook's
 * kernels (SIMD128, and relaxed SIMD whose fused multiply-adds serve the direct
 * convolutions), so both the fallback and the fused path stay under the same grids and
 * tolerance.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../core/rng.js';
import {
  type ConvCase,
  convGrid,
  GridReport,
  gradsOn,
  type HostTensor,
  makeConvCase,
  padLabel,
  randomTensor,
  referenceConv2dBackprop,
  runKernelOn,
  setupBackends,
} from '../../testing/kernel-grid.js';
import { type KernelBuild, useKernelBuild } from './native.js';

interface ConvInputs {
  x: HostTensor;
  filter: HostTensor;
  dy: HostTensor;
}

function inputsFor(rng: Rng, c: ConvCase): ConvInputs {
  const r = rng.fork(c.label);
  return {
    x: randomTensor(r, c.xShape),
    filter: randomTensor(r, c.filterShape),
    dy: randomTensor(r, c.info.outShape),
  };
}

function backpropInputAttrs(c: ConvCase, withDilations: boolean) {
  return {
    strides: c.strides,
    pad: c.pad,
    dataFormat: 'NHWC',
    dimRoundingMode: c.dimRoundingMode,
    inputShape: c.xShape,
    ...(withDilations ? { dilations: c.dilations } : {}),
  };
}

function backpropFilterAttrs(c: ConvCase, withDilations: boolean) {
  return {
    strides: c.strides,
    pad: c.pad,
    dataFormat: 'NHWC',
    dimRoundingMode: c.dimRoundingMode,
    filterShape: c.filterShape,
    ...(withDilations ? { dilations: c.dilations } : {}),
  };
}

/** Conv2D gradients at dilation 1: what the cpu backend (and tfjs's conv2d gradient) supports. */
const undilated = convGrid({
  seed: 'conv2d/undilated',
  strides: [1, 2, 3],
  dilations: [1],
  kernelSizes: [1, 2, 3, 4, 5],
  inChannels: [1, 2, 3, 4],
  outChannels: [1, 3],
  repeats: 3,
});

/** Dilated (stride 1: tfjs rejects stride and dilation both > 1). */
const dilated = convGrid({
  seed: 'conv2d/dilated',
  strides: [1],
  dilations: [2, 3],
  kernelSizes: [1, 2, 3, 4, 5],
  inChannels: [1, 2, 4],
  outChannels: [1, 2],
  repeats: 3,
});

/** A few bigger shapes, for vectorised or blocked code paths (channels past 4 and 8). */
const larger = [
  ...convGrid({
    seed: 'conv2d/larger',
    strides: [1, 2],
    dilations: [1],
    kernelSizes: [3],
    padKinds: ['same', 'valid'],
    inChannels: [5, 8, 9],
    outChannels: [7, 16],
  }).cases,
  ...convGrid({
    seed: 'conv2d/larger-dilated',
    strides: [1],
    dilations: [2],
    kernelSizes: [3],
    padKinds: ['same'],
    inChannels: [8],
    outChannels: [9],
  }).cases,
  // Blocks of the direct kernels: more pixels than one block (64 forward, 256 filter
  // gradient), many output-channel panels, long unfolded rows (3*3*120).
  makeConvCase([1, 20, 20, 120], [3, 3, 120, 100], [1, 1], [1, 1], 'same'),
  makeConvCase([2, 9, 9, 120], [3, 3, 120, 100], [2, 2], [1, 1], 'valid'),
  // 'valid' 3 x 3 stride 1 with 8+ channels a side: the input gradient by transposed
  // Winograd on dy's tiles, 4 x 4 (dy 11 x 10: partial tiles past its edges; a partial output
  // panel) and 2 x 2 (dy 6 x 6).
  makeConvCase([2, 13, 12, 12], [3, 3, 12, 16], [1, 1], [1, 1], 'valid'),
  makeConvCase([2, 8, 8, 8], [3, 3, 8, 8], [1, 1], [1, 1], 'valid'),
  // Unfolded rows (3*3*520) too long for the shared scratch: the direct kernels' own buffers.
  makeConvCase([1, 5, 5, 520], [3, 3, 520, 3], [1, 1], [1, 1], 'same'),
];

/**
 * The whole suite for one build of tunebook's kernels. Each build runs in a test file of its
 * own (conv2d.test.ts, conv2d-relaxed.test.ts), so in a process of its own: the heap-growth
 * case needs a heap that can still grow, which two suites' grids in one process exhaust.
 */
export function conv2dGradientSuite(build: KernelBuild): void {
  describe(`wasm Conv2D gradient kernels, ${build} build`, () => {
    before(async () => {
      await setupBackends();
      useKernelBuild(build);
    });
    after(() => {
      useKernelBuild(null);
    });

    test('Conv2DBackpropInput and Conv2DBackpropFilter match cpu (strides 1-3, kernels 1-5, same/valid/explicit/numeric padding)', async (t) => {
      const report = new GridReport('Conv2D backprops vs cpu');
      const rng = new Rng('conv2d/undilated/values');
      for (const c of [...undilated.cases, ...larger.filter((l) => l.dilations[0] === 1)]) {
        const { x, filter, dy } = inputsFor(rng, c);
        // The rectangular-kernel half of the cases passes dilations: [1, 1] explicitly.
        const explicitUnit = c.filterShape[0] !== c.filterShape[1];
        await report.againstCpu(`Conv2DBackpropInput ${c.label}`, async (backend) => [
          await runKernelOn(
            backend,
            'Conv2DBackpropInput',
            { dy, filter },
            backpropInputAttrs(c, explicitUnit),
          ),
        ]);
        await report.againstCpu(`Conv2DBackpropFilter ${c.label}`, async (backend) => [
          await runKernelOn(
            backend,
            'Conv2DBackpropFilter',
            { x, dy },
            backpropFilterAttrs(c, explicitUnit),
          ),
        ]);
      }
      report.skipped.push(...undilated.skipped);
      t.diagnostic(report.summary());
      report.assertPassed(1800);
    });

    test('Conv2D and FusedConv2D (bias, relu) match cpu (the forward convolution, on the direct kernel)', async (t) => {
      const report = new GridReport('Conv2D forward vs cpu');
      const rng = new Rng('conv2d/forward/values');
      const cases = [...undilated.cases, ...larger.filter((l) => l.dilations[0] === 1)];
      for (const c of cases) {
        const { x, filter } = inputsFor(rng, c);
        const bias = randomTensor(rng.fork(`bias ${c.label}`), [c.filterShape[3]]);
        const attrs = {
          strides: c.strides,
          pad: c.pad,
          dataFormat: 'NHWC',
          dimRoundingMode: c.dimRoundingMode,
          dilations: [1, 1],
        };
        await report.againstCpu(`Conv2D ${c.label}`, async (backend) => [
          await runKernelOn(backend, 'Conv2D', { x, filter }, attrs),
        ]);
        await report.againstCpu(`FusedConv2D relu ${c.label}`, async (backend) => [
          await runKernelOn(
            backend,
            'FusedConv2D',
            { x, filter, bias },
            { ...attrs, activation: 'relu' },
          ),
        ]);
      }
      t.diagnostic(report.summary());
      report.assertPassed(1800);
    });

    test('the float64 reference matches cpu at dilation 1 (so it can judge the dilated cases)', async () => {
      const report = new GridReport('float64 reference vs cpu');
      const rng = new Rng('conv2d/reference-check');
      for (const c of undilated.cases.filter((_, i) => i % 3 === 0)) {
        const { x, filter, dy } = inputsFor(rng, c);
        await report.attempt(c.label, async () => {
          const ref = referenceConv2dBackprop(x, filter, dy, c.info);
          const dx = await runKernelOn(
            'cpu',
            'Conv2DBackpropInput',
            { dy, filter },
            backpropInputAttrs(c, false),
          );
          const dw = await runKernelOn(
            'cpu',
            'Conv2DBackpropFilter',
            { x, dy },
            backpropFilterAttrs(c, false),
          );
          report.compare(
            `dx ${c.label}`,
            { shape: c.xShape, values: Float32Array.from(ref.dx) },
            dx,
          );
          report.compare(
            `dw ${c.label}`,
            { shape: c.filterShape, values: Float32Array.from(ref.dw) },
            dw,
          );
        });
      }
      report.assertPassed(290);
    });

    test('dilated Conv2DBackpropInput and Conv2DBackpropFilter match a float64 reference (dilations 2-3)', async (t) => {
      const report = new GridReport('dilated Conv2D backprops vs float64 reference');
      const rng = new Rng('conv2d/dilated/values');
      for (const c of [...dilated.cases, ...larger.filter((l) => l.dilations[0] > 1)]) {
        const { x, filter, dy } = inputsFor(rng, c);
        const ref = referenceConv2dBackprop(x, filter, dy, c.info);
        await report.attempt(`Conv2DBackpropInput ${c.label}`, async () => {
          const attrs = backpropInputAttrs(c, true);
          const wasm = await runKernelOn('wasm', 'Conv2DBackpropInput', { dy, filter }, attrs);
          report.compare(`Conv2DBackpropInput ${c.label}`, wasm, {
            shape: c.xShape,
            values: ref.dx,
          });
        });
        await report.attempt(`Conv2DBackpropFilter ${c.label}`, async () => {
          const attrs = backpropFilterAttrs(c, true);
          const wasm = await runKernelOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs);
          report.compare(`Conv2DBackpropFilter ${c.label}`, wasm, {
            shape: c.filterShape,
            values: ref.dw,
          });
        });
      }
      report.skipped.push(...dilated.skipped);
      t.diagnostic(report.summary());
      report.assertPassed(1150);
    });

    test('Conv2DBackpropInput and Conv2DBackpropFilter stay right when the wasm heap grows while they run', async () => {
      const report = new GridReport('Conv2D backprops across wasm heap growth');
      const rng = new Rng('conv2d/growth');
      // Stride 1 (dy padded in place) and 2 (dy spread out); 'valid' on 34 rows and columns
      // with stride 2 leaves the last input row and column unread (the filter kernel crops).
      for (const [xShape, filterShape, stride, pad] of [
        [[2, 40, 40, 8], [3, 3, 8, 8], 1, 'same'],
        // Batch 8: the relaxed build's stride-2 input gradient allocates only dx and one
        // column matrix, which at batch 2 can fit in the heap's slack and not grow it.
        [[8, 40, 40, 8], [3, 3, 8, 8], 2, 'same'],
        [[2, 34, 34, 8], [3, 3, 8, 8], 2, 'valid'],
      ] as const) {
        const c = makeConvCase([...xShape], [...filterShape], [stride, stride], [1, 1], pad);
        const { x, filter, dy } = inputsFor(rng, c);
        const grow = { growHeap: true };
        // The filter gradient allocates only its 3*3*8*8 result (it reads x and dy in place,
        // its scratch is the shared block) and takes no heap views, so it cannot be made to
        // grow the heap.
        const growFilter = { growHeap: false };
        await report.againstCpu(`Conv2DBackpropInput ${c.label}`, async (backend) => [
          await runKernelOn(
            backend,
            'Conv2DBackpropInput',
            { dy, filter },
            backpropInputAttrs(c, false),
            grow,
          ),
        ]);
        await report.againstCpu(`Conv2DBackpropFilter ${c.label}`, async (backend) => [
          await runKernelOn(
            backend,
            'Conv2DBackpropFilter',
            { x, dy },
            backpropFilterAttrs(c, false),
            growFilter,
          ),
        ]);
      }
      report.assertPassed(6);
    });

    test("Conv2DBackpropInput gives cpu's infinities on a layer for transposed Winograd, which declines them", async () => {
      // 'valid' 3 x 3, 8 channels a side: the kernel declines a dy holding an infinity and
      // the correlation's direct sum runs, so only the 3 x 3 pixels it reaches are infinite.
      const c = makeConvCase([1, 9, 8, 8], [3, 3, 8, 8], [1, 1], [1, 1], 'valid');
      const { filter, dy } = inputsFor(new Rng('conv2d/winograd-infinity'), c);
      dy.values[(2 * 6 + 3) * 8 + 5] = Number.POSITIVE_INFINITY;
      const attrs = backpropInputAttrs(c, false);
      const run = (backend: 'wasm' | 'cpu') =>
        runKernelOn(backend, 'Conv2DBackpropInput', { dy, filter }, attrs);
      const [wasm, cpu] = [await run('wasm'), await run('cpu')];
      let infinite = 0;
      cpu.values.forEach((want, i) => {
        const got = wasm.values[i];
        if (Number.isFinite(want))
          assert.ok(Math.abs(got - want) <= 1e-4 * (1 + Math.abs(want)), `dx[${i}]`);
        else assert.equal(got, want, `dx[${i}]`);
        if (!Number.isFinite(want)) infinite++;
      });
      assert.equal(infinite, 9 * 8, 'the infinity reaches 3 x 3 pixels of 8 channels');
    });

    test('end to end: tf.grads of tf.conv2d matches cpu', async (t) => {
      const report = new GridReport('tf.grads(tf.conv2d) wasm vs cpu');
      const rng = new Rng('conv2d/e2e');
      // Numeric padding is left out: tfjs's conv2d gradient drops dimRoundingMode, so the
      // backprops are asked for a differently sized dy. So is 'same' with a stride above the
      // filter size: tfjs-backend-wasm's own forward convolution computes those wrong or traps
      // (tfjs issues #5907, #6629, #7605), which is no fault of the gradient kernels. The
      // kernel grids above cover both.
      const cases = convGrid({
        seed: 'conv2d/e2e',
        strides: [1, 2, 3],
        dilations: [1],
        kernelSizes: [1, 2, 3, 4, 5],
        padKinds: ['same', 'valid', 'explicit', 'explicit-asym'],
        inChannels: [1, 3],
        outChannels: [2],
        repeats: 2,
      }).cases.filter(
        (c) =>
          c.pad !== 'same' ||
          (c.filterShape[0] >= c.strides[0] && c.filterShape[1] >= c.strides[1]),
      );
      for (const c of cases) {
        const { x, filter, dy } = inputsFor(rng, c);
        const f = (xs: tf.Tensor, ws: tf.Tensor) =>
          tf.conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, c.strides, c.pad as 'same');
        await report.againstCpu(c.label, (backend) => gradsOn(backend, f, [x, filter], dy), [
          'y',
          'dx',
          'dfilter',
        ]);
      }
      t.diagnostic(report.summary());
      report.assertPassed(200);
    });

    test('end to end: gradients of a small CNN (conv, relu, max pool, depthwise, dense) match cpu', async () => {
      const report = new GridReport('small CNN gradients wasm vs cpu');
      const rng = new Rng('conv2d/cnn');
      for (const [batch, size, pad] of [
        [1, 9, 'same'],
        [2, 8, 'valid'],
        [3, 7, 'same'],
      ] as const) {
        const x = randomTensor(rng, [batch, size, size, 2]);
        const w1 = randomTensor(rng, [3, 3, 2, 4]);
        const dw = randomTensor(rng, [3, 3, 4, 2]);
        const w2 = randomTensor(rng, [2, 2, 8, 6]);
        // conv1 (3x3, stride 1), max pool (2, stride 2, same), conv2 (stride 2, same): 6 channels.
        const side = Math.ceil(Math.ceil((pad === 'same' ? size : size - 2) / 2) / 2);
        const probe = side * side * 6;
        const dense = randomTensor(rng, [probe, 5]);
        const bias = randomTensor(rng, [5]);
        const head = randomTensor(rng, [5, 3]);
        const dy = randomTensor(rng, [batch, 3]);
        const label = `batch=${batch} size=${size} pad=${padLabel(pad)}`;
        const f = (...v: tf.Tensor[]) => {
          const [xs, a, b, c, d, e, g] = v as [
            tf.Tensor4D,
            tf.Tensor4D,
            tf.Tensor4D,
            tf.Tensor4D,
            tf.Tensor2D,
            tf.Tensor1D,
            tf.Tensor2D,
          ];
          let h = tf.relu(tf.conv2d(xs, a, 1, pad));
          h = tf.maxPool(h, 2, 2, 'same');
          h = tf.relu(tf.depthwiseConv2d(h, b, 1, 'same'));
          h = tf.conv2d(h, c, 2, 'same');
          const flat = tf.reshape(h, [batch, -1]) as tf.Tensor2D;
          const hidden = tf.fused.matMul({ a: flat, b: d, bias: e, activation: 'relu' });
          return tf.matMul(hidden, g);
        };
        const inputs = [x, w1, dw, w2, dense, bias, head];
        await report.againstCpu(label, (backend) => gradsOn(backend, f, inputs, dy), [
          'y',
          'dx',
          'dconv1',
          'ddepthwise',
          'dconv2',
          'ddense',
          'dbias',
          'dhead',
        ]);
      }
      report.assertPassed(3);
    });
  });
}
