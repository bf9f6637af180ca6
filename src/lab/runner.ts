/**
 * Runs a study: the baseline and one arm per measure (and the stack arm when asked), at the
 * same seeds, in a pool of worker threads, with seeds added adaptively while verdicts are
 * undecided. A worker with nothing needed to do runs the next seed of an undecided arm ahead
 * of time (speculatively); such a trial is set aside as soon as its arm is decided, or when a
 * needed trial is waiting for a worker (it resumes from its last epoch if it is needed after
 * all). Verdicts read only the seeds the planner's sequential rule reached, so speculation
 * changes the time a study takes, never its verdicts. Every trial is stored as it finishes; a
 * study killed at any moment (even kill -9) continues on the next run with the same db:
 * finished trials are kept, unfinished ones run again, each from its last checkpointed
 * epoch. Ctrl-C stops cleanly, keeping what finished. The main thread is the store's only
 * writer.
 *
 * @example
 *   const outcome = await runStudy(await loadStudyFile('study.yaml'), { db: 'tunebook.db', workers: 2 });
 */
import { mkdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { TunebookError } from '../core/errors.js';
import type { BackendChoice } from '../engine/backend.js';
import { CONTROL_SEED_OFFSET, controlArm, stackArm } from './config/arms.js';
import type { LoadedStudy } from './config/load.js';
import type { MeasureConfig } from './config/schema.js';
import { armCost } from './cost.js';
import {
  type ArmProgress,
  armStatuses,
  type PlanOptions,
  plannedTrials,
  seedSavings,
  speculativeTrials,
} from './planner.js';
import { TaskError, WorkerPool } from './pool/worker-pool.js';
import {
  planFor,
  prepareRule,
  type RuleSettings,
  recordRule,
  ruleName,
} from './stats/study-rule.js';
import type { ArmRow, EpochRow, Store, StudyRow, TrialRow } from './store/store.js';
import type { TrialInput, TrialOutput, TrialReport } from './trial/run-trial.js';

export interface RunOptions {
  store: Store;
  workers?: number;
  fresh?: boolean;
  backend?: BackendChoice;
  /** Where per-trial checkpoints go (default: beside the db). */
  checkpointDir?: string;
  /** Lines of progress (plain, or redrawn when `tty`). */
  log?: (line: string) => void;
  status?: (line: string) => void;
  /** Resolves when the user asks to stop (Ctrl-C). */
  stop?: Promise<void>;
  environment?: unknown;
  /** The trial worker script (tests put a stand-in here). */
  workerUrl?: URL;
}

export interface StudyOutcome {
  study: StudyRow;
  interrupted: boolean;
  trialsRun: number;
  /** Trials in the study against arms x maxSeeds. */
  savings: number;
  failed: number;
  /** Trials started ahead of need on idle workers, and how many of those were set aside. */
  ahead: { started: number; setAside: number };
}

/** A study already in the db under this name with other settings. */
export class StudyChangedError extends TunebookError {
  constructor(name: string, db: string) {
    super(
      'E_STUDY_CHANGED',
      `study "${name}" is already in ${db} with different settings; rerun with --fresh to discard ` +
        'its trials and start over, or give the changed study a new name',
    );
  }
}

interface RunningTrial {
  arm: string;
  seed: number;
  started: number;
  abort: AbortController;
}

const WORKER_URL = new URL('./trial/trial-worker.js', import.meta.url);

export async function runStudy(loaded: LoadedStudy, options: RunOptions): Promise<StudyOutcome> {
  const { store } = options;
  const { config } = loaded;
  const log = options.log ?? (() => {});
  const status = options.status ?? (() => {});
  const checkpointRoot = join(options.checkpointDir ?? `${store.file}.checkpoints`, config.name);

  // The rule's boundaries before the study is stored (they take a moment to simulate).
  prepareRule(planOf(config), config.measures.length);
  let study = store.findStudy(config.name);
  if (study && study.hash !== loaded.hash) {
    if (!options.fresh) throw new StudyChangedError(config.name, store.file);
  }
  if (study && options.fresh) {
    store.deleteStudy(config.name);
    rmSync(checkpointRoot, { recursive: true, force: true });
    study = null;
  }
  if (!study) {
    study = store.createStudy({
      name: config.name,
      hash: loaded.hash,
      file: loaded.file,
      // The rule is recorded beside the settings (not in the hash): a later default never
      // changes this study's verdicts (lab/stats/study-rule.ts).
      config: { ...config, verdictRule: recordRule(config) },
      environment: options.environment ?? null,
    });
  }
  const studyId = study.id;
  store.setStudyState(studyId, 'running');
  const armRows = new Map<string, ArmRow>();
  const stored = study.config as RuleSettings;
  let plan = planFor(stored);
  const armsToRun = plan.control ? [...loaded.arms, controlArm(config)] : loaded.arms;
  for (const arm of armsToRun) {
    const row = store.upsertArm({
      studyId,
      key: arm.id,
      label: arm.label,
      kind: arm.kind,
      position: arm.index,
      measure: arm.measure,
      config: arm.config,
    });
    armRows.set(arm.id, row);
  }
  for (const row of store.arms(studyId)) armRows.set(row.key, row);
  const requeued = store.requeueUnfinished(studyId, { failed: true });
  if (requeued > 0) log(`resuming: ${requeued} unfinished trial(s) will run again`);

  const workers = Math.max(1, options.workers ?? config.workers ?? availableParallelism());
  const pool = new WorkerPool<TrialInput, TrialOutput>(options.workerUrl ?? WORKER_URL, workers, {
    maxMemoryMb: 4096,
  });
  mkdirSync(checkpointRoot, { recursive: true });
  const running = new Map<number, RunningTrial>();
  /** Speculative trials being cancelled: they go back to 'queued' when their task settles. */
  const setAside = new Set<number>();
  const durations: number[] = [];
  let interrupted = false;
  let failed = 0;
  let trialsRun = 0;
  const ahead = { started: 0, setAside: 0 };

  /** Scores and failures from the store (or a fresh read of it), pending seeds from `running`. */
  const progressOf = (trials = store.trials(studyId)): ArmProgress[] => {
    return [...armRows.values()].map((arm) => {
      const scores = new Map<number, number>();
      const failed = new Set<number>();
      for (const t of trials) {
        if (t.armId !== arm.id) continue;
        if ((t.state === 'done' || t.state === 'diverged') && t.metrics)
          scores.set(t.seed, t.metrics[config.metric]);
        if (t.state === 'failed') failed.add(t.seed);
      }
      const pending = new Set<number>();
      for (const [id, r] of running)
        if (r.arm === arm.key && !setAside.has(id)) pending.add(r.seed);
      return { key: arm.key, scores, pending, failed };
    });
  };

  /** Adds the stack arm once every measure arm is decided, if asked and anything is effective. */
  const maybeStack = () => {
    if (!config.stack || armRows.has('stack')) return;
    const statuses = armStatuses(progressOf(), plan).filter(
      (s) => s.key !== 'stack' && s.key !== 'control',
    );
    if (statuses.some((s) => s.verdict === 'undecided')) return;
    const effective = loaded.arms.filter(
      (a) => statuses.find((s) => s.key === a.id)?.verdict === 'effective',
    );
    if (effective.length < 2) return;
    const arm = stackArm(
      config,
      effective.map((a) => a.measure as MeasureConfig),
    );
    armRows.set(
      'stack',
      store.upsertArm({
        studyId,
        key: 'stack',
        label: arm.label,
        kind: 'stack',
        position: arm.index,
        measure: null,
        config: arm.config,
      }),
    );
    log(`stack arm: ${arm.label}`);
  };

  const stopped = options.stop?.then(() => {
    interrupted = true;
  });
  const inFlight = new Set<Promise<void>>();
  const configOf = (armKey: string) => armRows.get(armKey)!.config as TrialInput['config'];

  const launch = (trial: TrialRow & { armKey: string }) => {
    store.markRunning(trial.id);
    const started = performance.now();
    const abort = new AbortController();
    running.set(trial.id, { arm: trial.armKey, seed: trial.seed, started, abort });
    const checkpoint = join(checkpointRoot, `${trial.armKey}-seed${trial.seed}.ckpt`);
    const epochs: EpochRow[] = [];
    const task = pool
      .run(
        {
          config: configOf(trial.armKey),
          seed: trial.armKey === 'control' ? CONTROL_SEED_OFFSET + trial.seed : trial.seed,
          backend: options.backend,
          checkpoint,
          identity: { study: config.name, hash: loaded.hash, arm: trial.armKey, seed: trial.seed },
        },
        (report) => {
          const r = report as TrialReport;
          if (r.type === 'epoch') epochs.push(r.record);
        },
        abort.signal,
      )
      .then(
        (out) => {
          store.finishTrial(trial.id, {
            state: out.state,
            seconds: out.seconds,
            metrics: out.metrics,
            result: out.result,
            error: null,
            epochs: out.epochs,
          });
          rmSync(checkpoint, { force: true });
          durations.push((performance.now() - started) / 1000);
          trialsRun++;
          const score = out.metrics[config.metric];
          log(
            `${out.state === 'diverged' ? 'diverged' : 'done'}  ${trial.armKey} seed ${trial.seed}: ` +
              `${config.metric} ${(100 * score).toFixed(2)}%  (${out.seconds.toFixed(1)} s)`,
          );
        },
        (error: Error) => {
          if (setAside.has(trial.id)) {
            // Its checkpoint stays: if the trial is needed later, it resumes from there.
            store.requeueTrial(trial.id);
            return;
          }
          if (interrupted) return; // stays 'running': the next run requeues it
          failed++;
          store.finishTrial(trial.id, {
            state: 'failed',
            seconds: (performance.now() - started) / 1000,
            metrics: null,
            result: null,
            error: error instanceof TaskError ? error.message : String(error),
            epochs,
          });
          log(`failed ${trial.armKey} seed ${trial.seed}: ${error.message}`);
        },
      )
      .finally(() => {
        running.delete(trial.id);
        setAside.delete(trial.id);
        inFlight.delete(task);
      });
    inFlight.add(task);
  };

  /** Cancels a running speculative trial; it goes back to the queue when its task settles. */
  const putAside = (id: number, why: string) => {
    const r = running.get(id)!;
    setAside.add(id);
    ahead.setAside++;
    r.abort.abort();
    log(`set aside ${r.arm} seed ${r.seed} (${why})`);
  };

  try {
    for (;;) {
      if (interrupted) break;
      if (plan.resolution === 0) plan = planFor(stored, testSizeOf(store.trials(studyId)));
      maybeStack();
      const progress = progressOf();
      const wanted = plannedTrials(progress, plan);
      const isWanted = (arm: string, seed: number) => !!wanted.get(arm)?.includes(seed);
      store.transaction(() => {
        for (const [armKey, seeds] of wanted)
          for (const seed of seeds) store.ensureTrial(armRows.get(armKey)!.id, seed);
      });
      const undecided = new Set(
        armStatuses(progress, plan)
          .filter((s) => s.verdict === 'undecided')
          .map((s) => s.key),
      );
      // Speculative trials are worth their worker while their arm (any arm, for the
      // baseline's) is undecided.
      const speculative = [...running]
        .filter(([id, r]) => !setAside.has(id) && !isWanted(r.arm, r.seed))
        .sort(([, a], [, b]) => b.seed - a.seed);
      for (const [id, r] of speculative)
        if (!(r.arm === 'baseline' ? undecided.size > 0 : undecided.has(r.arm)))
          putAside(id, 'its arm is decided');
      // Arm by arm (the baseline first): early arms reach their decision, and ask for their
      // next seeds, while later arms still have work queued, so the pool rarely waits.
      const trials = store.trials(studyId);
      const waiting = trials.filter((t) => t.state === 'queued' && isWanted(t.armKey, t.seed));
      let idle = workers - (running.size - setAside.size);
      // A needed trial does not wait behind a speculative one: the deepest seed steps aside.
      for (const [id] of speculative) {
        if (waiting.length <= idle) break;
        if (setAside.has(id)) continue;
        putAside(id, 'a needed trial is waiting');
        idle++;
      }
      for (const t of waiting.slice(0, Math.max(0, idle))) launch(t);
      idle -= Math.min(waiting.length, Math.max(0, idle));
      for (const next of speculativeTrials(progressOf(trials), plan, idle, wanted)) {
        const row = store.ensureTrial(armRows.get(next.arm)!.id, next.seed);
        if (row.state !== 'queued') continue;
        launch({ ...row, armKey: next.arm });
        ahead.started++;
      }
      showStatus(status, store, studyId, running, durations, workers);
      if (inFlight.size === 0) {
        if (waiting.length === 0) break;
        continue;
      }
      await Promise.race([...inFlight, stopped].filter(Boolean));
    }
  } finally {
    await pool.terminate();
  }
  if (!interrupted) {
    // What the study did not need: queued trials (set-aside speculation) and their checkpoints.
    store.dropQueued(studyId);
    rmSync(checkpointRoot, { recursive: true, force: true });
  }
  const trials = store.trials(studyId);
  plan = planFor(stored, testSizeOf(trials));
  if (!interrupted)
    saveVerdicts(store, studyId, armRows, progressOf(), plan, config.metric, ruleName(stored));
  store.setStudyState(studyId, interrupted ? 'interrupted' : 'done');
  const measureArms = armRows.size;
  return {
    study: store.findStudy(config.name)!,
    interrupted,
    trialsRun,
    savings: seedSavings(
      trials.filter((t) => t.state !== 'queued').length,
      measureArms,
      config.seeds.maxSeeds,
    ),
    failed,
    ahead,
  };
}

/** The planner's settings of a study file as a new study would record them. */
export function planOf(config: LoadedStudy['config'], testSize: number | null = null): PlanOptions {
  return planFor({ ...config, verdictRule: recordRule(config) }, testSize);
}

/** Examples in the test split, from the first trial that reports it (null before). */
function testSizeOf(trials: TrialRow[]): number | null {
  for (const t of trials) {
    const counts = (t.result as { classCounts?: { test?: number[] } } | null)?.classCounts?.test;
    if (counts?.length) return counts.reduce((a, b) => a + b, 0);
  }
  return null;
}

function saveVerdicts(
  store: Store,
  studyId: number,
  arms: Map<string, ArmRow>,
  progress: ArmProgress[],
  plan: PlanOptions,
  metric: string,
  intervals: string,
): void {
  const statuses = armStatuses(progress, plan);
  const trials = store.trials(studyId);
  const epochs = store.epochsForStudy(studyId);
  // Over the seeds the verdict read: trials run ahead of need do not change the cost either.
  const withEpochs = (armId: number, seeds?: number[]) =>
    trials
      .filter((t) => t.armId === armId && (!seeds || seeds.includes(t.seed)))
      .map((t) => ({ ...t, epochs: epochs.get(t.id) ?? [] }));
  const baseline = arms.get('baseline')!;
  const baseCost = armCost(withEpochs(baseline.id), withEpochs(baseline.id), metric);
  const rows = statuses.map((s) => {
    const arm = arms.get(s.key)!;
    const seeds = s.effect.seeds;
    const cost = armCost(withEpochs(arm.id, seeds), withEpochs(baseline.id, seeds), metric);
    // Out of seeds or trials (all failed, say): what is still open is unstable.
    const verdict = s.verdict === 'undecided' ? 'unstable' : s.verdict;
    return {
      studyId,
      armId: arm.id,
      verdict,
      effect: s.effect.mean,
      lo: s.effect.lo,
      hi: s.effect.hi,
      n: s.effect.n,
      details: {
        metric,
        delta: plan.delta,
        intervals,
        level: plan.level,
        alpha: plan.alpha,
        resolution: plan.resolution,
        errorRate: plan.errorRate,
        seeds: s.effect.seeds,
        differences: s.effect.differences,
        sd: s.effect.sd,
        cost,
        baselineParameters: baseCost.parameters,
      },
    };
  });
  store.saveVerdicts(studyId, rows as Parameters<Store['saveVerdicts']>[1]);
}

function showStatus(
  status: (line: string) => void,
  store: Store,
  studyId: number,
  running: Map<number, RunningTrial>,
  durations: number[],
  workers: number,
): void {
  const trials = store.trials(studyId);
  const finished = trials.filter(
    (t) => t.state === 'done' || t.state === 'diverged' || t.state === 'failed',
  ).length;
  const left = trials.length - finished;
  const mean = durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : null;
  const eta = mean === null ? '?' : formatSeconds((left * mean) / workers);
  const now = [...running.values()].map((r) => `${r.arm} s${r.seed}`).join(', ') || 'none';
  status(`trials ${finished}/${trials.length}  running: ${now}  eta ${eta}`);
}

function formatSeconds(s: number): string {
  if (s < 90) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  return m < 90
    ? `${m}m${String(Math.round(s - 60 * m)).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${m % 60}m`;
}
