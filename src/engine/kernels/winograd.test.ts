/**
 * Winograd convolutions (native/kernels.c conv_winograd, conv_filter_grad_winograd): the
 * 3 x 3 stride-1 layers with C % 4 == 0 and C, Co >= 8 that conv_direct (F(2x2, 3x3) or
 * F(4x4, 3x3), whichever takes fewer products) and conv_filter_grad_direct hand to them. The forward cases against float64 are in
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

// F(3x3, 4x4) on 4 x 4 tiles of dy where they take fewer products, else F(3x3, 2x2).
const GRAD_CASES: [string, GradCase][] = [
  // dy 11 x 10 (partial tiles past both edges), 27 tiles, 20 columns.
  ['valid, odd dy', { n: 3, h: 13, w: 12, c: 8, co: 20, p: 0 }],
  // Padding on every side, 11 columns (a partial vector and a partial panel).
  ['same padding', { n: 2, h: 7, w: 9, c: 16, co: 11, p: 1 }],
  ['padding 2', { n: 2, h: 5, w: 6, c: 12, co: 9, p: 2 }],
  // F(3x3, 2x2): dy 6 x 6 (144 products either way), 81 tiles (three blocks of 32), and
  // dy 2 x 3 with 'same' padding.
  ['F(3x3, 2x2), dy 6 x 6', { n: 9, h: 8, w: 8, c: 8, co: 20, p: 0 }],
  ['F(3x3, 2x2), same padding', { n: 3, h: 2, w: 3, c: 16, co: 11, p: 1 }],
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
  // A 'same' 3 x 3 layer of 16 channels on a 9 x 9 grid, and what each case changes.
  const base = { n: 2, h: 9, w: 9, c: 16, k: 3, oh: 9, ow: 9, s: 1, d: 1, p: 1, co: 16 };
  const cases: [string, Partial<typeof base>, number][] = [
    ['16 channels a side', {}, 1],
    ['the CNN second layer', { n: 64, h: 13, w: 13, c: 32, oh: 11, ow: 11, p: 0, co: 64 }, 1],
    ['its input gradient', { n: 64, h: 11, w: 11, c: 64, oh: 13, ow: 13, p: 2, co: 32 }, 1],
    ['8 channels a side', { c: 8, co: 8 }, 1],
    ['512 channels a side', { c: 512, co: 512 }, 1],
    ['C not a multiple of 4', { c: 10 }, 0],
    ['4 channels in', { c: 4 }, 0],
    ['7 channels out', { co: 7 }, 0],
    ['520 channels out', { co: 520 }, 0],
    ['stride 2', { oh: 5, ow: 5, s: 2 }, 0],
    ['dilation 2', { oh: 5, ow: 5, d: 2, p: 0 }, 0],
    ['5 x 5', { k: 5, p: 2 }, 0],
    ['a grid one pixel high', { h: 3, oh: 1, ow: 7, p: 0 }, 0],
  ];
  for (const [name, change, want] of cases) {
    const { n, h, w, c, k: f, oh, ow, s, d, p, co } = { ...base, ...change };
    const geometry: ConvGeometry = [n, h, w, c, f, f, oh, ow, s, s, d, d, p, p];
    assert.equal(k.conv_winograd_tile(...geometry, co) > 0 ? 1 : 0, want, name);
  }
  // conv_direct takes F(4x4, 3x3) (36 transformed filters) where its products are fewer than
  // F(2x2, 3x3)'s (16): not on a 6 x 6 grid (144 each) or a 2 x 2 one (36 against 16).
  const wpack = (grid: number, pad: number) =>
    k.conv_direct_wpack_floats(
      2,
      grid + 2 - 2 * pad,
      grid + 2 - 2 * pad,
      16,
      3,
      3,
      grid,
      grid,
      1,
      1,
      1,
      1,
      pad,
      pad,
      16,
    ) /
    (16 * 16);
  assert.deepEqual(
    [2, 3, 6, 7, 9, 11].map((grid) => wpack(grid, grid % 2)),
    [16, 36, 16, 36, 36, 36],
  );
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
  // A 6 x 7 grid runs F(4x4, 3x3), a 2 x 3 one F(2x2, 3x3) (36 and 16 transformed filters).
  for (const [h, w, iy, ix, transforms] of [
    [6, 7, 2, 3, 36],
    [2, 3, 1, 1, 16],
  ] as const)
    test(`${build} conv_direct's Winograd path gives the direct sum's infinities: an infinite input reaches only its 3 x 3 neighbours (${h} x ${w})`, () => {
      const { k, memory } = standalone(build);
      // Winograd's transforms would spread it (inf - inf, inf * 0 are NaN) to the whole tile
      // and beyond; the call falls back to the direct sum when an output is not finite.
      const [n, c, co] = [1, 8, 8];
      const floats = new Float32Array(memory.buffer);
      const X = 65536 / 4;
      const W = X + n * h * w * c;
      const Y = W + 9 * c * co;
      const P = Y + n * h * w * co;
      const S = P + transforms * c * co;
      floats.fill(0.5, X, W);
      floats.fill(0.25, W, Y);
      floats[X + (iy * w + ix) * c + 5] = Number.POSITIVE_INFINITY;
      const geometry = [n, h, w, c, 3, 3, h, w, 1, 1, 1, 1, 1, 1] as const;
      assert.equal(
        k.conv_direct_wpack_floats(...geometry, co),
        transforms * c * co,
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

  // dy 7 x 6 runs F(3x3, 4x4), dy 6 x 6 F(3x3, 2x2) (144 products either way).
  for (const [h, w, iy, ix] of [
    [7, 6, 3, 2],
    [6, 6, 3, 2],
  ] as const)
    test(`${build} Winograd filter gradient gives the direct sum's infinities: an infinite input makes its channel's taps infinite, not NaN (dy ${h} x ${w})`, () => {
      const { k, memory } = standalone(build);
      // The output transforms subtract sums (inf - inf is NaN); the call falls back to the
      // direct sum when a value of dw is not finite.
      const [n, c, co, p] = [1, 8, 8, 1];
      const floats = new Float32Array(memory.buffer);
      const X = 65536 / 4;
      const DY = X + n * h * w * c;
      const DW = DY + n * h * w * co;
      const S = DW + 9 * c * co;
      floats.fill(0.5, X, DY);
      floats.fill(0.25, DY, DW);
      floats[X + (iy * w + ix) * c + 5] = Number.POSITIVE_INFINITY;
      const geometry = [n, h, w, c, 3, 3, h, w, 1, 1, 1, 1, p, p] as const;
      assert.equal(k.conv_winograd_tile(...geometry, co), h === 7 ? 4 : 2);
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
              const want =
                ch === 5 ? Number.POSITIVE_INFINITY : reach(h, kh) * reach(w, kw) * 0.125;
              assert.equal(got, want, `tap (${kh}, ${kw}), channel ${ch}, column ${o}`);
            }
    });
}
