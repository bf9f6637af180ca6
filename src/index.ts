/**
 * tunebook's public entry point. It exports:
 * - errors: `TunebookError` and its subclasses (stable `code`, `exitCode`);
 * - `Rng`, the seeded random generator every random draw goes through;
 * - the engine: `initEngine` (backend choice: tfjs-node, wasm with tunebook's training
 *   kernels, cpu), `engineInfo`, `seedWeights` (seeded initial weights);
 * - models: `smallCnn` (the reference CNN), `resnet`;
 * - data: sources (`openImageFolder`, `mnistSource`/`loadMnistDigits`, CSV/NPY and synthetic
 *   signals, spectrograms), `stratifiedSplit`, imbalance, resampling, `DataLoader`;
 * - training: `trainClassifier`, `trainStep`, `makeBatch`, `predictClasses`,
 *   `evaluateAccuracy`;
 * - `preprocessing`: histogram equalisation (bit-exact with OpenCV), CLAHE, standard and
 *   min-max scalers fitted on the training split, dataset statistics.
 */
export {
  BackendError,
  ConfigError,
  DataError,
  describeValue,
  KernelError,
  TunebookError,
  UsageError,
} from './core/errors.js';
export { blankImage, type Image } from './core/image.js';
export { Rng } from './core/rng.js';
export * from './data/index.js';
export {
  BACKEND_CHOICES,
  BACKEND_NAMES,
  type BackendChoice,
  type BackendName,
  type EngineInfo,
  engineInfo,
  findNativePackage,
  initEngine,
  parseBackendChoice,
} from './engine/backend.js';
export { WASM_TRAINING_KERNELS } from './engine/kernels/register.js';
export { seedWeights } from './engine/seeded-init.js';
export { type ResnetOptions, resnet } from './models/resnet.js';
export { type SmallCnnOptions, smallCnn } from './models/small-cnn.js';
export * as preprocessing from './preprocessing/index.js';
export {
  type EpochRecord,
  evaluateAccuracy,
  makeBatch,
  predictClasses,
  type TrainOptions,
  trainClassifier,
  trainStep,
} from './training/classifier.js';
