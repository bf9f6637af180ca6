/**
 * `npm run bench:peak`: this machine's WebAssembly peak under the Node that runs it — the
 * GFLOP/s of a register-blocked loop (native/peak.c: 12 independent f32x4 accumulators,
 * a*b+c each) built once with mul then add and once with f32x4.relaxed_madd. The best of
 * several passes, each pair interleaved so that load from other processes hits both alike.
 *
 *   wasm peak: mul+add X GFLOP/s, relaxed_madd Y GFLOP/s (node v.., V8 ..)
 *   wasm peak ratio: Y/X
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { relaxedSimdAvailable } from '../src/engine/relaxed-simd.js';

type PeakFn = (iterations: number, seed: number) => number;

export interface WasmPeak {
  /** GFLOP/s with f32x4.mul + f32x4.add. */
  mulAdd: number;
  /** GFLOP/s with f32x4.relaxed_madd, or null where this V8 has no relaxed SIMD. */
  relaxedMadd: number | null;
}

const ITERATIONS = 2e7;
const FLOPS = ITERATIONS * 12 * 4 * 2;

function load(name: string): PeakFn {
  const file = fileURLToPath(new URL(`../../native/peak-${name}.wasm`, import.meta.url));
  const module = new WebAssembly.Module(readFileSync(file));
  return new WebAssembly.Instance(module).exports.peak as PeakFn;
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
  };
}

export function runtimeLine(): string {
  return `node ${process.version}, V8 ${process.versions.v8}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const peak = measureWasmPeak();
  const relaxed = peak.relaxedMadd === null ? 'n/a' : peak.relaxedMadd.toFixed(1);
  console.log(
    `wasm peak: mul+add ${peak.mulAdd.toFixed(1)} GFLOP/s, relaxed_madd ${relaxed} GFLOP/s (${runtimeLine()})`,
  );
  console.log(
    peak.relaxedMadd === null
      ? 'wasm peak ratio: n/a (no relaxed SIMD in this V8)'
      : `wasm peak ratio: ${(peak.relaxedMadd / peak.mulAdd).toFixed(2)}`,
  );
}
