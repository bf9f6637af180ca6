/**
 * Adam's update of one variable as one wasm kernel of tunebook's own (native/kernels.c
 * adam_step). tfjs's AdamOptimizer runs it as about fifteen kernels per variable (a ResNet's
 * step spent more time dispatching them than computing them); this gives the same values to
 * the bit (training/fused-adam.ts checks it against tfjs's).
 *
 * Kernel name: `TunebookAdamStep` ({value, m, v, gradient, c1, c2}, {beta1, beta2, epsilon,
 * learningRate}) -> [value', m', v'], where c1 = 1 - beta1^t and c2 = 1 - beta2^t are
 * one-value tensors.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { native, ptr, type WasmBackend } from './wasm-heap.js';

export const ADAM_STEP = 'TunebookAdamStep';

export interface AdamStepAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
}

export function adamStep(args: {
  inputs: {
    value: TensorInfo;
    m: TensorInfo;
    v: TensorInfo;
    gradient: TensorInfo;
    c1: TensorInfo;
    c2: TensorInfo;
  };
  attrs: AdamStepAttrs;
  backend: WasmBackend;
}): TensorInfo[] {
  const { inputs, attrs, backend } = args;
  const { value, m, v, gradient, c1, c2 } = inputs;
  const outs = [value, m, v].map((t) => backend.makeOutput(t.shape, 'float32'));
  const n = value.shape.reduce((p, d) => p * d, 1);
  const { beta1, beta2, epsilon, learningRate } = attrs;
  native(backend).adam_step(
    ptr(backend, value),
    ptr(backend, m),
    ptr(backend, v),
    ptr(backend, gradient),
    ptr(backend, outs[0]),
    ptr(backend, outs[1]),
    ptr(backend, outs[2]),
    n,
    beta1,
    1 - beta1,
    beta2,
    1 - beta2,
    ptr(backend, c1),
    ptr(backend, c2),
    epsilon,
    -learningRate,
  );
  return outs;
}
