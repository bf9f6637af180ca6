/**
 * Tests for the wasm MaxPool, MaxPoolGrad, BatchMatMul and _FusedMatMul kernels against the
 * cpu backend: MaxPool (to the bit, NaN included) and MaxPoolGrad over filters 1-3, strides
 * 1-3, same/valid/explicit padding, on inputs with and without ties (which must go to the
 * same position as on cpu); the matrix products with every transpose combination, 2-D,
 * batched and broadcast operands, bias and every fused activation; and end to end through
 * tf.grad(s) of tf.maxPool, tf.matMul and tf.fused.matMul.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../core/rng.js';
import {
  GridReport,
  gradsOn,
  type HostTensor,
  type Pad,
  padLabel,
  randomTensor,
  runKernelOn,
  setupBackends,
  type ValueKind,
} from '../../testing/kernel-grid.js';

// ---------------------------------------------------------------------------------------------
// Max pooling

interface PoolCase {
  label: string;
  xShape: [number, number, number, number];
  filterSize: [number, number];
  strides: [number, number];
  pad: Pad;
  kind: ValueKind;
}

const VALUE_KINDS: readonly ValueKind[] = ['normal', 'relu', 'ties', 'zeros'];

/**
 * Filters 1-3 x strides 1-3 x same/valid/explicit x value kinds, each square (odd height,
 * even width) and rectangular (next filter width and stride, even height, odd width), with
 * `repeats` draws of sizes and pads. Explicit pads stay below the filter size, so that no
 * window lies wholly in the padding.
 */
function poolGrid(
  seed: string,
  kinds: readonly ValueKind[],
  channels: readonly number[],
  repeats = 1,
) {
  const rng = new Rng(seed);
  const cases: PoolCase[] = [];
  for (const f of [1, 2, 3]) {
    for (const s of [1, 2, 3]) {
      for (const padKind of ['same', 'valid', 'explicit'] as const) {
        for (const kind of kinds) {
          for (let v = 0; v < 2 * repeats; v++) {
            const variant = v % 2;
            const fh = f;
            const fw = variant === 0 ? f : (f % 3) + 1;
            const sh = s;
            const sw = variant === 0 ? s : (s % 3) + 1;
            let pad: Pad = padKind === 'explicit' ? 'valid' : padKind;
            let padH = 0;
            let padW = 0;
            if (padKind === 'explicit') {
              const [t, b, l, r] = [rng.int(fh), rng.int(fh), rng.int(fw), rng.int(fw)];
              pad = [
                [0, 0],
                [t, b],
                [l, r],
                [0, 0],
              ];
              padH = t + b;
              padW = l + r;
            }
            const minH = padKind === 'same' ? 1 : Math.max(1, fh - padH);
            const minW = padKind === 'same' ? 1 : Math.max(1, fw - padW);
            const h = withParity(minH + rng.int(7), variant === 0 ? 1 : 0);
            const w = withParity(minW + rng.int(7), variant === 0 ? 0 : 1);
            const xShape: [number, number, number, number] = [
              1 + rng.int(2),
              h,
              w,
              channels[rng.int(channels.length)],
            ];
            const filterSize: [number, number] = [fh, fw];
            const strides: [number, number] = [sh, sw];
            cases.push({
              label: `x=[${xShape}] (${kind}) filterSize=[${filterSize}] strides=[${strides}] pad=${padLabel(pad)}`,
              xShape,
              filterSize,
              strides,
              pad,
              kind,
            });
          }
        }
      }
    }
  }
  return cases;
}

function withParity(value: number, parity: 0 | 1): number {
  return value % 2 === parity ? value : value + 1;
}

// ---------------------------------------------------------------------------------------------
// Matrix products

/** Operand layouts: a's and b's batch dimensions (before the two matrix dimensions). */
const LAYOUTS: readonly { name: string; a: number[]; b: number[] }[] = [
  { name: '2-D', a: [], b: [] },
  { name: 'batched a, 2-D b', a: [3], b: [] },
  { name: 'batched a, b batch 1', a: [2], b: [1] },
  { name: 'both batched', a: [3], b: [3] },
  { name: 'a batch 1, batched b', a: [1], b: [2] },
  { name: '2-D a, batched b', a: [], b: [2] },
  { name: 'a batch 1, b batch 1', a: [1], b: [1] },
  { name: '4-D a, 2-D b', a: [2, 3], b: [] },
  { name: '4-D broadcast', a: [2, 1], b: [1, 3] },
];

