/**
 * Learning-rate schedules. tfjs has no scheduler hook, so the training loop asks the schedule
 * for the rate and sets it on the optimiser (`setLearningRate`) before each epoch or step.
 *
 * Every schedule but `plateau` is a pure function of time; `plateau` also depends on the
 * validation metrics it has observed, and can save and restore that state so that a resumed
 * run continues identically. Each one follows its PyTorch namesake (tested against PyTorch
 * 1.13 in test/fixtures/training):
 *
 * | name | rate at time t (base = the optimiser's lr) | PyTorch |
 * | --- | --- | --- |
 * | `constant` | base | — |
 * | `step` | base * gamma^floor(t / stepSize) | `StepLR` |
 * | `multistep` | base * gamma^(milestones <= t) | `MultiStepLR` |
 * | `exponential` | base * gamma^t | `ExponentialLR` |
 * | `cosine` | minLr + (base - minLr) (1 + cos(pi t / tMax)) / 2, minLr after tMax | `CosineAnnealingLR` |
 * | `cosine` + `restarts` | the same over periods tMax, tMax*tMult, ... (SGDR) | `CosineAnnealingWarmRestarts` |
 * | `onecycle` | cos up from maxLr/25 to maxLr over 30%, down to maxLr/25/1e4 | `OneCycleLR` (lr only) |
 * | `plateau` | times `factor` after `patience` epochs without improvement | `ReduceLROnPlateau` |
 *
 * Time t counts epochs when `per` is 'epoch' (the default; `onecycle` defaults to 'step'),
 * else optimiser steps from the start of training; all lengths (stepSize, milestones, tMax,
 * warmup) are in that unit. A linear `warmup` may go in front of any schedule but `onecycle`
 * (which has its own): for t < W the rate is base * (startFactor + (1 - startFactor) t / W),
 * then the schedule runs with its clock starting at 0, as PyTorch's `SequentialLR` of
 * `LinearLR` and the schedule does. A cosine's tMax defaults to the run's length after warmup.
 */
import { ConfigError } from '../core/errors.js';
import { SCHEDULE_NAMES, type ScheduleName } from './names.js';

export { SCHEDULE_NAMES, type ScheduleName };
export const SCHEDULE_UNITS = ['epoch', 'step'] as const;
export const PLATEAU_MODES = ['min', 'max'] as const;
export const THRESHOLD_MODES = ['rel', 'abs'] as const;

export interface ScheduleSpec {
  name: ScheduleName;
  /** The time unit: 'epoch' (default) or 'step' (default for onecycle). */
  per?: (typeof SCHEDULE_UNITS)[number];
  /** step: decay every stepSize units. */
  stepSize?: number;
  /** step, multistep (default 0.1), exponential (required): the decay factor. */
  gamma?: number;
  /** multistep: strictly increasing times at which the rate is multiplied by gamma. */
  milestones?: number[];
  /** cosine: the half period (the first period with restarts); default the run's length. */
  tMax?: number;
  /** cosine: warm restarts every tMax units (tMult: each period that many times longer). */
  restarts?: boolean | { tMult?: number };
  /** cosine: the floor (default 0); plateau: the lowest rate (default 0). */
  minLr?: number;
  /** onecycle: the peak rate; default the optimiser's lr. */
  maxLr?: number;
  /** onecycle: the rising share of the cycle, default 0.3. */
  pctStart?: number;
  /** onecycle: the start rate is maxLr / divFactor (default 25). */
  divFactor?: number;
  /** onecycle: the final rate is maxLr / divFactor / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** plateau: epochs without improvement to wait before reducing (default 10). */
  patience?: number;
  /** plateau: the multiplier of a reduction, in (0, 1) (default 0.1). */
  factor?: number;
  /** plateau: whether the observed metric should go down ('min', default) or up. */
  mode?: (typeof PLATEAU_MODES)[number];
  /** plateau: the least change that counts as improvement (default 1e-4). */
  threshold?: number;
  /** plateau: 'rel' (default): better than best * (1 -+ threshold); 'abs': best -+ threshold. */
  thresholdMode?: (typeof THRESHOLD_MODES)[number];
  /** plateau: epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** A linear ramp in front: over `epochs` or `steps` (steps need per 'step'), from startFactor * lr. */
  warmup?: { epochs?: number; steps?: number; startFactor?: number };
}

