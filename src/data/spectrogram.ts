/**
 * Spectrograms: signals turned into images (the seed's spectrogram-classification case).
 * A short-time Fourier transform with a periodic Hann window (`scipy.signal.get_window('hann',
 * nFft)`, `torch.hann_window`), frames every `hop` samples, then the magnitude per bin:
 *
 * - `center` (default true, as torch.stft / librosa): the signal is padded by nFft/2 on both
 *   sides (`padMode` 'reflect', the edge sample not repeated, or 'constant' zeros), so frame t
 *   is centred on sample t * hop; without it, frames start at t * hop and stop where the
 *   signal ends (`scipy.signal.stft(..., boundary=None, padded=False)`).
 * - `scale`: 'log' (default) ln(|X| + eps); 'db' 20 log10(max(|X|, eps)); 'magnitude' |X|.
 *   No division by the window sum (scipy's default 'spectrum' scaling divides by it).
 *
 * The output is a float image [freq, time, channels]: row 0 is the DC bin, row nFft/2 the
 * Nyquist bin; each signal channel gives one image channel.
 *
 * @example
 *   const img = spectrogram(signal, { nFft: 64, hop: 16 }); // height 33, width frames, 1 channel
 *   const images = spectrogramSource(signalSource(set), { nFft: 64 });
 */
import { ConfigError } from '../core/errors.js';
import type { Image } from '../core/image.js';
import { RealDft } from './fft.js';
import { describeSample, type ImageSource } from './source.js';

export const SPECTROGRAM_SCALES = ['log', 'db', 'magnitude'] as const;
export type SpectrogramScale = (typeof SPECTROGRAM_SCALES)[number];
export const SPECTROGRAM_PAD_MODES = ['reflect', 'constant'] as const;
export type SpectrogramPadMode = (typeof SPECTROGRAM_PAD_MODES)[number];

export interface SpectrogramOptions {
  /** Frame (FFT) length (default 64). */
  nFft?: number;
  /** Samples between frame starts (default floor(nFft / 4)). */
  hop?: number;
  center?: boolean;
  padMode?: SpectrogramPadMode;
  scale?: SpectrogramScale;
  /** Floor added (log) or clamped to (db) before the logarithm (default 1e-6). */
  eps?: number;
}

type Resolved = Required<SpectrogramOptions>;

function resolve(options: SpectrogramOptions): Resolved {
  const nFft = options.nFft ?? 64;
  if (!Number.isInteger(nFft) || nFft < 2) throw new ConfigError('nFft', 'an integer >= 2', nFft);
  const hop = options.hop ?? Math.max(1, Math.floor(nFft / 4));
  if (!Number.isInteger(hop) || hop < 1) throw new ConfigError('hop', 'an integer >= 1', hop);
  const center = options.center ?? true;
  if (typeof center !== 'boolean') throw new ConfigError('center', 'true or false', center);
  const padMode = options.padMode ?? 'reflect';
  if (!(SPECTROGRAM_PAD_MODES as readonly string[]).includes(padMode)) {
    throw new ConfigError('padMode', SPECTROGRAM_PAD_MODES.join(' or '), padMode);
  }
  const scale = options.scale ?? 'log';
  if (!(SPECTROGRAM_SCALES as readonly string[]).includes(scale)) {
    throw new ConfigError('scale', SPECTROGRAM_SCALES.join(', '), scale);
  }
  const eps = options.eps ?? 1e-6;
  if (typeof eps !== 'number' || !(eps > 0)) throw new ConfigError('eps', 'a number > 0', eps);
  return { nFft, hop, center, padMode, scale, eps };
}

/**
 * [frequency bins, frames] of the spectrogram of a signal of `length` samples.
 *
 * @example
 *   spectrogramShape(256, { nFft: 64, hop: 16 }); // [33, 17]
 */
export function spectrogramShape(
  length: number,
  options: SpectrogramOptions = {},
): [number, number] {
  const o = resolve(options);
  return [Math.floor(o.nFft / 2) + 1, frameCount(length, o)];
}

function frameCount(length: number, o: Resolved): number {
  const pad = o.center ? Math.floor(o.nFft / 2) : 0;
  if (o.center && o.padMode === 'reflect' && pad >= length) {
    throw new ConfigError(
      'nFft',
      `at most ${2 * length - 1} for reflect padding of a ${length}-sample signal`,
      o.nFft,
    );
  }
  const padded = length + 2 * pad;
  if (padded < o.nFft) {
    throw new ConfigError('nFft', `at most the signal length ${length} (without center)`, o.nFft);
  }
  return 1 + Math.floor((padded - o.nFft) / o.hop);
}