interface MatMulCase {
  label: string;
  aShape: number[];
  bShape: number[];
  outShape: number[];
  transposeA: boolean;
  transposeB: boolean;
  n: number;
}

function matMulCase(
  layout: { name: string; a: number[]; b: number[] },
  m: number,
  k: number,
  n: number,
  transposeA: boolean,
  transposeB: boolean,
): MatMulCase {
  const aShape = [...layout.a, ...(transposeA ? [k, m] : [m, k])];
  const bShape = [...layout.b, ...(transposeB ? [n, k] : [k, n])];
  const rank = Math.max(layout.a.length, layout.b.length);
  const batch: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = layout.a[layout.a.length - rank + i] ?? 1;
    const db = layout.b[layout.b.length - rank + i] ?? 1;
    batch.push(Math.max(da, db));
  }
  return {
    label: `a=[${aShape}] b=[${bShape}] (${layout.name}) transposeA=${transposeA} transposeB=${transposeB}`,
    aShape,
    bShape,
    outShape: [...batch, m, n],
    transposeA,
    transposeB,
    n,
  };
}

const TRANSPOSES: readonly [boolean, boolean][] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

/**
 * Layouts whose tf.matMul gradient tfjs computes: its BatchMatMul gradient does not sum over
 * broadcast batch dimensions, so it rejects every layout above where the batches differ.
 */
const GRADIENT_LAYOUTS: readonly { name: string; a: number[]; b: number[] }[] = [
  { name: '2-D', a: [], b: [] },
  { name: 'both batched', a: [3], b: [3] },
  { name: 'a batch 1, b batch 1', a: [1], b: [1] },
  { name: '4-D, both batched', a: [2, 3], b: [2, 3] },
];

/**
 * Four sizes per layout and transpose pair: small random, one dimension 1, multiples of SIMD
 * widths, and larger odd sizes.
 */
function matMulGrid(seed: string, layouts = LAYOUTS): MatMulCase[] {
  const rng = new Rng(seed);
  const cases: MatMulCase[] = [];
  let unit = 0;
  for (const layout of layouts) {
    for (const [ta, tb] of TRANSPOSES) {
      const small = () => 1 + rng.int(7);
      cases.push(matMulCase(layout, small(), small(), small(), ta, tb));
      const dims = [2 + rng.int(6), 2 + rng.int(6), 2 + rng.int(6)];
      dims[unit++ % 3] = 1;
      cases.push(matMulCase(layout, dims[0], dims[1], dims[2], ta, tb));
      const simd = () => [4, 8, 16, 32][rng.int(4)];
      cases.push(matMulCase(layout, simd(), simd(), simd(), ta, tb));
      const large = () => 17 + rng.int(24);
      cases.push(matMulCase(layout, large(), large(), large(), ta, tb));
    }
  }
  return cases;
}

/**
 * _FusedMatMul's operands as tf.fused.matMul passes them: always rank 3, the batch dimensions
 * folded into one (1 when the operand had none), broadcast when one of the two is 1.
 */
const FUSED_LAYOUTS: readonly { name: string; a: number[]; b: number[] }[] = [
  { name: 'batch 1', a: [1], b: [1] },
  { name: 'batched a, b batch 1', a: [3], b: [1] },
  { name: 'a batch 1, batched b', a: [1], b: [2] },
  { name: 'both batched', a: [3], b: [3] },
];

const ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu'] as const;

