/**
 * Histogram equalisation, bit-exact with OpenCV's `cv2.equalizeHist` on 8-bit grey images.
 *
 * OpenCV's look-up table: with `h` the histogram, `m` the first grey level present and `N` the
 * pixel count, `lut[m] = 0` and `lut[v] = saturate_cast<uchar>((cdf(v) - h[m]) * (255.f / (N - h[m])))`
 * for `v > m`, in float32 with halves rounded to even. An image of one grey level is returned
 * unchanged (OpenCV fills the output with that level rather than dividing by zero).
 *
 * @example
 *   const flat = equalizeHist({ data: pixels, height: 28, width: 28, channels: 1 });
 *   const photo = equalizeHist(rgb, { color: 'per-channel' }); // default 'luminance'
 */
import type { Image } from '../core/image.js';
import { type ColorMode, checkUint8Image, mapGreyPlanes } from './color-planes.js';
import { f32, saturateUint8 } from './float32.js';

export interface EqualizeHistOptions {
  /** How an RGB(A) image is equalised (see color-planes.ts); ignored for grey. Default 'luminance'. */
  color?: ColorMode;
}

/** `cv2.equalizeHist` on an 8-bit image; colour images by `options.color`. */
export function equalizeHist(image: Image, options: EqualizeHistOptions = {}): Image<Uint8Array> {
  checkUint8Image(image, 'equalizeHist');
  return mapGreyPlanes(image, options.color ?? 'luminance', 'equalizeHist', equalizePlane);
}

/** The grey-plane kernel: a new plane, `height * width` pixels equalised as OpenCV does. */
export function equalizePlane(plane: Uint8Array, height: number, width: number): Uint8Array {
  const total = height * width;
  const hist = new Int32Array(256);
  for (let i = 0; i < total; i++) hist[plane[i]]++;
  let first = 0;
  while (hist[first] === 0) first++;
  if (hist[first] === total) return new Uint8Array(total).fill(first);

  const scale = f32(255 / (total - hist[first]));
  const lut = new Uint8Array(256);
  let sum = 0;
  for (let v = first + 1; v < 256; v++) {
    sum += hist[v];
    lut[v] = saturateUint8(f32(f32(sum) * scale));
  }
  const out = new Uint8Array(total);
  for (let i = 0; i < total; i++) out[i] = lut[plane[i]];
  return out;
}
