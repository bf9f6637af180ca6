/**
 * Warnings about what a study can show, before and after it runs: measures that duplicate
 * another or change nothing (from the file alone), a test split too small for `delta` (one
 * example moves the metric by more than the smallest effect worth caring about), and a
 * baseline at the metric's ceiling or floor (no measure can then show a gain, or a loss).
 *
 * @example
 *   for (const w of planWarnings(loaded.arms)) console.log(`warning: ${w}`);
 */
import type { Arm } from '../config/arms.js';
import type { LoadedStudy } from '../config/load.js';
import { prepareData } from '../trial/prepare-data.js';
import type { StudySession } from './open-study.js';

/** What can be said before any trial: the plan's warnings and the test split's resolution. */
export async function studyWarnings(loaded: LoadedStudy): Promise<string[]> {
  const { config } = loaded;
  const baseline = loaded.arms.find((a) => a.id === 'baseline') ?? loaded.arms[0];
  // Cached: preflight has read the same data already.
  const data = await prepareData(baseline.config.data);
  const resolution = resolutionWarning(config.metric, config.delta, data.counts.test);
  return [...planWarnings(loaded.arms), ...(resolution ? [resolution] : [])];
}

/** Measures whose settings equal the baseline's or another measure's. */
export function planWarnings(arms: readonly Arm[]): string[] {
  const warnings: string[] = [];
  const seen = new Map<string, Arm>();
  for (const arm of arms) {
    const key = canonical(arm.config);
    const earlier = seen.get(key);
    if (earlier?.id === 'baseline')
      warnings.push(
        `measure "${arm.label}" (${arm.id}) changes nothing: its settings equal the baseline's`,
      );
    else if (earlier)
      warnings.push(
        `measures "${earlier.label}" (${earlier.id}) and "${arm.label}" (${arm.id}) give the same settings: one is a duplicate`,
      );
    else seen.set(key, arm);
  }
  return warnings;
}

/**
 * The smallest step one test example makes in the metric, in points: 100 / N for accuracy;
 * for balanced accuracy and macro F1, a class's recall moves by 1 / n_c, weighted 1 / k, so
 * the finest step is 100 / (k * largest class).
 */
export function pointsPerExample(metric: string, testCounts: readonly number[]): number {
  const present = testCounts.filter((n) => n > 0);
  const total = present.reduce((a, b) => a + b, 0);
  if (total === 0) return Number.POSITIVE_INFINITY;
  if (metric === 'test_accuracy') return 100 / total;
  return 100 / (present.length * Math.max(...present));
}

export function resolutionWarning(
  metric: string,
  delta: number,
  testCounts: readonly number[],
): string | null {
  const step = pointsPerExample(metric, testCounts);
  if (!(step > delta)) return null;
  const total = testCounts.reduce((a, b) => a + b, 0);
  return (
    `the test split has ${total} example(s): one example moves ${metric} by ${step.toFixed(2)} points ` +
    `or more, against delta ${delta}; effects smaller than one example are not measured ` +
    '(more test data, or a larger delta)'
  );
}

/** The baseline's finished scores (fractions) all at 100%, or all at chance level or below. */
export function boundWarning(
  metric: string,
  scores: readonly number[],
  classes: number,
): string | null {
  if (scores.length === 0) return null;
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  if (scores.every((s) => s >= 1 - 1e-9))
    return (
      `the baseline scores ${pct(1)} ${metric} at every seed: the metric is at its ceiling, so no ` +
      "measure can show a gain and an 'ineffective' verdict means nothing (a harder task or more test data)"
    );
  const chance = metric === 'test_macro_f1' ? 0 : 1 / Math.max(1, classes);
  if (scores.every((s) => s <= chance + 1e-9))
    return (
      `the baseline scores ${pct(Math.max(...scores))} ${metric} or less at every seed, chance level ` +
      `(${pct(chance)}): it learns nothing, so no measure can show a loss and the verdicts mean little`
    );
  return null;
}

/** After the run: is the baseline at the metric's ceiling or floor? */
export async function baselineWarnings(session: StudySession): Promise<string[]> {
  const { store, studyId, armRows, config } = session;
  const baseline = armRows.get('baseline')!;
  const scores = (await store.trials(studyId))
    .filter((t) => t.armId === baseline.id && t.state === 'done' && t.metrics)
    .map((t) => t.metrics![config.metric]);
  if (scores.length === 0) return [];
  const data = await prepareData((baseline.config as StudySession['config']).data);
  const warning = boundWarning(config.metric, scores, data.classNames.length);
  return warning ? [warning] : [];
}

/** JSON with sorted keys: equal settings give equal text whatever order their keys came in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