describe('wasm MaxPool, MaxPoolGrad, BatchMatMul and _FusedMatMul kernels', () => {
  before(setupBackends);

  test('MaxPoolGrad matches cpu (filters 1-3, strides 1-3, same/valid/explicit, with ties)', async (t) => {
    const report = new GridReport('MaxPoolGrad vs cpu');
    const rng = new Rng('maxpool/values');
    const cases = [
      ...poolGrid('maxpool/grid', VALUE_KINDS, [1, 2, 3, 4], 2),
      ...poolGrid('maxpool/larger', ['relu', 'ties'], [5, 8, 9]).filter((_, i) => i % 3 === 0),
    ];
    for (const c of cases) {
      const r = rng.fork(c.label);
      const input = randomTensor(r, c.xShape, c.kind);
      const attrs = {
        filterSize: c.filterSize,
        strides: c.strides,
        pad: c.pad,
        dimRoundingMode: undefined,
        dataFormat: 'NHWC',
      };
      // The forward output is an input of MaxPoolGrad (unused by both kernels): cpu's, for both.
      let forward: { output: HostTensor; dy: HostTensor } | undefined;
      await report.againstCpu(c.label, async (backend) => {
        if (!forward) {
          const output = await runKernelOn('cpu', 'MaxPool', { x: input }, attrs);
          forward = { output, dy: randomTensor(r.fork('dy'), output.shape) };
        }
        const { output, dy } = forward;
        return [await runKernelOn(backend, 'MaxPoolGrad', { dy, input, output }, attrs)];
      });
    }
    t.diagnostic(report.summary());
    report.assertPassed(460);
  });

  test('MaxPool equals cpu to the bit (filters 1-3, strides 1-3, same/valid/explicit, with ties)', async (t) => {
    const report = new GridReport('MaxPool vs cpu', 0);
    const rng = new Rng('maxpool-forward/values');
    const cases = [
      ...poolGrid('maxpool-forward/grid', VALUE_KINDS, [1, 2, 3, 4]),
      ...poolGrid('maxpool-forward/larger', ['normal', 'relu'], [5, 8, 9]).filter(
        (_, i) => i % 3 === 0,
      ),
    ];
    for (const c of cases) {
      const x = randomTensor(rng.fork(c.label), c.xShape, c.kind);
      const attrs = {
        filterSize: c.filterSize,
        strides: c.strides,
        pad: c.pad,
        dimRoundingMode: undefined,
      };
      await report.againstCpu(c.label, async (backend) => [
        await runKernelOn(backend, 'MaxPool', { x }, attrs),
      ]);
    }
    t.diagnostic(report.summary());
    report.assertPassed(200);
  });

  test('MaxPool passes over NaN as cpu does: the largest number wins, a window of NaNs gives -inf', async () => {
    // Two 2x2 windows of five channels (a SIMD group of four and one more). In the first,
    // channel k (1-3) has NaN at its first k positions, channel 4 at all but its first; the
    // second window is all NaN.
    const nanAt = (k: number, position: number) => (k === 4 ? position > 0 : position < k);
    const values = new Float32Array(2 * 4 * 5);
    for (let h = 0; h < 2; h++)
      for (let w = 0; w < 4; w++)
        for (let k = 0; k < 5; k++) {
          const position = h * 2 + (w % 2);
          const nan = w >= 2 || nanAt(k, position);
          values[(h * 4 + w) * 5 + k] = nan ? Number.NaN : 10 * k + position;
        }
    const x = { shape: [1, 2, 4, 5], values };
    const attrs = { filterSize: [2, 2], strides: [2, 2], pad: 'valid', dimRoundingMode: undefined };
    const wasm = await runKernelOn('wasm', 'MaxPool', { x }, attrs);
    const cpu = await runKernelOn('cpu', 'MaxPool', { x }, attrs);
    const expected = [3, 13, 23, 33, 40, ...Array(5).fill(Number.NEGATIVE_INFINITY)];
    assert.deepEqual([...cpu.values], expected);
    assert.deepEqual([...wasm.values], expected);
  });

  test('MaxPoolGrad equals cpu to the bit on 2x2 windows of -inf, NaN, ties and signed zeros', async () => {
    // Windows of channels whose count is not a multiple of four (SIMD groups and a scalar
    // tail); channel k of window w takes pattern (w + k) % 8, so each pattern meets every
    // lane and the tail. dy holds NaN, -0 and infinities, which a window with nothing to pick
    // must not send. 8 windows of 5 channels: an output row's maxima on the stack; 130 of 130
    // (16,900 floats, more than its 16,384): the window-by-window path.
    const inf = Number.POSITIVE_INFINITY;
    const patterns = [
      [-inf, -inf, -inf, -inf],
      [Number.NaN, Number.NaN, Number.NaN, Number.NaN],
      [Number.NaN, -inf, Number.NaN, -inf],
      [1, 3, 3, 2],
      [-0, 0, -1, -0],
      [Number.NaN, 2, 5, 5],
      [-inf, -inf, 4, -inf],
      [7, Number.NaN, 7, Number.NaN],
    ];
    const dyValues = [1.5, -0, Number.NaN, -2, inf, -inf, 0.25, -3];
    for (const [windows, channels] of [
      [8, 5],
      [130, 130],
    ]) {
      const values = new Float32Array(2 * 2 * windows * channels);
      for (let h = 0; h < 2; h++)
        for (let w = 0; w < 2 * windows; w++)
          for (let k = 0; k < channels; k++) {
            const pattern = patterns[((w >> 1) + k) % 8];
            values[(h * 2 * windows + w) * channels + k] = pattern[h * 2 + (w % 2)];
          }
      const input = { shape: [1, 2, 2 * windows, channels], values };
      const dy = {
        shape: [1, 1, windows, channels],
        values: Float32Array.from({ length: windows * channels }, (_, i) => dyValues[(i * 3) % 8]),
      };
      const attrs = {
        filterSize: [2, 2],
        strides: [2, 2],
        pad: 'valid',
        dimRoundingMode: undefined,
      };
      const output = await runKernelOn('cpu', 'MaxPool', { x: input }, attrs);
      const cpu = await runKernelOn('cpu', 'MaxPoolGrad', { dy, input, output }, attrs);
      const wasm = await runKernelOn('wasm', 'MaxPoolGrad', { dy, input, output }, attrs);
      assert.deepEqual([...wasm.values], [...cpu.values], `${windows} windows of ${channels}`);
    }
  });

  test('BatchMatMul matches cpu (transposes, 2-D, batched and broadcast operands, sizes 1-40)', async (t) => {
    const report = new GridReport('BatchMatMul vs cpu');
    const rng = new Rng('matmul/values');
    for (const c of matMulGrid('matmul/grid')) {
      const r = rng.fork(c.label);
      const a = randomTensor(r, c.aShape);
      const b = randomTensor(r, c.bShape);
      const attrs = { transposeA: c.transposeA, transposeB: c.transposeB };
      await report.againstCpu(c.label, async (backend) => [
        await runKernelOn(backend, 'BatchMatMul', { a, b }, attrs),
      ]);
    }
    t.diagnostic(report.summary());
    report.assertPassed(144);
  });

  test('MaxPoolGrad, BatchMatMul and _FusedMatMul stay right when the wasm heap grows while they run', async () => {
    const report = new GridReport('MaxPoolGrad and products across wasm heap growth');
    const rng = new Rng('growth/values');
    const grow = { growHeap: true };
    for (const kind of ['relu', 'normal'] as const) {
      const input = randomTensor(rng, [2, 48, 47, 16], kind);
      const attrs = { filterSize: 3, strides: 2, pad: 'same', dataFormat: 'NHWC' };
      const output = await runKernelOn('cpu', 'MaxPool', { x: input }, attrs);
      const dy = randomTensor(rng, output.shape);
      await report.againstCpu(
        `MaxPoolGrad x=[${input.shape}] (${kind}) filterSize=3 strides=2 pad=same`,
        async (backend) => [
          await runKernelOn(backend, 'MaxPoolGrad', { dy, input, output }, attrs, grow),
        ],
      );
    }
    // Folded (batched a, shared b, transposed operands copied) and the backend's own loop.
    for (const c of [
      matMulCase(LAYOUTS[1], 64, 96, 80, true, true),
      matMulCase(LAYOUTS[0], 200, 150, 120, false, true),
      matMulCase(LAYOUTS[3], 100, 70, 120, true, false),
    ]) {
      const a = randomTensor(rng, c.aShape);
      const b = randomTensor(rng, c.bShape);
      const attrs = { transposeA: c.transposeA, transposeB: c.transposeB };
      await report.againstCpu(`BatchMatMul ${c.label}`, async (backend) => [
        await runKernelOn(backend, 'BatchMatMul', { a, b }, attrs, grow),
      ]);
    }
    // An output over 64 KiB, so that its allocation grows the heap.
    const c = matMulCase(FUSED_LAYOUTS[1], 64, 96, 120, false, true);
    const inputs = {
      a: randomTensor(rng, c.aShape),
      b: randomTensor(rng, c.bShape),
      bias: randomTensor(rng, [c.n]),
    };
    const attrs = { transposeA: false, transposeB: true, activation: 'relu' };
    await report.againstCpu(
      `_FusedMatMul ${c.label} bias=[${c.n}] activation=relu`,
      async (backend) => [await runKernelOn(backend, '_FusedMatMul', inputs, attrs, grow)],
    );
    report.assertPassed(6);
  });

  test('BatchMatMul and _FusedMatMul match cpu when K spans several GEMM blocks (512)', async () => {
    const report = new GridReport('products with long K vs cpu');
    const rng = new Rng('matmul/long-k');
    for (const [m, k, n, ta, tb] of [
      [13, 1100, 21, false, true],
      [6, 513, 9, true, false],
      [64, 1600, 10, false, false],
    ] as const) {
      const a = randomTensor(rng, ta ? [k, m] : [m, k]);
      const b = randomTensor(rng, tb ? [n, k] : [k, n]);
      const bias = randomTensor(rng, [n]);
      const label = `m=${m} k=${k} n=${n} transposeA=${ta} transposeB=${tb}`;
      await report.againstCpu(`BatchMatMul ${label}`, async (backend) => [
        await runKernelOn(backend, 'BatchMatMul', { a, b }, { transposeA: ta, transposeB: tb }),
      ]);
      const attrs = { transposeA: ta, transposeB: tb, activation: 'relu' };
      await report.againstCpu(`_FusedMatMul ${label} bias relu`, async (backend) => [
        await runKernelOn(backend, '_FusedMatMul', { a, b, bias }, attrs),
      ]);
    }
    report.assertPassed(6);
  });

  test('_FusedMatMul matches cpu (transposes, rank-3 batched/broadcast operands, every activation, bias [n] or none, prelu weights [n] or [1])', async (t) => {
    const report = new GridReport('_FusedMatMul vs cpu');
    const rng = new Rng('fused/values');
    const sizes = new Rng('fused/sizes');
    for (const activation of ACTIVATIONS) {
      for (const withBias of [false, true]) {
        for (const layout of FUSED_LAYOUTS) {
          for (const [ta, tb] of TRANSPOSES) {
            const big = sizes.int(3) === 0;
            const dim = () => (big ? 17 + sizes.int(16) : 1 + sizes.int(7));
            const c = matMulCase(layout, dim(), dim(), dim(), ta, tb);
            const r = rng.fork(c.label);
            const inputs: Record<string, HostTensor | undefined> = {
              a: randomTensor(r, c.aShape),
              b: randomTensor(r, c.bShape),
              bias: withBias ? randomTensor(r, [c.n]) : undefined,
              preluActivationWeights:
                activation === 'prelu'
                  ? randomTensor(r, sizes.int(2) === 0 ? [c.n] : [1], 'relu')
                  : undefined,
            };
            const attrs = {
              transposeA: ta,
              transposeB: tb,
              activation,
              leakyreluAlpha: activation === 'leakyrelu' ? 0.3 : undefined,
            };
            const label =
              `${c.label} activation=${activation} bias=${withBias ? `[${c.n}]` : 'none'}` +
              (activation === 'prelu'
                ? ` preluWeights=[${inputs.preluActivationWeights?.shape}]`
                : '');
            await report.againstCpu(label, async (backend) => [
              await runKernelOn(backend, '_FusedMatMul', inputs, attrs),
            ]);
          }
        }
      }
    }
    t.diagnostic(report.summary());
    report.assertPassed(224);
  });

  test('end to end: tf.grad of tf.maxPool matches cpu (with ties, and through relu)', async (t) => {
    const report = new GridReport('tf.grad(tf.maxPool) wasm vs cpu');
    const rng = new Rng('maxpool/e2e');
    for (const c of poolGrid('maxpool/e2e-grid', ['normal', 'relu', 'ties'], [1, 3])) {
      const x = randomTensor(rng, c.xShape, c.kind === 'relu' ? 'normal' : c.kind);
      const f = (xs: tf.Tensor) => {
        const input = c.kind === 'relu' ? tf.relu(xs) : xs;
        return tf.maxPool(input as tf.Tensor4D, c.filterSize, c.strides, c.pad as 'same');
      };
      const outShape = tf.tidy(() => f(tf.zeros(c.xShape)).shape);
      const dy = randomTensor(rng, outShape);
      const label = c.kind === 'relu' ? c.label.replace('(relu)', '(maxPool of relu)') : c.label;
      await report.againstCpu(label, (backend) => gradsOn(backend, f, [x], dy), ['y', 'dx']);
    }
    t.diagnostic(report.summary());
    report.assertPassed(160);
  });

  test('end to end: tf.grads of tf.matMul matches cpu (transposes, 2-D, batched 3-D and 4-D)', async (t) => {
    const report = new GridReport('tf.grads(tf.matMul) wasm vs cpu');
    const rng = new Rng('matmul/e2e');
    for (const c of matMulGrid('matmul/e2e-grid', GRADIENT_LAYOUTS)) {
      const a = randomTensor(rng, c.aShape);
      const b = randomTensor(rng, c.bShape);
      const dy = randomTensor(rng, c.outShape);
      const f = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, c.transposeA, c.transposeB);
      await report.againstCpu(c.label, (backend) => gradsOn(backend, f, [a, b], dy), [
        'y',
        'da',
        'db',
      ]);
    }
    t.diagnostic(report.summary());
    report.assertPassed(64);
  });

  test('end to end: tf.grads of tf.fused.matMul with bias (relu and linear) matches cpu', async (t) => {
    const report = new GridReport('tf.grads(tf.fused.matMul) wasm vs cpu');
    const rng = new Rng('fused/e2e');
    // tf.grads runs relu unfused (matMul, add, relu) and linear fused (_FusedMatMul); the
    // output y, computed outside tf.grads, always comes from _FusedMatMul.
    for (const activation of ['relu', 'linear'] as const) {
      for (const layout of GRADIENT_LAYOUTS) {
        for (const [ta, tb] of TRANSPOSES) {
          for (const [m, k, n] of [
            [3, 5, 4],
            [1, 6, 7],
            [20, 33, 18],
          ]) {
            const c = matMulCase(layout, m, k, n, ta, tb);
            const a = randomTensor(rng, c.aShape);
            const b = randomTensor(rng, c.bShape);
            const bias = randomTensor(rng, [n]);
            const dy = randomTensor(rng, c.outShape);
            const f = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
              tf.fused.matMul({
                a: x,
                b: y,
                bias: z,
                transposeA: ta,
                transposeB: tb,
                activation,
              });
            await report.againstCpu(
              `${c.label} bias=[${n}] activation=${activation}`,
              (backend) => gradsOn(backend, f, [a, b, bias], dy),
              ['y', 'da', 'db', 'dbias'],
            );
          }
        }
      }
    }
    t.diagnostic(report.summary());
    report.assertPassed(96);
  });

  // Last: a wasm trap here would leave the instance unusable for the tests after it.
  test('_FusedMatMul with a broadcast bias of shape [1] matches cpu', async (t) => {
    const report = new GridReport('_FusedMatMul (bias [1]) vs cpu');
    const rng = new Rng('fused/bias1');
    for (const activation of ['linear', 'relu'] as const) {
      for (const [ta, tb] of TRANSPOSES) {
        for (const layout of FUSED_LAYOUTS) {
          const c = matMulCase(layout, 3, 4, 5, ta, tb);
          const inputs = {
            a: randomTensor(rng, c.aShape),
            b: randomTensor(rng, c.bShape),
            bias: randomTensor(rng, [1]),
          };
          const attrs = { transposeA: ta, transposeB: tb, activation };
          await report.againstCpu(
            `${c.label} activation=${activation} bias=[1]`,
            async (backend) => [await runKernelOn(backend, '_FusedMatMul', inputs, attrs)],
          );
        }
      }
    }
    t.diagnostic(report.summary());
    report.assertPassed(32);
  });
});
