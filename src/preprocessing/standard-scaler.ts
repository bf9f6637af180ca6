/**
 * Standardisation (z-score), as scikit-learn's `StandardScaler`: `(x - mean) / std` with the
 * population std (ddof 0), statistics in float64. A constant group (zero variance, or
 * variance within rounding noise of zero by scikit-learn's own test) gets scale 1, so it maps
 * to `x - mean` (0 on the training data) instead of NaN or a blown-up value.
 *
 * @example
 *   const scaler = new StandardScaler().fit(trainRows);
 *   const testScaled = scaler.transform(testRows);
 *   const again = StandardScaler.fromJSON(JSON.parse(JSON.stringify(scaler.toJSON())));
 */
import { ConfigError } from '../core/errors.js';
import {
  asObject,
  boolean,
  type JsonObject,
  numberArray,
  oneOf,
  positiveInt,
  version,
} from './json-fields.js';
import {
  AffineScaler,
  type Coefficients,
  type FlatSamples,
  SCALE_AXES,
  type ScaleAxis,
  type ScalerOptions,
} from './scaler.js';

export interface StandardScalerOptions extends ScalerOptions {
  /** Subtract the mean (default true). */
  withMean?: boolean;
  /** Divide by the std (default true). */
  withStd?: boolean;
}

export interface StandardScalerJSON {
  type: 'standard-scaler';
  version: 1;
  axis: ScaleAxis;
  channels: number | null;
  sampleSize: number;
  samplesSeen: number;
  withMean: boolean;
  withStd: boolean;
  mean: number[];
  variance: number[];
  scale: number[];
}

const EPS = 2 ** -52;

export class StandardScaler extends AffineScaler {
  protected readonly kind = 'StandardScaler';
  readonly withMean: boolean;
  readonly withStd: boolean;
  /** Per statistic, after fit: the mean, the population variance, and the divisor used. */
  mean: Float64Array | null = null;
  variance: Float64Array | null = null;
  scale: Float64Array | null = null;

  constructor(options: StandardScalerOptions = {}) {
    super(options, 'StandardScaler');
    this.withMean = options.withMean ?? true;
    this.withStd = options.withStd ?? true;
  }

  protected learn(flat: FlatSamples, index: Int32Array, groups: number): void {
    const { data, size } = flat;
    const n = new Float64Array(groups);
    const sum = new Float64Array(groups);
    for (let p = 0, j = 0; p < data.length; p++, j = j + 1 === size ? 0 : j + 1) {
      sum[index[j]] += data[p];
      n[index[j]]++;
    }
    const mean = sum.map((s, g) => s / n[g]);
    // Two passes: the textbook E[x^2] - E[x]^2 loses the variance of large, offset values.
    const m2 = new Float64Array(groups);
    for (let p = 0, j = 0; p < data.length; p++, j = j + 1 === size ? 0 : j + 1) {
      const d = data[p] - mean[index[j]];
      m2[index[j]] += d * d;
    }
    const variance = m2.map((m, g) => m / n[g]);
    this.mean = mean;
    this.variance = variance;
    this.scale = variance.map((v, g) => {
      // scikit-learn's _is_constant_feature: variance that is only accumulated rounding.
      const bound = n[g] * EPS * v + (n[g] * mean[g] * EPS) ** 2;
      const std = Math.sqrt(v);
      return v <= bound || std < 10 * EPS ? 1 : std;
    });
  }

  protected map(): Coefficients {
    const groups = this.mean!.length;
    return {
      center: this.withMean ? this.mean!.slice() : new Float64Array(groups),
      mult: this.withStd ? this.scale!.map((s) => 1 / s) : new Float64Array(groups).fill(1),
      add: new Float64Array(groups),
    };
  }

  toJSON(): StandardScalerJSON {
    this.requireFitted('toJSON');
    return {
      type: 'standard-scaler',
      version: 1,
      axis: this.axis,
      channels: this.channels,
      sampleSize: this.sampleSize!,
      samplesSeen: this.samplesSeen,
      withMean: this.withMean,
      withStd: this.withStd,
      mean: Array.from(this.mean!),
      variance: Array.from(this.variance!),
      scale: Array.from(this.scale!),
    };
  }

  /** A fitted scaler from `toJSON()` output; each bad field is a ConfigError naming it. */
  static fromJSON(value: unknown): StandardScaler {
    const who = 'StandardScaler.fromJSON';
    const json: JsonObject = asObject(value, who);
    oneOf(json, 'type', who, ['standard-scaler'] as const);
    version(json, who, 1);
    const axis = oneOf(json, 'axis', who, SCALE_AXES);
    const scaler = new StandardScaler({
      axis,
      channels: axis === 'channel' ? positiveInt(json, 'channels', who) : undefined,
      withMean: boolean(json, 'withMean', who),
      withStd: boolean(json, 'withStd', who),
    });
    const finite = (v: number) => Number.isFinite(v);
    scaler.mean = numberArray(json, 'mean', who, finite, 'a finite number');
    scaler.variance = numberArray(json, 'variance', who, (v) => v >= 0, 'a number >= 0');
    scaler.scale = numberArray(json, 'scale', who, (v) => v > 0 && finite(v), 'a number > 0');
    const groups = scaler.mean.length;
    for (const key of ['variance', 'scale'] as const) {
      if (scaler[key]!.length !== groups) {
        throw new ConfigError(`${who}: ${key}`, `${groups} values, as mean`, json[key]);
      }
    }
    scaler.restore(
      positiveInt(json, 'sampleSize', who),
      positiveInt(json, 'samplesSeen', who),
      groups,
    );
    return scaler;
  }
}
