import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { makeSchedule, SCHEDULE_NAMES, type ScheduleSpec, sampleRates } from './schedules.js';

/** Written by test/fixtures/training/make_fixtures.py (PyTorch 1.13 schedulers). */
function fixture<T>(name: string): T {
  return JSON.parse(
    readFileSync(new URL(`../../../test/fixtures/training/${name}`, import.meta.url), 'utf8'),
  ) as T;
}

interface Run {
  epochs: number;
  stepsPerEpoch: number;
}
interface Case {
  name: string;
  spec: ScheduleSpec;
  baseLr: number;
  run: Run;
  rates: number[];
  metrics?: number[];
}
const { seedStep, cases } = fixture<{ seedStep: number[]; cases: Case[] }>('schedules.json');

/** Relative error within `tolerance`, or an absolute one below 1e-15 where PyTorch gives 0. */
function assertClose(actual: number[], expected: number[], tolerance: number, label: string) {
  assert.equal(actual.length, expected.length, label);
  actual.forEach((a, i) => {
    const e = expected[i];
    const err = e === 0 ? Math.abs(a) : Math.abs(a - e) / Math.abs(e);
    assert.ok(err <= (e === 0 ? 1e-15 : tolerance), `${label} at ${i}: ${a} vs ${e}`);
  });
}

test("the seed's lr = 1e-4 * 0.4 ** (epoch // 8) is step 8 x 0.4, exactly, over 30 epochs", () => {
  const run = { epochs: 30, stepsPerEpoch: 100 };
  const s = makeSchedule({ name: 'step', stepSize: 8, gamma: 0.4 }, 1e-4, run);
  assert.equal(s.per, 'epoch');
  for (let epoch = 0; epoch < 30; epoch++) {
    assert.equal(s.rate(epoch, epoch * 100 + 37), 1e-4 * 0.4 ** Math.floor(epoch / 8));
  }
  assertClose(sampleRates(s, run), seedStep, 1e-15, 'seed (python)');
  assert.equal(s.rate(8, 0), 4e-5);
  assert.equal(s.rate(16, 0), 1e-4 * 0.4 * 0.4);
});

test('every pure schedule follows its PyTorch namesake (within 1e-7 relative)', () => {
  for (const c of cases.filter((c) => !c.metrics)) {
    const s = makeSchedule(c.spec, c.baseLr, c.run);
    assertClose(sampleRates(s, c.run), c.rates, 1e-7, c.name);
  }
});

test('plateau follows ReduceLROnPlateau (rel/abs threshold, patience, cooldown, min lr)', () => {
  for (const c of cases.filter((c) => c.metrics)) {
    const s = makeSchedule(c.spec, c.baseLr, c.run);
    const rates = c.metrics!.map((metric, epoch) => {
      const rate = s.rate(epoch, epoch * c.run.stepsPerEpoch);
      s.observe!(metric);
      return rate;
    });
    assertClose(rates, c.rates, 1e-12, c.name);
    assert.ok(new Set(c.rates).size > 1, `${c.name}: the fixture reduces at least once`);
  }
});

test('plateau: state() and restore() make a resumed run continue identically', () => {
  const c = cases.find((c) => c.metrics && (c.spec as { cooldown?: number }).cooldown)!;
  const straight = makeSchedule(c.spec, c.baseLr, c.run);
  const expected = c.metrics!.map((m, e) => {
    const r = straight.rate(e, 0);
    straight.observe!(m);
    return r;
  });
  for (const cut of [1, 5, 11, 17]) {
    let s = makeSchedule(c.spec, c.baseLr, c.run);
    const rates: number[] = [];
    c.metrics!.forEach((m, e) => {
      if (e === cut) {
        // a checkpoint is JSON: the state must survive it
        const saved = JSON.parse(JSON.stringify(s.state!()));
        s = makeSchedule(c.spec, c.baseLr, c.run);
        s.restore!(saved);
      }
      rates.push(s.rate(e, 0));
      s.observe!(m);
    });
    assert.deepEqual(rates, expected, `cut at ${cut}`);
  }
  // before any observation, best is still unset (JSON has no Infinity)
  const fresh = makeSchedule({ name: 'plateau' }, 0.1, c.run);
  assert.equal((fresh.state!() as { best: unknown }).best, null);
  assert.throws(() => fresh.restore!({ kind: 'cosine' }), ConfigError);
  assert.throws(() => fresh.restore!(null), ConfigError);
});

