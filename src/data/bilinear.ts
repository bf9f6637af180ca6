/**
 * PIL's antialiased bilinear resize, for reading images at one size (./read-as.ts). The
 * transforms layer has the full kernel (transforms/functional/resize.ts); data sits below it
 * and may not import it, so this is the part reading needs: PIL's coefficient tables (the
 * same formula, so the same bytes) run by the shared wasm kernels module (./native), with a
 * TypeScript pass where WebAssembly SIMD is missing and for float images.
 *
 * @example
 *   const small = resizeBilinear(photo, [32, 32]);
 *   const middle = resizeBilinear(photo, [40, 32], { top: 4, left: 0, height: 32, width: 32 });
 */
import type { Image } from '../core/image.js';
import { type AxisWeights, type Window, wasmKernels } from '../core/native/wasm-kernels.js';

const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);
const FIXED_ONE = 1 << PRECISION_BITS;

interface Table extends AxisWeights {
  weights: Float64Array;
}

/** PIL's `precompute_coeffs` + `normalize_coeffs_8bpc` for the bilinear (triangle) filter. */
export function bilinearTable(inSize: number, outSize: number): Table {
  const scale = inSize / outSize;
  const filterScale = scale < 1 ? 1 : scale;
  const support = filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * taps);
  const fixed = new Int32Array(outSize * taps);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(center - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(center + support + 0.5));
    let total = 0;
    for (let k = 0; k < hi - lo; k++) {
      const a = Math.abs((k + lo - center + 0.5) / filterScale);
      const w = a < 1 ? 1 - a : 0;
      weights[i * taps + k] = w;
      total += w;
    }
    for (let k = 0; k < hi - lo; k++) {
      const at = i * taps + k;
      if (total !== 0) weights[at] /= total;
      const w = weights[at];
      fixed[at] = w < 0 ? Math.trunc(-0.5 + w * FIXED_ONE) : Math.trunc(0.5 + w * FIXED_ONE);
    }
    first[i] = lo;
    count[i] = hi - lo;
  }
  return { taps, first, count, weights, fixed };
}

/**
 * Resizes to `size` = [height, width] (an axis already at its size is left alone); with
 * `window`, only that part of the output (the same pixels as resizing then cropping).
 */
export function resizeBilinear(
  image: Image,
  size: readonly [number, number],
  window?: Window,
): Image {
  const [outH, outW] = size;
  const win = window ?? { top: 0, left: 0, height: outH, width: outW };
  const tx = outW === image.width ? null : bilinearTable(image.width, outW);
  const ty = outH === image.height ? null : bilinearTable(image.height, outH);
  const fast = image.data instanceof Uint8Array && image.channels <= 3 ? wasmKernels() : null;
  if (fast) return fast.resize(image as Image<Uint8Array>, tx, ty, win);
  // Horizontal pass first, on whole rows; then the vertical one on the window's rows (as PIL).
  const wide = tx ? pass(image, tx, 'x') : image;
  const tall = ty ? pass(wide, ty, 'y') : wide;
  return cut(tall, win);
}

/** One axis of the resize over the whole image; 8-bit results rounded and clipped as PIL. */
function pass(src: Image, t: Table, axis: 'x' | 'y'): Image {
  const c = src.channels;
  const height = axis === 'y' ? t.first.length : src.height;
  const width = axis === 'x' ? t.first.length : src.width;
  const bytes = src.data instanceof Uint8Array;
  const out = bytes ? new Uint8Array(height * width * c) : new Float32Array(height * width * c);
  const k = bytes ? t.fixed : t.weights;
  // Distance in the source array between neighbouring samples along the axis.
  const step = axis === 'x' ? c : src.width * c;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = axis === 'x' ? x : y;
      const base =
        axis === 'x' ? (y * src.width + t.first[i]) * c : (t.first[i] * src.width + x) * c;
      for (let ch = 0; ch < c; ch++) {
        let acc = bytes ? HALF : 0;
        for (let j = 0; j < t.count[i]; j++)
          acc += src.data[base + j * step + ch] * k[i * t.taps + j];
        out[(y * width + x) * c + ch] = bytes ? clip8(acc) : acc;
      }
    }
  }
  return { data: out, height, width, channels: c };
}

function clip8(acc: number): number {
  const v = acc >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

function cut(image: Image, win: Window): Image {
  if (win.top === 0 && win.left === 0 && win.height === image.height && win.width === image.width)
    return image;
  const c = image.channels;
  const out =
    image.data instanceof Uint8Array
      ? new Uint8Array(win.height * win.width * c)
      : new Float32Array(win.height * win.width * c);
  for (let y = 0; y < win.height; y++) {
    const from = ((y + win.top) * image.width + win.left) * c;
    out.set(image.data.subarray(from, from + win.width * c), y * win.width * c);
  }
  return { data: out, height: win.height, width: win.width, channels: c };
}
