/**
 * Models: builders by name with head options (extra dense layers, dropout placement,
 * multi-task heads), parameter counts, pretrained backbones (load, cut, freeze, discriminative
 * rates) and model files (model.json + weights, local or http(s)).
 *
 * @example
 *   import { buildModel, loadBackbone, buildOnBackbone, saveModel } from './models/index.js';
 */
export {
  BACKBONE_SPEC_KEYS,
  type BackboneHeadSpec,
  type BackboneInfo,
  type BackboneSpec,
  backboneInfo,
  backboneLayers,
  backboneTrainableAt,
  buildOnBackbone,
  checkBackboneSpec,
  defaultCutLayer,
  FEATURE_POOLINGS,
  type FeaturePooling,
  FREEZE_MODES,
  type FreezeMode,
  loadBackbone,
  seedModel,
  setBackboneTrainable,
} from './backbone.js';
export { CNN1D_OPTION_KEYS, type Cnn1dOptions, type Cnn1dSettings, cnn1d } from './cnn1d.js';
export { freezeAwareBatchNorm } from './frozen-batch-norm.js';
export {
  checkHeadOptions,
  DROPOUT_PLACES,
  type DropoutOption,
  type DropoutPlace,
  HEAD_OPTION_KEYS,
  type HeadOptions,
  MAIN_OUTPUT,
  type TaskHeadOption,
} from './heads.js';
export { MLP_OPTION_KEYS, type MlpOptions, mlp } from './mlp.js';
export {
  loadModel,
  MODEL_JSON,
  type ModelLoadHandler,
  modelHandler,
  saveModel,
} from './model-io.js';
export {
  buildModel,
  describeModel,
  MODEL_NAMES,
  type ModelName,
  type ModelSpec,
  parameterCount,
} from './registry.js';
export {
  CIFAR_STEM_MAX_SIDE,
  RESNET_OPTION_KEYS,
  RESNET_STEMS,
  type ResnetOptions,
  type ResnetSettings,
  type ResnetStem,
  resnet,
} from './resnet.js';
export { type SmallCnnOptions, smallCnn } from './small-cnn.js';
