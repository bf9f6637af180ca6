/**
 * Synthetic 1-D signals for studies that need signal data on any machine: each class is a
 * waveform family; every sample draws its own frequency and phase, adds Gaussian noise, and
 * is then scaled and shifted by large random amounts (log-uniform scale, uniform offset).
 * The class is in the shape, not in the level, so standardising each signal (the seed's
 * `(x - mean) / std`) removes exactly what the model should not have to learn.
 *
 * Sample i belongs to family i mod K and depends only on the seed and i (its own RNG fork),
 * so growing `perClass` keeps the samples already drawn.
 *
 * Families (t in [0, 1) over the signal, f cycles per signal, phase p):
 * sine; square (sign of a sine); sawtooth; triangle; chirp (frequency sweeping up from f/2
 * to 3f); damped (a sine of 2f decaying as e^(-5t)).
 *
 * @example
 *   const set = syntheticSignals({ perClass: 200, length: 256, seed: 1 });
 *   set.classNames; // ['sine', 'square', 'sawtooth', 'triangle', 'chirp', 'damped']
 */
import { ConfigError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { checkSeed } from './by-class.js';
import { SIGNAL_FAMILIES } from './options.js';
import type { SignalSet } from './signal-set.js';

export { SIGNAL_FAMILIES };
export type SignalFamily = (typeof SIGNAL_FAMILIES)[number];

export interface SyntheticSignalOptions {
  seed: number;
  /** Samples per class (default 100). */
  perClass?: number;
  /** Steps per signal (default 256). */
  length?: number;
  /** The classes, in class-index order (default all of SIGNAL_FAMILIES). */
  families?: readonly SignalFamily[];
  /** Noise std relative to the waveform's unit amplitude (default 0.3). */
  noise?: number;
  /** Offsets drawn uniformly from [-offset, offset] (default 100). */
  offset?: number;
  /** Scales drawn log-uniformly from [min, max] (default [0.1, 100]). */
  scale?: readonly [number, number];
  /** Cycles per signal drawn uniformly from [min, max] (default [2, 8]). */
  cycles?: readonly [number, number];
}

/**
 * Draws a balanced synthetic signal set (see the file doc).
 *
 * @example
 *   const set = syntheticSignals({ seed: 3, families: ['sine', 'square'], noise: 0.5 });
 */
export function syntheticSignals(options: SyntheticSignalOptions): SignalSet {
  const seed = checkSeed(options.seed);
  const perClass = positiveInt(options.perClass ?? 100, 'perClass');
  const length = positiveInt(options.length ?? 256, 'length');
  const families = [...(options.families ?? SIGNAL_FAMILIES)];
  if (families.length === 0) throw new ConfigError('families', 'at least one family', families);
  families.forEach((family, k) => {
    if (!(SIGNAL_FAMILIES as readonly string[]).includes(family)) {
      throw new ConfigError(`families[${k}]`, `one of ${SIGNAL_FAMILIES.join(', ')}`, family);
    }
  });
  const noise = nonNegative(options.noise ?? 0.3, 'noise');
  const offset = nonNegative(options.offset ?? 100, 'offset');
  const [scaleLo, scaleHi] = range(options.scale ?? [0.1, 100], 'scale', 1e-12);
  const [cyclesLo, cyclesHi] = range(options.cycles ?? [2, 8], 'cycles', 0);

  const count = perClass * families.length;
  const signals = new Float32Array(count * length);
  const labels = new Int32Array(count);
  const root = new Rng(seed).fork('synthetic-signals');
  const wave = new Float64Array(length);
  for (let i = 0; i < count; i++) {
    const k = i % families.length;
    labels[i] = k;
    const rng = root.fork(`sample ${i}`);
    const cycles = rng.range(cyclesLo, cyclesHi);
    const phase = rng.range(0, 2 * Math.PI);
    const scale = Math.exp(rng.range(Math.log(scaleLo), Math.log(scaleHi)));
    const shift = rng.range(-offset, offset);
    drawWave(families[k], cycles, phase, wave);
    for (let j = 0; j < length; j++) {
      signals[i * length + j] = shift + scale * (wave[j] + noise * rng.normal());
    }
  }
  return { signals, count, length, channels: 1, labels, classNames: families };
}

function drawWave(family: SignalFamily, cycles: number, phase: number, out: Float64Array): void {
  const n = out.length;
  for (let j = 0; j < n; j++) {
    const t = j / n;
    const angle = 2 * Math.PI * cycles * t + phase;
    const cyclePos = fract(cycles * t + phase / (2 * Math.PI)); // in [0, 1)
    switch (family) {
      case 'sine':
        out[j] = Math.sin(angle);
        break;
      case 'square':
        out[j] = cyclePos < 0.5 ? 1 : -1;
        break;
      case 'sawtooth':
        out[j] = 2 * cyclePos - 1;
        break;
      case 'triangle':
        out[j] = 1 - 4 * Math.abs(cyclePos - 0.5);
        break;
      case 'chirp': {
        // Instantaneous frequency sweeps linearly from cycles/2 to 3 * cycles per signal.
        const f0 = cycles / 2;
        const f1 = 3 * cycles;
        out[j] = Math.sin(2 * Math.PI * (f0 * t + ((f1 - f0) * t * t) / 2) + phase);
        break;
      }
      case 'damped':
        out[j] = Math.exp(-5 * t) * Math.sin(2 * angle);
        break;
    }
  }
}

function fract(x: number): number {
  return x - Math.floor(x);
}

function positiveInt(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConfigError(field, 'an integer >= 1', value);
  }
  return value;
}

function nonNegative(value: unknown, field: string): number {
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new ConfigError(field, 'a finite number >= 0', value);
  }
  return value;
}

function range(value: readonly number[], field: string, min: number): [number, number] {
  const ok =
    Array.isArray(value) &&
    value.length === 2 &&
    value.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= min) &&
    value[0] <= value[1];
  if (!ok) throw new ConfigError(field, `[min, max] with ${min} <= min <= max`, value);
  return [value[0], value[1]];
}
