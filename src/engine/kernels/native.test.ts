/**
 * The two builds of tunebook's kernels: which one runs (detection, the environment override
 * and its errors, the kernel path `info` reports), and the direct convolution of each
 * against a float64 one within its worst-case rounding bound, on shapes that cross its
 * register tiles, pixel blocks and padding.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { initEngine } from '../backend.js';
import { kernelBuild } from './native.js';
import { standalone } from './standalone.test-helper.js';

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

/** A convolution case: x [n, h, w, c], filter [k, k, c, co], stride s, padding p before and pe (default p) after. */
interface ConvCase {
  n: number;
  h: number;
  w: number;
  c: number;
  k: number;
  co: number;
  s: number;
  p: number;
  pe?: number;
  relu: boolean;
}

const CONV_CASES: [string, ConvCase][] = [
  // 126 pixels (two blocks of 64), every border case, R = 117 (the segment path), 11 channels
  // (a partial panel).
  ['segments, same padding', { n: 2, h: 7, w: 9, c: 13, k: 3, co: 11, s: 1, p: 1, relu: false }],
  // R = 9 and 27 (the few-tap path): border tiles gathered, pixel counts not a multiple of 4,
  // stride 2, a partial panel after whole ones, ReLU.
  ['one channel, same padding', { n: 3, h: 9, w: 11, c: 1, k: 3, co: 19, s: 1, p: 1, relu: true }],
  ['three channels, stride 2', { n: 2, h: 11, w: 9, c: 3, k: 3, co: 8, s: 2, p: 1, relu: false }],
  ['one channel, valid', { n: 2, h: 28, w: 28, c: 1, k: 3, co: 32, s: 1, p: 0, relu: true }],
  // tfjs's 'same' at stride 2 on an even size: no padding before, one after (the few-tap
  // path's padded copy reaches past x at the bottom and right only).
  [
    'three channels, padding after only',
    { n: 2, h: 10, w: 8, c: 3, k: 3, co: 16, s: 2, p: 0, pe: 1, relu: true },
  ],
  // 3 x 3 at stride 1 with C % 4 == 0 and C, Co >= 8: Winograd, F(4x4, 3x3) on these grids.
  // Output sizes not a multiple of 4 (partial tiles dropped), 9 and 11 channels out
  // (partial vectors and panels), several blocks of tiles, padding 2 (the input gradient's),
  // ReLU with a bias.
  ['Winograd, same padding', { n: 2, h: 7, w: 9, c: 16, k: 3, co: 11, s: 1, p: 1, relu: false }],
  ['Winograd, valid, ReLU', { n: 3, h: 13, w: 12, c: 8, k: 3, co: 20, s: 1, p: 0, relu: true }],
  ['Winograd, padding 2', { n: 2, h: 5, w: 6, c: 12, k: 3, co: 9, s: 1, p: 2, relu: false }],
  // F(2x2, 3x3), where it takes fewer products: a 6 x 6 grid (36 tiles of 2 x 2 against 4
  // of 4 x 4, 144 products each) and a 2 x 3 one.
  ['Winograd F(2x2), 6 x 6 grid', { n: 9, h: 8, w: 8, c: 8, k: 3, co: 11, s: 1, p: 0, relu: true }],
  [
    'Winograd F(2x2), 2 x 3 grid',
    { n: 2, h: 4, w: 5, c: 16, k: 3, co: 8, s: 1, p: 0, relu: false },
  ],
];

