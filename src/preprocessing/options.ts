/**
 * The data preprocessing a study can switch on (`data.preprocessing`, the `normalize`
 * measure), declared once with zod: a scaler fitted on the training split, or histogram
 * equalisation / CLAHE.
 *
 * @example
 *   parseOptions(Normalize, { method: 'clahe', clipLimit: 2 }, 'data.preprocessing');
 */
import { z } from 'zod';
import { int, num, oneOf, record } from '../core/validation.js';
import { NAMED_STATS } from './named-stats.js';

export const NORMALIZE_METHODS = ['standard', 'minmax', 'equalize', 'clahe'] as const;
/** Fitted on the training split per channel, globally or per feature; or `sample`: each sample by its own statistics (the seed's std() of one 1-D signal), nothing fitted. */
export const SCALER_AXES = ['channel', 'global', 'feature', 'sample'] as const;

const Method = record({
  method: oneOf(NORMALIZE_METHODS),
  axis: oneOf(SCALER_AXES).optional(),
  /** Published statistics instead of ones fitted on the training split (standard only). */
  stats: oneOf(NAMED_STATS).optional(),
  clipLimit: num(0).optional(),
  tileGrid: z.tuple([int(1, 64), int(1, 64)], { error: 'two integers [rows, columns]' }).optional(),
}).superRefine((n, ctx) => {
  // A scaler's axis means nothing to equalisation, and CLAHE's tiles nothing to a scaler.
  const scaler = n.method === 'standard' || n.method === 'minmax';
  const wrong = scaler
    ? (['clipLimit', 'tileGrid'] as const).filter((k) => n[k] !== undefined)
    : n.method === 'equalize'
      ? (['axis', 'clipLimit', 'tileGrid'] as const).filter((k) => n[k] !== undefined)
      : (['axis'] as const).filter((k) => n[k] !== undefined);
  for (const key of wrong) {
    ctx.addIssue({ code: 'custom', path: [key], message: `nothing for method ${n.method}` });
  }
  if (n.stats !== undefined && n.method !== 'standard')
    ctx.addIssue({ code: 'custom', path: ['stats'], message: 'stats with method standard only' });
});

export const Normalize = z.union(
  [
    // `imagenet`: standardise with torchvision's ImageNet mean/std (for pretrained weights).
    z
      .literal(NAMED_STATS[0])
      .transform((stats) => ({ method: 'standard' as const, stats })),
    oneOf(NORMALIZE_METHODS).transform((method) => ({ method })),
    Method,
  ],
  { error: `one of ${NORMALIZE_METHODS.join(', ')}, imagenet, or {method, ...}` },
);
