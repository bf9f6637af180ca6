/**
 * The training layer's public surface: the full loop (`trainModel`), evaluation, the LR range
 * test, the small classifier loop the engine benchmark times, and the losses, metrics,
 * optimisers and learning-rate schedules as namespaces.
 *
 * @example
 *   import { training } from 'tunebook';
 *   const optimizer = training.optimizers.makeOptimizer({ name: 'adam', lr: 1e-4 });
 */
export {
  type EpochRecord as ClassifierEpoch,
  evaluateAccuracy,
  makeBatch,
  predictClasses,
  type TrainOptions,
  trainClassifier,
  trainStep,
} from './classifier.js';
export { type Evaluation, evaluate } from './evaluate.js';
export {
  type Callback,
  type EpochRecord,
  type TrainConfig,
  type TrainContext,
  type TrainResult,
  trainModel,
} from './loop.js';
export * as losses from './losses-index.js';
export { lrRangeTest, type RangeTestOptions, type RangeTestResult } from './lr-find.js';
export * as metrics from './metrics.js';
export * as optimizers from './optimizers.js';
export * as schedules from './schedules.js';
