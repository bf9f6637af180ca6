/**
 * What the scalers share: the data they take, the axis their statistics run along, input
 * checks, and the rule that they are fitted on the training split only.
 *
 * Data is a batch of samples, each a flat run of values: `{ data, count }` with
 * `data.length = count * sampleSize` (an `ImageSet`'s NHWC images fit as
 * `{ data: set.images, count: set.count }`), or rows as `number[][]`.
 * The axis says which values share one statistic:
 * - `feature`: each position in the sample (scikit-learn's scalers: one column, one feature);
 * - `channel`: each channel of HWC samples, over all pixels (`channels` required; torchvision's
 *   `Normalize` convention);
 * - `global`: one statistic for all values (the seed's 1-D `std(data)`).
 *
 * @example
 *   const scaler = new StandardScaler({ axis: 'channel', channels: 3 });
 *   const { train, test } = scaleSplits(scaler, {
 *     train: { data: trainSet.images, count: trainSet.count },
 *     test: { data: testSet.images, count: testSet.count },
 *   });
 *   saveScaler('runs/42/scaler.json', scaler); // beside the run; loadScaler() reads it back
 */
import { ConfigError, DataError, describeValue } from '../core/errors.js';

export const SCALE_AXES = ['feature', 'channel', 'global'] as const;
export type ScaleAxis = (typeof SCALE_AXES)[number];

/** `count` samples of `data.length / count` values each, one after another. */
export interface SampleMatrix<T extends Float32Array | Float64Array = Float32Array | Float64Array> {
  data: T;
  count: number;
}

/** Samples as a matrix, or as rows of numbers. */
export type ScalerInput = SampleMatrix | readonly (readonly number[])[];

export interface ScalerOptions {
  /** Which values share one statistic (see above). Default 'feature'. */
  axis?: ScaleAxis;
  /** Channels of each HWC sample, the last axis; required for axis 'channel'. */
  channels?: number;
}

/** An input brought to one shape: flat values, sample count and size. */
export interface FlatSamples {
  data: ArrayLike<number>;
  count: number;
  size: number;
  rows: boolean;
}

/** Validated scaler options (`who` names the class for messages). */
export function checkScalerOptions(
  options: ScalerOptions,
  who: string,
): { axis: ScaleAxis; channels: number | null } {
  const axis = options.axis ?? 'feature';
  if (!(SCALE_AXES as readonly string[]).includes(axis)) {
    throw new ConfigError(`${who}: axis`, `one of ${SCALE_AXES.join(', ')}`, axis);
  }
  if (axis !== 'channel') {
    if (options.channels !== undefined) {
      throw new ConfigError(
        `${who}: channels`,
        "nothing unless axis is 'channel'",
        options.channels,
      );
    }
    return { axis, channels: null };
  }
  const channels = options.channels;
  if (!Number.isInteger(channels) || (channels as number) < 1) {
    throw new ConfigError(`${who}: channels`, "a positive integer for axis 'channel'", channels);
  }
  return { axis, channels: channels as number };
}

/** Brings an input to flat samples, checking its shape; `field` names it in messages. */
export function flatten(x: ScalerInput, field: string): FlatSamples {
  if (Array.isArray(x)) {
    const rows = x as readonly (readonly number[])[];
    if (rows.length === 0) throw new DataError(field, 'expected at least one sample, got none');
    const size = Array.isArray(rows[0]) ? rows[0].length : 0;
    if (size === 0) {
      throw new DataError(
        field,
        `sample 0: expected a row of numbers, got ${describeValue(rows[0])}`,
      );
    }
    const data = new Float64Array(rows.length * size);
    rows.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== size) {
        throw new DataError(
          field,
          `sample ${i}: expected ${size} values like sample 0, got ${describeValue(row)}`,
        );
      }
      for (let j = 0; j < size; j++) {
        const v = row[j];
        if (typeof v !== 'number') throw notFinite(field, i, j, v);
        data[i * size + j] = v;
      }
    });
    return { data, count: rows.length, size, rows: true };
  }
  const m = x as SampleMatrix;
  if (!(m?.data instanceof Float32Array || m?.data instanceof Float64Array)) {
    throw new DataError(
      field,
      `expected { data: Float32Array | Float64Array, count } or rows of numbers, got ${describeValue(m)}`,
    );
  }
  if (!Number.isInteger(m.count) || m.count < 1 || m.data.length % m.count !== 0) {
    throw new DataError(
      field,
      `expected count to be a positive divisor of data.length ${m.data.length}, got ${describeValue(m.count)}`,
    );
  }
  if (m.data.length === 0) throw new DataError(field, 'expected samples with at least one value');
  return { data: m.data, count: m.count, size: m.data.length / m.count, rows: false };
}

/** The DataError for a NaN, infinity or non-number at sample `i`, feature `j`. */
export function notFinite(field: string, i: number, j: number, v: unknown): DataError {
  return new DataError(
    `${field}: sample ${i}, feature ${j}`,
    `expected a finite number, got ${describeValue(v)}`,
  );
}

/** Statistic index of each position in a sample, for the axis. */
export function groupIndex(
  axis: ScaleAxis,
  channels: number | null,
  size: number,
  who: string,
): { groups: number; index: Int32Array } {
  const index = new Int32Array(size);
  if (axis === 'feature') {
    for (let j = 0; j < size; j++) index[j] = j;
    return { groups: size, index };
  }
  if (axis === 'global') return { groups: 1, index };
  const c = channels as number;
  if (size % c !== 0) {
    throw new ConfigError(`${who}: channels`, `a divisor of the sample size ${size}`, c);
  }
  for (let j = 0; j < size; j++) index[j] = j % c;
  return { groups: c, index };
}

