/**
 * One read of a study from the store, and the figures every page draws from it: progress
 * (trials done, running, left), per-arm curves aggregated over seeds, class counts, recall
 * and confusion from the trials' results. Read-only: nothing here writes to the store.
 *
 * @example
 *   const view = await readStudy(store, 'mnist-tricks');
 *   view.progress.finished; // trials done, diverged or failed
 */
import type { ArmRow, EpochRow, Store, StudyRow, TrialRow } from '../lab/store/store.js';
import { UnknownStudyError } from './errors.js';
import { readOnce } from './read-once.js';
import { type VerdictLine, verdictLines } from './verdict-rows.js';

export type Trial = TrialRow & { armKey: string };

export interface Progress {
  total: number;
  done: number;
  diverged: number;
  failed: number;
  running: number;
  queued: number;
  /** done + diverged + failed. */
  finished: number;
}

export interface StudyView {
  study: StudyRow;
  arms: ArmRow[];
  trials: Trial[];
  verdicts: VerdictLine[];
  progress: Progress;
  metric: string;
  /** Smallest effect worth caring about, percentage points. */
  delta: number;
  /** `repeated`: the intervals hold 95% over all looks together (lab/stats/sequential.ts). */
  intervals: 'per-look' | 'repeated';
  /** Seeds an arm may have: the looks of adaptive seeding run from min to max. */
  seeds: { min: number; max: number };
  /** True while the study runs or after it was stopped: figures are from finished trials only. */
  partial: boolean;
}

/** The trial result fields the report draws (see lab/trial/run-trial.ts). */
export interface TrialResult {
  parameters?: number;
  classCounts?: { train: number[]; validation: number[]; test: number[] };
  /** Class names in class-index order (trials stored before names were kept have none). */
  classNames?: string[];
  confusion?: number[][] | null;
  recall?: number[] | null;
  bestEpoch?: number | null;
  outcome?: string;
}

/**
 * The study `name`, or an UnknownStudyError naming the studies there are.
 *
 * @example
 *   const study = await findStudyOrThrow(store, 'tiny');
 */
export async function findStudyOrThrow(store: Store, name: string): Promise<StudyRow> {
  const study = await store.findStudy(name);
  if (!study)
    throw new UnknownStudyError(
      store.file,
      name,
      (await store.listStudies()).map((s) => s.name),
    );
  return study;
}

/**
 * Everything a study page shows except the per-epoch curves (see `readEpochs`), which are
 * the one large read.
 *
 * @example
 *   const view = await readStudy(store, 'tiny');
 */
export async function readStudy(store: Store, name: string): Promise<StudyView> {
  store = readOnce(store);
  const study = await findStudyOrThrow(store, name);
  const trials = await store.trials(study.id);
  const config = (study.config ?? {}) as {
    metric?: string;
    delta?: number;
    seeds?: { intervals?: string; minSeeds?: number; maxSeeds?: number };
  };
  const progress = progressOf(trials);
  return {
    study,
    arms: await store.arms(study.id),
    trials,
    verdicts: await verdictLines(store, study),
    progress,
    metric: config.metric ?? 'test_balanced_accuracy',
    delta: config.delta ?? 0.5,
    intervals: config.seeds?.intervals === 'repeated' ? 'repeated' : 'per-look',
    seeds: { min: config.seeds?.minSeeds ?? 3, max: config.seeds?.maxSeeds ?? 6 },
    partial: study.state !== 'done' || progress.finished < progress.total,
  };
}

/**
 * Trials that finished and trials that failed, told apart: "0 of 13 trials finished, 13
 * failed" (a failed trial ended, but it did not finish).
 *
 * @example
 *   trialCounts(view.progress); // '5 of 13 trials finished, 2 failed'
 */
export function trialCounts(p: Progress): string {
  const failed = p.failed ? `, ${p.failed} failed` : '';
  return `${p.done + p.diverged} of ${p.total} trials finished${failed}`;
}

/** The note of a section that draws finished trials, when there are none. */
export function noFinishedTrials(p: Progress): string {
  return p.failed ? `No trial finished: ${p.failed} failed.` : 'No finished trials yet.';
}

/**
 * Counts of trials by state.
 *
 * @example
 *   progressOf(await store.trials(id)).running;
 */
export function progressOf(trials: readonly { state: string }[]): Progress {
  const p: Progress = {
    total: trials.length,
    done: 0,
    diverged: 0,
    failed: 0,
    running: 0,
    queued: 0,
    finished: 0,
  };
  for (const t of trials) {
    if (t.state === 'done') p.done++;
    else if (t.state === 'diverged') p.diverged++;
    else if (t.state === 'failed') p.failed++;
    else if (t.state === 'running') p.running++;
    else p.queued++;
  }
  p.finished = p.done + p.diverged + p.failed;
  return p;
}

