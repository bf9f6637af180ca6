/**
 * The two builds of tunebook's kernels: which one runs (detection, the environment override
 * and its errors, the kernel path `info` reports), and the direct convolution of each
 * against a float64 one within its worst-case rounding bound, on shapes that cross its
 * register tiles, pixel blocks and padding.
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
  test(`${build} conv_direct matches a float64 convolution within R * 2^-24 * sum|x*w|: tails, padding, bias`, () => {
    const { k, memory } = standalone(build);
    // x [2, 7, 9, 13], w [3, 3, 13, 11] (11 channels: a partial panel), 'same' padding:
    // 126 pixels (two blocks of 64), every border case, R = 117 unfolded values per pixel.
    const [n, h, w, c, kh, kw, co] = [2, 7, 9, 13, 3, 3, 11];
    const r = kh * kw * c;
    const floats = new Float32Array(memory.buffer);
    const X = 65536 / 4;
    const W = X + n * h * w * c;
    const B = W + r * co;
    const Y = B + co;
    const P = Y + n * h * w * co;
    const S = P + r * 16;
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 1073741824 - 1;
    };
    for (let i = X; i < Y; i++) floats[i] = rand();
    floats.fill(Number.NaN, Y, Y + n * h * w * co);
    k.conv_direct(
      X * 4,
      W * 4,
      B * 4,
      Y * 4,
      n,
      h,
      w,
      c,
      kh,
      kw,
      h,
      w,
      1,
      1,
      1,
      1,
      1,
      1,
      co,
      0,
      P * 4,
      S * 4,
    );
    let worst = 0;
    for (let b = 0; b < n; b++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let o = 0; o < co; o++) {
            let sum = floats[B + o];
            let bound = Math.abs(sum);
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++) {
                const yy = y - 1 + i;
                const xx = x - 1 + j;
                if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                for (let ch = 0; ch < c; ch++) {
                  const term =
                    floats[X + ((b * h + yy) * w + xx) * c + ch] *
                    floats[W + ((i * kw + j) * c + ch) * co + o];
                  sum += term;
                  bound += Math.abs(term);
                }
              }
            const got = floats[Y + ((b * h + y) * w + x) * co + o];
            worst = Math.max(worst, Math.abs(got - sum) / (bound * (r + 1) * 2 ** -24));
          }
    assert.ok(worst <= 1, `${build}: error ${worst.toFixed(3)} of its bound`);
  });
}
