/**
 * The run's one-line state: trials done of those planned so far (the plan grows while
 * adaptive seeds ask for more, so the most it can grow to is shown beside it), time elapsed,
 * an ETA from the trials measured in this run, and the running trials with their epoch.
 *
 * @example
 *   describeProgress(p); // "12/60 done (up to 88)  1 failed  elapsed 2m05s  eta 3m10s  running: baseline s3 e2/5, m1 s3 e1/5"
 */
import type { TrialRow } from '../store/store.js';
import type { RunningTrial } from './trials.js';

export interface StudyProgress {
  /** Trials finished (done, diverged or failed). */
  done: number;
  failed: number;
  /** Trials the plan asks for so far (finished ones included). */
  planned: number;
  /** Every arm at maxSeeds: what `planned` can grow to. */
  upTo: number;
  elapsedSeconds: number;
  /** From the mean trial time of this run and the workers; null before any trial finished. */
  etaSeconds: number | null;
  running: { arm: string; seed: number; epoch: number; epochs: number }[];
}

const FINISHED = new Set(['done', 'diverged', 'failed']);

export function measureProgress(input: {
  trials: TrialRow[];
  wanted: Map<string, number[]>;
  armIdOf: (key: string) => number;
  arms: number;
  maxSeeds: number;
  running: Iterable<RunningTrial>;
  durations: number[];
  workers: number;
  startedAt: number;
}): StudyProgress {
  const finished = input.trials.filter((t) => FINISHED.has(t.state));
  const planned = new Set(finished.map((t) => `${t.armId}/${t.seed}`));
  for (const [arm, seeds] of input.wanted)
    for (const seed of seeds) planned.add(`${input.armIdOf(arm)}/${seed}`);
  const d = input.durations;
  const mean = d.length ? d.reduce((a, b) => a + b, 0) / d.length : null;
  const left = planned.size - finished.length;
  return {
    done: finished.length,
    failed: finished.filter((t) => t.state === 'failed').length,
    planned: planned.size,
    upTo: Math.max(planned.size, input.arms * input.maxSeeds),
    elapsedSeconds: (performance.now() - input.startedAt) / 1000,
    etaSeconds: mean === null ? null : (left * mean) / Math.max(1, input.workers),
    running: [...input.running].map(({ arm, seed, epoch, epochs }) => ({
      arm,
      seed,
      epoch,
      epochs,
    })),
  };
}

export function describeProgress(p: StudyProgress): string {
  const upTo = p.upTo > p.planned ? ` (up to ${p.upTo})` : '';
  const failed = p.failed ? `  ${p.failed} failed` : '';
  const eta = p.etaSeconds === null ? '?' : formatSeconds(p.etaSeconds);
  const now =
    p.running
      .map((r) => `${r.arm} s${r.seed} e${Math.min(r.epoch + 1, r.epochs)}/${r.epochs}`)
      .join(', ') || 'none';
  return (
    `${p.done}/${p.planned} done${upTo}${failed}  elapsed ${formatSeconds(p.elapsedSeconds)}  ` +
    `eta ${eta}  running: ${now}`
  );
}

export function formatSeconds(s: number): string {
  if (s < 90) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  return m < 90
    ? `${m}m${String(Math.round(s - 60 * m)).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${m % 60}m`;
}
