import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../core/rng.js';
import { relativeError } from '../../testing/compare.js';
import { initEngine } from '../backend.js';

function values(shape: number[], seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.range(-2, 2));
}

/** Runs `f` on fresh tensors on cpu and on wasm and returns both results. */
async function onBoth(
  inputs: { shape: number[]; seed: number }[],
  f: (...ts: tf.Tensor[]) => tf.Tensor,
): Promise<{ cpu: Float32Array; wasm: Float32Array; shape: number[]; wasmShape: number[] }> {
  const out: Record<string, { data: Float32Array; shape: number[] }> = {};
  for (const backend of ['cpu', 'wasm'] as const) {
    await initEngine({ backend });
    const ts = inputs.map((i) => tf.tensor(values(i.shape, i.seed), i.shape));
    const r = f(...ts);
    out[backend] = { data: Float32Array.from(r.dataSync() as Float32Array), shape: r.shape };
    tf.dispose([...ts, r]);
  }
  return {
    cpu: out.cpu.data,
    wasm: out.wasm.data,
    shape: out.cpu.shape,
    wasmShape: out.wasm.shape,
  };
}

test('Sum and Mean over leading and other axes match cpu', async () => {
  const cases: [number[], number | number[], boolean][] = [
    [[4, 5, 6, 3], [0, 1, 2], false],
    [[4, 5, 6, 3], [0, 1, 2], true],
    [[7, 9], 0, false],
    [[7, 9], [0, 1], false],
    [[2, 3, 4], [1, 2], false],
    [[2, 3, 4], -1, true],
    [[300, 5], 0, false],
    [[5], 0, false],
  ];
  for (const [shape, axis, keepDims] of cases) {
    for (const op of ['sum', 'mean'] as const) {
      const reduce = op === 'sum' ? tf.sum : tf.mean;
      const r = await onBoth([{ shape, seed: 1 }], (x) => reduce(x, axis, keepDims));
      assert.deepEqual(r.wasmShape, r.shape, `${op} ${shape} ${axis}`);
      assert.ok(relativeError(r.wasm, r.cpu) <= 1e-6, `${op} ${shape} axis ${axis}`);
    }
  }
});

test('Tile matches cpu for vectors, matrices and scalars-like shapes', async () => {
  const cases: [number[], number[]][] = [
    [
      [1, 1, 1, 4],
      [3, 5, 2, 1],
    ],
    [
      [2, 3],
      [2, 2],
    ],
    [[3], [4]],
    [
      [2, 1, 3],
      [1, 4, 2],
    ],
    [[1], [1]],
    [
      [2, 2],
      [1, 1],
    ],
  ];
  for (const [shape, reps] of cases) {
    const r = await onBoth([{ shape, seed: 2 }], (x) => tf.tile(x, reps));
    assert.deepEqual(r.wasmShape, r.shape);
    assert.deepEqual(r.wasm, r.cpu, `tile ${shape} x ${reps}`);
  }
  await initEngine({ backend: 'wasm' });
  const ints = tf.tile(tf.tensor1d([1, 2], 'int32'), [3]);
  assert.deepEqual([...ints.dataSync()], [1, 2, 1, 2, 1, 2]);
  ints.dispose();
});

test('Add, Sub, Multiply, RealDiv with a last-axis vector match cpu, both operand orders', async () => {
  const pairs: [number[], number[]][] = [
    [[2, 3, 4, 5], [5]],
    [
      [2, 3, 4, 5],
      [1, 1, 1, 5],
    ],
    [[5], [2, 3, 4, 5]],
    [
      [1, 1, 6],
      [4, 2, 6],
    ],
    [[3, 7], [7]],
    [
      [3, 4],
      [3, 4],
    ],
    [
      [3, 4],
      [3, 1],
    ],
  ];
  for (const [a, b] of pairs) {
    for (const op of ['add', 'sub', 'mul', 'div'] as const) {
      const r = await onBoth(
        [
          { shape: a, seed: 3 },
          { shape: b, seed: 4 },
        ],
        (x, y) => ({ add: tf.add, sub: tf.sub, mul: tf.mul, div: tf.div })[op](x, y),
      );
      assert.deepEqual(r.wasmShape, r.shape);
      assert.ok(relativeError(r.wasm, r.cpu) <= 1e-6, `${op} ${a} ${b}`);
    }
  }
});

