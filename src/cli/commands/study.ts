/**
 * `tunebook study <study.yaml>`: runs (or resumes) a study and prints the verdict table.
 * Ctrl-C stops cleanly: finished trials are kept, and the same command continues later.
 */
import { availableParallelism } from 'node:os';
import { type BackendChoice, initEngine, lab, report, UsageError } from '../../index.js';
import type { Command } from '../command.js';
import { DB_FLAG, dbPath } from '../db.js';

export const studyCommand: Command = {
  name: 'study',
  summary: 'run (or resume) a study and print its verdicts',
  usage: 'tunebook study <study.yaml> [--db file] [--workers N] [--fresh]',
  flags: {
    ...DB_FLAG,
    workers: {
      type: 'int',
      min: 1,
      max: 64,
      help: 'parallel trials (default: the study file, else the cores)',
    },
    fresh: { type: 'boolean', help: 'discard a stored study of that name and start over' },
  },
  async run({ flags, positionals, out }) {
    if (positionals.length !== 1) throw new UsageError('study: expected one study file');
    const loaded = await lab.preflight(await lab.loadStudyFile(positionals[0]));
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
    let interrupts = 0;
    const onSigint = () => {
      interrupts++;
      if (interrupts > 1) process.exit(130);
      process.stderr.write(
        '\nstopping: finished trials are kept; run the same command to continue\n',
      );
      stopRequested();
    };
    process.on('SIGINT', onSigint);
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
        return 130;
      }
      const study = outcome.study;
      out('');
      const lines = report.verdictLines(store, study);
      out(report.verdictTable(lines));
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
      // From the stored study: its recorded rule, not the file's (lab/stats/study-rule.ts).
      for (const line of report.verdictNotes(study.config as report.StoredSettings, lines))
        out(line);
    } finally {
      process.off('SIGINT', onSigint);
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
