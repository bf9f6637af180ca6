/**
 * Optimisers by name, with PyTorch's semantics where tfjs differs or lacks one:
 *
 * - `adam`: tfjs' Adam (the same update as `torch.optim.Adam`; on wasm one kernel per
 *   variable, fused-adam.ts); default lr 1e-4, the seed's
 *   advice. `weightDecay` is PyTorch's Adam weight decay: an L2 term `wd * w` added to the
 *   gradient, so it passes through Adam's scaling.
 * - `adamw`: Adam with decoupled weight decay (Loshchilov & Hutter), which tfjs lacks:
 *   `w -= lr * wd * w` before the Adam step, as `torch.optim.AdamW`; default wd 0.01 as there.
 * - `sgd`: plain SGD, or heavy-ball momentum / Nesterov when `momentum > 0` (tfjs' Momentum
 *   update equals `torch.optim.SGD(momentum, nesterov)` with dampening 0); default lr 1e-2.
 *   `weightDecay` adds `wd * w` to the gradient, as PyTorch's SGD.
 *
 * Epsilon defaults to PyTorch's 1e-8 (tfjs would take the backend's, 1e-7 in float32).
 *
 * tfjs has no learning-rate scheduler hook: the training loop sets the rate itself with
 * `setLearningRate`, which also refreshes the scalar tensor SGD and Momentum keep for it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../core/errors.js';

import { parseOptions } from '../core/validation.js';
import { FusedAdamOptimizer } from './fused-adam.js';
import { OPTIMIZER_NAMES, type OptimizerName } from './names.js';
import { OptimizerOptions, type OptimizerSpec } from './optimizer-options.js';

// The options are declared in optimizer-options.ts (free of TensorFlow.js, for study files).
export { OPTIMIZER_NAMES, type OptimizerName, type OptimizerSpec };
// tfjs's Adam with one wasm kernel per variable: what `adam` makes, and AdamW's base.
export { FusedAdamOptimizer };

/** An optimiser spec with every default filled in. */
export interface ResolvedOptimizer {
  name: OptimizerName;
  lr: number;
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/**
 * The learning rate an optimiser spec gets when it names none.
 *
 * @example
 *   defaultLearningRate('adam'); // 1e-4
 */
export function defaultLearningRate(name: OptimizerName): number {
  return name === 'sgd' ? 1e-2 : 1e-4;
}

/** Default decoupled weight decay of `adamw`, PyTorch's. */
export const DEFAULT_ADAMW_WEIGHT_DECAY = 0.01;

/**
 * Checks an optimiser spec (e.g. read from a study file) and fills in the defaults.
 *
 * @example
 *   resolveOptimizerSpec({ name: 'sgd', momentum: 0.9 });
 *   // { name: 'sgd', lr: 0.01, momentum: 0.9, nesterov: false, weightDecay: 0, ... }
 */
export function resolveOptimizerSpec(spec: OptimizerSpec, field = 'optimizer'): ResolvedOptimizer {
  const s = parseOptions(OptimizerOptions, spec, field) as OptimizerSpec & {
    momentum?: number;
    nesterov?: boolean;
    beta1?: number;
    beta2?: number;
    epsilon?: number;
  };
  const name = s.name;
  const lr = s.lr ?? defaultLearningRate(name);
  const momentum = s.momentum ?? 0;
  const weightDecay = s.weightDecay ?? (name === 'adamw' ? DEFAULT_ADAMW_WEIGHT_DECAY : 0);
  const beta1 = s.beta1 ?? 0.9;
  const beta2 = s.beta2 ?? 0.999;
  const epsilon = s.epsilon ?? 1e-8;
  const nesterov = s.nesterov ?? false;
  return { name, lr, momentum, nesterov, weightDecay, beta1, beta2, epsilon };
}

/**
 * A tfjs optimiser from a spec; see the module comment for each one's semantics.
 * `field` names the setting in error messages.
 *
 * @example
 *   const adam = makeOptimizer({ name: 'adam' });                       // lr 1e-4
 *   const sgd = makeOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true });
 *   const adamw = makeOptimizer({ name: 'adamw', lr: 1e-3, weightDecay: 0.05 });
 */
export function makeOptimizer(spec: OptimizerSpec, field = 'optimizer'): tf.Optimizer {
  const s = resolveOptimizerSpec(spec, field);
  switch (s.name) {
    case 'adam':
      return s.weightDecay > 0
        ? new AdamL2Optimizer(s.lr, s.beta1, s.beta2, s.epsilon, s.weightDecay)
        : new FusedAdamOptimizer(s.lr, s.beta1, s.beta2, s.epsilon);
    case 'adamw':
      return new AdamWOptimizer(s.lr, s.beta1, s.beta2, s.epsilon, s.weightDecay);
    case 'sgd':
      if (s.momentum > 0) {
        return s.weightDecay > 0
          ? new MomentumL2Optimizer(s.lr, s.momentum, s.nesterov, s.weightDecay)
          : new tf.MomentumOptimizer(s.lr, s.momentum, s.nesterov);
      }
      return s.weightDecay > 0
        ? new SGDL2Optimizer(s.lr, s.weightDecay)
        : new tf.SGDOptimizer(s.lr);
  }
}

interface WithRate {
  learningRate: number;
  setLearningRate?: (lr: number) => void;
}

/**
 * Sets the rate the optimiser's next step uses. tfjs' Adam (and the others) read their
 * `learningRate` field at each step; SGD and Momentum multiply by a cached scalar tensor `c`,
 * which their own `setLearningRate` replaces (disposing the old one), so that is called when
 * present. Rates >= 0 are accepted: a cosine schedule ends at 0.
 *
 * @example
 *   setLearningRate(optimizer, schedule.rate(epoch, step));
 */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
    throw new ConfigError('lr', 'a learning rate >= 0', lr);
  }
  const o = optimizer as unknown as WithRate;
  if (typeof o.learningRate !== 'number') {
    throw new ConfigError(
      'optimizer',
      'a tfjs optimizer with a learning rate',
      optimizer?.getClassName?.(),
    );
  }
  if (o.learningRate === lr) return;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

