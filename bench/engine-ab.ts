/**
 * `node dist/bench/engine-ab.js [--net cnn|resnet] [--reps N] [--a FILE] [--b FILE] [--by-call] [--cold]`: two
 * builds of tunebook's wasm kernels against each other inside one training step. Every call
 * the step makes to a kernel export is run on both builds, alternately, `reps` times (order
 * swapped each time), on the step's own tensors, before the real call; each side keeps its
 * fastest of the reps. So both builds meet the same data, the same cache state and the same
 * moment of this machine's drifting speed, which separate runs minutes apart do not (their
 * differences of a few percent are noise here). Defaults: A = the committed build at HEAD
 * (`git show HEAD:native/<file>`), B = the working tree's; the file is the build this V8 runs
 * (kernels-relaxed.wasm or kernels.wasm). Kernels that update their inputs in place (Adam)
 * are not repeated. One step warms both builds up, the next is measured. Two identical builds
 * read B/A 0.97-1.01 a kernel here. --by-call: a line per call (name#n, n-th call in the step,
 * with its integer arguments after the pointers, e.g. a convolution's geometry). --cold:
 * every run starts from caches emptied of the step's tensors (a 64 MiB buffer read and written
 * before it), as in the step itself, where they come from memory: a memory-bound kernel can
 * win on warm caches and lose in the step (relu_grad_sum's blocks of rows: 0.85 warm, 1.5 in
 * the step).
 *
 *   conv_direct              A 35.62 ms  B 33.10 ms  B/A 0.929  (6 calls)
 *   engine-ab cnn: B/A 0.962 over 38 kernel calls (A 61.3 ms, B 59.0 ms a step)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import * as tf from '@tensorflow/tfjs-core';
import { native, type WasmBackend } from '../src/engine/kernels/wasm-heap.js';
import { NETS, type Net, prepare } from './engine-measure.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** Exports that are not repeated: in-place updates, and helpers that time nothing. */
const SKIP = new Set([
  'adam_step',
  'scratch_floats',
  'small_r_padded_floats',
  'conv_direct_scratch_floats',
  'conv_direct_wpack_floats',
  'conv_filter_grad_scratch_floats',
  'conv_winograd_tile',
  'conv_input_grad_winograd_tile',
  'conv_input_grad_winograd_floats',
  'fill_zero',
  '__stack_pointer',
]);

type Exports = Record<string, (...args: number[]) => number>;

function instantiate(bytes: Buffer, memory: WebAssembly.Memory, stack: number): Exports {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  (instance.exports.__stack_pointer as WebAssembly.Global).value = stack;
  return instance.exports as unknown as Exports;
}

/** A build's bytes: the file named by `name`, else the default; one line naming it if unreadable. */
function build(name: string, file: string, fallback: () => Buffer): Buffer {
  try {
    return file ? readFileSync(file) : fallback();
  } catch (error) {
    console.error(
      `engine-ab: ${name}: cannot read ${file || 'the default build'}: ${(error as Error).message.split('\n')[0]}`,
    );
    process.exit(2);
  }
}

interface Tally {
  a: number;
  b: number;
  calls: number;
}

const cold = process.argv.includes('--cold');

/** Larger than this machine's last-level cache: touching it evicts the step's tensors. */
const EVICT = cold ? new Float64Array(8 << 20) : new Float64Array(0);

/** Reads and writes one value in each 64-byte line of EVICT. */
function evictCaches(): void {
  for (let i = 0; i < EVICT.length; i += 8) EVICT[i] += 1;
}

/** Runs `name` on both builds `reps` times, alternating; adds each side's fastest to `t`. */
function race(a: Exports, b: Exports, name: string, args: number[], reps: number, t: Tally) {
  let ta = Infinity;
  let tb = Infinity;
  for (let r = 0; r < reps; r++) {
    for (const side of r % 2 ? [a, b] : [b, a]) {
      if (cold) evictCaches();
      const start = performance.now();
      side[name](...args);
      const took = performance.now() - start;
      if (side === a) ta = Math.min(ta, took);
      else tb = Math.min(tb, took);
    }
  }
  t.a += ta;
  t.b += tb;
  t.calls++;
}

