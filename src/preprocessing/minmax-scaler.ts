/**
 * Min-max scaling, as scikit-learn's `MinMaxScaler`: the training minimum maps to
 * `featureRange[0]` and the maximum to `featureRange[1]`; other splits may land outside the
 * range (no clipping). A constant group (zero range) gets scale 1, so its training value maps
 * to `featureRange[0]` and nothing becomes NaN.
 *
 * @example
 *   const scaler = new MinMaxScaler({ featureRange: [-1, 1] }).fit(trainRows);
 *   const scaled = scaler.transform(testRows);
 */
import { ConfigError } from '../core/errors.js';
import {
  asObject,
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

export interface MinMaxScalerOptions extends ScalerOptions {
  /** The interval the training data is mapped onto, `[lo, hi]` with `lo < hi`. Default [0, 1]. */
  featureRange?: readonly [number, number];
}

export interface MinMaxScalerJSON {
  type: 'minmax-scaler';
  version: 1;
  axis: ScaleAxis;
  channels: number | null;
  sampleSize: number;
  samplesSeen: number;
  featureRange: [number, number];
  dataMin: number[];
  dataMax: number[];
}

const EPS = 2 ** -52;

export class MinMaxScaler extends AffineScaler {
  protected readonly kind = 'MinMaxScaler';
  readonly featureRange: readonly [number, number];
  /** Per statistic, after fit: the training minimum and maximum. */
  dataMin: Float64Array | null = null;
  dataMax: Float64Array | null = null;

  constructor(options: MinMaxScalerOptions = {}) {
    super(options, 'MinMaxScaler');
    const range = options.featureRange ?? [0, 1];
    if (
      !Array.isArray(range) ||
      range.length !== 2 ||
      !range.every((v) => typeof v === 'number' && Number.isFinite(v)) ||
      !(range[0] < range[1])
    ) {
      throw new ConfigError('MinMaxScaler: featureRange', '[lo, hi], finite, lo < hi', range);
    }
    this.featureRange = [range[0], range[1]];
  }

  protected learn(flat: FlatSamples, index: Int32Array, groups: number): void {
    const { data, size } = flat;
    const min = new Float64Array(groups).fill(Number.POSITIVE_INFINITY);
    const max = new Float64Array(groups).fill(Number.NEGATIVE_INFINITY);
    for (let p = 0, j = 0; p < data.length; p++, j = j + 1 === size ? 0 : j + 1) {
      const g = index[j];
      const v = data[p];
      if (v < min[g]) min[g] = v;
      if (v > max[g]) max[g] = v;
    }
    this.dataMin = min;
    this.dataMax = max;
  }

  protected map(): Coefficients {
    const [lo, hi] = this.featureRange;
    const min = this.dataMin!;
    const max = this.dataMax!;
    return {
      center: min.slice(),
      mult: min.map((m, g) => {
        const range = max[g] - m;
        return (hi - lo) / (range < 10 * EPS ? 1 : range);
      }),
      add: new Float64Array(min.length).fill(lo),
    };
  }

  toJSON(): MinMaxScalerJSON {
    this.requireFitted('toJSON');
    return {
      type: 'minmax-scaler',
      version: 1,
      axis: this.axis,
      channels: this.channels,
      sampleSize: this.sampleSize!,
      samplesSeen: this.samplesSeen,
      featureRange: [this.featureRange[0], this.featureRange[1]],
      dataMin: Array.from(this.dataMin!),
      dataMax: Array.from(this.dataMax!),
    };
  }

  /** A fitted scaler from `toJSON()` output; each bad field is a ConfigError naming it. */
  static fromJSON(value: unknown): MinMaxScaler {
    const who = 'MinMaxScaler.fromJSON';
    const json: JsonObject = asObject(value, who);
    oneOf(json, 'type', who, ['minmax-scaler'] as const);
    version(json, who, 1);
    const axis = oneOf(json, 'axis', who, SCALE_AXES);
    const scaler = new MinMaxScaler({
      axis,
      channels: axis === 'channel' ? positiveInt(json, 'channels', who) : undefined,
      featureRange: json.featureRange as [number, number],
    });
    const finite = (v: number) => Number.isFinite(v);
    scaler.dataMin = numberArray(json, 'dataMin', who, finite, 'a finite number');
    scaler.dataMax = numberArray(json, 'dataMax', who, finite, 'a finite number');
    const min = scaler.dataMin;
    if (scaler.dataMax.length !== min.length) {
      throw new ConfigError(`${who}: dataMax`, `${min.length} values, as dataMin`, json.dataMax);
    }
    scaler.dataMax.forEach((v, g) => {
      if (v < min[g]) throw new ConfigError(`${who}: dataMax[${g}]`, `>= dataMin[${g}]`, v);
    });
    scaler.restore(
      positiveInt(json, 'sampleSize', who),
      positiveInt(json, 'samplesSeen', who),
      min.length,
    );
    return scaler;
  }
}
