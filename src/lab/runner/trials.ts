/**
 * The trials in flight: each runs on the worker pool, and its outcome is written to the store
 * the moment it settles (the main thread is the store's only writer). A speculative trial can
 * be set aside (cancelled): it goes back to the queue with its checkpoint kept, so it resumes
 * from its last epoch if its arm needs it after all.
 */

import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { EnvironmentError } from '../../core/errors.js';
import type { BackendChoice } from '../../engine/backend.js';
import { trainedSeed } from '../config/trial-key.js';
import { TaskError, type WorkerPool } from '../pool/worker-pool.js';
import type { EpochRow, TrialRow } from '../store/store.js';
import { storedOutcome } from '../trial/outcome.js';
import type { TrialInput, TrialOutput, TrialReport } from '../trial/run-trial.js';
import type { StudySession } from './open-study.js';

export interface RunningTrial {
  arm: string;
  seed: number;
  started: number;
  abort: AbortController;
  /** Epochs finished so far, of `epochs`. */
  epoch: number;
  epochs: number;
}

/** How a launched trial settled: stored as finished, failed, or not stored (set aside, stopped). */
export type Settled =
  | { state: 'done' | 'diverged' }
  | { state: 'failed'; error: string }
  | { state: 'set-aside' | 'stopped' };

/**
 * What the scheduler drives: the local pool (`TrialsInFlight`) or a shared store's queue
 * (`SharedTrials`, runner/shared-trials.ts), where workers anywhere claim the trials.
 */
export interface InFlight {
  readonly running: Map<number, RunningTrial>;
  readonly setAside: Set<number>;
  readonly tasks: Set<Promise<Settled>>;
  readonly durations: number[];
  finished: number;
  failed: number;
  readonly ahead: { started: number; setAside: number };
  interrupted: boolean;
  fault: EnvironmentError | null;
  readonly busy: number;
  launch(trial: TrialRow & { armKey: string }, speculative?: boolean): Promise<Settled>;
  putAside(id: number, why: string): void;
  /** Shared queue: trials the plan needs that run elsewhere already (a restarted planner). */
  adopt?(trials: (TrialRow & { armKey: string })[]): void;
  /** Shared queue: how many more trials may be queued ahead of need. */
  aheadRoom?(): number;
  /** Shared queue: the worker threads seen at work (for the ETA), in place of the pool's size. */
  parallel?(): number;
}

/**
 * The bookkeeping both kinds of in-flight set share (what the scheduler and the status line
 * read); each subclass decides how a trial is launched and learnt of.
 */
export abstract class InFlightState {
  readonly running = new Map<number, RunningTrial>();
  /** Speculative trials being cancelled: they go back to 'queued' when their task settles. */
  readonly setAside = new Set<number>();
  readonly tasks = new Set<Promise<Settled>>();
  /** Wall seconds of each trial finished in this run (for the ETA). */
  readonly durations: number[] = [];
  finished = 0;
  failed = 0;
  readonly ahead = { started: 0, setAside: 0 };
  /** Set once the user asked to stop: a trial that fails then stays 'running' for the next run. */
  interrupted = false;
  /** A fault of the machine (disk full) that stopped the study: thrown once it has stopped. */
  fault: EnvironmentError | null = null;

  /** Running trials that are not being set aside. */
  get busy(): number {
    return this.running.size - this.setAside.size;
  }
}

export class TrialsInFlight extends InFlightState implements InFlight {
  constructor(
    private readonly session: StudySession,
    private readonly pool: WorkerPool<TrialInput, TrialOutput>,
    private readonly backend: BackendChoice | undefined,
    private readonly log: (line: string) => void,
    private readonly onEpoch: () => void,
  ) {
    super();
  }

