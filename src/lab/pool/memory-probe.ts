/**
 * The memory a worker thread holds, as it reports it to the pool: the WebAssembly memories
 * registered here (the tfjs wasm backend's heap, which V8's heap limit does not cover) plus
 * its own JavaScript heap. Typed arrays and wasm memory live outside `maxOldGenerationSizeMb`,
 * so the pool's budget is checked against these numbers.
 *
 * @example
 *   trackWasmMemory(() => backend.wasm.asm.memory.buffer.byteLength);
 *   workerMemory(); // { wasmBytes, heapBytes }
 */
import { getHeapStatistics } from 'node:v8';

const sources = new Set<() => number>();

export function trackWasmMemory(bytes: () => number): () => void {
  sources.add(bytes);
  return () => sources.delete(bytes);
}

export interface WorkerMemory {
  wasmBytes: number;
  heapBytes: number;
}

export function workerMemory(): WorkerMemory {
  let wasmBytes = 0;
  for (const read of sources) {
    try {
      wasmBytes += read();
    } catch {
      // A backend torn down mid-read: counts nothing.
    }
  }
  const heap = getHeapStatistics();
  // V8's external memory may already count the wasm memories' buffers: not twice.
  const external = Math.max(0, heap.external_memory - wasmBytes);
  return { wasmBytes, heapBytes: heap.used_heap_size + external };
}