export interface Schedule {
  /** Whether the rate changes per epoch (ask once per epoch) or per step (ask every step). */
  readonly per: 'epoch' | 'step';
  /**
   * The rate for epoch `epoch` (from 0) and optimiser step `step` (from 0, counted from the
   * start of training, not of the epoch). Schedules per epoch ignore `step`, those per step
   * ignore `epoch`.
   */
  rate(epoch: number, step: number): number;
  /** plateau: the monitored validation metric, once per epoch after validation. */
  observe?(metric: number): void;
  /** plateau: its state as plain JSON data (for checkpoints). */
  state?(): unknown;
  /** plateau: continues from a `state()`. */
  restore?(state: unknown): void;
}

/** Options each schedule takes, besides name, per and warmup. */
const OPTIONS: Record<ScheduleName, readonly (keyof ScheduleSpec)[]> = {
  constant: [],
  step: ['stepSize', 'gamma'],
  multistep: ['milestones', 'gamma'],
  exponential: ['gamma'],
  cosine: ['tMax', 'restarts', 'minLr'],
  onecycle: ['maxLr', 'pctStart', 'divFactor', 'finalDivFactor'],
  plateau: ['patience', 'factor', 'mode', 'threshold', 'thresholdMode', 'cooldown', 'minLr'],
};

/**
 * A schedule from its spec, the base rate (the optimiser's lr) and the run's length.
 * `field` names the setting in error messages.
 *
 * @example
 *   // the seed's lr = 1e-4 * 0.4 ** (epoch // 8)
 *   const s = makeSchedule({ name: 'step', stepSize: 8, gamma: 0.4 }, 1e-4, { epochs: 30, stepsPerEpoch: 100 });
 *   s.rate(17, 0); // 1.6e-5
 *   const c = makeSchedule({ name: 'cosine', warmup: { epochs: 2 } }, 1e-3, { epochs: 20, stepsPerEpoch: 50 });
 *   const p = makeSchedule({ name: 'plateau', patience: 3, factor: 0.5 }, 1e-3, run);
 *   p.observe!(valLoss); // after each epoch's validation
 */
export function makeSchedule(
  spec: ScheduleSpec,
  baseLr: number,
  run: { epochs: number; stepsPerEpoch: number },
  field = 'schedule',
): Schedule {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new ConfigError(
      field,
      `an object with a name (one of ${SCHEDULE_NAMES.join(', ')})`,
      spec,
    );
  }
  const name = spec.name;
  if (!(SCHEDULE_NAMES as readonly unknown[]).includes(name)) {
    throw new ConfigError(`${field}.name`, `one of ${SCHEDULE_NAMES.join(', ')}`, name);
  }
  if (typeof baseLr !== 'number' || !Number.isFinite(baseLr) || baseLr <= 0) {
    throw new ConfigError('lr', 'a learning rate > 0', baseLr);
  }
  if (run === null || typeof run !== 'object')
    throw new ConfigError('run', 'epochs and stepsPerEpoch', run);
  positiveInt('epochs', run.epochs);
  positiveInt('stepsPerEpoch', run.stepsPerEpoch);
  for (const [key, value] of Object.entries(spec)) {
    if (value === undefined || key === 'name' || key === 'per' || key === 'warmup') continue;
    if (!(OPTIONS[name] as readonly string[]).includes(key)) {
      const takes =
        OPTIONS[name].length > 0 ? `it takes ${OPTIONS[name].join(', ')}` : 'it takes none';
      throw new ConfigError(
        `${field}.${key}`,
        `no ${key} for schedule "${name}" (${takes})`,
        value,
      );
    }
  }

  const per = spec.per ?? (name === 'onecycle' ? 'step' : 'epoch');
  if (!(SCHEDULE_UNITS as readonly unknown[]).includes(per)) {
    throw new ConfigError(`${field}.per`, `one of ${SCHEDULE_UNITS.join(', ')}`, per);
  }
  if (name === 'plateau' && per !== 'epoch') {
    throw new ConfigError(`${field}.per`, '"epoch" for plateau (it reduces on epoch metrics)', per);
  }
  const total = per === 'epoch' ? run.epochs : run.epochs * run.stepsPerEpoch;
  const unit = per === 'epoch' ? 'epochs' : 'steps';

  const warm = warmupOf(spec, name, per, run, total, field);
  const span = total - warm.length;
  const opt = new Options(spec, field);
  const main = mainRate(name, opt, baseLr, span, unit, field);
  const rateAt = (t: number) =>
    t < warm.length ? warm.factor(t) * main.at(0) : main.at(t - warm.length);

  const schedule: Schedule = {
    per,
    rate(epoch: number, step: number): number {
      const t = per === 'epoch' ? epoch : step;
      if (!Number.isInteger(t) || t < 0) {
        throw new ConfigError(per, 'an integer >= 0', t);
      }
      return rateAt(t);
    },
  };
  if (main.plateau) {
    const plateau = main.plateau;
    schedule.observe = (metric: number) => plateau.observe(metric);
    schedule.state = () => plateau.state();
    schedule.restore = (state: unknown) => plateau.restore(state, field);
  }
  return schedule;
}