/** `y = (x - center[g]) * mult[g] + add[g]` for every value, keeping the input's kind. */
export function affine<T extends ScalerInput>(
  x: T,
  flat: FlatSamples,
  index: Int32Array,
  center: Float64Array,
  mult: Float64Array,
  add: Float64Array,
): T {
  const { data, count, size } = flat;
  const out =
    !flat.rows && (x as SampleMatrix).data instanceof Float32Array
      ? new Float32Array(data.length)
      : new Float64Array(data.length);
  for (let i = 0, p = 0; i < count; i++) {
    for (let j = 0; j < size; j++, p++) {
      const g = index[j];
      out[p] = (data[p] - center[g]) * mult[g] + add[g];
    }
  }
  if (!flat.rows) return { ...(x as SampleMatrix), data: out, count } as unknown as T;
  const rows: number[][] = [];
  for (let i = 0; i < count; i++) rows.push(Array.from(out.subarray(i * size, (i + 1) * size)));
  return rows as unknown as T;
}

/**
 * Fits `scaler` on the training split only, then transforms every split with the training
 * statistics: validation and test never leak into what the model is normalised by.
 *
 * @example
 *   const scaled = scaleSplits(new MinMaxScaler(), { train, validation, test });
 */
export function scaleSplits<
  T extends ScalerInput,
  S extends { train: T; validation?: T; test?: T },
>(scaler: AffineScaler, splits: S): S {
  const out = { ...splits };
  out.train = scaler.fitTransform(splits.train);
  if (splits.validation !== undefined) out.validation = scaler.transform(splits.validation);
  if (splits.test !== undefined) out.test = scaler.transform(splits.test);
  return out;
}

/** Per-statistic coefficients of `y = (x - center) * mult + add`. */
export interface Coefficients {
  center: Float64Array;
  mult: Float64Array;
  add: Float64Array;
}

/**
 * The scaler machinery: fit checks the data and computes statistics per group; transform
 * applies the fitted affine map. Subclasses say which statistics and which map.
 */
export abstract class AffineScaler {
  readonly axis: ScaleAxis;
  readonly channels: number | null;
  /** Values per sample seen in fit, or null before fit. */
  protected sampleSize: number | null = null;
  /** Samples seen in fit. */
  protected samplesSeen = 0;
  private coefficients: Coefficients | null = null;
  private index: Int32Array | null = null;

  protected abstract readonly kind: string;

  constructor(options: ScalerOptions, who: string) {
    const { axis, channels } = checkScalerOptions(options, who);
    this.axis = axis;
    this.channels = channels;
  }

  /** Learns the statistics of finite data, group by group. */
  protected abstract learn(flat: FlatSamples, index: Int32Array, groups: number): void;
  /** The affine map the learnt (or restored) statistics give. */
  protected abstract map(): Coefficients;
  /** The JSON form of the fitted statistics. */
  abstract toJSON(): object;

  /** True once fit (or fromJSON) has run. */
  get fitted(): boolean {
    return this.coefficients !== null;
  }

  /** Learns the statistics from the training data; NaN or infinity is a DataError naming where. */
  fit(train: ScalerInput): this {
    const field = `${this.kind}.fit`;
    const flat = flatten(train, field);
    const { data, count, size } = flat;
    for (let i = 0, p = 0; i < count; i++) {
      for (let j = 0; j < size; j++, p++) {
        if (!Number.isFinite(data[p])) throw notFinite(field, i, j, data[p]);
      }
    }
    const { groups, index } = groupIndex(this.axis, this.channels, size, this.kind);
    this.learn(flat, index, groups);
    this.coefficients = this.map();
    this.index = index;
    this.sampleSize = size;
    this.samplesSeen = count;
    return this;
  }

  /** Scales `x` (any split) with the fitted statistics; returns the same kind of input. */
  transform<T extends ScalerInput>(x: T): T {
    const { flat, c } = this.prepare(x, 'transform');
    return affine(x, flat, this.index!, c.center, c.mult, c.add);
  }

  /** Undoes `transform`. */
  inverseTransform<T extends ScalerInput>(x: T): T {
    const { flat, c } = this.prepare(x, 'inverseTransform');
    const inv = c.mult.map((m) => 1 / m);
    return affine(x, flat, this.index!, c.add, inv, c.center);
  }

  /** `fit(train)` then `transform(train)`. */
  fitTransform<T extends ScalerInput>(train: T): T {
    return this.fit(train).transform(train);
  }

  /** Marks statistics set by fromJSON as fitted, for samples of `size` values. */
  protected restore(size: number, samples: number, groups: number): void {
    const { groups: expected, index } = groupIndex(this.axis, this.channels, size, this.kind);
    if (expected !== groups) {
      throw new ConfigError(
        `${this.kind}.fromJSON: statistics`,
        `${expected} values each (axis ${this.axis}, sampleSize ${size})`,
        groups,
      );
    }
    this.sampleSize = size;
    this.samplesSeen = samples;
    this.index = index;
    this.coefficients = this.map();
  }

  /** Throws unless fitted; `method` names the call in the message. */
  protected requireFitted(method: string): Coefficients {
    if (!this.coefficients) {
      throw new ConfigError(
        `${this.kind}.${method}`,
        'a fitted scaler (call fit(train) first)',
        'not fitted',
      );
    }
    return this.coefficients;
  }

  private prepare(x: ScalerInput, method: string): { flat: FlatSamples; c: Coefficients } {
    const field = `${this.kind}.${method}`;
    const c = this.requireFitted(method);
    const flat = flatten(x, field);
    if (flat.size !== this.sampleSize) {
      throw new DataError(
        field,
        `expected samples of ${this.sampleSize} values, as in fit, got ${flat.size}`,
      );
    }
    return { flat, c };
  }
}
