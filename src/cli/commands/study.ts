/**
 * `tunebook study <study.yaml>`: runs (or resumes) a study and prints the verdict table.
 * Ctrl-C, SIGTERM and SIGHUP stop cleanly (cli/signals.ts): finished trials are kept, and
 * the same command continues later.
 */
import { availableParallelism } from 'node:os';
import { type BackendChoice, initEngine, lab, report, UsageError } from '../../index.js';
import type { Command } from '../command.js';
import { DB_FLAG, dbPath } from '../db.js';
import { checkResources, MEMORY_FLAG } from '../resources.js';
import { markInterrupted, onStopSignals } from '../signals.js';

export const studyCommand: Command = {
  name: 'study',
  summary: 'run (or resume) a study and print its verdicts',
  usage:
    'tunebook study <study.yaml> [--db file] [--workers N] [--memory MB] [--fresh] [--retry-failed]',
  flags: {
    ...DB_FLAG,
    workers: {
      type: 'int',
      min: 1,
      max: 64,
      help: 'parallel trials (default: the study file, else the cores)',
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
    const store = lab.openStore(dbPath(flags));
    let releaseLock: () => void;
    try {
      releaseLock = lab.acquireRunLock(store.file, loaded.config.name);
    } catch (error) {
      store.close();
      throw error;
    }
    const tty = process.stderr.isTTY === true;
    let stopRequested: () => void = () => {};
    const stop = new Promise<void>((resolve) => {
      stopRequested = resolve;
    });
    const signals = onStopSignals({
      stop: () => stopRequested(),
      force: () => {
        markInterrupted(store, loaded.config.name);
        releaseLock();
      },
    });
    const clear = () => tty && process.stderr.write('\r\x1b[K');
    let lastStatus = '';
    try {
      const workers =
        (flags.workers as number | undefined) ?? loaded.config.workers ?? availableParallelism();
      out(
        `study ${loaded.config.name}: ${loaded.arms.length} arms, ${workers} worker(s), db ${store.file}`,
      );
      const outcome = await lab.runStudy(loaded, {
        store,
        workers,
        fresh: flags.fresh === true,
        backend: flags.backend as BackendChoice | undefined,
        stop,
        memory: budget,
        retryFailed: flags['retry-failed'] === true,
        environment: await runEnvironment(flags.backend as BackendChoice | undefined),
        log: (line) => {
          clear();
          out(line);
          if (tty && lastStatus) process.stderr.write(lastStatus);
        },
        status: (line) => {
          lastStatus = line;
          if (tty) {
            clear();
            process.stderr.write(line.slice(0, (process.stderr.columns ?? 120) - 1));
          }
        },
      });
      clear();
      if (outcome.interrupted) {
        out(`stopped; ${outcome.trialsRun} trial(s) finished this run are stored in ${store.file}`);
        return signals.exitCode || 130;
      }
      const study = outcome.study;
      out('');
      out(report.verdictTable(report.verdictLines(store, study)));
      const config = loaded.config;
      const trials = store.trials(study.id).length;
      const full = store.arms(study.id).length * config.seeds.maxSeeds;
      out(
        `adaptive seeds: ${trials} trials instead of ${full} at maxSeeds everywhere ` +
          `(${Math.round(100 * outcome.savings)}% fewer)` +
          (outcome.ahead.started
            ? `; ${outcome.ahead.started} started ahead of need on idle workers, ` +
              `${outcome.ahead.setAside} of them set aside`
            : '') +
          (outcome.failed
            ? `; ${outcome.failed} trial(s) failed (see tunebook verdicts --json)`
            : ''),
      );
      const intervals = report.intervalsNote(config.seeds);
      if (intervals) out(intervals);
    } finally {
      signals.dispose();
      store.close();
      releaseLock();
    }
  },
};

/** What the run trains on, for the report's "rerun" section: the workers choose alike. */
async function runEnvironment(
  backend: BackendChoice | undefined,
): Promise<Record<string, unknown>> {
  const info = await initEngine({ backend });
  const { createRequire } = await import('node:module');
  const version = (
    createRequire(import.meta.url)('../../../../package.json') as { version: string }
  ).version;
  return {
    tunebook: version,
    backend: `${info.backend} (${info.backendPackage} ${info.backendVersion})`,
    tfjsCore: info.tfjsCoreVersion,
    threads: info.threads,
    simd: info.simd,
    node: process.versions.node,
    platform: `${process.platform} ${process.arch}`,
  };
}
