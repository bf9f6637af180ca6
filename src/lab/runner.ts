/**
 * Runs a study: the baseline and one arm per measure (and the stack arm when asked), at the
 * same seeds, in a pool of worker threads, with seeds added adaptively while verdicts are
 * undecided. Every trial is stored as it finishes; a study killed at any moment (even
 * kill -9) continues on the next run with the same db: finished trials are kept, unfinished
 * ones run again, each from its last checkpointed epoch. Ctrl-C stops cleanly, keeping what
 * finished. The main thread is the store's only writer.
 *
 * @example
 *   const outcome = await runStudy(await loadStudyFile('study.yaml'), { db: 'tunebook.db', workers: 2 });
 */
import { mkdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { TunebookError } from '../core/errors.js';
import type { BackendChoice } from '../engine/backend.js';
import { stackArm } from './config/arms.js';
import type { LoadedStudy } from './config/load.js';
import type { MeasureConfig } from './config/schema.js';
import { armCost } from './cost.js';
import { type ArmProgress, armStatuses, plannedTrials, seedSavings } from './planner.js';
import { TaskError, WorkerPool } from './pool/worker-pool.js';
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
}

export interface StudyOutcome {
  study: StudyRow;
  interrupted: boolean;
  trialsRun: number;
  /** Trials in the study against arms x maxSeeds. */
  savings: number;
  failed: number;
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

const WORKER_URL = new URL('./trial/trial-worker.js', import.meta.url);

export async function runStudy(loaded: LoadedStudy, options: RunOptions): Promise<StudyOutcome> {
  const { store } = options;
  const { config } = loaded;
  const log = options.log ?? (() => {});
  const status = options.status ?? (() => {});
  const checkpointRoot = join(options.checkpointDir ?? `${store.file}.checkpoints`, config.name);

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
      config,
      environment: options.environment ?? null,
    });
  }
  const studyId = study.id;
  store.setStudyState(studyId, 'running');
  const armRows = new Map<string, ArmRow>();
  for (const arm of loaded.arms) {
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
  const pool = new WorkerPool<TrialInput, TrialOutput>(WORKER_URL, workers, { maxMemoryMb: 4096 });
  mkdirSync(checkpointRoot, { recursive: true });
  const running = new Map<number, { arm: string; seed: number; started: number }>();
  const durations: number[] = [];
  let interrupted = false;
  let failed = 0;
  let trialsRun = 0;
  const plan = {
    minSeeds: config.seeds.minSeeds,
    maxSeeds: config.seeds.maxSeeds,
    delta: config.delta,
  };

  const progressOf = (): ArmProgress[] => {
    const trials = store.trials(studyId);
    return [...armRows.values()].map((arm) => {
      const mine = trials.filter((t) => t.armId === arm.id);
      const scores = new Map<number, number>();
      const pending = new Set<number>();
      for (const t of mine) {
        if ((t.state === 'done' || t.state === 'diverged') && t.metrics)
          scores.set(t.seed, t.metrics[config.metric]);
        if (t.state === 'queued' || t.state === 'running') pending.add(t.seed);
      }
      return { key: arm.key, scores, pending };
    });
  };

  /** Adds the stack arm once every measure arm is decided, if asked and anything is effective. */
  const maybeStack = () => {
    if (!config.stack || armRows.has('stack')) return;
    const statuses = armStatuses(progressOf(), plan).filter((s) => s.key !== 'stack');
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
    running.set(trial.id, { arm: trial.armKey, seed: trial.seed, started });
    const checkpoint = join(checkpointRoot, `${trial.armKey}-seed${trial.seed}.ckpt`);
    const epochs: EpochRow[] = [];
    const task = pool
      .run(
        {
          config: configOf(trial.armKey),
          seed: trial.seed,
          backend: options.backend,
          checkpoint,
          identity: { study: config.name, hash: loaded.hash, arm: trial.armKey, seed: trial.seed },
        },
        (report) => {
          const r = report as TrialReport;
          if (r.type === 'epoch') epochs.push(r.record);
        },
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
        inFlight.delete(task);
      });
    inFlight.add(task);
  };

  try {
    for (;;) {
      if (interrupted) break;
      maybeStack();
      const progress = progressOf();
      const wanted = plannedTrials(progress, plan);
      speculateBaseline(wanted, progress, plan, workers - running.size);
      for (const [armKey, seeds] of wanted) {
        for (const seed of seeds) store.ensureTrial(armRows.get(armKey)!.id, seed);
      }
      const queued = store
        .trials(studyId)
        .filter(
          (t) =>
            t.state === 'queued' && !running.has(t.id) && wanted.get(t.armKey)?.includes(t.seed),
        );
      for (const t of queued.slice(0, Math.max(0, workers - running.size))) launch(t);
      showStatus(status, store, studyId, running, durations, workers);
      if (inFlight.size === 0) {
        const remaining = store.trials(studyId).filter((t) => t.state === 'queued');
        if (
          remaining.length === 0 ||
          remaining.every((t) => !wanted.get(t.armKey)?.includes(t.seed))
        )
          break;
        continue;
      }
      await Promise.race([...inFlight, stopped].filter(Boolean));
    }
  } finally {
    await pool.terminate();
  }
  const trials = store.trials(studyId);
  if (!interrupted) saveVerdicts(store, studyId, armRows, progressOf(), plan, config.metric);
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
  };
}

/**
 * With a worker idle and nothing queued while some arm is still undecided, start the
 * baseline's next seed early: every arm that goes on needs it, so the pool does not wait
 * for the last arm trial before the baseline can start.
 */
function speculateBaseline(
  wanted: Map<string, number[]>,
  progress: ArmProgress[],
  plan: { minSeeds: number; maxSeeds: number; delta: number },
  idle: number,
): void {
  if (idle <= 0) return;
  const baseline = wanted.get('baseline') ?? [];
  const waiting = [...wanted].some(([key, seeds]) => {
    const arm = progress.find((a) => a.key === key);
    return seeds.some((s) => !arm?.scores.has(s) && !arm?.pending.has(s));
  });
  if (waiting) return;
  const undecided = armStatuses(progress, plan).some((s) => s.verdict === 'undecided');
  const next = baseline.length ? Math.max(...baseline) + 1 : 0;
  if (undecided && next < plan.maxSeeds) wanted.set('baseline', [...baseline, next]);
}

function saveVerdicts(
  store: Store,
  studyId: number,
  arms: Map<string, ArmRow>,
  progress: ArmProgress[],
  plan: { minSeeds: number; maxSeeds: number; delta: number },
  metric: string,
): void {
  const statuses = armStatuses(progress, plan);
  const trials = store.trials(studyId);
  const epochs = store.epochsForStudy(studyId);
  const withEpochs = (armId: number) =>
    trials.filter((t) => t.armId === armId).map((t) => ({ ...t, epochs: epochs.get(t.id) ?? [] }));
  const baseline = arms.get('baseline')!;
  const baseCost = armCost(withEpochs(baseline.id), withEpochs(baseline.id), metric);
  const rows = statuses.map((s) => {
    const arm = arms.get(s.key)!;
    const cost = armCost(withEpochs(arm.id), withEpochs(baseline.id), metric);
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
  running: Map<number, { arm: string; seed: number; started: number }>,
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
