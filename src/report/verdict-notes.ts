/**
 * The lines printed under a study's verdict table about its error control, from the stored
 * study (its recorded rule, lab/stats/study-rule.ts): what the intervals are and how often a
 * measure with no effect still ends effective or harmful, the rule's power, and the
 * family-wise figure over the study's measures. Studies stored before rules were recorded get
 * the sentence they always had (intervals-note.ts).
 *
 * @example
 *   verdictNotes(study.config); // ['intervals: ...', 'family: 10 measures at 5% each: ...']
 */

import { detectableInSd } from '../lab/stats/calibration.js';
import { STATED_ALPHA } from '../lab/stats/rules.js';
import { falseVerdictRate } from '../lab/stats/sequential.js';
import { simulateRule } from '../lab/stats/simulate.js';
import { familyFigure, planFor, type RuleSettings } from '../lab/stats/study-rule.js';
import { intervalsNote } from './intervals-note.js';
import { sweepNotes } from './sweeps.js';
import type { VerdictLine } from './verdict-rows.js';

export type StoredSettings = RuleSettings & {
  measures?: unknown[];
  data?: { split?: { vary?: string } };
};

const percent = (x: number) => `${Math.round(100 * x)}%`;

export function verdictNotes(
  stored: StoredSettings | null | undefined,
  lines: VerdictLine[] = [],
): string[] {
  return [...ruleNotes(stored, lines), ...sweepNotes(stored, lines)];
}

function ruleNotes(stored: StoredSettings | null | undefined, lines: VerdictLine[]): string[] {
  const settings = stored ?? {};
  const detectable = detectableNote(settings, lines);
  if (detectable) return [...ruleNotes(stored, []), detectable];
  if (!settings.verdictRule) {
    const legacy = intervalsNote(settings.seeds);
    const rate = perMeasureRate(settings);
    return [legacy, familyNote(settings, rate)].filter((l): l is string => l !== null);
  }
  return [
    rulesNote(settings),
    familyNote(settings, perMeasureRate(settings)),
    coversNote(settings),
  ].filter((l): l is string => l !== null);
}

/** What the interval covers: the split is fixed per study, so only training randomness. */
export const COVERS =
  'covers: seed-to-seed training randomness (init, order, augmentation, dropout) on the ' +
  "study's fixed split; which examples landed in the test split is not in the intervals";

/** With `data.split.vary: per-seed` each seed draws its own split, so the intervals cover both. */
export const COVERS_SPLIT =
  'covers: seed-to-seed training randomness (init, order, augmentation, dropout) and which ' +
  'examples landed in the test split (data.split.vary: per-seed draws each seed its own split)';

export function coversNote(settings: StoredSettings): string {
  return settings.data?.split?.vary === 'per-seed' ? COVERS_SPLIT : COVERS;
}

/** The chance a measure with no effect ends effective or harmful under the study's rule. */
function perMeasureRate(settings: StoredSettings): number {
  const plan = planFor(settings);
  if (plan.rule && plan.rule !== 'per-look') return plan.alpha ?? STATED_ALPHA;
  const first = Math.min(Math.max(plan.minSeeds, plan.minDecisive ?? 2), plan.maxSeeds);
  return falseVerdictRate(first, plan.maxSeeds, 0.05);
}

function rulesNote(settings: StoredSettings): string {
  const plan = planFor(settings);
  const minDecisive = plan.minDecisive ?? 2;
  const first = Math.min(Math.max(plan.minSeeds, minDecisive), plan.maxSeeds);
  const looks = plan.maxSeeds - first + 1;
  if (plan.maxSeeds < minDecisive)
    return (
      `intervals: no verdict can be decisive with at most ${plan.maxSeeds} seeds: ` +
      `a decision at 5% needs ${minDecisive} (raise seeds.maxSeeds)`
    );
  const span =
    looks > 1 ? `looks at ${first}-${plan.maxSeeds} seeds` : `one look at ${first} seeds`;
  const before = first > plan.minSeeds ? `, none decisive before ${first}` : '';
  const power = powerAtOneSd(plan);
  const powerText = `; power ${percent(power)} to call an effect of one seed-to-seed sd of the differences`;
  if (plan.rule === 'per-look')
    return (
      `intervals: 95% at each of ${span}${before}; a measure with no effect ends effective or ` +
      `harmful up to ${percent(perMeasureRate(settings))} of the time${powerText} ` +
      `(the default, seeds.intervals: spending, holds 5%)`
    );
  const name =
    plan.rule === 'spending'
      ? "O'Brien-Fleming alpha spending"
      : "repeated (Pocock's constant level)";
  return (
    `intervals: ${name} over ${span}${before}; a measure with no effect ends effective or ` +
    `harmful at most 5% of the time over all looks${powerText}`
  );
}

const powerCache = new Map<string, number>();

/** Chance the rule calls an effect of one standard deviation of the differences. */
function powerAtOneSd(plan: ReturnType<typeof planFor>): number {
  const key = `${plan.rule}:${plan.minSeeds}:${plan.maxSeeds}:${plan.minDecisive}`;
  const cached = powerCache.get(key);
  if (cached !== undefined) return cached;
  const out = simulateRule({
    plan: { ...plan, delta: 0, resolution: 0, errorRate: 'per-measure' },
    noise: 'normal',
    effect: 1,
    sd: 1,
    studies: 2000,
    seed: 20261203,
  });
  const power = out.effective / 2000;
  powerCache.set(key, power);
  return power;
}

function familyNote(settings: StoredSettings, rate: number): string | null {
  // A sweep is one measure arm per value.
  const m = (settings.measures ?? []).reduce<number>(
    (n, x) => n + ((x as { sweep?: { values: unknown[] } }).sweep?.values.length ?? 1),
    0,
  );
  if (m < 2) return null;
  if (settings.verdictRule?.errorRate === 'per-study')
    return (
      `family: ${m} measures, Holm step-down (errorRate: per-study): a false effective or ` +
      'harmful verdict anywhere in the table at most 5% of the time'
    );
  const { any, expected } = familyFigure(m, rate);
  return (
    `family: ${m} measures at ${percent(rate)} each: if none had an effect, a false effective ` +
    `or harmful verdict somewhere ${percent(any)} of the time (${expected.toFixed(2)} expected)` +
    (settings.verdictRule ? '; errorRate: per-study holds the whole table to 5%' : '')
  );
}

/**
 * The smallest effect the study calls at 80% power by maxSeeds, at the spread of its own
 * negative control's differences (the baseline against itself): its noise floor in points.
 */
function detectableNote(settings: StoredSettings, lines: VerdictLine[]): string | null {
  const control = lines.find((l) => l.kind === 'control');
  if (!control || !settings.verdictRule) return null;
  const d = control.trials
    .filter((t) => t.score !== null && t.baseline !== null)
    .map((t) => 100 * ((t.score as number) - (t.baseline as number)));
  if (d.length < 3) return null;
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (d.length - 1));
  const plan = planFor(settings);
  const inSd = detectableInSd(plan);
  if (inSd === null) return null;
  return (
    `detectable: at the control's spread (${sd.toFixed(2)} pts between seeds), this study ` +
    `calls effects of ${(inSd * sd).toFixed(2)} pts at 80% power by ${plan.maxSeeds} seeds ` +
    `(tunebook calibrate for other budgets)`
  );
}