test('Identity and same-dtype Cast share data safely', async () => {
  await initEngine({ backend: 'wasm' });
  const x = tf.tensor1d([1, 2, 3]);
  const y = tf.clone(x);
  const z = tf.cast(x, 'float32');
  x.dispose();
  assert.deepEqual([...y.dataSync()], [1, 2, 3]);
  assert.deepEqual([...z.dataSync()], [1, 2, 3]);
  const i = tf.cast(z, 'int32');
  assert.equal(i.dtype, 'int32');
  tf.dispose([y, z, i]);
});

test("ReLU's gradient runs as one kernel on wasm and equals dy * step(x) on cpu, NaN and infinities included", async () => {
  // 4n + 3 values: the vector loop and the scalar tail both see every special value.
  const special = [0, -0, 1.5, -2, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  const x = Float32Array.from({ length: 43 }, (_, i) => special[i % 7] ?? 0);
  const dy = Float32Array.from({ length: 43 }, (_, i) =>
    i % 5 === 0 ? Number.POSITIVE_INFINITY : (i % 3) - 1.25,
  );
  const results: Record<string, { values: Float32Array; kernels: string[] }> = {};
  for (const backend of ['cpu', 'wasm'] as const) {
    await initEngine({ backend });
    const xs = tf.tensor1d(x);
    const dys = tf.tensor1d(dy);
    let out: tf.Tensor | null = null;
    const profile = await tf.profile(() => {
      out = tf.grad((t: tf.Tensor) => tf.relu(t))(xs, dys);
    });
    results[backend] = {
      values: Float32Array.from((out as unknown as tf.Tensor).dataSync() as Float32Array),
      kernels: profile.kernelNames,
    };
    tf.dispose([xs, dys, out as unknown as tf.Tensor]);
  }
  const { cpu, wasm } = results;
  assert.ok(wasm.kernels.includes('TunebookReluGrad'), wasm.kernels.join(' '));
  assert.ok(!wasm.kernels.includes('Step'), wasm.kernels.join(' '));
  for (let i = 0; i < x.length; i++) {
    assert.ok(
      Object.is(wasm.values[i], cpu.values[i]) || (wasm.values[i] === 0 && cpu.values[i] === 0),
      `x=${x[i]} dy=${dy[i]}: wasm ${wasm.values[i]}, cpu ${cpu.values[i]}`,
    );
  }
});

test("ReLU's gradient with its per-channel sum in one pass equals TunebookReluGrad then Sum, to the bit", async () => {
  await initEngine({ backend: 'wasm' });
  const special = [0, -0, 1.5, -2, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  // 7 channels: the 4-wide loop and the scalar tail of every row; the specials in both. Rows
  // go four at a time: 15, 6, 2 and 200 rows end with a short group (of 3, 2, 2, none).
  for (const shape of [
    [3, 5, 7],
    [6, 8],
    [2, 1, 1, 3],
    [5, 40, 19],
    [300, 12],
  ]) {
    const n = shape.reduce((p, d) => p * d, 1);
    const r = new Rng(n);
    const x = tf.tensor(
      Float32Array.from({ length: n }, (_, i) => special[i % 11] ?? r.range(-3, 3)),
      shape,
    );
    const dy = tf.tensor(values(shape, n + 1), shape);
    const [g, sum] = tf.engine().runKernel('TunebookReluGradSum', { dy, x }) as tf.Tensor[];
    const g0 = tf.engine().runKernel('TunebookReluGrad', { dy, x }) as tf.Tensor;
    const sum0 = tf.sum(
      g0,
      shape.slice(0, -1).map((_, i) => i),
    );
    assert.deepEqual(sum.shape, [shape[shape.length - 1]]);
    assert.deepEqual(Array.from(g.dataSync()), Array.from(g0.dataSync()), `${shape}: dx`);
    assert.deepEqual(Array.from(sum.dataSync()), Array.from(sum0.dataSync()), `${shape}: sum`);
    tf.dispose([x, dy, g, sum, g0, sum0]);
  }
});
