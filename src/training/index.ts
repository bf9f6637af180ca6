/** The training layer's extras as one namespace: the loop, evaluation, the LR range test. */
export { type Evaluation, evaluate } from './evaluate.js';
export {
  type Callback,
  type EpochRecord,
  type TrainConfig,
  type TrainContext,
  type TrainResult,
  trainModel,
} from './loop.js';
export { lrRangeTest, type RangeTestOptions, type RangeTestResult } from './lr-find.js';
