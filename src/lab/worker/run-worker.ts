/**
 * A worker process's claim loop (`tunebook worker`, and a shared study's planner for its own
 * threads): each thread claims a queued trial from the store under a lease, runs it in a
 * worker thread, and writes its outcome back; then the next. The lease is renewed every
 * third of its length (the heartbeat); when a renewal is refused (the lease lapsed and the
 * trial went to another worker, or the planner set it aside) the trial is stopped and nothing
 * more is written for it. After each epoch the trial's checkpoint goes into the store, so an
 * attempt on another machine resumes from the last saved epoch; the checkpoint carries the
 * epochs so far, so a resumed curve is one attempt's, never a mix of two.
 *
 * @example
 *   const summary = await runWorker({ store, threads: 2, leaseMs: 60_000, signal });
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BackendChoice } from '../../engine/backend.js';
import { CONTROL_SEED_OFFSET } from '../config/arms.js';
import { WorkerPool } from '../pool/worker-pool.js';
import type { ClaimedTrial, EpochRow, Store, StudyRow } from '../store/store.js';
import { storedOutcome } from '../trial/outcome.js';
import type { TrialInput, TrialOutput, TrialReport } from '../trial/run-trial.js';
import { checkpointEpochs } from './checkpoint-bytes.js';
import { assertSameTraining, TRAINING_CODE_VERSION } from './version.js';

const TRIAL_WORKER = new URL('../trial/trial-worker.js', import.meta.url);

/**
 * An idle thread asks again after 50 ms, doubling up to `pollMs` (1 s) while nothing is
 * queued: a planner queues the next seeds right after a trial ends, and short trials would
 * otherwise wait longer for work than they take; a long-idle worker costs one query a second.
 */
const MIN_IDLE_MS = 50;

export interface WorkerOptions {
  store: Store;
  threads: number;
  /** How long a claim holds without a heartbeat, ms. */
  leaseMs: number;
  /** Only this study's trials. */
  studyId?: number;
  /** Stops the loop: running trials are stopped and handed back at once. */
  signal?: AbortSignal;
  backend?: BackendChoice;
  /** The trial worker thread's module (tests use a stand-in). */
  workerUrl?: URL;
  /** Keep polling when nothing is queued; by default the loop ends once no study is running. */
  forever?: boolean;
  /** How often to look again when nothing is queued, ms. Default 1000. */
  pollMs?: number;
  host?: string;
  trainingVersion?: number;
  log?: (line: string) => void;
}

export interface WorkerSummary {
  finished: number;
  failed: number;
  /** Trials whose lease was lost mid-run (another worker has them now). */
  lost: number;
}

export async function runWorker(o: WorkerOptions): Promise<WorkerSummary> {
  const run = new WorkerRun(o);
  try {
    await Promise.all(Array.from({ length: o.threads }, (_, n) => run.loop(n)));
  } finally {
    await run.close();
  }
  if (run.error) throw run.error;
  return run.summary;
}

class WorkerRun {
  readonly summary: WorkerSummary = { finished: 0, failed: 0, lost: 0 };
  error: Error | null = null;
  private readonly stop = new AbortController();
  private readonly pool: WorkerPool<TrialInput, TrialOutput>;
  private readonly scratch = mkdtempSync(join(tmpdir(), 'tunebook-worker-'));
  private readonly studies = new Map<number, StudyRow>();
  private readonly host: string;
  private readonly log: (line: string) => void;

  constructor(private readonly o: WorkerOptions) {
    this.pool = new WorkerPool<TrialInput, TrialOutput>(o.workerUrl ?? TRIAL_WORKER, o.threads, {
      maxMemoryMb: 4096,
    });
    this.host = o.host ?? hostname();
    this.log = o.log ?? (() => {});
    if (o.signal?.aborted) this.stop.abort();
    o.signal?.addEventListener('abort', () => this.stop.abort(), { once: true });
  }

  async loop(thread: number): Promise<void> {
    let attempt = 0;
    let wait = MIN_IDLE_MS;
    while (!this.stop.signal.aborted) {
      const worker = `${this.host}:${process.pid}:${thread}.${attempt++}`;
      let claim: ClaimedTrial | null;
      try {
        claim = await this.o.store.claimTrial({
          worker,
          host: this.host,
          leaseMs: this.o.leaseMs,
          studyId: this.o.studyId,
        });
        if (claim) {
          await this.runClaimed(claim, worker);
          wait = MIN_IDLE_MS;
        } else if (await this.finished()) return;
        else {
          await this.idle(wait);
          wait = Math.min(2 * wait, this.o.pollMs ?? 1000);
        }
      } catch (error) {
        // A refused study or a broken store ends every thread, not just this one.
        this.error ??= error as Error;
        this.stop.abort();
        return;
      }
    }
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.pool.terminate();
    rmSync(this.scratch, { recursive: true, force: true });
  }

  /** Nothing queued: done unless a study is still running (its planner may add seeds). */
  private async finished(): Promise<boolean> {
    if (this.o.forever) return false;
    const studies = await this.o.store.listStudies();
    const mine = studies.filter((s) => this.o.studyId === undefined || s.id === this.o.studyId);
    return !mine.some((s) => s.state === 'running');
  }

