/**
 * Which sequential rule a study's verdicts follow, from its stored settings. A study records
 * its rule when it is first stored (`verdictRule`, beside the settings the hash covers, so
 * the default can change without changing any study file's hash); a stored study without
 * that record was made before rules were recorded and keeps the verdicts it was made with:
 * its `seeds.intervals` (per-look when absent), no guards and no control arm.
 *
 * @example
 *   const stored = { ...config, verdictRule: recordRule(config) };
 *   planFor(stored, 2000); // { rule: 'spending', alpha: 0.05, resolution: 0.05, ... }
 */
import type { PlanOptions } from '../planner.js';
import {
  criticalValues,
  DEFAULT_RULE,
  INTERVAL_RULES,
  type IntervalRule,
  minDecisiveSeeds,
  resolutionOf,
  STATED_ALPHA,
} from './rules.js';
import { repeatedLevel } from './sequential.js';

export const ERROR_RATES = ['per-measure', 'per-study'] as const;
export type ErrorRate = (typeof ERROR_RATES)[number];

/** What a stored study records about its verdicts. */
export interface VerdictRule {
  intervals: IntervalRule;
  errorRate: ErrorRate;
  /** Whether the study has a negative control arm (the baseline at seeds no arm uses). */
  control: boolean;
  alpha: number;
}

/** The settings of a study file that bear on its verdicts (all optional in the file). */
export interface RuleSettings {
  seeds?: { minSeeds?: number; maxSeeds?: number; intervals?: string };
  delta?: number;
  errorRate?: string;
  control?: boolean;
  verdictRule?: VerdictRule;
}

/** The rule a new study records: what its file names, the defaults for the rest. */
export function recordRule(config: RuleSettings): VerdictRule {
  const named = config.seeds?.intervals;
  return {
    intervals: (INTERVAL_RULES as readonly string[]).includes(named ?? '')
      ? (named as IntervalRule)
      : DEFAULT_RULE,
    errorRate: config.errorRate === 'per-study' ? 'per-study' : 'per-measure',
    control: config.control !== false,
    alpha: STATED_ALPHA,
  };
}

/** The planner's settings (PlanOptions) and whether the study runs a negative control arm. */
export interface StudyPlan extends PlanOptions {
  errorRate?: ErrorRate;
  control: boolean;
}

/**
 * The planner's settings of a stored study. `testSize`: examples in the test split (the
 * metric's resolution is one of them); null while no trial has reported it.
 */
export function planFor(stored: RuleSettings, testSize: number | null = null): StudyPlan {
  const minSeeds = stored.seeds?.minSeeds ?? 3;
  const maxSeeds = stored.seeds?.maxSeeds ?? 6;
  const delta = stored.delta ?? 0.5;
  const rule = stored.verdictRule;
  if (!rule) {
    const repeated = stored.seeds?.intervals === 'repeated';
    return {
      minSeeds,
      maxSeeds,
      delta,
      level: repeated ? repeatedLevel(minSeeds, maxSeeds) : 0.95,
      control: false,
    };
  }
  return {
    minSeeds,
    maxSeeds,
    delta,
    rule: rule.intervals,
    alpha: rule.alpha,
    resolution: resolutionOf(testSize),
    minDecisive: minDecisiveSeeds(rule.alpha),
    errorRate: rule.errorRate,
    control: rule.control,
  };
}

/** The rule's name as the report shows it (legacy studies: their `seeds.intervals`). */
export function ruleName(stored: RuleSettings): IntervalRule {
  return (
    stored.verdictRule?.intervals ??
    (stored.seeds?.intervals === 'repeated' ? 'repeated' : 'per-look')
  );
}

/**
 * With m measures each wrong at most alpha when it has no effect, a study of pure nulls
 * makes a false effective/harmful verdict somewhere with chance up to 1 - (1 - alpha)^m
 * (independent measures), and m * alpha of them on average.
 */
export function familyFigure(m: number, alpha = STATED_ALPHA): { any: number; expected: number } {
  return { any: 1 - (1 - alpha) ** m, expected: m * alpha };
}

/**
 * Computes (and caches) the boundaries a plan will use: the first spending boundaries take
 * about a second to simulate, better spent before a study is stored than between storing
 * it and queuing its first trials. Per-study plans warm every Holm level alpha / k.
 */
export function prepareRule(plan: Omit<StudyPlan, 'control'>, measures: number): void {
  if (!plan.rule) return;
  const alpha = plan.alpha ?? STATED_ALPHA;
  const levels =
    plan.errorRate === 'per-study'
      ? Array.from({ length: Math.max(1, measures) }, (_, k) => alpha / (k + 1))
      : [alpha];
  for (const level of levels)
    criticalValues(plan.rule, plan.minSeeds, plan.maxSeeds, level, plan.minDecisive);
}
