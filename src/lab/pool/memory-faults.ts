/**
 * What a worker's failure says about its memory. When a trial runs out of WebAssembly memory,
 * tfjs throws instead of the thread dying ("memory access out of bounds", "Aborted()"), and
 * the module's heap is left in an undefined state: every later trial on that worker fails
 * too. Such a failure is named for what it is, and its worker is replaced.
 *
 * @example
 *   isMemoryFault('RuntimeError: memory access out of bounds'); // true
 *   outOfMemory(1843); // 'out of memory (wasm heap at 1843 MB)'
 */

const PATTERNS = [
  /memory access out of bounds/i,
  /\bAborted\(/,
  /table index is out of bounds/i,
  /Array buffer allocation failed/i,
  /allocation failed/i,
  /Cannot allocate Wasm memory/i,
  /WebAssembly\.Memory(\.grow)?\(\): .*(could not|failed)/i,
  /Invalid (typed )?array (buffer )?length/i,
  /out of memory/i,
  /ERR_WORKER_OUT_OF_MEMORY/,
];

export function isMemoryFault(message: string): boolean {
  return PATTERNS.some((p) => p.test(message));
}

/** The stored failure of a trial that ran out of memory; its prefix marks the kind. */
export const OUT_OF_MEMORY = 'out of memory';
/** The stored failure of a trial stopped for going over its budget. */
export const OVER_BUDGET = 'over its memory budget';
/** Stored errors of these prefixes are memory failures (see `isMemoryFailure`). */
export const MEMORY_FAILURE_PREFIXES = [OUT_OF_MEMORY, OVER_BUDGET] as const;

export function outOfMemory(wasmMb: number | null): string {
  return wasmMb === null
    ? `${OUT_OF_MEMORY} (wasm heap size unknown)`
    : `${OUT_OF_MEMORY} (wasm heap at ${Math.round(wasmMb)} MB)`;
}

/** A stored trial error that says the trial failed for memory (and would again). */
export function isMemoryFailure(error: string | null): boolean {
  return !!error && MEMORY_FAILURE_PREFIXES.some((p) => error.startsWith(p));
}
