/**
 * The stride-1 input gradient by transposed Winograd (native/kernels.c
 * conv_input_grad_winograd): which layers it takes, its values against a float64 sum, and
 * its refusal of non-finite values (the caller then runs the direct correlation).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConvGeometry } from './native.js';
import { standalone } from './standalone.test-helper.js';

/** A 3 x 3 stride-1 layer: x [n, h, w, c], w [3, 3, c, co], padding top/left pt/pl and bottom/right pb/pr. */
interface Layer {
  n: number;
  h: number;
  w: number;
  c: number;
  co: number;
  pt: number;
  pl: number;
  pb: number;
  pr: number;
}

const VALID = { pt: 0, pl: 0, pb: 0, pr: 0 };

function geometry(l: Layer): ConvGeometry {
  const [oh, ow] = [l.h + l.pt + l.pb - 2, l.w + l.pl + l.pr - 2];
  return [l.n, l.h, l.w, l.c, 3, 3, oh, ow, 1, 1, 1, 1, l.pt, l.pl];
}

function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 1073741824 - 1;
  };
}

test('transposed Winograd takes the 3 x 3 stride-1 layers whose dy has fewer 2 x 2 tiles than dx', () => {
  const { k } = standalone('simd128');
  // The CNN's second layer, and what each case changes.
  const base: Layer = { n: 64, h: 13, w: 13, c: 32, co: 64, ...VALID };
  const cases: [string, Partial<Layer>, boolean][] = [
    ["the CNN's second layer ('valid')", {}, true],
    ['8 channels a side', { c: 8, co: 8 }, true],
    ['padding on top and left only (dy 12 x 12: 36 tiles against 49)', { pt: 1, pl: 1 }, true],
    ["'same' (as many tiles: the correlation runs it)", { pt: 1, pl: 1, pb: 1, pr: 1 }, false],
    ['dy channels not a multiple of 4', { co: 10 }, false],
    ['x channels not a multiple of 4', { c: 10 }, false],
    ['4 channels in x', { c: 4 }, false],
    ['a grid one pixel high', { h: 3 }, false],
  ];
  for (const [name, change, want] of cases) {
    const layer = { ...base, ...change };
    const floats = k.conv_input_grad_winograd_floats(...geometry(layer), layer.co);
    assert.equal(floats > 0, want, name);
  }
  const strided: ConvGeometry = [64, 13, 13, 32, 3, 3, 6, 6, 2, 2, 1, 1, 0, 0];
  assert.equal(k.conv_input_grad_winograd_floats(...strided, 64), 0, 'stride 2');
  const fiveByFive: ConvGeometry = [64, 13, 13, 32, 5, 5, 9, 9, 1, 1, 1, 1, 0, 0];
  assert.equal(k.conv_input_grad_winograd_floats(...fiveByFive, 64), 0, '5 x 5');
});

// F(4x4, 3x3) transposed where it takes fewer products on dy's grid, else F(2x2, 3x3).
const CASES: [string, Layer][] = [
  // dy 11 x 10: partial 4 x 4 tiles past both edges, several blocks; 12 x channels (a
  // partial panel).
  ['valid, odd dy', { n: 3, h: 13, w: 12, c: 12, co: 20, ...VALID }],
  // Patches past dx's top and left edges, and past its bottom and right by the tiles' rest.
  ['padding on top and left', { n: 2, h: 9, w: 8, c: 8, co: 8, pt: 1, pl: 1, pb: 0, pr: 0 }],
  ['the CNN second layer, batch 2', { n: 2, h: 13, w: 13, c: 32, co: 64, ...VALID }],
  // F(2x2, 3x3): dy 6 x 6 (144 products either way) and 2 x 6 (48 against 72), with padding
  // on top.
  ['F(2x2), dy 6 x 6', { n: 2, h: 8, w: 8, c: 8, co: 12, ...VALID }],
  [
    'F(2x2), dy 2 x 6, padding on top',
    { n: 3, h: 3, w: 8, c: 12, co: 8, pt: 1, pl: 0, pb: 0, pr: 0 },
  ],
];

