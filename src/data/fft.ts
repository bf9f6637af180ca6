/**
 * The discrete Fourier transform of real frames, for spectrograms: radix-2 FFT when the size
 * is a power of two, a direct (O(n^2)) DFT with exact twiddle tables otherwise. Double
 * precision throughout.
 *
 * @example
 *   const dft = new RealDft(8);
 *   const re = new Float64Array(5), im = new Float64Array(5);
 *   dft.transform(Float64Array.of(1, 0, 0, 0, 0, 0, 0, 0), re, im); // re all 1, im all 0
 */
import { ConfigError } from '../core/errors.js';

export class RealDft {
  /** Output bins: n/2 + 1 (DC to Nyquist). */
  readonly bins: number;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly pow2: boolean;
  private readonly bitrev: Int32Array;
  private readonly workRe: Float64Array;
  private readonly workIm: Float64Array;

  constructor(readonly n: number) {
    if (!Number.isInteger(n) || n < 1) throw new ConfigError('nFft', 'an integer >= 1', n);
    this.bins = Math.floor(n / 2) + 1;
    this.pow2 = (n & (n - 1)) === 0;
    // Twiddles from the angle 2*pi*j/n with j < n, reduced exactly, keep every bin accurate.
    this.cos = new Float64Array(n);
    this.sin = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      this.cos[j] = Math.cos((2 * Math.PI * j) / n);
      this.sin[j] = Math.sin((2 * Math.PI * j) / n);
    }
    this.bitrev = new Int32Array(this.pow2 ? n : 0);
    if (this.pow2) {
      const bits = Math.log2(n);
      for (let j = 0; j < n; j++) {
        let r = 0;
        for (let b = 0; b < bits; b++) r |= ((j >> b) & 1) << (bits - 1 - b);
        this.bitrev[j] = r;
      }
    }
    this.workRe = new Float64Array(this.pow2 ? n : 0);
    this.workIm = new Float64Array(this.pow2 ? n : 0);
  }

  /** X_k = sum_j x_j e^{-2 pi i j k / n} for k < bins, into `re` and `im`. */
  transform(input: ArrayLike<number>, re: Float64Array, im: Float64Array): void {
    const n = this.n;
    if (!this.pow2) {
      for (let k = 0; k < this.bins; k++) {
        let sr = 0;
        let si = 0;
        for (let j = 0, phase = 0; j < n; j++, phase = (phase + k) % n) {
          sr += input[j] * this.cos[phase];
          si -= input[j] * this.sin[phase];
        }
        re[k] = sr;
        im[k] = si;
      }
      return;
    }
    const xr = this.workRe;
    const xi = this.workIm;
    for (let j = 0; j < n; j++) {
      xr[this.bitrev[j]] = input[j];
      xi[this.bitrev[j]] = 0;
    }
    for (let size = 2; size <= n; size *= 2) {
      const half = size / 2;
      const step = n / size;
      for (let start = 0; start < n; start += size) {
        for (let j = 0; j < half; j++) {
          const wr = this.cos[j * step];
          const wi = -this.sin[j * step];
          const a = start + j;
          const b = a + half;
          const tr = xr[b] * wr - xi[b] * wi;
          const ti = xr[b] * wi + xi[b] * wr;
          xr[b] = xr[a] - tr;
          xi[b] = xi[a] - ti;
          xr[a] += tr;
          xi[a] += ti;
        }
      }
    }
    for (let k = 0; k < this.bins; k++) {
      re[k] = xr[k];
      im[k] = xi[k];
    }
  }
}
