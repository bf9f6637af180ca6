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
import { parseOptions } from '../core/validation.js';
import { SCHEDULE_NAMES, type ScheduleName } from './names.js';
import {
  type ParsedSchedule,
  PLATEAU_MODES,
  SCHEDULE_UNITS,
  ScheduleOptions,
  type ScheduleSpec,
  THRESHOLD_MODES,
} from './schedule-options.js';

// The options are declared in schedule-options.ts (free of TensorFlow.js, for study files).
export { PLATEAU_MODES, SCHEDULE_NAMES, SCHEDULE_UNITS, THRESHOLD_MODES };
export type { ScheduleName, ScheduleSpec };

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
  rawSpec: ScheduleSpec,
  baseLr: number,
  run: { epochs: number; stepsPerEpoch: number },
  field = 'schedule',
): Schedule {
  const spec = parseOptions(ScheduleOptions, rawSpec, field);
  const name = spec.name;
  if (typeof baseLr !== 'number' || !Number.isFinite(baseLr) || baseLr <= 0) {
    throw new ConfigError('lr', 'a learning rate > 0', baseLr);
  }
  if (run === null || typeof run !== 'object')
    throw new ConfigError('run', 'epochs and stepsPerEpoch', run);
  positiveInt('epochs', run.epochs);
  positiveInt('stepsPerEpoch', run.stepsPerEpoch);

  const per = spec.per ?? (name === 'onecycle' ? 'step' : 'epoch');
  const total = per === 'epoch' ? run.epochs : run.epochs * run.stepsPerEpoch;

  const warm = warmupOf(spec, per, run, total, field);
  const span = total - warm.length;
  const opt = new Options(spec, field);
  const main = mainRate(name, opt, baseLr, span);
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

/**
 * Reads one parsed option at a time with its default. The schema has checked each value;
 * `ok` carries only the checks that depend on the run (a floor below the base rate).
 */
class Options {
  constructor(
    private readonly spec: ParsedSchedule,
    private readonly field: string,
  ) {}

  number(
    key: string,
    fallback: number | undefined,
    ok: (v: number) => boolean = () => true,
    expected = '',
  ): number {
    const value = this.raw(key) as number | undefined;
    if (value === undefined) return fallback as number;
    if (!ok(value)) throw new ConfigError(`${this.field}.${key}`, expected, value);
    return value;
  }

  int(key: string, fallback: number | undefined): number {
    return this.number(key, fallback);
  }

  choice<T extends string>(key: string, fallback: T): T {
    return (this.raw(key) as T | undefined) ?? fallback;
  }

  raw(key: string): unknown {
    return (this.spec as Record<string, unknown>)[key];
  }
}

interface Warmup {
  length: number;
  factor(t: number): number;
}

function warmupOf(
  spec: ParsedSchedule,
  per: 'epoch' | 'step',
  run: { epochs: number; stepsPerEpoch: number },
  total: number,
  field: string,
): Warmup {
  const w = spec.warmup;
  if (w === undefined) return { length: 0, factor: () => 1 };
  // The schema has checked the shape: epochs or steps (steps only per step), and startFactor.
  const length =
    w.epochs !== undefined
      ? w.epochs * (per === 'step' ? run.stepsPerEpoch : 1)
      : (w.steps as number);
  if (length >= total) {
    throw new ConfigError(`${field}.warmup`, `a warmup shorter than the run (${total} ${per}s)`, w);
  }
  const start = w.startFactor ?? 1 / 3;
  return { length, factor: (t) => start + ((1 - start) * t) / length };
}

interface MainRate {
  /** The rate at time u since the warmup ended. */
  at(u: number): number;
  plateau?: Plateau;
}

function mainRate(name: ScheduleName, opt: Options, base: number, span: number): MainRate {
  switch (name) {
    case 'constant':
      return { at: () => base };
    case 'step': {
      const size = opt.int('stepSize', undefined);
      const gamma = opt.number('gamma', 0.1);
      return { at: (u) => base * gamma ** Math.floor(u / size) };
    }
    case 'multistep': {
      const milestones = opt.raw('milestones') as number[];
      const gamma = opt.number('gamma', 0.1);
      const list = milestones;
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
      const gamma = opt.number('gamma', undefined);
      return { at: (u) => base * gamma ** u };
    }
    case 'cosine':
      return cosine(opt, base, span);
    case 'onecycle':
      return onecycle(opt, base, span);
    case 'plateau': {
      const plateau = new Plateau(opt, base);
      return { at: () => plateau.lr, plateau };
    }
  }
}

function cosine(opt: Options, base: number, span: number): MainRate {
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
    const tMax = opt.int('tMax', span);
    // PyTorch's curve climbs back after tMax; a run longer than tMax stays at the floor here.
    return { at: (u) => (u >= tMax ? minLr : curve(u, tMax)) };
  }
  const tMult = restarts === true ? 1 : ((restarts as { tMult?: number }).tMult ?? 1);
  // Without an explicit first period the default (the whole run) would never restart.
  const t0 = opt.int('tMax', undefined);
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
  const maxLr = opt.number('maxLr', base);
  const pctStart = opt.number('pctStart', 0.3);
  const divFactor = opt.number('divFactor', 25);
  const finalDiv = opt.number('finalDivFactor', 1e4);
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
    this.patience = opt.int('patience', 10);
    this.factor = opt.number('factor', 0.1);
    this.mode = opt.choice('mode', 'min');
    this.threshold = opt.number('threshold', 1e-4);
    this.thresholdMode = opt.choice('thresholdMode', 'rel');
    this.cooldown = opt.int('cooldown', 0);
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
