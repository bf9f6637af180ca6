/**
 * Training settings other than the optimiser and the schedule, declared once (zod, no
 * TensorFlow.js): class weights, early stopping and the multi-task heads of a study.
 *
 * @example
 *   parseOptions(ClassWeights, 'balanced', 'training.classWeights');
 */
import { z } from 'zod';
import { bool, int, num, oneOf, record, text } from '../core/validation.js';
import { uniqueHeadNames } from '../models/options.js';
import { CLASS_WEIGHT_STRATEGIES, MONITORS, TASK_TARGETS } from './names.js';

/** The effective-number strategy with its beta (default 0.999, see class-weights.ts). */
export const EffectiveWeights = record({
  strategy: z.literal('effective', { error: '"effective" (the strategy that takes a beta)' }),
  beta: num(0, 1, { max: true }).optional(),
});

export const ClassWeights = z.union(
  [
    oneOf(CLASS_WEIGHT_STRATEGIES),
    z
      .array(num(0), { error: 'a list of non-negative numbers, one per class' })
      .min(1)
      .refine((w) => w.some((v) => v > 0), { error: 'at least one weight > 0' }),
    EffectiveWeights,
  ],
  {
    error: `one of ${CLASS_WEIGHT_STRATEGIES.join(', ')}, a list of weights, or {strategy: effective, beta}`,
  },
);

export const EarlyStopping = record({
  monitor: oneOf(MONITORS).default('val_loss'),
  patience: int(1).default(3),
  minDelta: num(0).optional(),
  restoreBest: bool().default(true),
});

/** Extra heads of a study: each predicts a target derived from the class (`taskHead`). */
export const MultiTask = z
  .array(
    record({
      name: text().regex(/^[A-Za-z][\w-]*$/, { error: 'a name of letters, digits, - and _' }),
      target: oneOf(TASK_TARGETS),
      weight: num(0).default(0.5),
    }),
    { error: 'a list of heads {name, target, weight}' },
  )
  .min(1, { error: 'at least one head' })
  .superRefine(uniqueHeadNames);

export const LabelSmoothing = num(0, 1, { max: true });
