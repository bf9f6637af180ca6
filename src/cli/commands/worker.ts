/**
 * `tunebook worker [--db target] [--workers N] [--lease-seconds S] [--study NAME] [--forever]`:
 * claims a shared study's queued trials and runs them in this machine's worker threads
 * (lab/worker), until no study is running and nothing is queued (or, with --forever, until
 * stopped). Ctrl-C or SIGTERM stop it: running trials are handed back at once.
 * Exit codes: 0 when done; 2 for bad input, a study whose training code differs from this
 * tunebook's, or a database that cannot be used; 128 + the signal when stopped.
 */
import { availableParallelism, hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataError } from '../../core/errors.js';
import type { BackendChoice } from '../../engine/backend.js';
import * as lab from '../../lab/index.js';
import type { Command } from '../command.js';
import { DB_FLAG, dbPath } from '../db.js';
import { onStopSignals } from '../signals.js';

/** How long `--study NAME` waits for its planner to create the study. */
const STUDY_WAIT_MS = 60_000;

export const workerCommand: Command = {
  name: 'worker',
  usage:
    'tunebook worker [--db target] [--workers N] [--lease-seconds S] [--study name] [--forever]',
  flags: {
    ...DB_FLAG,
    workers: { type: 'int', min: 1, max: 64, help: 'trials at once (default: the cores)' },
    'lease-seconds': {
      type: 'number',
      min: 0,
      exclusiveMin: true,
      max: 86_400,
      help: 'how long a claim holds without a heartbeat (default 60)',
    },
    study: { type: 'string', help: "only this study's trials (default: any study's)" },
    forever: { type: 'boolean', help: 'keep polling when nothing is queued' },
  },
  async run({ flags, out }) {
    const store = await lab.openStore(dbPath(flags), { create: false });
    const stop = new AbortController();
    const signals = onStopSignals({ stop: () => stop.abort() });
    try {
      const study =
        typeof flags.study === 'string'
          ? await waitForStudy(store, flags.study, stop.signal)
          : null;
      if (study) lab.assertSameTraining(study);
      const threads = (flags.workers as number | undefined) ?? availableParallelism();
      const leaseSeconds = (flags['lease-seconds'] as number | undefined) ?? 60;
      out(
        `worker on ${hostname()}: ${threads} thread(s), lease ${leaseSeconds} s, ${study ? `study ${study.name}` : 'any study'}, db ${lab.redactTarget(store.file)}`,
      );
      const summary = await lab.runWorker({
        store,
        threads,
        leaseMs: leaseSeconds * 1000,
        studyId: study?.id,
        signal: stop.signal,
        backend: flags.backend as BackendChoice | undefined,
        forever: flags.forever === true,
        log: out,
      });
      out(
        `worker done: ${summary.finished} trial(s) finished, ${summary.failed} failed, ${summary.lost} lost to other workers`,
      );
      if (signals.received) return signals.exitCode;
    } finally {
      signals.dispose();
      await store.close();
    }
  },
};

/** The study, once its planner has created it (it may start after the workers). */
async function waitForStudy(
  store: lab.Store,
  name: string,
  signal: AbortSignal,
): Promise<lab.StudyRow> {
  const until = Date.now() + STUDY_WAIT_MS;
  for (;;) {
    const study = await store.findStudy(name);
    if (study) return study;
    if (Date.now() > until || signal.aborted) {
      const names = (await store.listStudies()).map((s) => s.name);
      throw new DataError(
        lab.redactTarget(store.file),
        `no study "${name}" appeared within ${STUDY_WAIT_MS / 1000} s (${names.length ? `studies: ${names.join(', ')}` : 'the db has no studies'})`,
      );
    }
    await sleep(1000);
  }
}
