import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStudy } from '../config/load.js';
import { armStatuses, sequentialStatus } from '../planner.js';
import { minDecisiveSeeds, resolutionOf } from './rules.js';
import { familyFigure, planFor, recordRule } from './study-rule.js';
import { intervalAt } from './verdict.js';

const BASE = `
name: s
data: { source: mnist }
model: { name: mlp }
training: { epochs: 1 }
measures:
  - dropout: { rate: 0.5, where: head }
`;

test('the default rule does not change the hash of a study file that names none', () => {
  // The hash of this file before rules were recorded (schema without control/errorRate).
  const plain = parseStudy(BASE, 'a');
  // Both hashes as main computed them before this change.
  assert.equal(plain.hash, '33c86467745d8a4f');
  assert.equal(parseStudy(`${BASE}seeds: { intervals: repeated }\n`, 'r').hash, 'adfd9313deb65ec8');
  assert.equal(plain.hash, parseStudy(`${BASE}seeds: { minSeeds: 3, maxSeeds: 6 }\n`, 'b').hash);
  assert.equal(plain.config.control, undefined);
  assert.equal(plain.config.errorRate, undefined);
  // Naming a rule, the control or the error rate is a change of settings.
  for (const extra of ['seeds: { intervals: spending }', 'control: false', 'errorRate: per-study'])
    assert.notEqual(parseStudy(`${BASE}${extra}\n`, 'c').hash, plain.hash, extra);
});

test('a stored study without a recorded rule keeps per-look; a new one records the default', () => {
  const config = parseStudy(BASE, 'a').config;
  const legacy = planFor(config);
  assert.equal(legacy.rule, undefined);
  assert.equal(legacy.level, 0.95);
  assert.equal(legacy.control, false);
  const rule = recordRule(config);
  assert.deepEqual(rule, {
    intervals: 'spending',
    errorRate: 'per-measure',
    control: true,
    alpha: 0.05,
  });
  const plan = planFor({ ...config, verdictRule: rule }, 200);
  assert.equal(plan.rule, 'spending');
  assert.equal(plan.resolution, 0.5);
  assert.equal(plan.minDecisive, 6);
  const named = recordRule(parseStudy(`${BASE}control: false\nerrorRate: per-study\n`, 'x').config);
  assert.equal(named.control, false);
  assert.equal(named.errorRate, 'per-study');
});

test('degenerate spreads: identical differences never give a zero-width interval', () => {
  // 2 seeds of +50 and +50: before, "+50.00 [+50.00, +50.00] effective".
  const same = intervalAt({ seeds: [0, 1], differences: [50, 50] }, 12.7, resolutionOf(200));
  assert.ok(same.hi - same.lo >= 0.5, `${same.lo}..${same.hi}`);
  // A saturated metric: 3 seeds of 0 and a 50-example test split (2 points a step).
  const flat = intervalAt({ seeds: [0, 1, 2], differences: [0, 0, 0] }, 4.3, resolutionOf(50));
  assert.ok(flat.lo <= -1 && flat.hi >= 1, `${flat.lo}..${flat.hi}`);
  assert.equal(resolutionOf(null), 0);
  assert.equal(minDecisiveSeeds(0.05), 6);
  assert.equal(minDecisiveSeeds(0.01), 8);
});

test('no decisive verdict from fewer seeds than 5% can support, under the default rule', () => {
  const config = parseStudy(BASE, 'a').config;
  const plan = planFor({ ...config, verdictRule: recordRule(config) }, 200);
  const base = { key: 'baseline', scores: new Map<number, number>(), pending: new Set<number>() };
  const arm = { key: 'm1', scores: new Map<number, number>(), pending: new Set<number>() };
  for (let s = 0; s < 6; s++) {
    base.scores.set(s, 0.5);
    arm.scores.set(s, s < 3 ? 1 : 1);
  }
  // +50 points at every seed: the old rule called it at the first look (3 seeds) ...
  assert.equal(
    sequentialStatus(arm, base, { ...plan, rule: undefined, minDecisive: 2 }).effect.n,
    3,
  );
  // ... the default waits for 6 (and the saturated metric at 3 seeds is undecided).
  const status = sequentialStatus(arm, base, plan);
  assert.equal(status.verdict, 'effective');
  assert.equal(status.effect.n, 6);
  const flat = {
    key: 'm2',
    scores: new Map([...base.scores].slice(0, 3)),
    pending: new Set<number>(),
  };
  const three = { ...base, scores: new Map([...base.scores].slice(0, 3)) };
  assert.equal(sequentialStatus(flat, three, { ...plan, maxSeeds: 6 }).verdict, 'undecided');
});

test('per-study (Holm): the family shares 5%; the control and the stack are outside it', () => {
  const config = parseStudy(BASE, 'a').config;
  const plan = planFor({ ...config, verdictRule: recordRule(config) }, 1000);
  const seeds = 8;
  const base = {
    key: 'baseline',
    scores: new Map(Array.from({ length: seeds }, (_, s) => [s, 0.5])),
    pending: new Set<number>(),
  };
  // A clear effect (big enough for alpha/3) and a borderline one (enough at 5%, not at 5%/2).
  const arm = (key: string, d: number[]) => ({
    key,
    scores: new Map(d.map((x, s) => [s, 0.5 + x / 100])),
    pending: new Set<number>(),
  });
  const clear = arm('m1', [5, 6, 5, 6, 5, 6, 5, 6]);
  const border = arm('m2', [1, 3, 0.5, 2.5, 1.5, 0.2, 2.8, 1]);
  const none = arm('m3', [1, -1, 2, -2, 1, -1, 0.5, -0.5]);
  const control = arm('control', [1, 3, 0.5, 2.5, 1.5, 0.2, 2.8, 1]);
  const verdicts = (errorRate: 'per-measure' | 'per-study') =>
    armStatuses([base, clear, border, none, control], { ...plan, errorRate }).map((s) => s.verdict);
  const perMeasure = verdicts('per-measure');
  const perStudy = verdicts('per-study');
  assert.equal(perMeasure[0], 'effective');
  assert.equal(perStudy[0], 'effective');
  // The control is judged at 5% either way.
  assert.equal(perStudy[3], perMeasure[3]);
  assert.ok(familyFigure(10).any > 0.4 && familyFigure(10).any < 0.41);
  assert.equal(familyFigure(10).expected, 0.5);
});
