#!/usr/bin/env node
// Builds the committed wasm modules from native/*.c. Needs clang and lld with the wasm32
// target (Debian: apt-get install clang-19 lld-19). The outputs are committed, so installing
// tunebook needs no compiler; run this after changing a .c file.
//   node scripts/build-native.mjs [kernels] [peak]     (default: both)
//   kernels: native/kernels.wasm and native/kernels-relaxed.wasm, the training kernels
//            (src/engine/kernels), SIMD128 and relaxed-SIMD builds
//   peak:    native/peak-{simd128,relaxed}.wasm, the peak loops of bench/wasm-peak
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';

const targets = process.argv.length > 2 ? process.argv.slice(2) : ['kernels', 'peak'];
const clang = ['clang', 'clang-19', 'clang-18', 'clang-17', 'clang-16'].find(
  (c) => spawnSync(c, ['--version']).status === 0,
);
if (!clang) {
  console.error('build-native: no clang found (Debian: apt-get install clang-19 lld-19)');
  process.exit(1);
}
// Node 20's V8 compiles relaxed SIMD only behind this flag (newer ones have it on and warn).
if (Number(process.versions.node.split('.')[0]) < 22) {
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
}
if (targets.includes('kernels')) buildKernels();
if (targets.includes('peak')) buildPeak();

// Two builds of the same source: kernels.wasm (SIMD128, runs on every V8 with wasm SIMD) and
// kernels-relaxed.wasm (its GEMM's multiply-adds are f32x4.relaxed_madd), chosen at start-up
// by src/engine/relaxed-simd.ts. -ffp-contract=off: only the GEMM's explicit MADD may fuse,
// so the other kernels give the same bits from both modules.
function buildKernels() {
  const version = clangVersion();
  for (const [out, extra] of [
    ['native/kernels.wasm', []],
    ['native/kernels-relaxed.wasm', ['-mrelaxed-simd', '-DRELAXED']],
  ]) {
    if (extra.length && !(version >= 16)) {
      console.error(`${out}: ${clang} is ${version}; relaxed SIMD needs clang >= 16`);
      process.exit(1);
    }
    const flags = ['--target=wasm32', '-O3', '-msimd128', '-mmutable-globals', '-nostdlib'];
    flags.push('-fno-builtin', '-ffp-contract=off', '-Wall', '-Werror', '-Wl,--no-entry');
    flags.push('-Wl,--import-memory', '-Wl,--export-dynamic', '-Wl,--export=__stack_pointer');
    execFileSync(clang, [...flags, ...extra, '-o', out, 'native/kernels.c'], { stdio: 'inherit' });
    const bytes = readFileSync(out);
    // The module shares the tfjs heap: a data section would overwrite it at instantiation.
    for (const id of sectionIds(bytes)) {
      if (id === 11 || id === 12) {
        console.error(`${out}: has a data section (id ${id}); kernels.c must not use static data`);
        process.exit(1);
      }
    }
    const memory = new WebAssembly.Memory({ initial: 2 });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    console.log(
      `${out}: ${bytes.length} bytes, exports ${Object.keys(instance.exports).join(', ')}`,
    );
  }
}

function clangVersion() {
  const banner = execFileSync(clang, ['--version'], { encoding: 'utf8' });
  return Number(/version (\d+)/.exec(banner)?.[1]);
}

// Relaxed SIMD needs clang >= 16 for the standard opcodes (clang 14 emits pre-standard ones
// that V8 rejects); -ffp-contract=off keeps the mul+add build from being fused.
function buildPeak() {
  const version = clangVersion();
  if (!(version >= 16)) {
    console.error(`native/peak-*.wasm: ${clang} is ${version}; relaxed SIMD needs clang >= 16`);
    process.exit(1);
  }
  const flags = ['--target=wasm32', '-O3', '-nostdlib', '-fno-builtin', '-ffp-contract=off'];
  flags.push('-Wall', '-Werror', '-Wl,--no-entry', '-msimd128');
  for (const [name, extra] of [
    ['simd128', []],
    ['relaxed', ['-mrelaxed-simd', '-DRELAXED']],
  ]) {
    const out = `native/peak-${name}.wasm`;
    execFileSync(clang, [...flags, ...extra, '-o', out, 'native/peak.c'], { stdio: 'inherit' });
    console.log(`${out}: built with ${clang} ${version}`);
  }
}

function* sectionIds(bytes) {
  let i = 8;
  while (i < bytes.length) {
    const id = bytes[i++];
    let size = 0;
    let shift = 0;
    let b;
    do {
      b = bytes[i++];
      size |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    yield id;
    i += size;
  }
}