  private async idle(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.stop.signal }).catch(() => {});
  }

  private async studyOf(id: number): Promise<StudyRow> {
    let study = this.studies.get(id);
    if (!study) {
      for (const s of await this.o.store.listStudies()) this.studies.set(s.id, s);
      study = this.studies.get(id)!;
    }
    return study;
  }

  /** Lets the claim lapse at once, so the next claim anywhere takes the trial back up. */
  private async handBack(claim: ClaimedTrial, worker: string): Promise<void> {
    await this.o.store.renewLease(claim.id, worker, 1).catch(() => false);
  }

  private async runClaimed(claim: ClaimedTrial, worker: string): Promise<void> {
    const study = await this.studyOf(claim.studyId);
    try {
      assertSameTraining(study, this.o.trainingVersion ?? TRAINING_CODE_VERSION);
    } catch (error) {
      await this.handBack(claim, worker);
      throw error;
    }
    const trial = new ClaimedRun(this.o, claim, worker, join(this.scratch, `${claim.id}.ckpt`));
    const label = `${study.name} ${claim.armKey} seed ${claim.seed}`;
    const resumed = await trial.restore();
    this.log(
      `claimed ${label} (attempt ${claim.attempts}${resumed ? `, from epoch ${resumed}` : ''})`,
    );
    const input: TrialInput = {
      config: claim.armConfig as TrialInput['config'],
      // The negative control trains the baseline's settings at seeds no other arm uses.
      seed: claim.armKey === 'control' ? CONTROL_SEED_OFFSET + claim.seed : claim.seed,
      backend: this.o.backend,
      checkpoint: trial.file,
      identity: { study: study.name, hash: study.hash, arm: claim.armKey, seed: claim.seed },
    };
    const settled = await trial.run(this.pool, input, this.stop.signal);
    if (settled === 'lost') {
      this.summary.lost++;
      this.log(`lost ${label}: its lease went to another worker (or it was set aside)`);
    } else if (settled === 'stopped') await this.handBack(claim, worker);
    else if (settled === 'failed') this.summary.failed++;
    else this.summary.finished++;
    if (settled === 'done' || settled === 'failed') this.log(`${settled} ${label}`);
  }
}

type Settled = 'done' | 'failed' | 'lost' | 'stopped';

/** One claimed trial: heartbeat, checkpoint uploads, and its outcome written under the claim. */
class ClaimedRun {
  private lost = false;
  private savedEpochs = 0;
  private uploads: Promise<void> = Promise.resolve();
  private readonly epochs: EpochRow[] = [];

  constructor(
    private readonly o: WorkerOptions,
    private readonly claim: ClaimedTrial,
    private readonly worker: string,
    readonly file: string,
  ) {}

  /** The store's checkpoint written where the trial reads it; its epochs, or 0. */
  async restore(): Promise<number> {
    rmSync(this.file, { force: true });
    const cp = await this.o.store.checkpoint(this.claim.id);
    const epochs = cp ? checkpointEpochs(cp.data) : null;
    if (!cp || !epochs) return 0;
    writeFileSync(this.file, cp.data);
    this.savedEpochs = epochs;
    return epochs;
  }

  async run(
    pool: WorkerPool<TrialInput, TrialOutput>,
    input: TrialInput,
    stop: AbortSignal,
  ): Promise<Settled> {
    const { store } = this.o;
    const abort = new AbortController();
    const onStop = () => abort.abort();
    stop.addEventListener('abort', onStop, { once: true });
    const heartbeat = setInterval(
      () => {
        void this.beat(abort);
      },
      Math.max(1, this.o.leaseMs / 3),
    );
    const started = performance.now();
    try {
      const out = await pool.run(input, (r) => this.onReport(r as TrialReport), abort.signal);
      clearInterval(heartbeat);
      await this.uploads;
      if (this.lost) return 'lost';
      const ok = await store.finishTrial(this.claim.id, storedOutcome(out), this.worker);
      if (ok) await store.dropCheckpoints({ trialId: this.claim.id });
      return ok ? 'done' : 'lost';
    } catch (error) {
      clearInterval(heartbeat);
      await this.uploads;
      if (this.lost) return 'lost';
      if (stop.aborted) return 'stopped';
      const ok = await store.finishTrial(
        this.claim.id,
        {
          state: 'failed',
          seconds: (performance.now() - started) / 1000,
          metrics: null,
          result: null,
          error: (error as Error).message,
          epochs: this.epochs,
        },
        this.worker,
      );
      return ok ? 'failed' : 'lost';
    } finally {
      clearInterval(heartbeat);
      stop.removeEventListener('abort', onStop);
      rmSync(this.file, { force: true });
    }
  }

  private onReport(r: TrialReport): void {
    if (r.type !== 'epoch') return;
    this.epochs.push(r.record);
    this.upload();
  }

  /** Renews the lease; a refusal stops the trial. Also uploads a checkpoint written since. */
  private async beat(abort: AbortController): Promise<void> {
    if (this.lost) return;
    try {
      const held = await this.o.store.renewLease(this.claim.id, this.worker, this.o.leaseMs);
      if (!held) {
        this.lost = true;
        abort.abort();
        return;
      }
    } catch {
      // The database did not answer this time: the next beat tries again within the lease.
    }
    this.upload();
  }

  /** Queues an upload of the checkpoint file when it holds more epochs than the store has. */
  private upload(): void {
    this.uploads = this.uploads.then(async () => {
      if (this.lost) return;
      let data: Buffer;
      try {
        data = readFileSync(this.file);
      } catch {
        return; // not written yet (the checkpoint follows the epoch's report)
      }
      const epochs = checkpointEpochs(data);
      if (epochs === null || epochs <= this.savedEpochs) return;
      await this.o.store
        .saveCheckpoint({
          trialId: this.claim.id,
          attempt: this.claim.attempts,
          epoch: epochs,
          data,
        })
        .then(() => {
          this.savedEpochs = epochs;
        })
        .catch(() => {}); // a lost upload only means a resume from an earlier epoch
    });
  }
}
