/**
 * Winograd convolutions (native/kernels.c conv_winograd, conv_filter_grad_winograd): the
 * 3 x 3 stride-1 layers with C % 4 == 0 and C, Co >= 8 that conv_direct and
 * conv_filter_grad_direct hand to them. The forward cases against float64 are in
 * native.test.ts with the direct ones; here the filter gradient against float64, and the
 * fallback that gives both the direct sum's infinities.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConvGeometry } from './native.js';
import { standalone } from './standalone.test-helper.js';

/** x [n, h, w, c], dy [n, oh, ow, co] of a 3 x 3 stride-1 convolution with padding p. */
interface GradCase {
  n: number;
  h: number;
  w: number;
  c: number;
  co: number;
  p: number;
}

const GRAD_CASES: [string, GradCase][] = [
  // dy 11 x 10 (half tiles past both edges), 90 tiles (three blocks of 32), 20 columns.
  ['valid, odd dy', { n: 3, h: 13, w: 12, c: 8, co: 20, p: 0 }],
  // Padding on every side, 11 columns (a partial vector and a partial panel).
  ['same padding', { n: 2, h: 7, w: 9, c: 16, co: 11, p: 1 }],
  ['padding 2', { n: 2, h: 5, w: 6, c: 12, co: 9, p: 2 }],
];

function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 1073741824 - 1;
  };
}

const outSize = (size: number, p: number) => size + 2 * p - 2;

test('Winograd takes 3 x 3 stride-1 layers with C % 4 == 0, 8 to 512 channels a side and a grid of at least 2 x 2', () => {
  const { k } = standalone('simd128');
  // [n, h, w, c, kh, kw, oh, ow, sh, sw, dh, dw, pt, pl], co
  const cases: [string, number[], number, number][] = [
    ['the CNN second layer', [64, 13, 13, 32, 3, 3, 11, 11, 1, 1, 1, 1, 0, 0], 64, 1],
    ['its input gradient', [64, 11, 11, 64, 3, 3, 13, 13, 1, 1, 1, 1, 2, 2], 32, 1],
    ['8 channels, 7 out', [2, 9, 9, 8, 3, 3, 9, 9, 1, 1, 1, 1, 1, 1], 8, 1],
    ['512 channels', [1, 4, 4, 512, 3, 3, 4, 4, 1, 1, 1, 1, 1, 1], 512, 1],
    ['C not a multiple of 4', [2, 9, 9, 10, 3, 3, 9, 9, 1, 1, 1, 1, 1, 1], 16, 0],
    ['4 channels in', [2, 9, 9, 4, 3, 3, 9, 9, 1, 1, 1, 1, 1, 1], 16, 0],
    ['7 channels out', [2, 9, 9, 16, 3, 3, 9, 9, 1, 1, 1, 1, 1, 1], 7, 0],
    ['520 channels out', [1, 4, 4, 16, 3, 3, 4, 4, 1, 1, 1, 1, 1, 1], 520, 0],
    ['stride 2', [2, 9, 9, 16, 3, 3, 5, 5, 2, 2, 1, 1, 1, 1], 16, 0],
    ['dilation 2', [2, 9, 9, 16, 3, 3, 5, 5, 1, 1, 2, 2, 0, 0], 16, 0],
    ['5 x 5', [2, 9, 9, 16, 5, 5, 9, 9, 1, 1, 1, 1, 2, 2], 16, 0],
    ['a grid one pixel high', [2, 3, 9, 16, 3, 3, 1, 7, 1, 1, 1, 1, 0, 0], 16, 0],
  ];
  for (const [name, geometry, co, want] of cases) {
    const got = k.conv_winograd_applies(...(geometry as ConvGeometry), co);
    assert.equal(got, want, name);
  }
});

for (const build of ['simd128', 'relaxed'] as const) {
  for (const [name, gc] of GRAD_CASES) {
    test(`${build} Winograd filter gradient matches a float64 one within P * 2^-24 * sum|x*dy|: ${name}`, () => {
      const { k, memory } = standalone(build);
      const { n, h, w, c, co, p } = gc;
      const [oh, ow] = [outSize(h, p), outSize(w, p)];
      const floats = new Float32Array(memory.buffer);
      const X = 65536 / 4;
      const DY = X + n * h * w * c;
      const DW = DY + n * oh * ow * co;
      const S = DW + 9 * c * co;
      const rand = lcg(11);
      for (let i = X; i < DW; i++) floats[i] = rand();
      floats.fill(Number.NaN, DW, S);
      const geometry = [n, h, w, c, 3, 3, oh, ow, 1, 1, 1, 1, p, p] as const;
      const scratch = k.conv_filter_grad_scratch_floats(...geometry, co);
      const declined = k.conv_filter_grad_direct(
        X * 4,
        DY * 4,
        DW * 4,
        ...geometry,
        co,
        S * 4,
        scratch,
      );
      assert.equal(declined, 0);
      const pixels = n * oh * ow;
      let worst = 0;
      for (let kh = 0; kh < 3; kh++)
        for (let kw = 0; kw < 3; kw++)
          for (let ch = 0; ch < c; ch++)
            for (let o = 0; o < co; o++) {
              let sum = 0;
              let bound = 0;
              for (let b = 0; b < n; b++)
                for (let y = 0; y < oh; y++)
                  for (let x = 0; x < ow; x++) {
                    const [yy, xx] = [y - p + kh, x - p + kw];
                    if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                    const term =
                      floats[X + ((b * h + yy) * w + xx) * c + ch] *
                      floats[DY + ((b * oh + y) * ow + x) * co + o];
                    sum += term;
                    bound += Math.abs(term);
                  }
              const got = floats[DW + ((kh * 3 + kw) * c + ch) * co + o];
              worst = Math.max(worst, Math.abs(got - sum) / (bound * (pixels + 1) * 2 ** -24));
            }
      assert.ok(worst <= 1, `${build}: error ${worst.toFixed(3)} of its bound`);
    });
  }
}

