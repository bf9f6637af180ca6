/**
 * PIL's antialiased bilinear resize, for reading images at one size (./read-as.ts). The
 * transforms layer has the full kernel (transforms/functional/resize.ts); data sits below it
 * and may not import it, so this is the part reading needs: PIL's coefficient tables (the
 * same ones, core/native/resample-tables.ts, so the same bytes) run by the shared wasm kernels
 * module (core/native), with a TypeScript pass where WebAssembly SIMD is missing and for float
 * images.
 *
 * @example
 *   const small = resizeBilinear(photo, [32, 32]);
 *   const middle = resizeBilinear(photo, [40, 32], { top: 4, left: 0, height: 32, width: 32 });
 */
import type { Image } from '../core/image.js';
import { type AxisTable, axisTable, clip8, FIXED_HALF } from '../core/native/resample-tables.js';
import { type Window, wasmKernels } from '../core/native/wasm-kernels.js';

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
  const tx = outW === image.width ? null : axisTable(image.width, outW, 'bilinear');
  const ty = outH === image.height ? null : axisTable(image.height, outH, 'bilinear');
  const fast = image.data instanceof Uint8Array && image.channels <= 3 ? wasmKernels() : null;
  if (fast) return fast.resize(image as Image<Uint8Array>, tx, ty, win);
  // Horizontal pass first, on whole rows; then the vertical one on the window's rows (as PIL).
  const wide = tx ? pass(image, tx, 'x') : image;
  const tall = ty ? pass(wide, ty, 'y') : wide;
  return cut(tall, win);
}

/** One axis of the resize over the whole image; 8-bit results rounded and clipped as PIL. */
function pass(src: Image, t: AxisTable, axis: 'x' | 'y'): Image {
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
        let acc = bytes ? FIXED_HALF : 0;
        for (let j = 0; j < t.count[i]; j++)
          acc += src.data[base + j * step + ch] * k[i * t.taps + j];
        out[(y * width + x) * c + ch] = bytes ? clip8(acc) : acc;
      }
    }
  }
  return { data: out, height, width, channels: c };
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
