/** A worker thread of the study runner: one tfjs, trials one at a time. */
import * as tf from '@tensorflow/tfjs-core';
import { withInjectedFault } from '../pool/inject-fault.js';
import { trackWasmMemory } from '../pool/memory-probe.js';
import { serve } from '../pool/serve.js';
import { runTrial, type TrialInput, type TrialOutput } from './run-trial.js';

// The wasm backend's heap, for the pool's memory budget (V8's limit does not cover it).
// Read from the registry: tf.findBackend would initialize a backend as a side effect.
trackWasmMemory(() => {
  const registry = (tf.engine() as unknown as { registry: Record<string, unknown> }).registry;
  const backend = registry.wasm as { wasm?: { asm?: { memory?: WebAssembly.Memory } } } | undefined;
  return backend?.wasm?.asm?.memory?.buffer.byteLength ?? 0;
});

serve<TrialInput, TrialOutput>((input, report) =>
  withInjectedFault(input.identity, () => runTrial(input, report)),
);