for (const build of ['simd128', 'relaxed'] as const) {
  test(`${build} conv_direct's Winograd path gives the direct sum's infinities: an infinite input reaches only its 3 x 3 neighbours`, () => {
    const { k, memory } = standalone(build);
    // Winograd's transforms would spread it (inf - inf, inf * 0 are NaN) to the whole 2 x 2
    // tile and beyond; the call falls back to the direct sum when an output is not finite.
    const [n, h, w, c, co] = [1, 6, 7, 8, 8];
    const floats = new Float32Array(memory.buffer);
    const X = 65536 / 4;
    const W = X + n * h * w * c;
    const Y = W + 9 * c * co;
    const P = Y + n * h * w * co;
    const S = P + 16 * c * co;
    floats.fill(0.5, X, W);
    floats.fill(0.25, W, Y);
    const [iy, ix] = [2, 3];
    floats[X + (iy * w + ix) * c + 5] = Number.POSITIVE_INFINITY;
    const geometry = [n, h, w, c, 3, 3, h, w, 1, 1, 1, 1, 1, 1] as const;
    assert.ok(
      k.conv_direct_wpack_floats(...geometry, co) > 9 * c * co,
      'the Winograd path applies',
    );
    k.conv_direct(X * 4, W * 4, 0, Y * 4, ...geometry, co, 0, P * 4, S * 4);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let o = 0; o < co; o++) {
          const got = floats[Y + (y * w + x) * co + o];
          const taps =
            (Math.min(y + 1, h - 1) - Math.max(y - 1, 0) + 1) *
            (Math.min(x + 1, w - 1) - Math.max(x - 1, 0) + 1);
          const reached = Math.abs(y - iy) <= 1 && Math.abs(x - ix) <= 1;
          const want = reached ? Number.POSITIVE_INFINITY : taps * c * 0.125;
          assert.equal(got, want, `pixel (${y}, ${x}), channel ${o}`);
        }
  });

  test(`${build} Winograd filter gradient gives the direct sum's infinities: an infinite input makes its channel's taps infinite, not NaN`, () => {
    const { k, memory } = standalone(build);
    // F(3x3, 2x2)'s output transform subtracts sums (inf - inf is NaN); the call falls back
    // to the direct sum when a value of dw is not finite.
    const [n, h, w, c, co, p] = [1, 7, 6, 8, 8, 1];
    const floats = new Float32Array(memory.buffer);
    const X = 65536 / 4;
    const DY = X + n * h * w * c;
    const DW = DY + n * h * w * co;
    const S = DW + 9 * c * co;
    floats.fill(0.5, X, DY);
    floats.fill(0.25, DY, DW);
    floats[X + (3 * w + 2) * c + 5] = Number.POSITIVE_INFINITY;
    const geometry = [n, h, w, c, 3, 3, h, w, 1, 1, 1, 1, p, p] as const;
    const scratch = k.conv_filter_grad_scratch_floats(...geometry, co);
    assert.equal(
      k.conv_filter_grad_direct(X * 4, DY * 4, DW * 4, ...geometry, co, S * 4, scratch),
      0,
    );
    // Output pixels whose tap t lands inside x, along one axis of the given size.
    const reach = (size: number, t: number) =>
      Array.from({ length: size }, (_, o) => o - p + t).filter((i) => i >= 0 && i < size).length;
    for (let kh = 0; kh < 3; kh++)
      for (let kw = 0; kw < 3; kw++)
        for (let ch = 0; ch < c; ch++)
          for (let o = 0; o < co; o++) {
            const got = floats[DW + ((kh * 3 + kw) * c + ch) * co + o];
            const want = ch === 5 ? Number.POSITIVE_INFINITY : reach(h, kh) * reach(w, kw) * 0.125;
            assert.equal(got, want, `tap (${kh}, ${kw}), channel ${ch}, column ${o}`);
          }
  });
}
