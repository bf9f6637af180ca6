/**
 * Faults on demand, for the fault tests of a real study: `TUNEBOOK_INJECT_FAULT` lists
 * `<kind>@<arm>/<seed>` entries (comma-separated). `abort` makes that trial fail as tfjs does
 * when its wasm heap overflows, and leaves the worker broken for every later trial, as the
 * real fault does; `hog` makes it grow a wasm memory until it is stopped; `fail` makes it
 * fail with an ordinary error, as settings that only break in training do. Unset, it costs
 * one lookup per trial.
 *
 * @example
 *   TUNEBOOK_INJECT_FAULT=abort@m1-normalize/1 tunebook study s.yaml
 */
import { trackWasmMemory } from './memory-probe.js';

export const FAULT_ENV = 'TUNEBOOK_INJECT_FAULT';
export const INJECTED_FAILURE = `a failure injected by ${FAULT_ENV}`;
const WASM_PAGE = 64 * 1024;
let poisoned = false;

function faultFor(identity: unknown): string | null {
  const spec = process.env[FAULT_ENV];
  if (!spec) return null;
  const { arm, seed } = (identity ?? {}) as { arm?: string; seed?: number };
  for (const entry of spec.split(',')) {
    const [kind, where] = entry.trim().split('@');
    if (where === `${arm}/${seed}`) return kind;
  }
  return null;
}

/** Runs the trial, or the fault asked for it. */
export async function withInjectedFault<O>(identity: unknown, run: () => Promise<O>): Promise<O> {
  if (poisoned) throw new Error('RuntimeError: memory access out of bounds');
  const kind = faultFor(identity);
  if (kind === 'abort') {
    poisoned = true;
    throw new Error('RuntimeError: Aborted(). Build with -sASSERTIONS for more info.');
  }
  if (kind === 'fail') throw new Error(INJECTED_FAILURE);
  if (kind === 'hog') {
    const heap = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
    trackWasmMemory(() => heap.buffer.byteLength);
    for (;;) {
      grow(heap, (32 * 1024 * 1024) / WASM_PAGE);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return run();
}

/** Memory.grow, which this project's minimal WebAssembly typings leave out. */
function grow(memory: WebAssembly.Memory, pages: number): void {
  (memory as unknown as { grow(pages: number): number }).grow(pages);
}
