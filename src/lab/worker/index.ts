/**
 * Workers that claim a study's trials from a shared store, on any machine.
 *
 * @example
 *   import { runWorker } from './lab/worker/index.js';
 */
export { checkpointEpochs } from './checkpoint-bytes.js';
export { runWorker, type WorkerOptions, type WorkerSummary } from './run-worker.js';
export {
  assertSameTraining,
  TRAINING_CODE_VERSION,
  TrainingVersionError,
  trainingVersionOf,
} from './version.js';
