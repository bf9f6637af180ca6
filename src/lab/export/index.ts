/** Keeping a study's model: `exportModel` (train the chosen arm and save it) and `loadPredictor`. */
export { chooseArm } from './choose-arm.js';
export {
  EXPORT_SEED,
  ExportError,
  type ExportOptions,
  type ExportResult,
  exportEpochs,
  exportModel,
} from './export-model.js';
export { loadPredictor, type Prediction, type Predictor } from './predictor.js';
export {
  PREPROCESSING_JSON,
  type PreprocessingFile,
  readPreprocessing,
} from './preprocessing-file.js';
