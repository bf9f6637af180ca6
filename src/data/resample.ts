import { Rng } from '../core/rng.js';
import { parseOptions } from '../core/validation.js';
import { checkSeed, indicesByClass } from './by-class.js';
import { ResampleOptions as ResampleOptionsSchema } from './options.js';

export interface ResampleOptions {
  /** Smallest / largest class count after resampling, in (0, 1] (default 1). */
  ratio?: number;
}

/**
 * Every class grown to at least `ceil(ratio * largest)` samples by random repeats.
 *
 * @example
 *   randomOversample(Int32Array.from([0, 0, 0, 1]), 1); // 1 repeated twice: [0, 1, 2, 3, 3, 3]
 */
export function randomOversample(
  labels: Int32Array,
  seed: number,
  options: ResampleOptions = {},
): Int32Array {
  checkSeed(seed);
  const ratio = checkRatio(options.ratio);
  const groups = indicesByClass(labels).filter((g) => g.length > 0);
  const largest = Math.max(0, ...groups.map((g) => g.length));
  const target = Math.ceil(ratio * largest - 1e-9);
  const rng = new Rng(seed).fork('oversample');
  const out = Array.from(labels, (_, i) => i);
  for (const members of groups) {
    const classRng = rng.fork(`class ${labels[members[0]]}`);
    for (let j = members.length; j < target; j++) out.push(members[classRng.int(members.length)]);
  }
  return Int32Array.from(out.sort((a, b) => a - b));
}

/**
 * Every class cut to at most `floor(smallest / ratio)` samples, chosen at random.
 *
 * @example
 *   randomUndersample(Int32Array.from([0, 0, 0, 1]), 1).length; // 2
 */
export function randomUndersample(
  labels: Int32Array,
  seed: number,
  options: ResampleOptions = {},
): Int32Array {
  checkSeed(seed);
  const ratio = checkRatio(options.ratio);
  const groups = indicesByClass(labels).filter((g) => g.length > 0);
  const smallest = Math.min(...groups.map((g) => g.length));
  const target = Math.floor(smallest / ratio + 1e-9);
  const rng = new Rng(seed).fork('undersample');
  const out: number[] = [];
  for (const members of groups) {
    if (members.length <= target) {
      out.push(...members);
      continue;
    }
    const order = rng.fork(`class ${labels[members[0]]}`).permutation(members.length);
    for (let j = 0; j < target; j++) out.push(members[order[j]]);
  }
  return Int32Array.from(out.sort((a, b) => a - b));
}

function checkRatio(ratio: unknown): number {
  return parseOptions(ResampleOptionsSchema, { ratio }, 'resample').ratio ?? 1;
}
