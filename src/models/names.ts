/**
 * The names models and heads accept, without TensorFlow.js, so that study files can be
 * checked (lab/config) without loading the engine.
 */
export const MODEL_NAMES = ['mlp', 'small-cnn', 'resnet', 'cnn1d'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
export const DROPOUT_PLACES = ['after-each-dense', 'head', 'before-classifier'] as const;
export type DropoutPlace = (typeof DROPOUT_PLACES)[number];
export const FREEZE_MODES = ['frozen', 'unfreeze-after', 'discriminative', 'trainable'] as const;
export type FreezeMode = (typeof FREEZE_MODES)[number];