/**
 * The rates of a pure schedule at every unit of the run: one per epoch, or one per step.
 *
 * @example
 *   sampleRates(makeSchedule({ name: 'cosine' }, 1e-3, run), run); // run.epochs values
 */
export function sampleRates(
  schedule: Schedule,
  run: { epochs: number; stepsPerEpoch: number },
): number[] {
  const out: number[] = [];
  if (schedule.per === 'epoch') {
    for (let e = 0; e < run.epochs; e++) out.push(schedule.rate(e, e * run.stepsPerEpoch));
  } else {
    for (let s = 0; s < run.epochs * run.stepsPerEpoch; s++) {
      out.push(schedule.rate(Math.floor(s / run.stepsPerEpoch), s));
    }
  }
  return out;
}

function positiveInt(field: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new ConfigError(field, 'an integer >= 1', value);
  }
  return value as number;
}

/** Reads and checks one spec option at a time, naming it in errors. */
class Options {
  constructor(
    private readonly spec: ScheduleSpec,
    private readonly field: string,
  ) {}

  number(
    key: keyof ScheduleSpec,
    fallback: number | undefined,
    ok: (v: number) => boolean,
    expected: string,
  ): number {
    const value = this.spec[key];
    if (value === undefined) {
      if (fallback === undefined) throw new ConfigError(`${this.field}.${key}`, expected, value);
      return fallback;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
      throw new ConfigError(`${this.field}.${key}`, expected, value);
    }
    return value;
  }

  int(key: keyof ScheduleSpec, fallback: number | undefined, min: number): number {
    return this.number(
      key,
      fallback,
      (v) => Number.isInteger(v) && v >= min,
      `an integer >= ${min}`,
    );
  }

  choice<T extends string>(key: keyof ScheduleSpec, allowed: readonly T[], fallback: T): T {
    const value = this.spec[key] ?? fallback;
    if (!(allowed as readonly unknown[]).includes(value)) {
      throw new ConfigError(`${this.field}.${key}`, `one of ${allowed.join(', ')}`, value);
    }
    return value as T;
  }

  raw(key: keyof ScheduleSpec): unknown {
    return this.spec[key];
  }
}

interface Warmup {
  length: number;
  factor(t: number): number;
}

function warmupOf(
  spec: ScheduleSpec,
  name: ScheduleName,
  per: 'epoch' | 'step',
  run: { epochs: number; stepsPerEpoch: number },
  total: number,
  field: string,
): Warmup {
  const w = spec.warmup;
  if (w === undefined || w === null) return { length: 0, factor: () => 1 };
  const f = `${field}.warmup`;
  if (typeof w !== 'object' || Array.isArray(w)) {
    throw new ConfigError(f, 'an object with epochs or steps (and optionally startFactor)', w);
  }
  if (name === 'onecycle') {
    throw new ConfigError(f, 'no warmup for onecycle (its first phase is the warmup)', w);
  }
  for (const [key, value] of Object.entries(w)) {
    if (value !== undefined && !['epochs', 'steps', 'startFactor'].includes(key)) {
      throw new ConfigError(`${f}.${key}`, 'no such option (epochs, steps, startFactor)', value);
    }
  }
  if ((w.epochs === undefined) === (w.steps === undefined)) {
    throw new ConfigError(f, 'either epochs or steps', w);
  }
  let length: number;
  if (w.epochs !== undefined) {
    length = positiveInt(`${f}.epochs`, w.epochs) * (per === 'step' ? run.stepsPerEpoch : 1);
  } else {
    if (per === 'epoch') {
      // A schedule asked once per epoch cannot ramp within one; say how to get that.
      throw new ConfigError(
        `${f}.steps`,
        'warmup in epochs for a schedule per epoch (or per: "step")',
        w.steps,
      );
    }
    length = positiveInt(`${f}.steps`, w.steps);
  }
  if (length >= total) {
    throw new ConfigError(f, `a warmup shorter than the run (${total} ${per}s)`, w);
  }
  const start = w.startFactor ?? 1 / 3;
  if (typeof start !== 'number' || !(start > 0 && start <= 1)) {
    // PyTorch's LinearLR refuses 0 too (and its default is 1/3).
    throw new ConfigError(`${f}.startFactor`, 'a number in (0, 1]', w.startFactor);
  }
  return { length, factor: (t) => start + ((1 - start) * t) / length };
}

