/**
 * Stop signals for long commands: SIGINT (Ctrl-C), SIGTERM (what `docker stop`, `timeout`,
 * systemd and Kubernetes send) and SIGHUP (a closed terminal) all ask for a clean stop:
 * finished work is kept, the study is marked interrupted and its lock removed. If the clean
 * stop has not ended within `graceMs`, or a second signal comes, the process exits at once
 * with 128 + the signal's number, after `force` (which removes the lock: a forced exit must
 * not leave a lock behind to refuse the next run).
 *
 * @example
 *   const signals = onStopSignals({ stop: () => resolveStop(), force: releaseLock });
 *   try { await work; } finally { signals.dispose(); }
 *   if (signals.received) return signals.exitCode;
 */
import { constants } from 'node:os';
import type { lab } from '../index.js';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const FORCE_MS = 2000;
export type StopSignal = (typeof STOP_SIGNALS)[number];

export interface StopSignals {
  /** The first signal received, if any. */
  readonly received: StopSignal | null;
  /** 128 + the first signal's number (130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP). */
  readonly exitCode: number;
  dispose(): void;
}

export function exitCodeOf(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

export function onStopSignals(options: {
  stop: (signal: StopSignal) => void;
  /** May be async (a store write): it gets at most `FORCE_MS` before the process exits. */
  force?: () => void | Promise<void>;
  /** How long a clean stop may take before the process exits anyway. Default 20 s. */
  graceMs?: number;
  write?: (text: string) => void;
}): StopSignals {
  const write = options.write ?? ((text: string) => process.stderr.write(text));
  let received: StopSignal | null = null;
  let timer: NodeJS.Timeout | undefined;
  const forceExit = (signal: StopSignal, why: string) => {
    write(`\n${why}: exiting now\n`);
    const exit = () => process.exit(exitCodeOf(signal));
    // The store is asynchronous: wait for `force`, but never for long (a stuck database
    // must not keep a process the user asked to end).
    setTimeout(exit, FORCE_MS).unref();
    Promise.resolve()
      .then(() => options.force?.())
      .then(exit, exit);
  };
  const handler = (signal: StopSignal) => {
    if (received) return forceExit(signal, `second ${signal}`);
    received = signal;
    write(
      `\n${signal === 'SIGINT' ? 'stopping' : `${signal}: stopping`}: finished trials are kept; run the same command to continue\n`,
    );
    const grace = options.graceMs ?? 20_000;
    timer = setTimeout(() => forceExit(signal, `not stopped within ${grace / 1000} s`), grace);
    timer.unref();
    options.stop(signal);
  };
  for (const s of STOP_SIGNALS) process.on(s, handler);
  return {
    get received() {
      return received;
    },
    get exitCode() {
      return received ? exitCodeOf(received) : 0;
    },
    dispose() {
      clearTimeout(timer);
      for (const s of STOP_SIGNALS) process.off(s, handler);
    },
  };
}

/** On a forced exit: the study no longer shows as running (best effort: the db may be the fault). */
export async function markInterrupted(store: lab.Store, name: string): Promise<void> {
  try {
    const study = await store.findStudy(name);
    if (study?.state === 'running') await store.setStudyState(study.id, 'interrupted');
  } catch {
    // Exiting anyway; the next run requeues whatever was running.
  }
}
