/**
 * Resizing as torchvision does it on PIL images, which is also what torchvision >= 0.17 does
 * by default on tensors (`antialias=True`): a separable convolution whose filter widens by the
 * downscale factor, so shrinking averages every source pixel instead of skipping most of
 * them. For 8-bit images the arithmetic is PIL's own (weights in 22-bit fixed point,
 * horizontal pass first, the intermediate rounded to bytes), so results are bit-exact with
 * `PIL.Image.resize`; float images use the same weights in floating point, unrounded.
 * `nearest` follows PIL too (`floor((x + 0.5) * scale)`, accumulated as PIL does).
 *
 * @example
 *   const small = resize(photo, [256, 256], 'bilinear');
 *   const patch = resize(photo, [256, 256], 'bilinear', { top: 16, left: 16, height: 224, width: 224 });
 */
import type { Image } from '../../core/image.js';
import { type AxisTable, axisTable, clip8, FIXED_HALF } from '../../core/native/resample-tables.js';
import { wasmKernels } from '../../core/native/wasm-kernels.js';
import { allocLike } from './util.js';

// PIL's coefficient tables, shared with data/bilinear.ts; exported here as before.
export { type AxisTable, axisTable };

/** Interpolations of `resize` (torchvision's InterpolationMode names). */
export const INTERPOLATIONS = ['nearest', 'bilinear', 'bicubic'] as const;
export type Interpolation = (typeof INTERPOLATIONS)[number];

/** A rectangle of an output image: rows [top, top + height), columns [left, left + width). */
export interface Window {
  top: number;
  left: number;
  height: number;
  width: number;
}

/**
 * Resizes to `size` = [height, width]; with `window`, computes only that part of the resized
 * image (identical to resizing then cropping, for less work).
 */
export function resize(
  image: Image,
  size: readonly [number, number],
  interpolation: Interpolation = 'bilinear',
  window?: Window,
): Image {
  const [outH, outW] = size;
  const win = window ?? { top: 0, left: 0, height: outH, width: outW };
  if (interpolation === 'nearest') return resizeNearest(image, outH, outW, win);
  const needH = outW !== image.width;
  const needV = outH !== image.height;
  const tx = needH ? axisTable(image.width, outW, interpolation) : null;
  const ty = needV ? axisTable(image.height, outH, interpolation) : null;
  if (image.data instanceof Uint8Array && (image.channels === 1 || image.channels === 3)) {
    const fast = wasmKernels();
    if (fast) return fast.resize(image as Image<Uint8Array>, tx, ty, win);
  }
  // Rows of the source the vertical pass reads for the requested output rows.
  let rowLo = win.top;
  let rowHi = win.top + win.height;
  if (ty && win.height > 0) {
    rowLo = ty.first[win.top];
    const last = win.top + win.height - 1;
    rowHi = ty.first[last] + ty.count[last];
  }
  let mid: Image;
  let midTop: number;
  if (tx) {
    mid = allocLike(image, rowHi - rowLo, win.width);
    horizontal(image, mid, rowLo, tx, win.left);
    midTop = rowLo;
  } else {
    mid = sliceColumns(image, rowLo, rowHi, win.left, win.width);
    midTop = rowLo;
  }
  if (!ty) {
    // Rows are already the requested ones.
    return mid;
  }
  const out = allocLike(image, win.height, win.width);
  vertical(mid, out, midTop, ty, win.top);
  return out;
}

function sliceColumns(
  image: Image,
  rowLo: number,
  rowHi: number,
  left: number,
  width: number,
): Image {
  const c = image.channels;
  const out = allocLike(image, rowHi - rowLo, width);
  const src = image.data;
  const dst = out.data;
  const rowLen = width * c;
  for (let y = rowLo; y < rowHi; y++) {
    const from = (y * image.width + left) * c;
    dst.set(src.subarray(from, from + rowLen), (y - rowLo) * rowLen);
  }
  return out;
}

