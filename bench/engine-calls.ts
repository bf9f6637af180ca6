/**
 * `node dist/bench/engine-calls.js [--net cnn|resnet] [--passes N]`: how long each of
 * tunebook's native kernel calls takes inside real training steps (batch 64, Adam), with a
 * timer around every call and nothing else added (tf.profile's per-kernel syncs are not), so
 * the step's own cache state holds: its tensors come from memory, where engine-ab repeats a
 * call on warm caches. One line per export and shape (its integer arguments after the
 * pointers): mean ms a step, the median and fastest call; then the kernels' sum against the
 * step's mean wall time over the same passes, whose difference is JavaScript and tfjs.
 *
 *   maxpool_grad 64,26,26,32   1.12 ms a step  median 1.10  fastest 0.72
 *   engine-calls cnn: kernels 27.4 ms of a 30.1 ms step, 2.7 ms outside them
 */
import * as tf from '@tensorflow/tfjs-core';
import { native, type WasmBackend } from '../src/engine/kernels/wasm-heap.js';
import { median, NETS, type Net, prepare } from './engine-measure.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

type Exports = Record<string, (...args: number[]) => number>;

const STEPS = 20;

/** A bad flag: one line naming it and what was received, exit 2, before anything trains. */
function refuse(message: string): never {
  console.error(`engine-calls: ${message}`);
  process.exit(2);
}

async function main(): Promise<void> {
  const net = flag('net', 'cnn') as Net;
  if (!NETS.includes(net)) refuse(`--net: one of ${NETS.join(', ')}, got ${net}`);
  const raw = flag('passes', '5');
  const passes = Number(raw);
  if (!(Number.isInteger(passes) && passes >= 1))
    refuse(`--passes: a whole number >= 1, got ${raw}`);
  const prepared = await prepare({ net, backend: 'wasm', batch: 64, steps: STEPS, warmup: 10 });
  const loaded = native(tf.backend() as unknown as WasmBackend) as unknown as Exports;
  const calls = new Map<string, number[]>();
  const proto = Object.getPrototypeOf(loaded) as Exports;
  for (const name of Object.keys(proto)) {
    if (typeof proto[name] !== 'function') continue;
    const real = proto[name].bind(loaded);
    Object.defineProperty(loaded, name, {
      configurable: true,
      value: (...args: number[]) => {
        const start = performance.now();
        const result = real(...args);
        const took = performance.now() - start;
        // Pointers are large heap offsets; the small integers are the call's shape.
        const key = `${name} ${args.filter((v) => Number.isInteger(v) && v < 4096).join(',')}`;
        const list = calls.get(key) ?? [];
        list.push(took);
        calls.set(key, list);
        return result;
      },
    });
  }
  const steps: number[] = [];
  for (let p = 0; p < passes; p++)
    steps.push((1000 * prepared.batch) / prepared.pass().samplesPerS);
  const perStep = (list: number[]) => list.reduce((s, v) => s + v, 0) / (passes * STEPS);
  const rows = [...calls].sort((a, b) => perStep(b[1]) - perStep(a[1]));
  for (const [key, list] of rows) {
    if (perStep(list) < 0.005) continue;
    console.log(
      `  ${key.padEnd(62)} ${perStep(list).toFixed(2)} ms a step  median ${median(list).toFixed(2)}  fastest ${Math.min(...list).toFixed(2)}`,
    );
  }
  const kernels = rows.reduce((s, [, list]) => s + perStep(list), 0);
  const step = steps.reduce((s, v) => s + v, 0) / passes;
  console.log(
    `engine-calls ${net}: kernels ${kernels.toFixed(1)} ms of a ${step.toFixed(1)} ms step, ${(step - kernels).toFixed(1)} ms outside them`,
  );
}

await main();
