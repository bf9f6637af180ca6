/**
 * `npm run bench:peak`: this machine's WebAssembly peak under the Node that runs it — the
 * GFLOP/s of a register-blocked loop (native/peak.c: 12 independent f32x4 accumulators,
 * a*b+c each) built once with mul then add and once with f32x4.relaxed_madd. The best of
 * several passes, each pair interleaved so that load from other processes hits both alike.
 *
 * With them, the memory roof: GB/s of an element-wise loop (two streams read, one written)
 * over two 4 MiB arrays, the size of a ResNet's first-stage activation at batch 64, so the
 * bound is the cache level the training step's element-wise kernels actually work from.
 *
 *   wasm peak: mul+add X GFLOP/s, relaxed_madd Y GFLOP/s, memory Z GB/s (node v.., V8 ..)
 *   wasm peak ratio: Y/X
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { relaxedSimdAvailable } from '../src/engine/relaxed-simd.js';

type PeakFn = (iterations: number, seed: number) => number;
type StreamFn = (x: number, y: number, n: number, a: number) => void;

export interface WasmPeak {
  /** GFLOP/s with f32x4.mul + f32x4.add. */
  mulAdd: number;
  /** GFLOP/s with f32x4.relaxed_madd, or null where this V8 has no relaxed SIMD. */
  relaxedMadd: number | null;
  /** GB/s of the element-wise stream loop (bytes read and written). */
  bandwidth: number;
}

const ITERATIONS = 2e7;
const FLOPS = ITERATIONS * 12 * 4 * 2;

function instance(name: string): Record<string, unknown> {
  const file = fileURLToPath(new URL(`../../native/peak-${name}.wasm`, import.meta.url));
  return new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file))).exports;
}

function load(name: string): PeakFn {
  return instance(name).peak as PeakFn;
}

const STREAM_FLOATS = 1 << 20;
/** Byte offset of the first array: past the module's stack and data (64 KiB and a few bytes). */
const STREAM_BASE = 1 << 20;

/** The best of `passes` passes of the stream loop, in GB/s. */
function measureBandwidth(passes: number): number {
  const exports = instance('simd128');
  const memory = exports.memory as WebAssembly.Memory;
  const need = STREAM_BASE + 8 * STREAM_FLOATS;
  if (memory.buffer.byteLength < need) {
    memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
  }
  new Float32Array(memory.buffer, STREAM_BASE, 2 * STREAM_FLOATS).fill(1);
  const stream = exports.stream as StreamFn;
  const y = STREAM_BASE + 4 * STREAM_FLOATS;
  let best = Infinity;
  for (let p = 0; p <= passes; p++) {
    const start = process.hrtime.bigint();
    for (let r = 0; r < 8; r++) stream(STREAM_BASE, y, STREAM_FLOATS, 1e-6);
    const t = Number(process.hrtime.bigint() - start) / 1e9;
    if (p > 0) best = Math.min(best, t);
  }
  return (8 * 12 * STREAM_FLOATS) / best / 1e9;
}

function seconds(fn: PeakFn): number {
  const start = process.hrtime.bigint();
  fn(ITERATIONS, 1);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Measures both loops over `passes` interleaved passes and keeps each one's best. */
export function measureWasmPeak(passes = 7): WasmPeak {
  const mulAdd = load('simd128');
  const relaxed = relaxedSimdAvailable() ? load('relaxed') : null;
  let bestMulAdd = Infinity;
  let bestRelaxed = Infinity;
  seconds(mulAdd);
  if (relaxed) seconds(relaxed);
  for (let p = 0; p < passes; p++) {
    bestMulAdd = Math.min(bestMulAdd, seconds(mulAdd));
    if (relaxed) bestRelaxed = Math.min(bestRelaxed, seconds(relaxed));
  }
  return {
    mulAdd: FLOPS / bestMulAdd / 1e9,
    relaxedMadd: relaxed ? FLOPS / bestRelaxed / 1e9 : null,
    bandwidth: measureBandwidth(passes),
  };
}

export function runtimeLine(): string {
  return `node ${process.version}, V8 ${process.versions.v8}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const peak = measureWasmPeak();
  const relaxed = peak.relaxedMadd === null ? 'n/a' : peak.relaxedMadd.toFixed(1);
  console.log(
    `wasm peak: mul+add ${peak.mulAdd.toFixed(1)} GFLOP/s, relaxed_madd ${relaxed} GFLOP/s, memory ${peak.bandwidth.toFixed(1)} GB/s (${runtimeLine()})`,
  );
  console.log(
    peak.relaxedMadd === null
      ? 'wasm peak ratio: n/a (no relaxed SIMD in this V8)'
      : `wasm peak ratio: ${(peak.relaxedMadd / peak.mulAdd).toFixed(2)}`,
  );
}
