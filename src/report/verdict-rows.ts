/**
 * A study's verdicts as rows, from the store: the same figures for the terminal table,
 * `verdicts --json` and the HTML report. Effects are in percentage points of the study's
 * metric, with the 95% interval; costs are the time ratio to the baseline, the parameter
 * count and the epochs to reach the baseline's final validation score.
 */
import type { Store, StudyRow } from '../lab/store/store.js';

/** The verdict of an arm that ended without one paired finished seed: there is no effect to state. */
export const NO_DATA = 'no data';

export interface VerdictLine {
  arm: string;
  label: string;
  kind: string;
  /** One of the four verdicts, or NO_DATA (effect, lo and hi are then NaN: null in JSON). */
  verdict: string;
  effect: number;
  lo: number;
  hi: number;
  seeds: number;
  metric: string;
  timeRatio: number | null;
  parameters: number | null;
  epochsToBaseline: number | null;
  trials: { seed: number; state: string; score: number | null; baseline: number | null }[];
}

interface Details {
  metric?: string;
  cost?: { timeRatio: number | null; parameters: number | null; epochsToBaseline: number | null };
}

export async function verdictLines(store: Store, study: StudyRow): Promise<VerdictLine[]> {
  const arms = await store.arms(study.id);
  const trials = await store.trials(study.id);
  const baseline = arms.find((a) => a.key === 'baseline');
  const metric = (study.config as { metric?: string }).metric ?? 'test_balanced_accuracy';
  const scoreOf = (armId: number | undefined, seed: number) => {
    const t = trials.find((x) => x.armId === armId && x.seed === seed);
    return t?.metrics ? (t.metrics[metric] ?? null) : null;
  };
  const trialsOf = (armId: number) =>
    trials
      .filter((t) => t.armId === armId)
      .map((t) => ({
        seed: t.seed,
        state: t.state,
        score: t.metrics ? (t.metrics[metric] ?? null) : null,
        baseline: scoreOf(baseline?.id, t.seed),
      }));
  const verdicts = await store.verdicts(study.id);
  // A finished study stores no verdict for an arm without data (lab/runner/verdicts.ts): it
  // is still listed, as 'no data', so that no arm silently drops out of the table.
  const missing =
    study.state === 'done'
      ? arms.filter((a) => a.key !== 'baseline' && !verdicts.some((v) => v.armId === a.id))
      : [];
  const noData = missing.map((arm): VerdictLine & { position: number } => ({
    arm: arm.key,
    label: arm.label,
    kind: arm.kind,
    verdict: NO_DATA,
    effect: Number.NaN,
    lo: Number.NaN,
    hi: Number.NaN,
    seeds: 0,
    metric,
    timeRatio: null,
    parameters: null,
    epochsToBaseline: null,
    trials: trialsOf(arm.id),
    position: arm.position,
  }));
  return verdicts
    .map((v): VerdictLine & { position: number } => {
      const arm = arms.find((a) => a.id === v.armId)!;
      const details = (v.details ?? {}) as Details;
      return {
        arm: arm.key,
        label: arm.label,
        kind: arm.kind,
        verdict: v.verdict,
        effect: v.effect,
        lo: v.lo,
        hi: v.hi,
        seeds: v.n,
        metric: details.metric ?? metric,
        timeRatio: details.cost?.timeRatio ?? null,
        parameters: details.cost?.parameters ?? null,
        epochsToBaseline: details.cost?.epochsToBaseline ?? null,
        trials: trialsOf(arm.id),
        position: arm.position,
      };
    })
    .concat(noData)
    .sort((a, b) => a.position - b.position)
    .map(({ position: _p, ...line }) => line);
}

/** The measures' rows and the negative control's (shown apart: it is a check, not a measure). */
export function splitControl(lines: VerdictLine[]): {
  measures: VerdictLine[];
  control: VerdictLine | null;
} {
  return {
    measures: lines.filter((l) => l.kind !== 'control'),
    control: lines.find((l) => l.kind === 'control') ?? null,
  };
}

/**
 * The loud line when the negative control (the baseline against itself at other seeds) ends
 * effective or harmful; null otherwise.
 */
export function controlWarning(control: VerdictLine | null): string | null {
  if (!control || (control.verdict !== 'effective' && control.verdict !== 'harmful')) return null;
  return (
    `WARNING: the negative control (the baseline against itself at other seeds) ended ` +
    `${control.verdict}: training is not deterministic enough per seed, or the seeds too few, ` +
    'to trust the verdicts above'
  );
}
