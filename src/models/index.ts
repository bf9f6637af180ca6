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
// PyTorch weights (torchvision/timm ResNets): read, check, build, load.
export { loadTorchBackbone, type TorchBackboneSpec } from './pytorch/backbone.js';
export { adaptInputChannels, loadStateDict } from './pytorch/load-weights.js';
export { TORCH_ARCHS, WEIGHT_ORIGINS } from './pytorch/names.js';
export {
  archName,
  checkStateDict,
  inferResnetArch,
  type ResnetArch,
} from './pytorch/resnet-arch.js';
export { readSafetensors, writeSafetensors } from './pytorch/safetensors.js';
export { parseStateDict, readStateDict, type StateDict } from './pytorch/state-dict.js';
export { torchvisionResnet } from './pytorch/torchvision-resnet.js';
export { UnsafePickleError } from './pytorch/unpickle.js';
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
