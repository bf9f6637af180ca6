/**
 * The options of every learning-rate schedule, declared once (zod, no TensorFlow.js):
 * `makeSchedule` parses with this, and the study schema composes it, so `tunebook validate`
 * refuses what a trial would (`milestones: [0]`, `warmup.epochs: 0`, `tMult: 1.5`) and
 * takes what training takes (plateau's `cooldown`). Only what depends on the run (a warmup
 * shorter than the run, a floor below the base rate) is left to `makeSchedule`.
 *
 * @example
 *   parseOptions(ScheduleOptions, { name: 'step', stepSize: 8, gamma: 0.4 }, 'schedule');
 */
import { z } from 'zod';
import { int, num, oneOf, record } from '../core/validation.js';
import { SCHEDULE_NAMES, type ScheduleName } from './names.js';

export const SCHEDULE_UNITS = ['epoch', 'step'] as const;
export const PLATEAU_MODES = ['min', 'max'] as const;
export const THRESHOLD_MODES = ['rel', 'abs'] as const;

const factor = num(0, undefined, { min: true }).meta({ description: 'a decay factor > 0' });
const rate = num(0);

export const Warmup = record({
  epochs: int(1).optional(),
  steps: int(1).optional(),
  // PyTorch's LinearLR refuses 0 too (and its default is 1/3).
  startFactor: num(0, 1, { min: true }).optional(),
}).superRefine((w, ctx) => {
  if ((w.epochs === undefined) === (w.steps === undefined)) {
    ctx.addIssue({ code: 'custom', path: [], message: 'either epochs or steps' });
  }
});

/** What every schedule takes besides its own options. */
const common = <N extends ScheduleName>(name: N) => ({
  name: z.literal(name),
  per: oneOf(SCHEDULE_UNITS).optional(),
  warmup: Warmup.optional(),
});

const restarts = z.union([z.boolean(), record({ tMult: int(1).optional() })], {
  error: 'true, false or {tMult}',
});

/** Each schedule's own options (see schedules.ts for what they mean). */
export const SCHEDULE_OPTIONS = {
  constant: record({ ...common('constant') }),
  step: record({ ...common('step'), stepSize: int(1), gamma: factor.optional() }),
  multistep: record({
    ...common('multistep'),
    milestones: z.array(int(1), { error: 'a list of integers >= 1' }),
    gamma: factor.optional(),
  }).superRefine((s, ctx) => {
    const m = s.milestones;
    if (m.length === 0 || m.some((v, i) => i > 0 && v <= m[i - 1])) {
      const unit = s.per === 'step' ? 'steps' : 'epochs';
      ctx.addIssue({
        code: 'custom',
        path: ['milestones'],
        message: `a strictly increasing list of ${unit} (integers >= 1)`,
      });
    }
  }),
  // gamma > 1 is allowed: a growing rate is what the LR range test sweeps.
  exponential: record({ ...common('exponential'), gamma: factor }),
  cosine: record({
    ...common('cosine'),
    tMax: int(1).optional(),
    restarts: restarts.optional(),
    minLr: rate.optional(),
  }).superRefine((s, ctx) => {
    // Without an explicit first period the default (the whole run) would never restart.
    if (s.restarts !== undefined && s.restarts !== false && s.tMax === undefined) {
      ctx.addIssue({ code: 'custom', path: ['tMax'], message: 'an integer >= 1 with restarts' });
    }
  }),
  onecycle: record({
    ...common('onecycle'),
    maxLr: num(0, undefined, { min: true }).optional(),
    pctStart: num(0, 1, { min: true, max: true }).optional(),
    divFactor: num(0, undefined, { min: true }).optional(),
    finalDivFactor: num(0, undefined, { min: true }).optional(),
  }),
  plateau: record({
    ...common('plateau'),
    patience: int(0).optional(),
    factor: num(0, 1, { min: true, max: true }).optional(),
    mode: oneOf(PLATEAU_MODES).optional(),
    threshold: num(0).optional(),
    thresholdMode: oneOf(THRESHOLD_MODES).optional(),
    cooldown: int(0).optional(),
    minLr: rate.optional(),
  }),
} as const satisfies Record<ScheduleName, z.ZodType>;

/** Rules across options that every schedule shares. */
function crossChecks(
  s: { name: ScheduleName; per?: string; warmup?: object },
  ctx: z.RefinementCtx,
) {
  const per = s.per ?? (s.name === 'onecycle' ? 'step' : 'epoch');
  if (s.name === 'plateau' && per !== 'epoch') {
    ctx.addIssue({
      code: 'custom',
      path: ['per'],
      message: '"epoch" for plateau (it reduces on epoch metrics)',
    });
  }
  const w = s.warmup as { steps?: number } | undefined;
  if (w && s.name === 'onecycle') {
    ctx.addIssue({
      code: 'custom',
      path: ['warmup'],
      message: 'no warmup for onecycle (its first phase is the warmup)',
    });
  } else if (w?.steps !== undefined && per === 'epoch') {
    // A schedule asked once per epoch cannot ramp within one; say how to get that.
    ctx.addIssue({
      code: 'custom',
      path: ['warmup', 'steps'],
      message: 'warmup in epochs for a schedule per epoch (or per: "step")',
    });
  }
}

/** A schedule: its name picks which options it takes. */
export const ScheduleOptions = z
  .discriminatedUnion(
    'name',
    [
      SCHEDULE_OPTIONS.constant,
      SCHEDULE_OPTIONS.step,
      SCHEDULE_OPTIONS.multistep,
      SCHEDULE_OPTIONS.exponential,
      SCHEDULE_OPTIONS.cosine,
      SCHEDULE_OPTIONS.onecycle,
      SCHEDULE_OPTIONS.plateau,
    ],
    {
      // A bad name is blamed on `name`; anything but a mapping on the setting itself.
      error: (issue) =>
        issue.input !== null && typeof issue.input === 'object'
          ? `one of ${SCHEDULE_NAMES.join(', ')}`
          : `a mapping {name, ...} with name one of ${SCHEDULE_NAMES.join(', ')}`,
    },
  )
  .superRefine(crossChecks);

export type ScheduleSpec = z.input<typeof ScheduleOptions>;
export type ParsedSchedule = z.output<typeof ScheduleOptions>;