/** Horizontal pass over source rows [rowLo, rowLo + out.height), output columns from `left`. */
function horizontal(src: Image, out: Image, rowLo: number, t: AxisTable, left: number): void {
  const c = src.channels;
  const inRow = src.width * c;
  const outW = out.width;
  const taps = t.taps;
  if (src.data instanceof Uint8Array) {
    const s = src.data;
    const d = out.data as Uint8Array;
    const k = t.fixed;
    for (let y = 0; y < out.height; y++) {
      const rowBase = (y + rowLo) * inRow;
      let o = y * outW * c;
      for (let xo = 0; xo < outW; xo++) {
        const x = xo + left;
        const n = t.count[x];
        const kb = x * taps;
        let p = rowBase + t.first[x] * c;
        if (c === 3) {
          let s0 = FIXED_HALF;
          let s1 = FIXED_HALF;
          let s2 = FIXED_HALF;
          for (let j = 0; j < n; j++, p += 3) {
            const w = k[kb + j];
            s0 += s[p] * w;
            s1 += s[p + 1] * w;
            s2 += s[p + 2] * w;
          }
          d[o++] = clip8(s0);
          d[o++] = clip8(s1);
          d[o++] = clip8(s2);
        } else if (c === 1) {
          let s0 = FIXED_HALF;
          for (let j = 0; j < n; j++) s0 += s[p + j] * k[kb + j];
          d[o++] = clip8(s0);
        } else {
          for (let ch = 0; ch < c; ch++) {
            let acc = FIXED_HALF;
            for (let j = 0; j < n; j++) acc += s[p + j * c + ch] * k[kb + j];
            d[o++] = clip8(acc);
          }
        }
      }
    }
    return;
  }
  const s = src.data;
  const d = out.data;
  const k = t.weights;
  for (let y = 0; y < out.height; y++) {
    const rowBase = (y + rowLo) * inRow;
    let o = y * outW * c;
    for (let xo = 0; xo < outW; xo++) {
      const x = xo + left;
      const n = t.count[x];
      const kb = x * taps;
      const p = rowBase + t.first[x] * c;
      for (let ch = 0; ch < c; ch++) {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += s[p + j * c + ch] * k[kb + j];
        d[o++] = acc;
      }
    }
  }
}

/** Vertical pass: `mid` holds source rows from `midTop` on; output rows from `top`. */
function vertical(mid: Image, out: Image, midTop: number, t: AxisTable, top: number): void {
  const rowLen = mid.width * mid.channels;
  const taps = t.taps;
  if (mid.data instanceof Uint8Array) {
    const s = mid.data;
    const d = out.data as Uint8Array;
    const k = t.fixed;
    const acc = new Int32Array(rowLen);
    for (let yo = 0; yo < out.height; yo++) {
      const y = yo + top;
      const n = t.count[y];
      const kb = y * taps;
      acc.fill(FIXED_HALF);
      for (let j = 0; j < n; j++) {
        const w = k[kb + j];
        const base = (t.first[y] - midTop + j) * rowLen;
        for (let i = 0; i < rowLen; i++) acc[i] += s[base + i] * w;
      }
      const o = yo * rowLen;
      for (let i = 0; i < rowLen; i++) d[o + i] = clip8(acc[i]);
    }
    return;
  }
  const s = mid.data;
  const d = out.data;
  const k = t.weights;
  const acc = new Float64Array(rowLen);
  for (let yo = 0; yo < out.height; yo++) {
    const y = yo + top;
    const n = t.count[y];
    const kb = y * taps;
    acc.fill(0);
    for (let j = 0; j < n; j++) {
      const w = k[kb + j];
      const base = (t.first[y] - midTop + j) * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i] += s[base + i] * w;
    }
    const o = yo * rowLen;
    for (let i = 0; i < rowLen; i++) d[o + i] = acc[i];
  }
}

/** PIL's nearest resize (`ImagingScaleAffine`): source index `(int)((x + 0.5) * scale)`. */
function resizeNearest(image: Image, outH: number, outW: number, win: Window): Image {
  const c = image.channels;
  const cols = axisNearest(image.width, outW);
  const rows = axisNearest(image.height, outH);
  const out = allocLike(image, win.height, win.width);
  const s = image.data;
  const d = out.data;
  let o = 0;
  for (let y = 0; y < win.height; y++) {
    const rowBase = rows[y + win.top] * image.width;
    for (let x = 0; x < win.width; x++) {
      const p = (rowBase + cols[x + win.left]) * c;
      for (let ch = 0; ch < c; ch++) d[o++] = s[p + ch];
    }
  }
  return out;
}

function axisNearest(inSize: number, outSize: number): Int32Array {
  const a = inSize / outSize;
  const idx = new Int32Array(outSize);
  // Accumulated like PIL (xo += a per step), whose rounding decides ties.
  let pos = a * 0.5;
  for (let i = 0; i < outSize; i++) {
    const v = pos < 0 ? -1 : Math.trunc(pos);
    idx[i] = v < 0 ? 0 : v >= inSize ? inSize - 1 : v;
    pos += a;
  }
  return idx;
}

/**
 * torchvision's output size for `size`: [h, w] as given, or a single number for the shorter
 * edge (the longer scaled to keep the aspect ratio, truncated), capped by `maxSize`.
 */
export function resizedSize(
  height: number,
  width: number,
  size: number | readonly number[],
  maxSize?: number,
): [number, number] {
  if (typeof size !== 'number' && size.length === 2) return [size[0], size[1]];
  const requested = typeof size === 'number' ? size : size[0];
  const portrait = width <= height;
  const short = portrait ? width : height;
  const long = portrait ? height : width;
  let newShort = requested;
  let newLong = Math.trunc((requested * long) / short);
  if (maxSize !== undefined && newLong > maxSize) {
    newShort = Math.trunc((maxSize * newShort) / newLong);
    newLong = maxSize;
  }
  return portrait ? [newLong, newShort] : [newShort, newLong];
}
