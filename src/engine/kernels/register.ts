/**
 * Registers tunebook's training kernels on the wasm backend: the ones it lacks
 * (Conv2DBackpropFilter, the depthwise backprops) and faster replacements for ones it runs
 * slowly (Conv2D, FusedConv2D, Conv2DBackpropInput, BatchMatMul, _FusedMatMul, MaxPool,
 * MaxPoolGrad, batch norm, ReLU's gradient and Adam's update as single passes). Call after the wasm
 * backend is initialised: the replaced kernels' own setup must have run, since the
 * replacements delegate to them for cases they do not speed up.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ADAM_STEP, adamStep } from './adam.js';
import { cast, identity } from './aliasing.js';
import { batchMatMul, fusedMatMul } from './batch-mat-mul.js';
import {
  BATCH_NORM_BACKWARD,
  BATCH_NORM_FORWARD,
  batchNormBackward,
  batchNormForward,
  MOVING_AVERAGE,
  movingAverage,
} from './batch-norm.js';
import { add, multiply, realDiv, sub } from './broadcast-binary.js';
import { conv2dBackpropFilter } from './conv2d-backprop-filter.js';
import { conv2dBackpropInput } from './conv2d-backprop-input.js';
import { CONV2D_FUSED, conv2d, fusedConv2d } from './conv2d-forward.js';
import {
  depthwiseConv2dBackpropFilter,
  depthwiseConv2dBackpropInput,
} from './depthwise-backprop.js';
import { maxPool, maxPoolGrad } from './max-pool.js';
import { mean, sum } from './reductions.js';
import { RELU_GRAD, RELU_GRAD_SUM, reluGrad, reluGradSum } from './relu-grad.js';
import { tile } from './tile.js';
import { unsortedSegmentSum } from './unsorted-segment-sum.js';
import { rememberOriginal } from './wasm-heap.js';

type KernelFunc = tf.KernelConfig['kernelFunc'];

export const WASM_TRAINING_KERNELS: Record<string, KernelFunc> = {
  Conv2D: conv2d as unknown as KernelFunc,
  FusedConv2D: fusedConv2d as unknown as KernelFunc,
  [CONV2D_FUSED]: fusedConv2d as unknown as KernelFunc,
  Conv2DBackpropFilter: conv2dBackpropFilter as unknown as KernelFunc,
  Conv2DBackpropInput: conv2dBackpropInput as unknown as KernelFunc,
  DepthwiseConv2dNativeBackpropFilter: depthwiseConv2dBackpropFilter as unknown as KernelFunc,
  DepthwiseConv2dNativeBackpropInput: depthwiseConv2dBackpropInput as unknown as KernelFunc,
  BatchMatMul: batchMatMul as unknown as KernelFunc,
  _FusedMatMul: fusedMatMul as unknown as KernelFunc,
  MaxPool: maxPool as unknown as KernelFunc,
  MaxPoolGrad: maxPoolGrad as unknown as KernelFunc,
  Sum: sum as unknown as KernelFunc,
  Mean: mean as unknown as KernelFunc,
  Tile: tile as unknown as KernelFunc,
  Add: add as unknown as KernelFunc,
  Sub: sub as unknown as KernelFunc,
  Multiply: multiply as unknown as KernelFunc,
  RealDiv: realDiv as unknown as KernelFunc,
  Identity: identity as unknown as KernelFunc,
  Cast: cast as unknown as KernelFunc,
  UnsortedSegmentSum: unsortedSegmentSum as unknown as KernelFunc,
  [BATCH_NORM_FORWARD]: batchNormForward as unknown as KernelFunc,
  [BATCH_NORM_BACKWARD]: batchNormBackward as unknown as KernelFunc,
  [MOVING_AVERAGE]: movingAverage as unknown as KernelFunc,
  [RELU_GRAD]: reluGrad as unknown as KernelFunc,
  [RELU_GRAD_SUM]: reluGradSum as unknown as KernelFunc,
  [ADAM_STEP]: adamStep as unknown as KernelFunc,
};

let registered = false;

/** Idempotent; returns the names of the kernels tunebook supplies. */
export function registerWasmTrainingKernels(): string[] {
  const names = Object.keys(WASM_TRAINING_KERNELS);
  if (registered) return names;
  for (const name of names) {
    if (rememberOriginal(name)) tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: WASM_TRAINING_KERNELS[name],
    });
  }
  registered = true;
  return names;
}