/**
 * The spectrogram of a one-channel signal as a [freq, time, 1] float image.
 *
 * @example
 *   const img = spectrogram(Float32Array.from({ length: 400 }, (_, i) => Math.sin(i / 3)));
 */
export function spectrogram(
  signal: ArrayLike<number>,
  options: SpectrogramOptions = {},
): Image<Float32Array> {
  return new StftPlan(resolve(options)).run(signal, signal.length, 1);
}

/**
 * The spectrogram of a signal image (1 x length x channels, as `signalSource` gives) as a
 * [freq, time, channels] float image; 8-bit input is used as is (0-255).
 *
 * @example
 *   const img = spectrogramImage(await signalSource(set).get(0), { nFft: 32 });
 */
export function spectrogramImage(
  signal: Image,
  options: SpectrogramOptions = {},
): Image<Float32Array> {
  return new StftPlan(resolve(options)).runImage(signal);
}

/** Window and DFT tables made once and reused for every signal of a source. */
class StftPlan {
  private readonly dft: RealDft;
  private readonly window: Float64Array;
  private readonly frame: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  constructor(private readonly o: Resolved) {
    this.dft = new RealDft(o.nFft);
    this.window = new Float64Array(o.nFft);
    for (let j = 0; j < o.nFft; j++) {
      this.window[j] = 0.5 - 0.5 * Math.cos((2 * Math.PI * j) / o.nFft);
    }
    this.frame = new Float64Array(o.nFft);
    this.re = new Float64Array(this.dft.bins);
    this.im = new Float64Array(this.dft.bins);
  }

  runImage(signal: Image): Image<Float32Array> {
    if (signal.height !== 1) {
      throw new ConfigError(
        'signal.height',
        '1 (a signal is one row: 1 x length x channels)',
        signal.height,
      );
    }
    return this.run(signal.data, signal.width, signal.channels);
  }

  run(data: ArrayLike<number>, length: number, channels: number): Image<Float32Array> {
    const o = this.o;
    const dft = this.dft;
    const window = this.window;
    const frame = this.frame;
    const re = this.re;
    const im = this.im;
    const frames = frameCount(length, o);
    const bins = dft.bins;
    const pad = o.center ? Math.floor(o.nFft / 2) : 0;
    const out = new Float32Array(bins * frames * channels);
    for (let c = 0; c < channels; c++) {
      for (let t = 0; t < frames; t++) {
        for (let j = 0; j < o.nFft; j++) {
          let p = t * o.hop + j - pad;
          let inside = true;
          if (p < 0 || p >= length) {
            if (o.padMode === 'constant') inside = false;
            else p = p < 0 ? -p : 2 * (length - 1) - p;
          }
          frame[j] = inside ? data[p * channels + c] * window[j] : 0;
        }
        dft.transform(frame, re, im);
        for (let f = 0; f < bins; f++) {
          const magnitude = Math.hypot(re[f], im[f]);
          out[(f * frames + t) * channels + c] =
            o.scale === 'log'
              ? Math.log(magnitude + o.eps)
              : o.scale === 'db'
                ? 20 * Math.log10(Math.max(magnitude, o.eps))
                : magnitude;
        }
      }
    }
    return { data: out, height: bins, width: frames, channels };
  }
}

/**
 * A source of signals (1 x length x channels images) as a source of their spectrograms,
 * computed on `get`.
 *
 * @example
 *   const source = spectrogramSource(signalSource(syntheticSignals({ seed: 1 })), { nFft: 64 });
 */
export function spectrogramSource(
  signals: ImageSource,
  options: SpectrogramOptions = {},
): ImageSource {
  const o = resolve(options);
  const plan = new StftPlan(o);
  const shape = signals.shape;
  let outShape: [number, number, number] | undefined;
  if (shape) {
    if (shape[0] !== 1) {
      throw new ConfigError('source.shape', '1 x length x channels signals', shape);
    }
    outShape = [Math.floor(o.nFft / 2) + 1, frameCount(shape[1], o), shape[2]];
  }
  return {
    count: signals.count,
    labels: signals.labels,
    classNames: signals.classNames,
    shape: outShape,
    get: async (i: number) => plan.runImage(await signals.get(i)),
    describe: (i: number) => `spectrogram of ${describeSample(signals, i)}`,
  };
}