interface MainRate {
  /** The rate at time u since the warmup ended. */
  at(u: number): number;
  plateau?: Plateau;
}

function mainRate(
  name: ScheduleName,
  opt: Options,
  base: number,
  span: number,
  unit: string,
  field: string,
): MainRate {
  switch (name) {
    case 'constant':
      return { at: () => base };
    case 'step': {
      const size = opt.int('stepSize', undefined, 1);
      const gamma = opt.number('gamma', 0.1, (v) => v > 0, 'a factor > 0');
      return { at: (u) => base * gamma ** Math.floor(u / size) };
    }
    case 'multistep': {
      const milestones = opt.raw('milestones');
      if (
        !Array.isArray(milestones) ||
        milestones.length === 0 ||
        milestones.some(
          (m, i) => !Number.isInteger(m) || m < 1 || (i > 0 && m <= milestones[i - 1]),
        )
      ) {
        throw new ConfigError(
          `${field}.milestones`,
          `a strictly increasing list of ${unit} (integers >= 1)`,
          milestones,
        );
      }
      const gamma = opt.number('gamma', 0.1, (v) => v > 0, 'a factor > 0');
      const list = milestones as number[];
      return {
        at: (u) => {
          let passed = 0;
          while (passed < list.length && list[passed] <= u) passed++;
          return base * gamma ** passed;
        },
      };
    }
    case 'exponential': {
      // gamma > 1 is allowed: a growing rate is what the LR range test sweeps.
      const gamma = opt.number('gamma', undefined, (v) => v > 0, 'a factor > 0');
      return { at: (u) => base * gamma ** u };
    }
    case 'cosine':
      return cosine(opt, base, span, field);
    case 'onecycle':
      return onecycle(opt, base, span);
    case 'plateau': {
      const plateau = new Plateau(opt, base);
      return { at: () => plateau.lr, plateau };
    }
  }
}

function cosine(opt: Options, base: number, span: number, field: string): MainRate {
  const minLr = opt.number(
    'minLr',
    0,
    (v) => v >= 0 && v <= base,
    `a rate in [0, ${base}] (the base lr)`,
  );
  const restarts = opt.raw('restarts') ?? false;
  const curve = (tCur: number, tI: number) =>
    minLr + ((base - minLr) * (1 + Math.cos((Math.PI * tCur) / tI))) / 2;
  if (restarts === false) {
    const tMax = opt.int('tMax', span, 1);
    // PyTorch's curve climbs back after tMax; a run longer than tMax stays at the floor here.
    return { at: (u) => (u >= tMax ? minLr : curve(u, tMax)) };
  }
  let tMult = 1;
  if (restarts !== true) {
    if (typeof restarts !== 'object' || Array.isArray(restarts)) {
      throw new ConfigError(`${field}.restarts`, 'true, false or { tMult }', restarts);
    }
    for (const [key, value] of Object.entries(restarts)) {
      if (key !== 'tMult' && value !== undefined) {
        throw new ConfigError(`${field}.restarts.${key}`, 'no such option (tMult)', value);
      }
    }
    const m = (restarts as { tMult?: unknown }).tMult ?? 1;
    if (!Number.isInteger(m) || (m as number) < 1) {
      throw new ConfigError(`${field}.restarts.tMult`, 'an integer >= 1', m);
    }
    tMult = m as number;
  }
  // Without an explicit first period the default (the whole run) would never restart.
  const t0 = opt.int('tMax', undefined, 1);
  return {
    at: (u) => {
      if (tMult === 1) return curve(u % t0, t0);
      // Integer arithmetic, not PyTorch's closed form with a float log, so that restarts
      // fall exactly on period boundaries.
      let tCur = u;
      let tI = t0;
      while (tCur >= tI) {
        tCur -= tI;
        tI *= tMult;
      }
      return curve(tCur, tI);
    },
  };
}

