/**
 * Gradient tests for the wasm DepthwiseConv2dNativeBackpropInput and
 * DepthwiseConv2dNativeBackpropFilter kernels: against the cpu backend at dilation 1 (strides
 * 1-3, kernels 1-5, channel multipliers 1 and 2, same/valid/explicit/numeric padding); with
 * dilations 2-3 against a float64 reference, because the cpu backend's depthwise backprops
 * ignore dilations (they size the output with them but loop over undilated taps); and end to
 * end through tf.grads of tf.depthwiseConv2d.
 */
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../core/rng.js';
import {
  type ConvCase,
  convGrid,
  GridReport,
  gradsOn,
  type HostTensor,
  makeConvCase,
  randomTensor,
  referenceDepthwiseBackprop,
  runKernelOn,
  setupBackends,
} from '../../testing/kernel-grid.js';

const undilated = convGrid({
  seed: 'depthwise/grid',
  depthwise: true,
  strides: [1, 2, 3],
  dilations: [1],
  kernelSizes: [1, 2, 3, 4, 5],
  inChannels: [1, 2, 3, 4],
  outChannels: [1, 2],
  repeats: 3,
});

/** Stride 1: tfjs's depthwiseConv2d rejects strides and dilations both > 1. */
const dilated = convGrid({
  seed: 'depthwise/dilated',
  depthwise: true,
  strides: [1],
  dilations: [2, 3],
  kernelSizes: [1, 2, 3, 4, 5],
  inChannels: [1, 2, 3, 4],
  outChannels: [1, 2],
  repeats: 3,
});

/** Bigger channel counts, for vectorised channel loops and their remainders. */
const larger = convGrid({
  seed: 'depthwise/larger',
  depthwise: true,
  strides: [1, 2],
  dilations: [1, 2],
  kernelSizes: [3, 5],
  padKinds: ['same', 'valid'],
  inChannels: [5, 8, 9, 16],
  outChannels: [1, 2, 3],
}).cases;

function attrs(c: ConvCase, shape: Record<string, unknown>) {
  return {
    strides: c.strides,
    dilations: c.dilations,
    pad: c.pad,
    dimRoundingMode: c.dimRoundingMode,
    dataFormat: 'NHWC',
    ...shape,
  };
}

function inputsFor(rng: Rng, c: ConvCase): { x: HostTensor; filter: HostTensor; dy: HostTensor } {
  const r = rng.fork(c.label);
  return {
    x: randomTensor(r, c.xShape),
    filter: randomTensor(r, c.filterShape),
    dy: randomTensor(r, c.info.outShape),
  };
}

function backpropInput(backend: 'cpu' | 'wasm', c: ConvCase, dy: HostTensor, filter: HostTensor) {
  return runKernelOn(
    backend,
    'DepthwiseConv2dNativeBackpropInput',
    { dy, filter },
    attrs(c, { inputShape: c.xShape }),
  );
}

function backpropFilter(backend: 'cpu' | 'wasm', c: ConvCase, x: HostTensor, dy: HostTensor) {
  return runKernelOn(
    backend,
    'DepthwiseConv2dNativeBackpropFilter',
    { x, dy },
    attrs(c, { filterShape: c.filterShape }),
  );
}

