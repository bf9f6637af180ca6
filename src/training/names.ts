/**
 * The names training settings accept, without TensorFlow.js, so that study files can be
 * checked (lab/config) without loading the engine.
 */
export const OPTIMIZER_NAMES = ['adam', 'adamw', 'sgd'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];
export const SCHEDULE_NAMES = [
  'constant',
  'step',
  'multistep',
  'exponential',
  'cosine',
  'onecycle',
  'plateau',
] as const;
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];
export const CLASS_WEIGHT_STRATEGIES = ['proportional', 'balanced', 'effective'] as const;
export type ClassWeightStrategy = (typeof CLASS_WEIGHT_STRATEGIES)[number];
export const MONITORS = [
  'val_loss',
  'val_accuracy',
  'val_balanced_accuracy',
  'val_macro_f1',
] as const;
export type Monitor = (typeof MONITORS)[number];
export const TASK_TARGETS = ['parity', 'high-low'] as const;
export type TaskTarget = (typeof TASK_TARGETS)[number];