for (const build of ['simd128', 'relaxed'] as const) {
  for (const [name, cc] of CONV_CASES) {
    test(`${build} conv_direct matches a float64 convolution within R * 2^-24 * sum|x*w|: ${name}`, () => {
      const { k, memory } = standalone(build);
      const { n, h, w, c, co, s: st, p: pad } = cc;
      const [kh, kw] = [cc.k, cc.k];
      const after = cc.pe ?? pad;
      const oh = Math.floor((h + pad + after - kh) / st) + 1;
      const ow = Math.floor((w + pad + after - kw) / st) + 1;
      const r = kh * kw * c;
      const floats = new Float32Array(memory.buffer);
      const X = 65536 / 4;
      const W = X + n * h * w * c;
      const B = W + r * co;
      const Y = B + co;
      const geometry = [n, h, w, c, kh, kw, oh, ow, st, st, 1, 1, pad, pad] as const;
      const P = Y + n * oh * ow * co;
      const S = P + k.conv_direct_wpack_floats(...geometry, co);
      let seed = 7;
      const rand = () => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed / 1073741824 - 1;
      };
      for (let i = X; i < Y; i++) floats[i] = rand();
      floats.fill(Number.NaN, Y, Y + n * oh * ow * co);
      k.conv_direct(X * 4, W * 4, B * 4, Y * 4, ...geometry, co, cc.relu ? 1 : 0, P * 4, S * 4);
      let worst = 0;
      for (let b = 0; b < n; b++)
        for (let y = 0; y < oh; y++)
          for (let x = 0; x < ow; x++)
            for (let o = 0; o < co; o++) {
              let sum = floats[B + o];
              let bound = Math.abs(sum);
              for (let i = 0; i < kh; i++)
                for (let j = 0; j < kw; j++) {
                  const yy = y * st - pad + i;
                  const xx = x * st - pad + j;
                  if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                  for (let ch = 0; ch < c; ch++) {
                    const term =
                      floats[X + ((b * h + yy) * w + xx) * c + ch] *
                      floats[W + ((i * kw + j) * c + ch) * co + o];
                    sum += term;
                    bound += Math.abs(term);
                  }
                }
              if (cc.relu) sum = Math.max(sum, 0);
              const got = floats[Y + ((b * oh + y) * ow + x) * co + o];
              worst = Math.max(worst, Math.abs(got - sum) / (bound * (r + 1) * 2 ** -24));
            }
      assert.ok(worst <= 1, `${build}: error ${worst.toFixed(3)} of its bound`);
    });
  }
}

for (const build of ['simd128', 'relaxed'] as const) {
  test(`${build} conv_direct's few-tap path multiplies no padding: an infinite tap leaves the outputs it does not reach finite`, () => {
    const { k, memory } = standalone(build);
    // One and three channels, 'same' padding; tap (0, 0) infinite, x positive: outputs in
    // the first row or column never reach it (it lies in the padding there). (The segment
    // path still multiplies the zeros of a filter row in the padding for some of a tile's
    // pixels but not all, as native/kernels.c says.)
    for (const c of [1, 3]) {
      const [n, h, w, kk, co] = [2, 6, 7, 3, 9];
      const r = kk * kk * c;
      const floats = new Float32Array(memory.buffer);
      const X = 65536 / 4;
      const W = X + n * h * w * c;
      const Y = W + r * co;
      const P = Y + n * h * w * co;
      const S = P + r * 16 * 2;
      floats.fill(0.5, X, W);
      for (let i = 0; i < r * co; i++) floats[W + i] = i < c * co ? Number.POSITIVE_INFINITY : 0.25;
      k.conv_direct(
        X * 4,
        W * 4,
        0,
        Y * 4,
        n,
        h,
        w,
        c,
        kk,
        kk,
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
      for (let b = 0; b < n; b++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) {
            const got = floats[Y + ((b * h + y) * w + x) * co];
            const edge = y === 0 || x === 0;
            // Taps inside x, less the infinite one: 0.5 * 0.25 each.
            const inside =
              (Math.min(y + 1, h - 1) - Math.max(y - 1, 0) + 1) *
              (Math.min(x + 1, w - 1) - Math.max(x - 1, 0) + 1);
            const want = edge ? inside * c * 0.125 : Number.POSITIVE_INFINITY;
            assert.equal(got, want, `c ${c}, pixel (${b}, ${y}, ${x})`);
          }
    }
  });
}
