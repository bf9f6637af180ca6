/**
 * tfjs's AdamOptimizer with its per-variable update as one kernel where the backend has one
 * (wasm: engine/kernels/adam.ts), else tfjs's own op-by-op update. Same state (moments,
 * beta powers), same weights for checkpoints, same class name, and the same values to the
 * bit: the kernel does tfjs's float32 operations in tfjs's order (fused-adam.test.ts trains
 * with both and compares every weight). A ResNet step ran about fifteen kernels per
 * variable for Adam, more time in dispatch than in arithmetic.
 *
 * @example
 *   const adam = new FusedAdamOptimizer(1e-3, 0.9, 0.999, 1e-8);
 */
import * as tf from '@tensorflow/tfjs-core';
import { ADAM_STEP } from '../engine/kernels/adam.js';

interface Slot {
  originalName: string;
  variable: tf.Variable;
}

/** The fields of tfjs's AdamOptimizer this class shares with it (private in its typings). */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Slot[];
  accumulatedSecondMoment: Slot[];
}

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(
    variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0],
  ): void {
    if (!tf.getKernel(ADAM_STEP, tf.getBackend())) {
      super.applyGradients(variableGradients);
      return;
    }
    const state = this as unknown as AdamState;
    const list = Array.isArray(variableGradients)
      ? variableGradients
      : Object.keys(variableGradients).map((name) => ({
          name,
          tensor: variableGradients[name] as tf.Tensor,
        }));
    tf.tidy(() => {
      const c1 = tf.sub(1, state.accBeta1);
      const c2 = tf.sub(1, state.accBeta2);
      list.forEach(({ name, tensor: gradient }, i) => {
        const value = tf.engine().registeredVariables[name];
        state.accumulatedFirstMoment[i] ??= slot(`${name}/m`, value);
        state.accumulatedSecondMoment[i] ??= slot(`${name}/v`, value);
        if (gradient == null) return;
        if (value.dtype !== 'float32' || gradient.dtype !== 'float32') {
          throw new Error(`FusedAdamOptimizer: ${name} is ${value.dtype}, not float32`);
        }
        const m = state.accumulatedFirstMoment[i].variable;
        const v = state.accumulatedSecondMoment[i].variable;
        const [newValue, newM, newV] = tf.engine().runKernel(
          ADAM_STEP,
          { value, m, v, gradient, c1, c2 },
          {
            beta1: this.beta1,
            beta2: this.beta2,
            epsilon: this.epsilon,
            learningRate: this.learningRate,
          },
        ) as tf.Tensor[];
        m.assign(newM);
        v.assign(newV);
        value.assign(newValue);
      });
      state.accBeta1.assign(tf.mul(state.accBeta1, this.beta1));
      state.accBeta2.assign(tf.mul(state.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }
}

function slot(originalName: string, value: tf.Variable): Slot {
  return { originalName, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
}