async function main(): Promise<void> {
  // Optimised code from the first call: with V8's baseline compiler first, the two modules
  // tier up at different moments, and identical builds differed by up to 10% a kernel.
  v8.setFlagsFromString('--no-liftoff');
  const net = flag('net', 'cnn') as Net;
  if (!NETS.includes(net)) throw new Error(`--net: one of ${NETS.join(', ')}, got ${net}`);
  const reps = Number(flag('reps', '7'));
  if (!(Number.isInteger(reps) && reps >= 1))
    throw new Error(`--reps: a whole number >= 1, got ${reps}`);
  const prepared = await prepare({ net, backend: 'wasm', batch: 64, steps: 1, warmup: 2 });
  const backend = tf.backend() as unknown as WasmBackend;
  const loaded = native(backend);
  const file = loaded.build === 'relaxed' ? 'kernels-relaxed.wasm' : 'kernels.wasm';
  const aBytes = build('--a', flag('a', ''), () =>
    execFileSync('git', ['show', `HEAD:native/${file}`], { maxBuffer: 1 << 26 }),
  );
  const bBytes = build('--b', flag('b', ''), () =>
    readFileSync(new URL(`../../native/${file}`, import.meta.url)),
  );
  const memory = backend.wasm.asm.memory as WebAssembly.Memory;
  const stack = (loaded as unknown as { __stack_pointer: WebAssembly.Global }).__stack_pointer
    .value as number;
  const a = instantiate(aBytes, memory, stack);
  const b = instantiate(bBytes, memory, stack);
  const byCall = process.argv.includes('--by-call');
  let tallies = new Map<string, Tally>();
  const seen = new Map<string, number>();
  const tally = (name: string, args: number[]) => {
    let key = name;
    if (byCall) {
      const n = (seen.get(name) ?? 0) + 1;
      seen.set(name, n);
      // Pointers are large heap offsets; the small integers are the call's shape.
      key = `${name}#${n} ${args.filter((v) => Number.isInteger(v) && v < 4096).join(',')}`;
    }
    const t = tallies.get(key) ?? { a: 0, b: 0, calls: 0 };
    tallies.set(key, t);
    return t;
  };
  for (const name of Object.keys(a)) {
    if (SKIP.has(name) || typeof a[name] !== 'function') continue;
    const real = (loaded as unknown as Exports)[name].bind(loaded);
    Object.defineProperty(loaded, name, {
      configurable: true,
      value: (...args: number[]) => {
        race(a, b, name, args, reps, tally(name, args));
        return real(...args);
      },
    });
  }
  // The first pass warms both modules up (V8 compiles a wasm function with its baseline
  // compiler first and optimises it once it is hot); the second is measured.
  prepared.pass();
  tallies = new Map();
  seen.clear();
  prepared.pass();
  const ran = [...tallies].filter(([, t]) => t.calls > 0).sort((x, y) => y[1].a - x[1].a);
  for (const [name, t] of ran) {
    const ratio = (t.b / t.a).toFixed(3);
    console.log(
      `  ${name.padEnd(24)} A ${t.a.toFixed(2)} ms  B ${t.b.toFixed(2)} ms  B/A ${ratio}  (${t.calls} calls)`,
    );
  }
  const sum = (k: 'a' | 'b' | 'calls') => ran.reduce((s, [, t]) => s + t[k], 0);
  console.log(
    `engine-ab ${net}: B/A ${(sum('b') / sum('a')).toFixed(3)} over ${sum('calls')} kernel calls (A ${sum('a').toFixed(1)} ms, B ${sum('b').toFixed(1)} ms a step)`,
  );
}

await main();
