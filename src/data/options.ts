/**
 * The options of every data source and data step, declared once (zod, no image decoding
 * loaded): `openSource` and the resamplers parse with these, and the study schema composes
 * them, so `chanels: 1` under `data.options` is refused by `tunebook validate` (with the key
 * it was meant to be) instead of being silently ignored.
 *
 * Which options a source takes depends on what its string names (`sourceKind`): the
 * bundled digits, synthetic signals, a .csv or .npy file, or else an image folder.
 *
 * @example
 *   parseOptions(SOURCE_OPTIONS.folder, { channels: 3 }, 'data.options');
 */
import { extname } from 'node:path';
import { z } from 'zod';
import { bool, int, num, oneOf, record, text } from '../core/validation.js';

/** Channel counts an image can be read with: grey or RGB. */
export const IMAGE_CHANNEL_MODES = [1, 3] as const;
export const UNSUPPORTED_FILE_POLICIES = ['ignore', 'error'] as const;
export const CSV_HEADER_MODES = [true, false, 'auto'] as const;
export const SIGNAL_FAMILIES = [
  'sine',
  'square',
  'sawtooth',
  'triangle',
  'chirp',
  'damped',
] as const;
export const RESAMPLE_METHODS = ['oversample', 'undersample'] as const;

/** Source names that are not paths. */
export const BUILTIN_SOURCES = ['mnist', 'synthetic-signals'] as const;
export const SOURCE_KINDS = ['mnist', 'synthetic-signals', 'csv', 'npy', 'folder'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** What a source string names, by its spelling alone (no file is read). */
export function sourceKind(source: string): SourceKind {
  if (source === 'mnist' || source === 'synthetic-signals') return source;
  const ext = extname(source).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.npy') return 'npy';
  return 'folder';
}

const classNames = z
  .array(text('a class name'), { error: 'a list of class names' })
  .min(1, { error: 'a list of class names' });
const range = z
  .tuple([num(), num()], { error: '[min, max]' })
  .refine((r) => r[0] <= r[1], { error: '[min, max] with min <= max' });

/** `data.options` of each kind of source. */
export const SOURCE_OPTIONS = {
  mnist: record({}),
  'synthetic-signals': record({
    seed: int(0).optional(),
    perClass: int(1).optional(),
    length: int(2).optional(),
    families: z
      .array(oneOf(SIGNAL_FAMILIES), { error: 'a list of signal families' })
      .min(2, { error: 'at least two families' })
      .optional(),
    noise: num(0).optional(),
    offset: num(0).optional(),
    scale: range.optional(),
    cycles: range.optional(),
  }),
  csv: record({
    label: z.union([text(), int(-1_000_000)], { error: 'a column name or index' }).optional(),
    header: z.union([bool(), z.literal('auto')], { error: 'true, false or auto' }).optional(),
    classes: classNames.optional(),
    delimiter: z
      .string({ error: 'one character' })
      .length(1, { error: 'one character' })
      .optional(),
  }),
  npy: record({
    labels: z.union([text(), record({ column: int(-1_000_000) })], {
      error: 'an .npy file of labels or {column: index}',
    }),
    classes: classNames.optional(),
  }),
  folder: record({
    channels: z
      .union([z.literal(1), z.literal(3)], { error: `one of ${IMAGE_CHANNEL_MODES.join(', ')}` })
      .optional(),
    cacheBytes: int(0).optional(),
    unsupported: oneOf(UNSUPPORTED_FILE_POLICIES).optional(),
    probe: bool().optional(),
  }),
} as const satisfies Record<SourceKind, z.ZodType>;

/** Random over- or under-sampling of the training split (`ratio`: minority : majority after). */
export const Resample = z.union(
  [
    oneOf(RESAMPLE_METHODS).transform((method) => ({ method })),
    record({ method: oneOf(RESAMPLE_METHODS), ratio: num(0, 1, { min: true }).optional() }),
  ],
  { error: `one of ${RESAMPLE_METHODS.join(', ')} or {method, ratio}` },
);

/** The resamplers' own options (the method is the function called). */
export const ResampleOptions = record({ ratio: num(0, 1, { min: true }).optional() });

/**
 * How a study's split relates to the trial seed: `fixed` (the default) is one split for every
 * seed, so intervals cover training randomness on that split; `per-seed` draws each trial's
 * split with its own seed, so they also cover which examples landed in the test split.
 */
export const SPLIT_VARY = ['fixed', 'per-seed'] as const;
export type SplitVary = (typeof SPLIT_VARY)[number];

const fraction = num(0, 1, { min: true, max: true });
// `vary` has no default: a study file that does not name it parses (and hashes) as before.
export const Split = record({
  validation: fraction.default(0.1),
  test: fraction.default(0.2),
  vary: oneOf(SPLIT_VARY).optional(),
});

export const Spectrogram = record({
  nFft: int(8, 4096).optional(),
  hop: int(1).optional(),
  scale: oneOf(['log', 'db', 'magnitude'] as const).optional(),
});
