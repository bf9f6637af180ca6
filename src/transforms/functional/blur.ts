/**
 * Gaussian blur as torchvision's `gaussian_blur`: a float32 kernel `exp(-x^2 / 2 sigma^2)`
 * over `linspace(-(k-1)/2, (k-1)/2, k)`, normalised to sum 1, reflect padding, and for 8-bit
 * images rounding half to even back to bytes. Applied as two 1-D passes (the kernel is
 * separable), so results may differ from torchvision's single 2-D convolution by float
 * rounding: at most one grey level, rarely.
 *
 * @example
 *   const soft = gaussianBlur(image, [5, 5], [1.5, 1.5]); // kernel [kx, ky], sigma [sx, sy]
 */
import type { Image } from '../../core/image.js';
import { allocLike } from './util.js';

/** torchvision's 1-D kernel, in float32 like torchvision computes it. */
export function gaussianKernel1d(size: number, sigma: number): Float64Array {
  const half = (size - 1) * 0.5;
  const f = Math.fround;
  const k = new Float64Array(size);
  let sum = 0;
  for (let i = 0; i < size; i++) {
    const x = f(-half + i);
    const t = f(x / f(sigma));
    k[i] = f(Math.exp(f(-0.5 * f(t * t))));
    sum = f(sum + k[i]);
  }
  for (let i = 0; i < size; i++) k[i] = f(k[i] / sum);
  return k;
}

/** Blurs with kernel sizes [kx, ky] (odd) and standard deviations [sx, sy]. */
export function gaussianBlur(
  image: Image,
  kernelSize: readonly [number, number],
  sigma: readonly [number, number],
): Image {
  const { width: w, height: h, channels: c } = image;
  const kx = gaussianKernel1d(kernelSize[0], sigma[0]);
  const ky = gaussianKernel1d(kernelSize[1], sigma[1]);
  const rx = (kernelSize[0] - 1) >> 1;
  const ry = (kernelSize[1] - 1) >> 1;
  const cols = reflectIndex(w, rx);
  const rows = reflectIndex(h, ry);
  const s = image.data;
  const mid = new Float64Array(h * w * c);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const o = (row + x) * c;
      for (let ch = 0; ch < c; ch++) {
        let acc = 0;
        for (let j = 0; j < kx.length; j++) acc += s[(row + cols[x + j]) * c + ch] * kx[j];
        mid[o + ch] = acc;
      }
    }
  }
  const out = allocLike(image, h, w);
  const d = out.data;
  const bytes = d instanceof Uint8Array;
  const rowLen = w * c;
  for (let y = 0; y < h; y++) {
    const o = y * rowLen;
    for (let i = 0; i < rowLen; i++) {
      let acc = 0;
      for (let j = 0; j < ky.length; j++) acc += mid[rows[y + j] * rowLen + i] * ky[j];
      d[o + i] = bytes ? roundByte(acc) : acc;
    }
  }
  return out;
}

/** Source index of each position of an axis padded by `r` on both sides (reflect, no edge repeat). */
function reflectIndex(n: number, r: number): Int32Array {
  const idx = new Int32Array(n + 2 * r);
  const period = Math.max(1, 2 * n - 2);
  for (let i = 0; i < idx.length; i++) {
    let k = (i - r) % period;
    if (k < 0) k += period;
    idx[i] = n === 1 ? 0 : k < n ? k : period - k;
  }
  return idx;
}

function roundByte(v: number): number {
  // torch.round: half to even.
  let r = Math.round(v);
  if (r - v === 0.5 && r % 2 !== 0) r -= 1;
  return r < 0 ? 0 : r > 255 ? 255 : r;
}
