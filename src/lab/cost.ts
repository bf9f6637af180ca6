/**
 * The cost side of a verdict: training-time ratio to the baseline, parameter count, and
 * convergence — the epoch at which the arm first reaches the baseline's final validation
 * score at the same seed (null when it never does).
 *
 * Time is the CPU time of each trial's thread when every trial of both arms has it (see
 * engine/thread-cpu.ts): wall time grows with whatever else the machine runs, so a ratio of
 * wall times says as much about the load when each trial ran as about the measure. Wall time
 * is the fallback. The spread (coefficient of variation of trial times within an arm, the
 * larger of the two arms') says how far a ratio can be trusted.
 */
import type { EpochRow, TrialRow } from './store/store.js';

export interface ArmCost {
  timeRatio: number | null;
  /** What the ratio is of: the trials' thread CPU seconds, or their wall seconds. */
  timeSource: 'cpu' | 'wall';
  /** Coefficient of variation of trial times within the arm or the baseline, the larger (null under 2 trials). */
  timeSpread: number | null;
  parameters: number | null;
  /** Mean epoch (1-based) to reach the baseline's final validation score, over seeds that did. */
  epochsToBaseline: number | null;
  reachedBaseline: number;
  pairedSeeds: number;
}

type Trial = TrialRow & { epochs: EpochRow[] };

const VALIDATION_KEY: Record<string, keyof EpochRow> = {
  test_balanced_accuracy: 'valBalancedAccuracy',
  test_accuracy: 'valAccuracy',
  test_macro_f1: 'valMacroF1',
};

export function armCost(arm: Trial[], baseline: Trial[], metric: string): ArmCost {
  const key = VALIDATION_KEY[metric] ?? 'valAccuracy';
  const finished = (ts: Trial[]) => ts.filter((t) => t.state === 'done' || t.state === 'diverged');
  const a = finished(arm);
  const b = finished(baseline);
  const cpu = (t: Trial) => (t.result as { cpuSeconds?: number | null } | null)?.cpuSeconds;
  const timeSource = [...a, ...b].every((t) => typeof cpu(t) === 'number') ? 'cpu' : 'wall';
  const times = (ts: Trial[]) =>
    ts
      .map((t) => (timeSource === 'cpu' ? (cpu(t) as number) : t.seconds))
      .filter((x): x is number => x !== null);
  const ta = mean(times(a));
  const tb = mean(times(b));
  const spreads = [spread(times(a)), spread(times(b))].filter((x): x is number => x !== null);
  const baseBySeed = new Map(b.map((t) => [t.seed, t]));
  const reached: number[] = [];
  let paired = 0;
  for (const t of a) {
    const base = baseBySeed.get(t.seed);
    if (!base || base.epochs.length === 0) continue;
    paired++;
    const target = base.epochs[base.epochs.length - 1][key] as number | undefined;
    if (target === undefined) continue;
    const hit = t.epochs.find(
      (e) => ((e[key] as number | undefined) ?? Number.NEGATIVE_INFINITY) >= target,
    );
    if (hit) reached.push(hit.epoch + 1);
  }
  const parameters = a
    .map((t) => (t.result as { parameters?: number } | null)?.parameters)
    .find((p) => p !== undefined);
  return {
    timeRatio: ta !== null && tb ? ta / tb : null,
    timeSource,
    timeSpread: spreads.length ? Math.max(...spreads) : null,
    parameters: parameters ?? null,
    epochsToBaseline: reached.length ? reached.reduce((p, x) => p + x, 0) / reached.length : null,
    reachedBaseline: reached.length,
    pairedSeeds: paired,
  };
}

function mean(xs: number[]): number | null {
  return xs.length ? xs.reduce((p, x) => p + x, 0) / xs.length : null;
}

/** Standard deviation over mean; null under two values. */
function spread(xs: number[]): number | null {
  const m = mean(xs);
  if (xs.length < 2 || !m) return null;
  const sd = Math.sqrt(xs.reduce((p, x) => p + (x - m) ** 2, 0) / (xs.length - 1));
  return sd / m;
}

/** Above this coefficient of variation of trial times, the time ratios get a note. */
export const LARGE_TIME_SPREAD = 0.25;

/**
 * A note for the verdict table when trial times vary much within an arm, or null.
 *
 * @example
 *   timeNote([{ label: 'dropout', cost }]); // 'time: trials of one arm differ by up to 31% ...'
 */
export function timeNote(arms: { label: string; cost: ArmCost | undefined }[]): string | null {
  let worst: { label: string; cost: ArmCost } | null = null;
  for (const { label, cost } of arms)
    if (cost?.timeSpread != null && cost.timeSpread > (worst?.cost.timeSpread ?? LARGE_TIME_SPREAD))
      worst = { label, cost };
  if (!worst) return null;
  const what = worst.cost.timeSource === 'cpu' ? 'thread CPU' : 'wall-clock';
  return (
    `time: trials of one arm differ by up to ${Math.round(100 * worst.cost.timeSpread!)}% in ${what} ` +
    `time (coefficient of variation, "${worst.label}" or its baseline seeds): a time ratio closer to 1x than that is noise`
  );
}