function onecycle(opt: Options, base: number, total: number): MainRate {
  const maxLr = opt.number('maxLr', base, (v) => v > 0, 'a rate > 0');
  const pctStart = opt.number('pctStart', 0.3, (v) => v > 0 && v < 1, 'a number in (0, 1)');
  const divFactor = opt.number('divFactor', 25, (v) => v > 0, 'a number > 0');
  const finalDiv = opt.number('finalDivFactor', 1e4, (v) => v > 0, 'a number > 0');
  const initial = maxLr / divFactor;
  const floor = initial / finalDiv;
  // PyTorch's phase ends (float, as there): the peak is at step pctStart * total - 1.
  const peak = pctStart * total - 1;
  const last = total - 1;
  const anneal = (start: number, end: number, pct: number) => {
    const cosOut = Math.cos(Math.PI * pct) + 1;
    return end + ((start - end) / 2) * cosOut;
  };
  const progress = (u: number, from: number, to: number) =>
    to > from ? Math.min(1, (u - from) / (to - from)) : 1;
  return {
    at: (u) =>
      u <= peak
        ? anneal(initial, maxLr, progress(u, 0, peak))
        : anneal(maxLr, floor, progress(u, peak, last)),
  };
}

interface PlateauState {
  kind: 'plateau';
  lr: number;
  /** null until a metric is observed (JSON cannot hold the initial +-Infinity). */
  best: number | null;
  badEpochs: number;
  cooldownLeft: number;
  observed: number;
}

/** PyTorch's ReduceLROnPlateau, step for step. */
class Plateau {
  lr: number;
  private best: number;
  private badEpochs = 0;
  private cooldownLeft = 0;
  private observed = 0;
  private readonly patience: number;
  private readonly factor: number;
  private readonly mode: 'min' | 'max';
  private readonly threshold: number;
  private readonly thresholdMode: 'rel' | 'abs';
  private readonly cooldown: number;
  private readonly minLr: number;

  constructor(opt: Options, base: number) {
    this.lr = base;
    this.patience = opt.int('patience', 10, 0);
    this.factor = opt.number('factor', 0.1, (v) => v > 0 && v < 1, 'a factor in (0, 1)');
    this.mode = opt.choice('mode', PLATEAU_MODES, 'min');
    this.threshold = opt.number('threshold', 1e-4, (v) => v >= 0, 'a number >= 0');
    this.thresholdMode = opt.choice('thresholdMode', THRESHOLD_MODES, 'rel');
    this.cooldown = opt.int('cooldown', 0, 0);
    this.minLr = opt.number(
      'minLr',
      0,
      (v) => v >= 0 && v <= base,
      `a rate in [0, ${base}] (the base lr)`,
    );
    this.best = this.worst();
  }

  private worst(): number {
    return this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  private isBetter(a: number): boolean {
    const best = this.best;
    const threshold = this.threshold;
    if (this.mode === 'min') {
      return this.thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    }
    return this.thresholdMode === 'rel' ? a > best * (threshold + 1) : a > best + threshold;
  }

  observe(metric: number): void {
    if (typeof metric !== 'number') {
      throw new ConfigError('plateau metric', 'a number', metric);
    }
    this.observed++;
    // NaN is never better: it counts as a bad epoch, as in PyTorch.
    if (this.isBetter(metric)) {
      this.best = metric;
      this.badEpochs = 0;
    } else {
      this.badEpochs++;
    }
    if (this.cooldownLeft > 0) {
      this.cooldownLeft--;
      this.badEpochs = 0;
    }
    if (this.badEpochs > this.patience) {
      const reduced = Math.max(this.lr * this.factor, this.minLr);
      // PyTorch's eps (1e-8): a change smaller than that is not made.
      if (this.lr - reduced > 1e-8) this.lr = reduced;
      this.cooldownLeft = this.cooldown;
      this.badEpochs = 0;
    }
  }

  state(): PlateauState {
    return {
      kind: 'plateau',
      lr: this.lr,
      best: Number.isFinite(this.best) ? this.best : null,
      badEpochs: this.badEpochs,
      cooldownLeft: this.cooldownLeft,
      observed: this.observed,
    };
  }

  restore(state: unknown, field: string): void {
    const s = state as PlateauState;
    const count = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
    if (
      s === null ||
      typeof s !== 'object' ||
      s.kind !== 'plateau' ||
      typeof s.lr !== 'number' ||
      !(s.lr > 0) ||
      !(s.best === null || typeof s.best === 'number') ||
      !count(s.badEpochs) ||
      !count(s.cooldownLeft) ||
      !count(s.observed)
    ) {
      throw new ConfigError(`${field} (saved state)`, 'a plateau schedule state', state);
    }
    this.lr = s.lr;
    this.best = s.best === null ? this.worst() : s.best;
    this.badEpochs = s.badEpochs;
    this.cooldownLeft = s.cooldownLeft;
    this.observed = s.observed;
  }
}
