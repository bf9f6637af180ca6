/**
 * The cost side of a verdict: training-time ratio to the baseline, parameter count, and
 * convergence — the epoch at which the arm first reaches the baseline's final validation
 * score at the same seed (null when it never does).
 */
import type { EpochRow, TrialRow } from './store/store.js';

export interface ArmCost {
  timeRatio: number | null;
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
  const meanSeconds = (ts: Trial[]) => {
    const s = ts.map((t) => t.seconds).filter((x): x is number => x !== null);
    return s.length ? s.reduce((p, x) => p + x, 0) / s.length : null;
  };
  const ta = meanSeconds(a);
  const tb = meanSeconds(b);
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
    parameters: parameters ?? null,
    epochsToBaseline: reached.length ? reached.reduce((p, x) => p + x, 0) / reached.length : null,
    reachedBaseline: reached.length,
    pairedSeeds: paired,
  };
}