/**
 * The rate the optimiser's next step uses.
 *
 * @example
 *   getLearningRate(makeOptimizer({ name: 'adam' })); // 1e-4
 */
export function getLearningRate(optimizer: tf.Optimizer): number {
  const rate = (optimizer as unknown as WithRate).learningRate;
  if (typeof rate !== 'number') {
    throw new ConfigError(
      'optimizer',
      'a tfjs optimizer with a learning rate',
      optimizer?.getClassName?.(),
    );
  }
  return rate;
}

interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}
/** What tfjs' `applyGradients` takes: a map by variable name, or a list. */
type Gradients = tf.NamedTensorMap | NamedTensor[];

function gradientList(gradients: Gradients): NamedTensor[] {
  return Array.isArray(gradients)
    ? gradients
    : Object.keys(gradients).map((name) => ({ name, tensor: gradients[name] }));
}

function variableNamed(name: string): tf.Variable {
  return tf.engine().registeredVariables[name];
}

/** g + wd * w for every variable with a gradient (PyTorch's coupled weight decay). */
function withL2(gradients: Gradients, weightDecay: number): NamedTensor[] {
  return gradientList(gradients).map(({ name, tensor }) => ({
    name,
    tensor:
      tensor == null
        ? tensor
        : tf.tidy(() => tf.add(tensor, tf.mul(variableNamed(name), weightDecay))),
  }));
}

function disposeNew(list: NamedTensor[]): void {
  for (const { tensor } of list) tensor?.dispose();
}

/**
 * Adam with decoupled weight decay, as `torch.optim.AdamW`: each step first shrinks every
 * variable that has a gradient by `lr * weightDecay`, then takes tfjs' Adam step (which equals
 * PyTorch's). Its optimiser weights (for checkpoints) are Adam's.
 *
 * @example
 *   const opt = new AdamWOptimizer(1e-3, 0.9, 0.999, 1e-8, 0.01);
 */
export class AdamWOptimizer extends FusedAdamOptimizer {
  static override get className(): string {
    return 'AdamW';
  }

  constructor(
    learningRate: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    protected weightDecay: number,
  ) {
    super(learningRate, beta1, beta2, epsilon);
  }

  override applyGradients(variableGradients: Gradients): void {
    const shrink = 1 - this.learningRate * this.weightDecay;
    if (shrink !== 1) {
      for (const { name, tensor } of gradientList(variableGradients)) {
        if (tensor == null) continue;
        const value = variableNamed(name);
        tf.tidy(() => value.assign(tf.mul(value, shrink)));
      }
    }
    super.applyGradients(variableGradients as NamedTensor[]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), weightDecay: this.weightDecay };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(
      config.learningRate,
      config.beta1,
      config.beta2,
      config.epsilon,
      config.weightDecay,
    );
  }
}

/** Adam with PyTorch's (coupled, L2) weight decay. */
class AdamL2Optimizer extends FusedAdamOptimizer {
  constructor(
    learningRate: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    protected weightDecay: number,
  ) {
    super(learningRate, beta1, beta2, epsilon);
  }

  override applyGradients(variableGradients: Gradients): void {
    const decayed = withL2(variableGradients, this.weightDecay);
    super.applyGradients(decayed);
    disposeNew(decayed);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), weightDecay: this.weightDecay };
  }
}

/** SGD with momentum and PyTorch's (coupled, L2) weight decay. */
class MomentumL2Optimizer extends tf.MomentumOptimizer {
  constructor(
    learningRate: number,
    momentum: number,
    nesterov: boolean,
    protected weightDecay: number,
  ) {
    super(learningRate, momentum, nesterov);
  }

  override applyGradients(variableGradients: Gradients): void {
    const decayed = withL2(variableGradients, this.weightDecay);
    super.applyGradients(decayed);
    disposeNew(decayed);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), weightDecay: this.weightDecay };
  }
}

/** Plain SGD with PyTorch's (coupled, L2) weight decay. */
class SGDL2Optimizer extends tf.SGDOptimizer {
  constructor(
    learningRate: number,
    protected weightDecay: number,
  ) {
    super(learningRate);
  }

  override applyGradients(variableGradients: Gradients): void {
    const decayed = withL2(variableGradients, this.weightDecay);
    super.applyGradients(decayed);
    disposeNew(decayed);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), weightDecay: this.weightDecay };
  }
}

tf.serialization.registerClass(AdamWOptimizer);