test('plateau: a NaN metric counts as no improvement; max mode waits for a rise', () => {
  const run = { epochs: 10, stepsPerEpoch: 1 };
  const s = makeSchedule({ name: 'plateau', patience: 1, factor: 0.5 }, 1, run);
  s.observe!(1);
  s.observe!(Number.NaN);
  assert.equal(s.rate(2, 0), 1);
  s.observe!(Number.NaN);
  assert.equal(s.rate(3, 0), 0.5);
  const m = makeSchedule({ name: 'plateau', mode: 'max', patience: 0, factor: 0.5 }, 1, run);
  m.observe!(0.5);
  m.observe!(0.6);
  assert.equal(m.rate(2, 0), 1);
  m.observe!(0.4);
  assert.equal(m.rate(3, 0), 0.5);
});

test('per step: the step argument is the global step; warmup ramps linearly to the base', () => {
  const run = { epochs: 3, stepsPerEpoch: 4 };
  const cos = makeSchedule({ name: 'cosine', per: 'step' }, 1, run);
  assert.equal(cos.per, 'step');
  assert.equal(cos.rate(0, 0), 1);
  assert.equal(cos.rate(1, 6), cos.rate(0, 6), 'the epoch is ignored per step');
  assert.ok(Math.abs(cos.rate(1, 6) - 0.5) < 1e-15, 'half way through 12 steps');
  const oc = makeSchedule({ name: 'onecycle' }, 0.01, run);
  assert.equal(oc.per, 'step');
  const w = makeSchedule(
    { name: 'constant', per: 'step', warmup: { steps: 4, startFactor: 0.2 } },
    1,
    run,
  );
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((s) => w.rate(0, s)),
    [0.2, 0.4, 0.6000000000000001, 0.8, 1, 1],
  );
  // warmup in epochs on a schedule per step: epochs x stepsPerEpoch steps
  const we = makeSchedule(
    { name: 'constant', per: 'step', warmup: { epochs: 1, startFactor: 0.5 } },
    1,
    run,
  );
  assert.deepEqual(
    [0, 2, 4].map((s) => we.rate(0, s)),
    [0.5, 0.75, 1],
  );
});

test('after their end, cosine stays at minLr and onecycle at its floor', () => {
  const run = { epochs: 10, stepsPerEpoch: 2 };
  const cos = makeSchedule({ name: 'cosine', minLr: 0.01 }, 1, run);
  assert.equal(cos.rate(10, 0), 0.01);
  assert.equal(cos.rate(25, 0), 0.01);
  const oc = makeSchedule({ name: 'onecycle' }, 1, run);
  const floor = 1 / 25 / 1e4;
  assert.ok(Math.abs(oc.rate(9, 19) - floor) < 1e-15);
  assert.ok(Math.abs(oc.rate(12, 25) - floor) < 1e-15);
  // exponential with gamma > 1 grows (the LR range test)
  const grow = makeSchedule({ name: 'exponential', gamma: 2 }, 1e-6, run);
  assert.equal(grow.rate(3, 0), 8e-6);
});

