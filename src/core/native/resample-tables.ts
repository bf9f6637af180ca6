/**
 * PIL's resampling coefficient tables (`precompute_coeffs` + `normalize_coeffs_8bpc`), the
 * one copy both resize paths use: the transforms kernel (transforms/functional/resize.ts,
 * remap.ts) and reading at one size (data/bilinear.ts), run by the wasm kernels of
 * ./wasm-kernels.ts or by TypeScript passes. 8-bit results are accumulated in 22-bit fixed
 * point from `FIXED_HALF` and turned back into bytes by `clip8`, as PIL does.
 *
 * @example
 *   const t = axisTable(640, 224, 'bilinear'); // t.first[i], t.count[i], t.fixed[i * t.taps ..]
 */

export const PRECISION_BITS = 22;
/** Where a fixed-point accumulator starts: one half, so that the shift rounds. */
export const FIXED_HALF = 1 << (PRECISION_BITS - 1);
const FIXED_ONE = 1 << PRECISION_BITS;

/** A fixed-point accumulator as a byte: shifted back, clipped to [0, 255]. */
export function clip8(acc: number): number {
  const v = acc >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

interface Filter {
  support: number;
  weight(x: number): number;
}

const FILTERS: Record<'bilinear' | 'bicubic', Filter> = {
  bilinear: {
    support: 1,
    weight: (x) => {
      const a = x < 0 ? -x : x;
      return a < 1 ? 1 - a : 0;
    },
  },
  bicubic: {
    // PIL's Keys cubic with a = -0.5.
    support: 2,
    weight: (x) => {
      const a = -0.5;
      const t = x < 0 ? -x : x;
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
      return 0;
    },
  },
};

/**
 * One axis of a resampling: output i reads `count[i]` source samples from `first[i]` on with
 * weights `weights[i * taps ..]` (normalised to sum 1) and their fixed-point copies.
 */
export interface AxisTable {
  taps: number;
  first: Int32Array;
  count: Int32Array;
  weights: Float64Array;
  fixed: Int32Array;
}

const tableCache = new Map<string, AxisTable>();

/** PIL's `precompute_coeffs` + `normalize_coeffs_8bpc` for one axis, memoised. */
export function axisTable(
  inSize: number,
  outSize: number,
  filterName: 'bilinear' | 'bicubic',
): AxisTable {
  const key = `${filterName}:${inSize}:${outSize}`;
  const hit = tableCache.get(key);
  if (hit) return hit;
  const filter = FILTERS[filterName];
  const scale = inSize / outSize;
  const filterScale = scale < 1 ? 1 : scale;
  const support = filter.support * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * taps);
  const fixed = new Int32Array(outSize * taps);
  const ss = 1 / filterScale;
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    let lo = Math.trunc(center - support + 0.5);
    if (lo < 0) lo = 0;
    let hi = Math.trunc(center + support + 0.5);
    if (hi > inSize) hi = inSize;
    const n = hi - lo;
    let total = 0;
    for (let k = 0; k < n; k++) {
      const w = filter.weight((k + lo - center + 0.5) * ss);
      weights[i * taps + k] = w;
      total += w;
    }
    for (let k = 0; k < n; k++) {
      const at = i * taps + k;
      if (total !== 0) weights[at] /= total;
      const w = weights[at];
      fixed[at] = w < 0 ? Math.trunc(-0.5 + w * FIXED_ONE) : Math.trunc(0.5 + w * FIXED_ONE);
    }
    first[i] = lo;
    count[i] = n;
  }
  const table = { taps, first, count, weights, fixed };
  if (tableCache.size > 256) tableCache.clear();
  tableCache.set(key, table);
  return table;
}
