/**
 * `tunebook study <study.yaml>`: runs (or resumes) a study and prints the verdict table.
 * Ctrl-C, SIGTERM and SIGHUP stop cleanly (cli/signals.ts): finished trials are kept, and
 * the same command continues later.
 * Exit codes: 0 when every arm has a verdict; 2 for bad input, and when the baseline's first
 * trial fails (the settings cannot train, so no arm is started); 1 when an arm ended without
 * a finished trial (named on stderr); 3 for a fault of the machine (disk full); 128 + the
 * signal when stopped.
 */
import { availableParallelism } from 'node:os';
import { UsageError } from '../../core/errors.js';
import type { BackendChoice } from '../../engine/backend.js';
import * as lab from '../../lab/index.js';
import * as report from '../../report/index.js';
import type { Command } from '../command.js';
import { DB_FLAG, dbPath } from '../db.js';
import { runEnvironment } from '../environment.js';
import { checkResources, MEMORY_FLAG } from '../resources.js';
import { markInterrupted, onStopSignals } from '../signals.js';
import { progressDisplay } from './study-progress.js';

export const studyCommand: Command = {
  name: 'study',
  usage:
    'tunebook study <study.yaml> [--db target] [--workers N] [--shared] [--lease-seconds S] [--memory MB] [--fresh] [--retry-failed]',
  flags: {
    ...DB_FLAG,
    workers: {
      type: 'int',
      min: 0,
      max: 64,
      help: 'parallel trials on this machine (default: the study file, else the cores; 0: only plan, for `tunebook worker`s)',
    },
    shared: {
      type: 'boolean',
      help: 'queue the trials in the db for `tunebook worker` processes too (always so for a postgres:// db and --workers 0)',
    },
    'lease-seconds': {
      type: 'number',
      min: 0,
      exclusiveMin: true,
      max: 86_400,
      help: "a shared study: how long this process's claims hold without a heartbeat (default 60)",
    },
    fresh: { type: 'boolean', help: 'discard a stored study of that name and start over' },
    ...MEMORY_FLAG,
    'retry-failed': {
      type: 'boolean',
      help: 'rerun trials that failed for memory (by default they stay failed)',
    },
  },
  async run({ flags, positionals, out }) {
    if (positionals.length !== 1) throw new UsageError('study: expected one study file');
    const loaded = await lab.preflight(await lab.loadStudyFile(positionals[0]), { log: out });
    const budget = await checkResources(flags, loaded, dbPath(flags));
    const store = await lab.openStore(dbPath(flags));
    const server = lab.isServerTarget(store.file);
    let releaseLock: () => void;
    try {
      // A server's study has no file to put a lock beside (its workers coordinate through
      // leases); a SQLite file's planner is still one per study.
      releaseLock = server ? () => {} : lab.acquireRunLock(store.file, loaded.config.name);
    } catch (error) {
      await store.close();
      throw error;
    }
    let stopRequested: () => void = () => {};
    const stop = new Promise<void>((resolve) => {
      stopRequested = resolve;
    });
    const signals = onStopSignals({
      stop: () => stopRequested(),
      force: async () => {
        releaseLock();
        await markInterrupted(store, loaded.config.name);
      },
    });
    const progress = progressDisplay(process.stderr, { tty: process.stderr.isTTY === true });
    try {
      const workers =
        (flags.workers as number | undefined) ?? loaded.config.workers ?? availableParallelism();
      const shared = server || flags.shared === true || workers === 0;
      const leaseSeconds = (flags['lease-seconds'] as number | undefined) ?? 60;
      out(
        `study ${loaded.config.name}: ${loaded.arms.length} arms, ${workers} worker(s)${shared ? ' (shared: `tunebook worker` processes may join)' : ''}, db ${lab.redactTarget(store.file)}`,
      );
      for (const warning of await lab.studyWarnings(loaded)) out(`warning: ${warning}`);
      const outcome = await lab.runStudy(loaded, {
        store,
        workers,
        fresh: flags.fresh === true,
        backend: flags.backend as BackendChoice | undefined,
        stop,
        memory: budget,
        retryFailed: flags['retry-failed'] === true,
        shared: shared ? { threads: workers, leaseMs: leaseSeconds * 1000 } : undefined,
        environment: await runEnvironment(flags.backend as BackendChoice | undefined),
        log: (line) => progress.log(line, out),
        status: (line) => progress.status(line),
      });
      progress.clear();
      if (outcome.interrupted) {
        out(`stopped; ${outcome.trialsRun} trial(s) finished this run are stored in ${store.file}`);
        return signals.exitCode || 130;
      }
      await printSummary(store, loaded, outcome, out);
      if (outcome.noData.length > 0) {
        process.stderr.write(
          `tunebook: ${outcome.noData.length} arm(s) ended without a finished trial, so without a verdict: ` +
            `${outcome.noData.join(', ')} (see tunebook verdicts ${loaded.config.name} --json)\n`,
        );
        return 1;
      }
    } finally {
      progress.clear();
      signals.dispose();
      await store.close();
      releaseLock();
    }
  },
};

/** The verdict table and the lines under it (README's "What a study prints"). */
async function printSummary(
  store: lab.Store,
  loaded: lab.LoadedStudy,
  outcome: lab.StudyOutcome,
  out: (line: string) => void,
): Promise<void> {
  const study = outcome.study;
  out('');
  const lines = await report.verdictLines(store, study);
  out(report.verdictTable(lines));
  const config = loaded.config;
  const trials = (await store.trials(study.id)).length;
  const armRows = await store.arms(study.id);
  const full = armRows.length * config.seeds.maxSeeds;
  out(
    `adaptive seeds: ${trials} trials instead of ${full} at maxSeeds everywhere ` +
      `(${Math.round(100 * outcome.savings)}% fewer)` +
      (outcome.ahead.started
        ? `; ${outcome.ahead.started} started ahead of need on idle workers, ` +
          `${outcome.ahead.setAside} of them set aside`
        : '') +
      (outcome.failed ? `; ${outcome.failed} trial(s) failed (see tunebook verdicts --json)` : ''),
  );
  // From the stored study: its recorded rule, not the file's (lab/stats/study-rule.ts).
  for (const line of report.verdictNotes(study.config as report.StoredSettings, lines)) out(line);
  const arms = new Map(armRows.map((a) => [a.id, a.label]));
  const time = lab.timeNote(
    (await store.verdicts(study.id)).map((v) => ({
      label: arms.get(v.armId) ?? '?',
      cost: (v.details as { cost?: lab.ArmCost } | null)?.cost,
    })),
  );
  if (time) out(time);
  for (const warning of outcome.warnings) out(`warning: ${warning}`);
}
