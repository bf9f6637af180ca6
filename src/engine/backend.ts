/**
 * Backend choice. tunebook trains on TensorFlow.js; which kernels run underneath is decided
 * here, once per process (or worker thread), so the user's code never changes:
 *
 * 1. `tensorflow`: `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node`, when importable.
 *    They are optional: their install downloads libtensorflow, which not every machine can.
 * 2. `wasm`: `@tensorflow/tfjs-backend-wasm` with tunebook's training kernels
 *    (see `kernels/`), which it needs to train CNNs at all and to train them fast.
 * 3. `cpu`: the pure-JavaScript backend, last resort.
 *
 * Override with `TUNEBOOK_BACKEND=tensorflow|wasm|cpu` or `initEngine({ backend })`.
 *
 * @example
 *   const info = await initEngine();            // auto
 *   const info2 = await initEngine({ backend: 'cpu' });
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { BackendError, ConfigError } from '../core/errors.js';
import { attachChainedOps } from './chained-ops.js';
import { installConvLayer } from './conv-layer.js';
import { installFusedBatchNorm } from './fused-batch-norm.js';
import { kernelBuild } from './kernels/native.js';
import { registerWasmTrainingKernels } from './kernels/register.js';
import { findNativePackage } from './native-package.js';
import { relaxedSimdAvailable } from './relaxed-simd.js';
import { installReluGradient } from './relu-gradient.js';

export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export const BACKEND_CHOICES = ['auto', ...BACKEND_NAMES] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

const require = createRequire(import.meta.url);

export interface EngineInfo {
  backend: BackendName;
  /** Package that provides the backend, with its version. */
  backendPackage: string;
  backendVersion: string;
  tfjsCoreVersion: string;
  /** Threads the backend computes with (1 for wasm without threads, cores for native). */
  threads: number;
  simd: boolean;
  /**
   * The kernels that run the arithmetic: `native` (libtensorflow), `simd128` (XNNPACK and
   * tunebook's kernels, WebAssembly SIMD), `relaxed-simd` (the same, with tunebook's convolutions on
   * f32x4.relaxed_madd), `wasm-scalar` (no SIMD), or
   * `javascript` (cpu).
   */
  kernelPath: 'native' | 'simd128' | 'relaxed-simd' | 'wasm-scalar' | 'javascript';
  /** Whether this V8 runs relaxed SIMD (fused multiply-add); `relaxed-simd` then uses it. */
  relaxedSimd: boolean;
  node: string;
  /** The native binding installed here, if any (whether or not it is the one in use). */
  tfjsNode: string | null;
  /** Training kernels tunebook registered on this backend. */
  supplementedKernels: string[];
}

/** Reads and checks a backend choice from an option or the environment. */
export function parseBackendChoice(value: unknown, field = 'backend'): BackendChoice {
  if (typeof value === 'string' && (BACKEND_CHOICES as readonly string[]).includes(value)) {
    return value as BackendChoice;
  }
  throw new ConfigError(field, `one of ${BACKEND_CHOICES.join(', ')}`, value);
}

let current: EngineInfo | null = null;

/**
 * Chooses and initialises the backend. Calling it again with the same choice is free;
 * with another choice it switches.
 */
export async function initEngine(options: { backend?: BackendChoice } = {}): Promise<EngineInfo> {
  const envChoice = process.env.TUNEBOOK_BACKEND;
  const choice: BackendChoice =
    options.backend ??
    (envChoice ? parseBackendChoice(envChoice, 'TUNEBOOK_BACKEND') : ('auto' as const));
  if (current && (choice === 'auto' || choice === current.backend)) return current;

  // A bad TUNEBOOK_WASM_KERNELS is the user's error, not a backend that failed to start.
  kernelBuild();
  const order: BackendName[] = choice === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [choice];
  const failures: string[] = [];
  attachChainedOps();
  installFusedBatchNorm();
  installReluGradient();
  installConvLayer();
  for (const name of order) {
    try {
      current = await activate(name);
      return current;
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
    }
  }
  throw new BackendError(`no usable backend for "${choice}" (${failures.join('; ')})`);
}

/** The engine chosen by `initEngine`, or null before it ran. */
export function engineInfo(): EngineInfo | null {
  return current;
}

async function activate(name: BackendName): Promise<EngineInfo> {
  const tfjsNode = findNativePackage();
  const base = {
    tfjsCoreVersion: tf.version_core,
    node: process.versions.node,
    tfjsNode,
    relaxedSimd: relaxedSimdAvailable(),
  };
  if (name === 'tensorflow') {
    if (!tfjsNode) throw new Error('neither @tensorflow/tfjs-node-gpu nor -node is installed');
    await import(tfjsNode);
    if (!(await tf.setBackend('tensorflow'))) throw new Error(`${tfjsNode} did not initialise`);
    return {
      ...base,
      backend: 'tensorflow',
      backendPackage: tfjsNode,
      backendVersion: packageVersion(tfjsNode),
      threads: (await import('node:os')).availableParallelism(),
      simd: true,
      kernelPath: 'native',
      supplementedKernels: [],
    };
  }
  if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
    const supplementedKernels = registerWasmTrainingKernels();
    const backend = tf.backend() as unknown as { wasm: { tfjs: { getThreadsCount(): number } } };
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') as boolean;
    return {
      ...base,
      backend: 'wasm',
      backendPackage: '@tensorflow/tfjs-backend-wasm',
      backendVersion: packageVersion('@tensorflow/tfjs-backend-wasm'),
      threads: backend.wasm.tfjs.getThreadsCount?.() ?? 1,
      simd,
      kernelPath: !simd ? 'wasm-scalar' : kernelBuild() === 'relaxed' ? 'relaxed-simd' : 'simd128',
      supplementedKernels,
    };
  }
  await import('@tensorflow/tfjs-backend-cpu');
  // The cpu backend otherwise prints advice to install tfjs-node on first use; `info` says it.
  tf.env().set('PROD', true);
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise');
  return {
    ...base,
    backend: 'cpu',
    backendPackage: '@tensorflow/tfjs-backend-cpu',
    backendVersion: packageVersion('@tensorflow/tfjs-backend-cpu'),
    threads: 1,
    simd: false,
    kernelPath: 'javascript',
    supplementedKernels: [],
  };
}

function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
