/**
 * The trials of a shared study, as the scheduler sees them: instead of running a trial on a
 * local pool, `launch` puts it in the store's queue (needed trials at a high priority, trials
 * ahead of need at a low one), and workers on any machine claim it (lab/worker). Outcomes are
 * learnt by polling the store. Setting a trial aside puts it back in the queue, which makes
 * its holder's next heartbeat fail, so the holder stops it. The scheduler, its rounds and the
 * verdict rule are the single-process ones, so the verdicts are too.
 *
 * @example
 *   const trials = new SharedTrials(session, { localThreads: 0, pollMs: 500 }, log, onPoll);
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { TrialRow } from '../store/store.js';
import type { StudySession } from './open-study.js';
import { type InFlight, InFlightState, type Settled } from './trials.js';

/** Queue priorities: what the plan needs goes before what runs ahead of need. */
export const NEEDED_PRIORITY = 10;
export const AHEAD_PRIORITY = 0;

/** The scheduler's worker count for a shared study: the queue, not the planner, limits work. */
export const SHARED_CAPACITY = 100_000;

interface Watched {
  speculative: boolean;
  resolve: (settled: Settled) => void;
}

export class SharedTrials extends InFlightState implements InFlight {
  private readonly watched = new Map<number, Watched>();
  /** One task per trial: launching a trial that is out already returns its task. */
  private readonly tasksById = new Map<number, Promise<Settled>>();
  /** Worker threads seen holding this study's trials (at least the planner's own). */
  private claimants: number;
  private closed = false;
  private readonly polling: Promise<void>;

  constructor(
    private readonly session: StudySession,
    private readonly options: { localThreads: number; pollMs: number },
    private readonly log: (line: string) => void,
    private readonly onPoll: () => void,
  ) {
    super();
    this.claimants = Math.max(1, options.localThreads);
    this.polling = this.pollLoop();
  }

  /** Queues the trial (raising a queued one's priority) and settles once a worker stored it. */
  launch(trial: TrialRow & { armKey: string }, speculative = false): Promise<Settled> {
    const known = this.tasksById.get(trial.id);
    if (known) return known;
    const arm = this.session.armRows.get(trial.armKey)!;
    const epochs = (arm.config as { training: { epochs: number } }).training.epochs;
    this.running.set(trial.id, {
      arm: trial.armKey,
      seed: trial.seed,
      started: performance.now(),
      abort: new AbortController(),
      epoch: 0,
      epochs,
    });
    const task = this.queued(trial, speculative).finally(() => {
      this.running.delete(trial.id);
      this.setAside.delete(trial.id);
      this.tasks.delete(task);
      this.tasksById.delete(trial.id);
    });
    this.tasks.add(task);
    this.tasksById.set(trial.id, task);
    return task;
  }

  adopt(trials: (TrialRow & { armKey: string })[]): void {
    for (const t of trials) void this.launch(t);
  }

  /** Trials ahead of need only while some claimant would otherwise sit idle. */
  aheadRoom(): number {
    return Math.max(0, this.claimants - this.busy);
  }

  parallel(): number {
    return this.claimants;
  }

  putAside(id: number, why: string): void {
    const r = this.running.get(id);
    const w = this.watched.get(id);
    if (!r || !w) return;
    this.setAside.add(id);
    this.ahead.setAside++;
    this.watched.delete(id);
    this.log(`set aside ${r.arm} seed ${r.seed} (${why})`);
    // A trial that finished meanwhile is kept (requeueTrial refuses it): nothing to undo.
    void this.session.store
      .requeueTrial(id)
      .catch(() => {})
      .then(() => w.resolve({ state: 'set-aside' }));
  }

  /** Stops polling; trials still out settle as stopped (they stay in the queue for workers). */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.watched.values()) w.resolve({ state: 'stopped' });
    this.watched.clear();
    await this.polling;
  }

  private async queued(trial: TrialRow & { armKey: string }, speculative: boolean) {
    await this.session.store.ensureTrial(trial.armId, trial.seed, {
      priority: speculative ? AHEAD_PRIORITY : NEEDED_PRIORITY,
    });
    return new Promise<Settled>((resolve) => {
      if (this.closed) resolve({ state: 'stopped' });
      else this.watched.set(trial.id, { speculative, resolve });
    });
  }

  /**
   * Polls fast (50 ms, doubling up to pollMs) after a change, slow while nothing happens:
   * the rounds that queue the next seeds wait for it, and a trial of seconds must not wait
   * half a second for the planner to notice it ended.
   */
  private async pollLoop(): Promise<void> {
    let wait = 50;
    while (!this.closed) {
      await sleep(wait);
      if (this.closed) return;
      try {
        const before = this.watched.size;
        await this.poll();
        wait = this.watched.size !== before ? 50 : Math.min(2 * wait, this.options.pollMs);
      } catch (error) {
        // The database did not answer this time: the next poll asks again.
        this.log(`polling the store failed: ${(error as Error).message}`);
      }
    }
  }

  private async poll(): Promise<void> {
    const { store, studyId, config } = this.session;
    const rows = await store.trials(studyId);
    const holders = new Set<string>();
    for (const t of rows) {
      if (t.state === 'running' && t.worker) holders.add(t.worker.replace(/\.\d+$/, ''));
      const w = this.watched.get(t.id);
      if (!w) continue;
      if (t.state === 'done' || t.state === 'diverged') {
        this.watched.delete(t.id);
        this.finished++;
        if (t.seconds !== null) this.durations.push(t.seconds);
        const score = t.metrics?.[config.metric] ?? Number.NaN;
        this.log(
          `${t.state}  ${t.armKey} seed ${t.seed}: ${config.metric} ${(100 * score).toFixed(2)}%  (${(t.seconds ?? 0).toFixed(1)} s on ${t.host ?? '?'})`,
        );
        w.resolve({ state: t.state });
      } else if (t.state === 'failed') {
        this.watched.delete(t.id);
        this.failed++;
        this.log(`failed ${t.armKey} seed ${t.seed} on ${t.host ?? '?'}: ${t.error}`);
        w.resolve({ state: 'failed', error: t.error ?? 'failed' });
      }
    }
    this.claimants = Math.max(1, this.options.localThreads, holders.size);
    this.onPoll();
  }
}
