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
 * The steps, each in a file of its own under runner/: open the study (resume, arm sync),
 * run the baseline's first trial (fail fast), schedule rounds until the plan is done, then
 * store the verdicts.
 *
 * @example
 *   const outcome = await runStudy(await loadStudyFile('study.yaml'), { store, workers: 2 });
 */
import { mkdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { LoadedStudy } from './config/load.js';
import { seedSavings } from './planner.js';
import { WorkerPool } from './pool/worker-pool.js';
import { armProgress } from './runner/arm-progress.js';
import { openStudy, refinePlan, type StudySession } from './runner/open-study.js';
import type { RunOptions, StudyOutcome } from './runner/options.js';
import { Scheduler } from './runner/scheduler.js';
import { SHARED_CAPACITY, SharedTrials } from './runner/shared-trials.js';
import { type InFlight, TrialsInFlight } from './runner/trials.js';
import { saveVerdicts } from './runner/verdicts.js';
import { baselineWarnings } from './runner/warnings.js';
import type { TrialInput, TrialOutput } from './trial/run-trial.js';
import { runWorker } from './worker/run-worker.js';
import { assertSameTraining } from './worker/version.js';

export { planOf } from './runner/open-study.js';
export type { RunOptions, SharedOptions, StudyOutcome } from './runner/options.js';
export { BaselineFailedError } from './runner/scheduler.js';
export { describeProgress, type StudyProgress } from './runner/status.js';

const WORKER_URL = new URL('./trial/trial-worker.js', import.meta.url);

export async function runStudy(loaded: LoadedStudy, options: RunOptions): Promise<StudyOutcome> {
  const log = options.log ?? (() => {});
  const session = await openStudy(loaded, options, log);
  let scheduler: Scheduler | null = null;
  const onProgress = () => scheduler?.showStatus();
  const mode = options.shared
    ? await sharedMode(session, options, log, onProgress)
    : localMode(session, options, log, onProgress);
  const { trials, workers } = mode;
  scheduler = new Scheduler(session, trials, workers, log, options.status ?? (() => {}));
  const stopped = options.stop?.then(() => {
    trials.interrupted = true;
  });
  try {
    await scheduler.baselineFirst(stopped);
    await scheduler.run(stopped);
  } catch (error) {
    // What is still running stays 'running' in the store: the next run requeues it.
    trials.interrupted = true;
    await session.store.setStudyState(session.studyId, 'interrupted');
    throw error;
  } finally {
    await mode.close();
  }
  if (trials.fault) {
    try {
      await session.store.setStudyState(session.studyId, 'interrupted');
    } catch {
      // The db may be on the full disk too; the next run requeues what was running.
    }
    throw trials.fault;
  }
  return await finish(session, trials);
}

interface Mode {
  trials: InFlight;
  /** What the scheduler may keep busy at once. */
  workers: number;
  close(): Promise<void>;
}

/** Trials on this process's pool of worker threads; the store hears of each as it settles. */
function localMode(
  session: StudySession,
  options: RunOptions,
  log: (line: string) => void,
  onEpoch: () => void,
): Mode {
  const workers = Math.max(
    1,
    options.workers ?? session.loaded.config.workers ?? availableParallelism(),
  );
  const pool = new WorkerPool<TrialInput, TrialOutput>(options.workerUrl ?? WORKER_URL, workers, {
    maxMemoryMb: 4096,
    budgetMb: options.memory?.trialMb,
    totalMb: options.memory?.totalMb,
  });
  mkdirSync(session.checkpointRoot, { recursive: true });
  const trials = new TrialsInFlight(session, pool, options.backend, log, onEpoch);
  return { trials, workers, close: () => pool.terminate() };
}

/**
 * Trials through the store's queue, claimed by workers anywhere; this process's own
 * `shared.threads` run the same claim loop as `tunebook worker`.
 */
async function sharedMode(
  session: StudySession,
  options: RunOptions,
  log: (line: string) => void,
  onPoll: () => void,
): Promise<Mode> {
  const shared = options.shared!;
  const { store, studyId } = session;
  const study = (await store.findStudy(session.config.name))!;
  // A planner restarted by another tunebook must not plan for workers that train otherwise.
  assertSameTraining(study, options.trainingCodeVersion);
  const trials = new SharedTrials(
    session,
    { localThreads: shared.threads, pollMs: shared.pollMs ?? 500 },
    log,
    onPoll,
  );
  const local = new AbortController();
  const working =
    shared.threads > 0
      ? runWorker({
          store,
          threads: shared.threads,
          leaseMs: shared.leaseMs,
          studyId,
          signal: local.signal,
          backend: options.backend,
          workerUrl: options.workerUrl,
          forever: true,
          pollMs: shared.pollMs ?? 500,
          trainingVersion: options.trainingCodeVersion,
          log,
        }).catch((error: Error) => log(`this process's workers stopped: ${error.message}`))
      : Promise.resolve();
  return {
    trials,
    workers: SHARED_CAPACITY,
    close: async () => {
      local.abort();
      await trials.close();
      await working;
    },
  };
}

/** Unneeded leftovers dropped, verdicts stored, the study marked done (or interrupted). */
async function finish(session: StudySession, trials: InFlight): Promise<StudyOutcome> {
  const { store, studyId, config } = session;
  const interrupted = trials.interrupted;
  let noData: string[] = [];
  if (!interrupted) {
    // What the study did not need: trials still running ahead of need (a worker's claim on a
    // shared study; its next renewal fails and it stops), queued ones (set-aside
    // speculation) and their checkpoints. Every needed trial has settled by now.
    await requeueRunning(session);
    await store.dropQueued(studyId);
    await store.dropCheckpoints({ studyId });
    rmSync(session.checkpointRoot, { recursive: true, force: true });
    const all = await store.trials(studyId);
    await refinePlan(session, all);
    noData = await saveVerdicts(session, armProgress(session, trials, all));
  }
  const warnings = interrupted ? [] : await baselineWarnings(session);
  await store.setStudyState(studyId, interrupted ? 'interrupted' : 'done');
  const stored = (await store.trials(studyId)).filter((t) => t.state !== 'queued').length;
  return {
    study: (await store.findStudy(config.name))!,
    interrupted,
    trialsRun: trials.finished,
    savings: seedSavings(stored, session.armRows.size, config.seeds.maxSeeds),
    failed: trials.failed,
    ahead: trials.ahead,
    noData,
    warnings,
  };
}

/** Back to the queue; a trial that finished meanwhile keeps its result (requeueTrial refuses it). */
async function requeueRunning({ store, studyId }: StudySession): Promise<void> {
  for (const t of await store.trials(studyId))
    if (t.state === 'running') await store.requeueTrial(t.id).catch(() => {});
}
