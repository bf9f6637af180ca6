/**
 * A build of tunebook's kernels instantiated on a memory of its own, for tests that call its
 * exports directly (native.test.ts, winograd.test.ts).
 */
import { readFileSync } from 'node:fs';
import { relaxedSimdAvailable } from '../relaxed-simd.js';
import type { KernelBuild, NativeKernels } from './native.js';

/**
 * One build on a memory of its own, with its stack at the top of the first 64 KiB (the
 * relaxed one after turning on Node 20's flag for it).
 */
export function standalone(build: KernelBuild): { k: NativeKernels; memory: WebAssembly.Memory } {
  if (build === 'relaxed' && !relaxedSimdAvailable()) throw new Error('no relaxed SIMD here');
  const file = build === 'relaxed' ? 'kernels-relaxed.wasm' : 'kernels.wasm';
  const bytes = readFileSync(new URL(`../../../../native/${file}`, import.meta.url));
  const memory = new WebAssembly.Memory({ initial: 256 });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  const exports = instance.exports as unknown as NativeKernels & {
    __stack_pointer: WebAssembly.Global;
  };
  exports.__stack_pointer.value = 65536;
  return { k: exports, memory };
}
