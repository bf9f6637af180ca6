/**
 * The options of every optimiser, declared once (zod, no TensorFlow.js): `makeOptimizer`
 * parses with this, and the study schema composes it, so Adam with `momentum` is refused by
 * `tunebook validate`, not inside a trial.
 *
 * @example
 *   parseOptions(OptimizerOptions, { name: 'sgd', momentum: 0.9 }, 'optimizer');
 */
import { z } from 'zod';
import { bool, num, record } from '../core/validation.js';
import { OPTIMIZER_NAMES, type OptimizerName } from './names.js';

const lr = num(0, 10, { min: true }).meta({ description: 'learning rate' });
const unit = num(0, 1, { max: true });
const weightDecay = num(0);
const adamish = {
  lr: lr.optional(),
  weightDecay: weightDecay.optional(),
  beta1: unit.optional(),
  beta2: unit.optional(),
  epsilon: num(0, 1, { min: true }).optional(),
};

/** Each optimiser's own options (see optimizers.ts for their semantics and defaults). */
export const OPTIMIZER_OPTIONS = {
  adam: record({ name: z.literal('adam'), ...adamish }),
  adamw: record({ name: z.literal('adamw'), ...adamish }),
  sgd: record({
    name: z.literal('sgd'),
    lr: lr.optional(),
    momentum: unit.optional(),
    nesterov: bool().optional(),
    weightDecay: weightDecay.optional(),
  }).superRefine((o, ctx) => {
    // PyTorch refuses this too: Nesterov without momentum is plain SGD in disguise.
    if (o.nesterov && !o.momentum) {
      ctx.addIssue({
        code: 'custom',
        path: ['momentum'],
        message: 'a momentum > 0 with nesterov: true',
      });
    }
  }),
} as const satisfies Record<OptimizerName, z.ZodType>;

export const OptimizerOptions = z.discriminatedUnion(
  'name',
  [OPTIMIZER_OPTIONS.adam, OPTIMIZER_OPTIONS.adamw, OPTIMIZER_OPTIONS.sgd],
  {
    // A bad name is blamed on `name`; anything but a mapping on the setting itself.
    error: (issue) =>
      issue.input !== null && typeof issue.input === 'object'
        ? `one of ${OPTIMIZER_NAMES.join(', ')}`
        : `a mapping {name, ...} with name one of ${OPTIMIZER_NAMES.join(', ')}`,
  },
);

export type OptimizerSpec = z.input<typeof OptimizerOptions>;

/**
 * An optimizer with a patch applied: what the patch leaves out keeps the base's, except
 * that a patch naming another optimizer drops the base settings that one does not take
 * (sgd's `momentum` when switching to adam), which it would refuse.
 *
 * @example
 *   patchOptimizer({ name: 'sgd', lr: 0.01, momentum: 0.9 }, { name: 'adam' });
 *   // { name: 'adam', lr: 0.01 }
 */
export function patchOptimizer(
  base: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const name = patch.name ?? base.name;
  const takes =
    typeof name === 'string' && Object.hasOwn(OPTIMIZER_OPTIONS, name)
      ? Object.keys(OPTIMIZER_OPTIONS[name as OptimizerName].shape)
      : null;
  const kept =
    takes && name !== base.name
      ? Object.fromEntries(Object.entries(base).filter(([k]) => takes.includes(k)))
      : base;
  return { ...kept, ...patch };
}
