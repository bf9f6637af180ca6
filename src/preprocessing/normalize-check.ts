/**
 * Compares a configured `normalize(mean, std)` with the statistics measured on the data, so
 * copied constants (ImageNet's on other data, or the seed's typo std 0.2225 for 0.225) are
 * caught before training.
 *
 * The test is on what the data would look like after normalising: channel `c` would have
 * mean `(measured.mean - mean) / std` and std `measured.std / std`. A mismatch is reported when
 * that mean is further than `tolerance` from 0 or that std further than `tolerance` from 1
 * (default 0.01: the seed's typo is 1.1% off, so it is caught).
 *
 * @example
 *   const issues = compareNormalize(stats, { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.2225] });
 *   issues.map(describeMismatch); // ['normalize std[2]: configured 0.2225, measured 0.2250 ...']
 */
import { ConfigError } from '../core/errors.js';

export interface NormalizeConfig {
  mean: readonly number[];
  std: readonly number[];
}

export interface NormalizeMismatch {
  channel: number;
  field: 'mean' | 'std';
  configured: number;
  measured: number;
  /** The normalised channel's mean (for 'mean') or std (for 'std'). */
  normalised: number;
}

/** Default allowed deviation of the normalised mean from 0 and std from 1. */
export const DEFAULT_NORMALIZE_TOLERANCE = 0.01;

/**
 * The configured values, one per channel (a single value applies to every channel, as
 * torchvision broadcasts it); `fields` name where they came from in messages.
 */
export function checkNormalizeConfig(
  config: NormalizeConfig,
  channels: number,
  fields: { mean: string; std: string } = { mean: 'normalize.mean', std: 'normalize.std' },
): NormalizeConfig {
  const expand = (values: readonly number[], field: string, positive: boolean): number[] => {
    if (values.length !== 1 && values.length !== channels) {
      throw new ConfigError(
        field,
        `${channels} value(s), one per channel of the data (or 1 for all)`,
        values,
      );
    }
    values.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || (positive && v <= 0)) {
        throw new ConfigError(`${field}[${i}]`, positive ? 'a number > 0' : 'a finite number', v);
      }
    });
    return values.length === channels ? [...values] : new Array(channels).fill(values[0]);
  };
  return {
    mean: expand(config.mean, fields.mean, false),
    std: expand(config.std, fields.std, true),
  };
}

/** The channels where `config` would not normalise the data to mean 0 and std 1. */
export function compareNormalize(
  measured: { mean: readonly number[]; std: readonly number[] },
  config: NormalizeConfig,
  tolerance = DEFAULT_NORMALIZE_TOLERANCE,
): NormalizeMismatch[] {
  const { mean, std } = checkNormalizeConfig(config, measured.mean.length);
  const out: NormalizeMismatch[] = [];
  for (let c = 0; c < measured.mean.length; c++) {
    const normalisedMean = (measured.mean[c] - mean[c]) / std[c];
    if (Math.abs(normalisedMean) > tolerance) {
      out.push({
        channel: c,
        field: 'mean',
        configured: mean[c],
        measured: measured.mean[c],
        normalised: normalisedMean,
      });
    }
    const normalisedStd = measured.std[c] / std[c];
    if (Math.abs(normalisedStd - 1) > tolerance) {
      out.push({
        channel: c,
        field: 'std',
        configured: std[c],
        measured: measured.std[c],
        normalised: normalisedStd,
      });
    }
  }
  return out;
}

/** One line for a mismatch, naming channel, configured and measured value. */
export function describeMismatch(m: NormalizeMismatch): string {
  const target = m.field === 'mean' ? 0 : 1;
  return (
    `normalize ${m.field}[${m.channel}]: configured ${m.configured}, measured ${m.measured.toFixed(4)}` +
    ` (channel ${m.channel} would be normalised to ${m.field} ${m.normalised.toFixed(3)}, not ${target})`
  );
}

const NORMALIZE_NAMES = ['normalize', 'Normalize'] as const;

/**
 * Finds the normalize step in a parsed pipeline file, whichever way it is written: a key
 * `normalize: {mean, std}`, or a step object `{type|name|transform: normalize, mean, std}`
 * (`Normalize` too), at any depth. Returns null when there is none.
 *
 * @example
 *   findNormalize(YAML.parse('steps:\n  - normalize: {mean: [0.5], std: [0.25]}'));
 *   // { mean: [0.5], std: [0.25] }
 */
export function findNormalize(doc: unknown): { mean: unknown; std: unknown } | null {
  if (Array.isArray(doc)) {
    for (const item of doc) {
      const found = findNormalize(item);
      if (found) return found;
    }
    return null;
  }
  if (typeof doc !== 'object' || doc === null) return null;
  const obj = doc as Record<string, unknown>;
  const isStep = ['type', 'name', 'transform', 'op'].some((k) =>
    (NORMALIZE_NAMES as readonly unknown[]).includes(obj[k]),
  );
  if (isStep && 'mean' in obj && 'std' in obj) return { mean: obj.mean, std: obj.std };
  for (const name of NORMALIZE_NAMES) {
    const inner = obj[name];
    if (typeof inner === 'object' && inner !== null && 'mean' in inner && 'std' in inner) {
      const { mean, std } = inner as { mean: unknown; std: unknown };
      return { mean, std };
    }
  }
  for (const value of Object.values(obj)) {
    const found = findNormalize(value);
    if (found) return found;
  }
  return null;
}
