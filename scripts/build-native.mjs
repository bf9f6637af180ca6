#!/usr/bin/env node
// Builds native/kernels.wasm from native/kernels.c. Needs clang and lld with the wasm32
// target (Debian: apt-get install clang lld). The output is committed, so installing
// tunebook needs no compiler; run this after changing kernels.c.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const out = 'native/kernels.wasm';
execFileSync(
  'clang',
  [
    '--target=wasm32',
    '-O3',
    '-msimd128',
    '-mmutable-globals',
    '-nostdlib',
    '-fno-builtin',
    '-Wall',
    '-Werror',
    '-Wl,--no-entry',
    '-Wl,--import-memory',
    '-Wl,--export-dynamic',
    '-Wl,--export=__stack_pointer',
    '-o',
    out,
    'native/kernels.c',
  ],
  { stdio: 'inherit' },
);

// The module shares the tfjs heap: a data section would overwrite it at instantiation.
const bytes = readFileSync(out);
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
  if (id === 11 || id === 12) {
    console.error(`${out}: has a data section (id ${id}); kernels.c must not use static data`);
    process.exit(1);
  }
  i += size;
}
const { instance } = await WebAssembly.instantiate(bytes, {
  env: { memory: new WebAssembly.Memory({ initial: 2 }) },
});
console.log(`${out}: ${bytes.length} bytes, exports ${Object.keys(instance.exports).join(', ')}`);