/** The validation column that tracks the study's test metric, epoch by epoch. */
export const VALIDATION_OF: Record<string, keyof EpochRow> = {
  test_balanced_accuracy: 'valBalancedAccuracy',
  test_accuracy: 'valAccuracy',
  test_macro_f1: 'valMacroF1',
};

/** Per-epoch mean and range over seeds of one quantity of one arm. */
export interface CurvePoint {
  arm: string;
  epoch: number;
  mean: number;
  lo: number;
  hi: number;
  seeds: number;
}

export type CurveKey = 'trainLoss' | 'valLoss' | 'valMetric' | 'lr' | 'seconds';

export type ArmCurves = Record<CurveKey, CurvePoint[]>;

/**
 * Per-arm curves (mean, min and max over the seeds of finished trials), epochs 1-based.
 *
 * @example
 *   const curves = await readCurves(store, view); // Map arm key -> { trainLoss, valLoss, ... }
 */
export async function readCurves(store: Store, view: StudyView): Promise<Map<string, ArmCurves>> {
  const epochs = await store.epochsForStudy(view.study.id);
  const metricKey = VALIDATION_OF[view.metric] ?? 'valAccuracy';
  const out = new Map<string, ArmCurves>();
  for (const arm of view.arms) {
    const mine = view.trials.filter(
      (t) => t.armId === arm.id && (t.state === 'done' || t.state === 'diverged'),
    );
    const pick: Record<CurveKey, (e: EpochRow) => number | undefined> = {
      trainLoss: (e) => e.trainLoss,
      valLoss: (e) => e.valLoss,
      valMetric: (e) => e[metricKey] as number | undefined,
      lr: (e) => e.lr,
      seconds: (e) => e.seconds,
    };
    const curves = {} as ArmCurves;
    for (const key of Object.keys(pick) as CurveKey[]) {
      const byEpoch = new Map<number, number[]>();
      for (const t of mine) {
        for (const e of epochs.get(t.id) ?? []) {
          const v = pick[key](e);
          if (v === undefined || v === null || !Number.isFinite(v)) continue;
          const list = byEpoch.get(e.epoch) ?? [];
          list.push(v);
          byEpoch.set(e.epoch, list);
        }
      }
      curves[key] = [...byEpoch.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([epoch, vs]) => ({
          arm: arm.key,
          epoch: epoch + 1,
          mean: vs.reduce((s, v) => s + v, 0) / vs.length,
          lo: Math.min(...vs),
          hi: Math.max(...vs),
          seeds: vs.length,
        }));
    }
    out.set(arm.key, curves);
  }
  return out;
}

/** A finished trial's result, typed for what the report reads. */
export function resultOf(t: TrialRow): TrialResult {
  return (t.result ?? {}) as TrialResult;
}

/**
 * An arm's label, as the user wrote it (or as the planner described the measure).
 *
 * @example
 *   labelOf(view, 'm1-dropout'); // 'dropout 0.5 before the classifier'
 */
export function labelOf(view: StudyView, key: string): string {
  return view.arms.find((a) => a.key === key)?.label ?? key;
}

/** A measure's effect so far while its study runs: paired differences of finished trials. */
export interface ProvisionalEffect {
  arm: string;
  label: string;
  /** Mean paired difference, percentage points; NaN with no pairs yet. */
  effect: number;
  pairs: number;
  finished: number;
  planned: number;
}

/**
 * Effects from the trials finished so far (arm minus baseline at the same seed, in points),
 * before the study's statistics give a verdict; no interval, since the seed budget decides
 * that.
 *
 * @example
 *   provisionalEffects(view).map((p) => p.effect);
 */
export function provisionalEffects(view: StudyView): ProvisionalEffect[] {
  const scored = (t: Trial) =>
    (t.state === 'done' || t.state === 'diverged') && t.metrics
      ? (t.metrics[view.metric] ?? null)
      : null;
  const baseline = view.arms.find((a) => a.key === 'baseline');
  const base = new Map<number, number>();
  for (const t of view.trials) {
    const s = t.armId === baseline?.id ? scored(t) : null;
    if (s !== null) base.set(t.seed, s);
  }
  return view.arms
    .filter((a) => a.key !== 'baseline')
    .map((arm) => {
      const mine = view.trials.filter((t) => t.armId === arm.id);
      const diffs: number[] = [];
      for (const t of mine) {
        const s = scored(t);
        const b = base.get(t.seed);
        if (s !== null && b !== undefined) diffs.push(100 * (s - b));
      }
      return {
        arm: arm.key,
        label: arm.label,
        effect: diffs.length ? diffs.reduce((x, y) => x + y, 0) / diffs.length : Number.NaN,
        pairs: diffs.length,
        finished: mine.filter((t) => scored(t) !== null || t.state === 'failed').length,
        planned: mine.length,
      };
    });
}