/** Fills dy and w, runs the kernel; dx and what it returned. */
function run(
  build: 'simd128' | 'relaxed',
  l: Layer,
  fill: (dy: Float32Array, w: Float32Array) => void,
) {
  const { k, memory } = standalone(build);
  const g = geometry(l);
  const [oh, ow] = [g[6], g[7]];
  const floats = new Float32Array(memory.buffer);
  const DY = 65536 / 4;
  const W = DY + l.n * oh * ow * l.co;
  const DX = W + 9 * l.c * l.co;
  const S = DX + l.n * l.h * l.w * l.c;
  const need = k.conv_input_grad_winograd_floats(...g, l.co);
  assert.ok(need > 0, 'the layer qualifies');
  // Stale scratch and dx: the kernel must not read either before writing it.
  floats.fill(Number.NaN, DX, S + need);
  fill(floats.subarray(DY, W), floats.subarray(W, DX));
  const done = k.conv_input_grad_winograd(DY * 4, W * 4, DX * 4, ...g, l.co, S * 4);
  return { done, dy: floats.slice(DY, W), w: floats.slice(W, DX), dx: floats.slice(DX, S), oh, ow };
}

for (const build of ['simd128', 'relaxed'] as const) {
  for (const [name, l] of CASES) {
    test(`${build} transposed Winograd input gradient matches a float64 one within (9 * Co + 8) * 2^-24 * sum|dy*w|: ${name}`, () => {
      const rand = lcg(7);
      const { done, dy, w, dx, oh, ow } = run(build, l, (d, f) => {
        for (let i = 0; i < d.length; i++) d[i] = rand();
        for (let i = 0; i < f.length; i++) f[i] = rand();
      });
      assert.equal(done, 1);
      let worst = 0;
      for (let b = 0; b < l.n; b++)
        for (let y = 0; y < l.h; y++)
          for (let x = 0; x < l.w; x++)
            for (let ch = 0; ch < l.c; ch++) {
              let sum = 0;
              let bound = 0;
              for (let kh = 0; kh < 3; kh++)
                for (let kw = 0; kw < 3; kw++) {
                  const [oy, ox] = [y + l.pt - kh, x + l.pl - kw];
                  if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
                  for (let o = 0; o < l.co; o++) {
                    const term =
                      dy[((b * oh + oy) * ow + ox) * l.co + o] *
                      w[((kh * 3 + kw) * l.c + ch) * l.co + o];
                    sum += term;
                    bound += Math.abs(term);
                  }
                }
              const got = dx[((b * l.h + y) * l.w + x) * l.c + ch];
              worst = Math.max(worst, Math.abs(got - sum) / ((9 * l.co + 8) * 2 ** -24 * bound));
            }
      assert.ok(worst <= 1, `${build}: error ${worst.toFixed(3)} of its bound`);
    });
  }

  for (const [name, l] of [CASES[1], CASES[3]])
    test(`${build} transposed Winograd input gradient declines a non-finite dy or filter (the direct sum gives the infinities): ${name}`, () => {
      const finite = run(build, l, (d, f) => {
        d.fill(0.5);
        f.fill(0.25);
      });
      assert.equal(finite.done, 1);
      // Inside and on the edge; an infinity in the filter; a NaN.
      for (const [where, value] of [
        ['dy', Number.POSITIVE_INFINITY],
        ['dy-last', Number.NEGATIVE_INFINITY],
        ['w', Number.POSITIVE_INFINITY],
        ['dy', Number.NaN],
      ] as const) {
        const { done } = run(build, l, (d, f) => {
          d.fill(0.5);
          f.fill(0.25);
          if (where === 'w') f[5 * l.c * l.co + 3] = value;
          else d[where === 'dy' ? 3 * l.co + 2 : d.length - 1] = value;
        });
        assert.equal(done, 0, `${where} ${value}`);
      }
    });
}