describe('wasm depthwise convolution gradient kernels', () => {
  before(setupBackends);

  test('DepthwiseConv2dNativeBackpropInput and ...BackpropFilter match cpu (strides 1-3, kernels 1-5, multipliers 1-2, same/valid/explicit/numeric padding)', async (t) => {
    const report = new GridReport('depthwise backprops vs cpu');
    report.skipped.push(...undilated.skipped);
    const rng = new Rng('depthwise/values');
    for (const c of [...undilated.cases, ...larger.filter((l) => l.dilations[0] === 1)]) {
      const { x, filter, dy } = inputsFor(rng, c);
      await report.againstCpu(`DepthwiseConv2dNativeBackpropInput ${c.label}`, async (backend) => [
        await backpropInput(backend, c, dy, filter),
      ]);
      await report.againstCpu(`DepthwiseConv2dNativeBackpropFilter ${c.label}`, async (backend) => [
        await backpropFilter(backend, c, x, dy),
      ]);
    }
    t.diagnostic(report.summary());
    report.assertPassed(1850);
  });

  test('the float64 depthwise reference matches cpu at dilation 1 (so it can judge the dilated cases)', async () => {
    const report = new GridReport('float64 depthwise reference vs cpu');
    const rng = new Rng('depthwise/reference-check');
    for (const c of undilated.cases.filter((_, i) => i % 3 === 0)) {
      const { x, filter, dy } = inputsFor(rng, c);
      await report.attempt(c.label, async () => {
        const ref = referenceDepthwiseBackprop(x, filter, dy, c.info);
        const dx = await backpropInput('cpu', c, dy, filter);
        const dw = await backpropFilter('cpu', c, x, dy);
        report.compare(`dx ${c.label}`, { shape: c.xShape, values: Float32Array.from(ref.dx) }, dx);
        report.compare(
          `dw ${c.label}`,
          { shape: c.filterShape, values: Float32Array.from(ref.dw) },
          dw,
        );
      });
    }
    report.assertPassed(290);
  });

  test('dilated DepthwiseConv2dNativeBackpropInput and ...BackpropFilter match a float64 reference (dilations 2-3)', async (t) => {
    const report = new GridReport('dilated depthwise backprops vs float64 reference');
    report.skipped.push(...dilated.skipped);
    const rng = new Rng('depthwise/dilated/values');
    for (const c of [...dilated.cases, ...larger.filter((l) => l.dilations[0] > 1)]) {
      const { x, filter, dy } = inputsFor(rng, c);
      const ref = referenceDepthwiseBackprop(x, filter, dy, c.info);
      const inputLabel = `DepthwiseConv2dNativeBackpropInput ${c.label}`;
      await report.attempt(inputLabel, async () => {
        const wasm = await backpropInput('wasm', c, dy, filter);
        report.compare(inputLabel, wasm, { shape: c.xShape, values: ref.dx });
      });
      const filterLabel = `DepthwiseConv2dNativeBackpropFilter ${c.label}`;
      await report.attempt(filterLabel, async () => {
        const wasm = await backpropFilter('wasm', c, x, dy);
        report.compare(filterLabel, wasm, { shape: c.filterShape, values: ref.dw });
      });
    }
    t.diagnostic(report.summary());
    report.assertPassed(1150);
  });

  test('the depthwise backprops stay right when the wasm heap grows while they run', async () => {
    const report = new GridReport('depthwise backprops across wasm heap growth');
    const rng = new Rng('depthwise/growth');
    // Channels enough that even the filter gradient (100 KiB) outgrows the filled heap.
    for (const [xShape, filterShape, stride] of [
      [[2, 12, 12, 1024], [5, 5, 1024, 1], 1],
      [[1, 12, 11, 512], [5, 5, 512, 2], 2],
    ] as const) {
      const c = makeConvCase(
        [...xShape],
        [...filterShape],
        [stride, stride],
        [1, 1],
        'same',
        undefined,
        true,
      );
      const { x, filter, dy } = inputsFor(rng, c);
      await report.againstCpu(`DepthwiseConv2dNativeBackpropInput ${c.label}`, async (backend) => [
        await runKernelOn(
          backend,
          'DepthwiseConv2dNativeBackpropInput',
          { dy, filter },
          attrs(c, { inputShape: c.xShape }),
          { growHeap: true },
        ),
      ]);
      await report.againstCpu(`DepthwiseConv2dNativeBackpropFilter ${c.label}`, async (backend) => [
        await runKernelOn(
          backend,
          'DepthwiseConv2dNativeBackpropFilter',
          { x, dy },
          attrs(c, { filterShape: c.filterShape }),
          { growHeap: true },
        ),
      ]);
    }
    report.assertPassed(4);
  });

  test('end to end: tf.grads of tf.depthwiseConv2d matches cpu', async (t) => {
    const report = new GridReport('tf.grads(tf.depthwiseConv2d) wasm vs cpu');
    const rng = new Rng('depthwise/e2e');
    // tfjs's depthwiseConv2d gradient rejects dilations > 1. Numeric padding is left out, and
    // so is 'same' with a stride above the filter size: tfjs-backend-wasm's own forward
    // depthwise convolution computes those wrong or traps (tfjs issues #6629, #5907, #7605),
    // which is no fault of the gradient kernels; the kernel grids above cover them.
    const cases = convGrid({
      seed: 'depthwise/e2e',
      depthwise: true,
      strides: [1, 2, 3],
      dilations: [1],
      kernelSizes: [1, 2, 3, 4, 5],
      padKinds: ['same', 'valid', 'explicit', 'explicit-asym'],
      inChannels: [1, 3],
      outChannels: [1, 2],
      repeats: 2,
    }).cases.filter(
      (c) =>
        c.pad !== 'same' || (c.filterShape[0] >= c.strides[0] && c.filterShape[1] >= c.strides[1]),
    );
    for (const c of cases) {
      const { x, filter, dy } = inputsFor(rng, c);
      const f = (xs: tf.Tensor, ws: tf.Tensor) =>
        tf.depthwiseConv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, c.strides, c.pad as 'same');
      await report.againstCpu(c.label, (backend) => gradsOn(backend, f, [x, filter], dy), [
        'y',
        'dx',
        'dfilter',
      ]);
    }
    t.diagnostic(report.summary());
    report.assertPassed(400);
  });
});