test('bad specs: ConfigError naming the field and the value', () => {
  const run = { epochs: 10, stepsPerEpoch: 5 };
  const throwsConfig = (spec: unknown, message: string, lr = 0.1) =>
    assert.throws(
      () => makeSchedule(spec as ScheduleSpec, lr, run),
      (e: unknown) => e instanceof ConfigError && e.message === message,
      message,
    );
  throwsConfig(
    { name: 'linear' },
    `schedule.name: expected one of ${SCHEDULE_NAMES.join(', ')}, got "linear"`,
  );
  throwsConfig({ name: 'step' }, 'schedule.stepSize: missing; expected an integer >= 1');
  throwsConfig({ name: 'step', stepSize: 0 }, 'schedule.stepSize: expected an integer >= 1, got 0');
  throwsConfig(
    { name: 'step', stepSize: 8, gamma: 0 },
    'schedule.gamma: expected a number > 0, got 0',
  );
  throwsConfig({ name: 'exponential' }, 'schedule.gamma: missing; expected a number > 0');
  throwsConfig(
    { name: 'multistep', milestones: [5, 3] },
    'schedule.milestones: expected a strictly increasing list of epochs (integers >= 1), got [5,3]',
  );
  throwsConfig(
    { name: 'cosine', gamma: 0.5 },
    'schedule.gamma: unknown setting (expected name, per, warmup, tMax, restarts, minLr)',
  );
  throwsConfig(
    { name: 'cosine', restarts: true },
    'schedule.tMax: expected an integer >= 1 with restarts, got undefined',
  );
  throwsConfig(
    { name: 'cosine', tMax: 3, restarts: { tMult: 1.5 } },
    'schedule.restarts.tMult: expected an integer >= 1, got 1.5',
  );
  throwsConfig(
    { name: 'cosine', minLr: 0.2 },
    'schedule.minLr: expected a rate in [0, 0.1] (the base lr), got 0.2',
  );
  throwsConfig(
    { name: 'plateau', per: 'step' },
    'schedule.per: expected "epoch" for plateau (it reduces on epoch metrics), got "step"',
  );
  throwsConfig(
    { name: 'plateau', factor: 1 },
    'schedule.factor: expected a number in (0, 1), got 1',
  );
  throwsConfig(
    { name: 'plateau', mode: 'up' },
    'schedule.mode: expected one of min, max, got "up"',
  );
  throwsConfig(
    { name: 'plateau', patience: -1 },
    'schedule.patience: expected an integer >= 0, got -1',
  );
  throwsConfig(
    { name: 'onecycle', warmup: { steps: 10 } },
    'schedule.warmup: expected no warmup for onecycle (its first phase is the warmup), got {"steps":10}',
  );
  throwsConfig(
    { name: 'onecycle', pctStart: 1 },
    'schedule.pctStart: expected a number in (0, 1), got 1',
  );
  throwsConfig(
    { name: 'cosine', warmup: { steps: 10 } },
    'schedule.warmup.steps: expected warmup in epochs for a schedule per epoch (or per: "step"), got 10',
  );
  throwsConfig(
    { name: 'cosine', warmup: { epochs: 10 } },
    'schedule.warmup: expected a warmup shorter than the run (10 epochs), got {"epochs":10}',
  );
  throwsConfig(
    { name: 'cosine', warmup: { epochs: 2, startFactor: 0 } },
    'schedule.warmup.startFactor: expected a number in (0, 1], got 0',
  );
  throwsConfig(
    { name: 'cosine', warmup: {} },
    'schedule.warmup: expected either epochs or steps, got {}',
  );
  throwsConfig(
    { name: 'cosine', per: 'batch' },
    'schedule.per: expected one of epoch, step, got "batch"',
  );
  throwsConfig({ name: 'cosine' }, 'lr: expected a learning rate > 0, got 0', 0);
  assert.throws(
    () => makeSchedule({ name: 'cosine' }, 0.1, { epochs: 0, stepsPerEpoch: 5 }),
    ConfigError,
  );
  const s = makeSchedule({ name: 'constant' }, 0.1, run);
  assert.throws(() => s.rate(-1, 0), ConfigError);
  assert.throws(() => s.rate(1.5, 0), ConfigError);
});
