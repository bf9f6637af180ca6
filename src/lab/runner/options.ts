/** What `runStudy` takes and gives back. */
import type { BackendChoice } from '../../engine/backend.js';
import type { Store, StudyRow } from '../store/store.js';
import type { StudyProgress } from './status.js';

export interface RunOptions {
  store: Store;
  workers?: number;
  fresh?: boolean;
  backend?: BackendChoice;
  /** Where per-trial checkpoints go (default: beside the db). */
  checkpointDir?: string;
  /** Lines of progress (plain, or redrawn when `tty`). */
  log?: (line: string) => void;
  /** The one-line state of the run, each time it changes (see `describeProgress`). */
  status?: (line: string, progress: StudyProgress) => void;
  /** Resolves when the user asks to stop (Ctrl-C). */
  stop?: Promise<void>;
  environment?: unknown;
  /** The trial worker script (tests put a stand-in here). */
  workerUrl?: URL;
  /** Memory budgets, MB: per trial (wasm + JS heap) and for the whole process's RSS. */
  memory?: { trialMb: number; totalMb: number };
  /**
   * Replaces TRAINING_CODE_VERSION in trial keys and in the study's environment, which
   * workers compare with theirs (tests: a new version reuses nothing, a worker refuses it).
   */
  trainingCodeVersion?: number;
  /** Rerun trials that failed for memory too (by default they stay failed: they would again). */
  retryFailed?: boolean;
  /**
   * A shared study: trials go through the store's queue and workers anywhere claim them
   * (`tunebook worker`); this process runs `threads` of them itself (0: it only plans).
   */
  shared?: SharedOptions;
}

export interface SharedOptions {
  threads: number;
  /** The lease of this process's own claims, ms. */
  leaseMs: number;
  /** How often the planner (and its idle threads) look at the store, ms. Default 500. */
  pollMs?: number;
}

export interface StudyOutcome {
  study: StudyRow;
  interrupted: boolean;
  trialsRun: number;
  /** Trials in the study against arms x maxSeeds. */
  savings: number;
  failed: number;
  /** Trials started ahead of need on idle workers, and how many of those were set aside. */
  ahead: { started: number; setAside: number };
  /** Labels of the arms that ended without a paired finished seed, so without a verdict. */
  noData: string[];
  /** What the finished trials say about the study itself (a baseline at the metric's ceiling). */
  warnings: string[];
}
