/**
 * Preprocessing: histogram equalisation and CLAHE (OpenCV-exact), min-max and standard
 * scalers fitted on the training split only and saved as JSON beside the run, and data-set
 * statistics for configuring and checking `normalize`.
 *
 * @example
 *   import { preprocessing } from 'tunebook';
 *   const flat = preprocessing.equalizeHist(greyImage);
 *   const scaler = new preprocessing.StandardScaler({ axis: 'channel', channels: 3 }).fit(train);
 */
export { type ClaheOptions, clahe, clahePlane } from './clahe.js';
export { COLOR_MODES, type ColorMode } from './color-planes.js';
export {
  type DatasetStats,
  type DatasetStatsOptions,
  datasetStats,
  imageSetInput,
  type StatsInput,
} from './dataset-stats.js';
export { type EqualizeHistOptions, equalizeHist, equalizePlane } from './equalize-hist.js';
export { MinMaxScaler, type MinMaxScalerJSON, type MinMaxScalerOptions } from './minmax-scaler.js';
export {
  checkNormalizeConfig,
  compareNormalize,
  DEFAULT_NORMALIZE_TOLERANCE,
  describeMismatch,
  findNormalize,
  type NormalizeConfig,
  type NormalizeMismatch,
} from './normalize-check.js';
export {
  AffineScaler,
  type SampleMatrix,
  SCALE_AXES,
  type ScaleAxis,
  type ScalerInput,
  type ScalerOptions,
  scaleSplits,
} from './scaler.js';
export {
  type AnyScaler,
  loadScaler,
  SCALER_TYPES,
  type ScalerType,
  saveScaler,
  scalerFromJSON,
} from './scaler-file.js';
export {
  StandardScaler,
  type StandardScalerJSON,
  type StandardScalerOptions,
} from './standard-scaler.js';