  /**
   * Starts one queued trial; the promise settles once its outcome is stored. It counts as
   * running from this call on (the store hears of it a moment later).
   */
  launch(trial: TrialRow & { armKey: string }): Promise<Settled> {
    const { config, loaded } = this.session;
    const armConfig = this.session.armRows.get(trial.armKey)!.config as TrialInput['config'];
    const running: RunningTrial = {
      arm: trial.armKey,
      seed: trial.seed,
      started: performance.now(),
      abort: new AbortController(),
      epoch: 0,
      epochs: armConfig.training.epochs,
    };
    this.running.set(trial.id, running);
    const checkpoint = join(this.session.checkpointRoot, `${trial.armKey}-seed${trial.seed}.ckpt`);
    const epochs: EpochRow[] = [];
    const input: TrialInput = {
      config: armConfig,
      // The negative control and confirmation arms train at seeds no other arm uses.
      seed: trainedSeed(trial.armKey, trial.seed),
      backend: this.backend,
      checkpoint,
      identity: { study: config.name, hash: loaded.hash, arm: trial.armKey, seed: trial.seed },
    };
    const onReport = (report: unknown) => {
      const r = report as TrialReport;
      if (r.type !== 'epoch') return;
      epochs.push(r.record);
      running.epoch = r.record.epoch + 1;
      this.onEpoch();
    };
    const task = this.settle(trial, running, input, onReport, epochs).finally(() => {
      this.running.delete(trial.id);
      this.setAside.delete(trial.id);
      this.tasks.delete(task);
    });
    this.tasks.add(task);
    return task;
  }

  /** Marked running, run on the pool, and its outcome stored. */
  private async settle(
    trial: TrialRow & { armKey: string },
    running: RunningTrial,
    input: TrialInput,
    onReport: (report: unknown) => void,
    epochs: EpochRow[],
  ): Promise<Settled> {
    await this.session.store.markRunning(trial.id, hostname());
    let out: TrialOutput;
    try {
      out = await this.pool.run(input, onReport, running.abort.signal);
    } catch (error) {
      return await this.failedOrSetAside(trial, running, error as Error, epochs);
    }
    return await this.stored(trial, running, out, input.checkpoint!);
  }

  /** Cancels a running speculative trial; it goes back to the queue when its task settles. */
  putAside(id: number, why: string): void {
    const r = this.running.get(id);
    if (!r) return; // it settled while the round was reading the store
    this.setAside.add(id);
    this.ahead.setAside++;
    r.abort.abort();
    this.log(`set aside ${r.arm} seed ${r.seed} (${why})`);
  }

  private async stored(
    trial: TrialRow & { armKey: string },
    running: RunningTrial,
    out: TrialOutput,
    checkpoint: string,
  ): Promise<Settled> {
    const { store, config } = this.session;
    await store.finishTrial(trial.id, storedOutcome(out));
    rmSync(checkpoint, { force: true });
    this.durations.push((performance.now() - running.started) / 1000);
    this.finished++;
    const score = out.metrics[config.metric];
    this.log(
      `${out.state === 'diverged' ? 'diverged' : 'done'}  ${trial.armKey} seed ${trial.seed}: ` +
        `${config.metric} ${(100 * score).toFixed(2)}%  (${out.seconds.toFixed(1)} s)`,
    );
    return { state: out.state };
  }

  private async failedOrSetAside(
    trial: TrialRow & { armKey: string },
    running: RunningTrial,
    error: Error,
    epochs: EpochRow[],
  ): Promise<Settled> {
    const { store } = this.session;
    if (this.setAside.has(trial.id)) {
      // Its checkpoint stays: if the trial is needed later, it resumes from there.
      await store.requeueTrial(trial.id);
      return { state: 'set-aside' };
    }
    if (this.interrupted) {
      // Back to 'queued' (its checkpoint stays), so no trial shows as running for ever.
      try {
        await store.requeueTrial(trial.id);
      } catch {
        // The db may be the fault (disk full): left 'running', the next run requeues it.
      }
      return { state: 'stopped' };
    }
    if (/\bENOSPC\b/.test(error.message)) {
      // Not the trial's fault: stop the study, keep the trial to rerun once there is room.
      this.fault = diskFull(this.session.checkpointRoot, error.message);
      this.interrupted = true;
      return { state: 'stopped' };
    }
    this.failed++;
    const message = error instanceof TaskError ? error.message : String(error);
    await store.finishTrial(trial.id, {
      state: 'failed',
      seconds: (performance.now() - running.started) / 1000,
      metrics: null,
      result: null,
      error: message,
      epochs,
    });
    this.log(`failed ${trial.armKey} seed ${trial.seed}: ${error.message}`);
    return { state: 'failed', error: message };
  }
}

function diskFull(folder: string, message: string): EnvironmentError {
  return new EnvironmentError(
    `${folder}: the disk is full (${message.split(',')[0]}); finished trials are kept: free some space and run the same command to continue`,
  );
}
