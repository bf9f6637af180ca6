/**
 * A worker for the pool's tests: echoes, throws, exits, exhausts memory, aborts like a wasm
 * module that overflowed its heap (and stays broken afterwards, as tfjs's does), or grows a
 * wasm memory until stopped.
 */
import { trackWasmMemory } from './memory-probe.js';
import { serve } from './serve.js';

const WASM_PAGE = 64 * 1024;
const heap = new WebAssembly.Memory({ initial: 16, maximum: 65536 });
trackWasmMemory(() => heap.buffer.byteLength);
let poisoned = false;

serve<{ kind: string; value?: number }, number>(async (input, report) => {
  if (poisoned) throw new Error('RuntimeError: memory access out of bounds');
  if (input.kind === 'echo') {
    report({ got: input.value });
    return input.value ?? 0;
  }
  if (input.kind === 'throw') throw new Error('bad input\nwith a second line');
  if (input.kind === 'exit') process.exit(3);
  if (input.kind === 'oom') {
    const hoard: number[][] = [];
    for (;;) hoard.push(new Array(1e6).fill(Math.random()));
  }
  if (input.kind === 'abort') {
    grow(heap, (48 * 1024 * 1024) / WASM_PAGE);
    poisoned = true;
    throw new Error('RuntimeError: Aborted(). Build with -sASSERTIONS for more info.');
  }
  if (input.kind === 'hog') {
    for (;;) {
      grow(heap, (16 * 1024 * 1024) / WASM_PAGE);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  if (input.kind === 'slow') await new Promise((r) => setTimeout(r, 10_000));
  return -1;
});

/** Memory.grow, which this project's minimal WebAssembly typings leave out. */
function grow(memory: WebAssembly.Memory, pages: number): void {
  (memory as unknown as { grow(pages: number): number }).grow(pages);
}
