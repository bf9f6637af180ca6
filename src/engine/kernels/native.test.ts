/**
 * The two builds of tunebook's kernels: which one runs (detection, the environment override
 * and its errors, the kernel path `info` reports), and the packed GEMM of each against a
 * float64 product, on shapes that cross its register tiles and cache blocks.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { initEngine } from '../backend.js';
import { type KernelBuild, kernelBuild, type NativeKernels } from './native.js';

const ENV = 'TUNEBOOK_WASM_KERNELS';
const saved = process.env[ENV];
after(() => {
  if (saved === undefined) delete process.env[ENV];
  else process.env[ENV] = saved;
});

test('relaxed SIMD is detected, the environment can force either build, and a bad value is refused by name', () => {
  delete process.env[ENV];
  assert.equal(kernelBuild(), 'relaxed');
  process.env[ENV] = 'simd128';
  assert.equal(kernelBuild(), 'simd128');
  process.env[ENV] = 'auto';
  assert.equal(kernelBuild(), 'relaxed');
  process.env[ENV] = 'fma';
  assert.throws(
    kernelBuild,
    /TUNEBOOK_WASM_KERNELS: expected one of auto, simd128, relaxed, got "fma"/,
  );
  delete process.env[ENV];
});

test('the wasm engine reports the relaxed-SIMD kernel path', async () => {
  delete process.env[ENV];
  const info = await initEngine({ backend: 'wasm' });
  assert.equal(info.kernelPath, 'relaxed-simd');
  assert.equal(info.relaxedSimd, true);
});

/** One build on a memory of its own, with its stack at the top of the first 64 KiB. */
function standalone(build: KernelBuild): { k: NativeKernels; memory: WebAssembly.Memory } {
  const file = build === 'relaxed' ? 'kernels-relaxed.wasm' : 'kernels.wasm';
  const bytes = readFileSync(new URL(`../../../../native/${file}`, import.meta.url));
  const memory = new WebAssembly.Memory({ initial: 256 });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  const exports = instance.exports as unknown as NativeKernels & {
    __stack_pointer: WebAssembly.Global;
  };
  exports.__stack_pointer.value = 65536;
  return { k: exports, memory };
}

for (const build of ['simd128', 'relaxed'] as const) {
  test(`${build} gemm matches a float64 product: tails, two K blocks, transposed operands, accumulation`, () => {
    const { k, memory } = standalone(build);
    const [m, n, depth] = [13, 21, 300];
    const floats = new Float32Array(memory.buffer);
    const A = 65536 / 4;
    const B = A + m * depth;
    const C = B + depth * n;
    const S = C + m * n + 64;
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 1073741824 - 1;
    };
    for (let i = 0; i < m * depth + depth * n; i++) floats[A + i] = rand();
    // a is stored transposed ([depth, m]) and read through its strides; b as is.
    const a = (i: number, p: number) => floats[A + p * m + i];
    const b = (p: number, j: number) => floats[B + p * n + j];
    for (const add of [0, 1]) {
      for (let i = 0; i < m * n; i++) floats[C + i] = add ? 0.5 : Number.NaN;
      k.gemm(m, n, depth, A * 4, 1, m, B * 4, n, 1, C * 4, n, add, S * 4);
      let worst = 0;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = add ? 0.5 : 0;
          let bound = 0;
          for (let p = 0; p < depth; p++) {
            s += a(i, p) * b(p, j);
            bound += Math.abs(a(i, p) * b(p, j));
          }
          // K-block sums of 256 then a sum of blocks: within (256 + blocks) * 2^-24 * sum|ab|.
          const err = Math.abs(floats[C + i * n + j] - s) / (bound * (256 + 2) * 2 ** -24);
          worst = Math.max(worst, err);
        }
      }
      assert.ok(worst <= 1, `${build} add=${add}: error ${worst.toFixed(3)} of its bound`);
    }
  });
}
