/**
 * tunebook's public entry point. It exports:
 * - errors: `TunebookError` and its subclasses (stable `code`, `exitCode`); `Rng`; `Image`;
 * - the engine: `initEngine` (tfjs-node when installed, else wasm with tunebook's training
 *   kernels, else cpu), `engineInfo`, `seedWeights`;
 * - data (flat): sources (`openImageFolder`, `mnistSource`/`loadMnistDigits`, CSV/NPY and
 *   synthetic signals, spectrograms), `stratifiedSplit`, imbalance, resampling, `DataLoader`;
 *   the one image reader (`decodeImage`/`decodeImageBytes`: PIL's pixels, JPEG in wasm),
 *   `encodeImage` and `listImageFolder` (torchvision's ImageFolder order);
 * - namespaces: `transforms` (torchvision-style augmentation), `preprocessing` (equalizeHist,
 *   CLAHE, scalers, stats), `models` (builders, heads, backbones), `losses` (class weights,
 *   weighted cross-entropy), `optimizers`, `schedules`, `metrics`, `lab` (study files,
 *   runner, store, verdicts, notebook, export) and `report`;
 * - `loadPredictor` (flat): classify new images with a model folder `tunebook export` wrote;
 * - training (flat): `trainModel` (the full loop), `evaluate`, and the small
 *   `trainClassifier` / `trainStep` used by the engine benchmark; `smallCnn`, `resnet`.
 */
export {
  BackendError,
  ConfigError,
  DataError,
  describeValue,
  EnvironmentError,
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
export { loadPredictor, type Prediction, type Predictor } from './lab/export/predictor.js';
export * as lab from './lab/index.js';
export * as models from './models/index.js';
export { type ResnetOptions, resnet } from './models/resnet.js';
export { type SmallCnnOptions, smallCnn } from './models/small-cnn.js';
export * as preprocessing from './preprocessing/index.js';
export * as report from './report/index.js';
export {
  type EpochRecord as ClassifierEpoch,
  evaluateAccuracy,
  makeBatch,
  predictClasses,
  type TrainOptions,
  trainClassifier,
  trainStep,
} from './training/classifier.js';
export { type Evaluation, evaluate } from './training/evaluate.js';
export * as training from './training/index.js';
export {
  type EpochRecord,
  type TrainConfig,
  type TrainResult,
  trainModel,
} from './training/loop.js';
export * as losses from './training/losses-index.js';
export * as metrics from './training/metrics.js';
export * as optimizers from './training/optimizers.js';
export * as schedules from './training/schedules.js';
export * as transforms from './transforms/index.js';
