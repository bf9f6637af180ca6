/**
 * `npm run bench:engine`: training samples/s of tunebook's engine against PyTorch on the
 * same nets, batch, optimiser and data size, measured in the same run.
 *
 *   engine cnn: tunebook X samples/s (wasm, relaxed-simd), pytorch Y samples/s, ratio R (pairs ...)
 *   engine resnet: ...
 *   roofline cnn: X GFLOP/s in a training step, Y% of the wasm peak (mul+add Z GFLOP/s, ...)
 *   engine parallel cnn: tunebook X samples/s (2 workers, ...) against 2 threads, pytorch ...
 *   engine ratio: R          (the smallest single-thread ratio)
 *
 * This machine's speed drifts by tens of percent within minutes (other tenants, clocks), so
 * two figures measured a minute apart say little about each other. Both sides are prepared
 * and warmed up once (tunebook in worker threads, PyTorch in a process serving passes), then
 * passes alternate: a short wasm-peak loop, a tunebook pass, a PyTorch pass (the order of the
 * last two swapped every other pair). A ratio is the median of the pairs' ratios, a roofline
 * share the median of each pass against the peak measured beside it. The roofline bound
 * line compares the median pass's step with the bound; a second line compares the fastest
 * step of all passes with the tightest bound, since the peak is itself a best of runs: the
 * median includes the slowdowns (a third, at times) that the best-of peak leaves out.
 *
 * The first lines give Node and V8, the kernel path in use and the wasm peak (bench/wasm-peak:
 * mul+add for XNNPACK and the SIMD128 kernels, relaxed_madd for the relaxed-SIMD ones). Where
 * the time goes within a step: bench/engine-profile.ts; kernel against kernel:
 * bench/engine-kernels.ts.
 *
 * PyTorch runs bench/reference/pytorch_engine.py with /usr/bin/python3 (Debian's
 * python3-torch) on 1 or 2 threads; without it, its figures are skipped with a notice.
 * Flags: --backend, --pairs N (default 7), --steps N (batches per pass), --nets cnn,resnet.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type BackendChoice, initEngine, parseBackendChoice } from '../src/engine/backend.js';
import {
  type MeasureOptions,
  median,
  NETS,
  type Net,
  type PassResult,
  type Prepared,
} from './engine-measure.js';
import { kernelFlops, kernelFlopsDone, stepBound } from './roofline.js';
import { measureWasmPeak, runtimeLine, type WasmPeak } from './wasm-peak.js';

const PYTHON = process.env.TUNEBOOK_PYTHON ?? '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../bench/reference/pytorch_engine.py', import.meta.url));

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** A whole-number flag of at least `min`, or an error naming it and what it got. */
function countFlag(name: string, fallback: number, min: number): number {
  const raw = flag(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`--${name}: a whole number >= ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

type Meta = Omit<Prepared, 'pass'>;

/** `count` worker threads, each with the net prepared; `pass` runs one pass on all at once. */
class Ours {
  private constructor(
    private readonly workers: Worker[],
    readonly meta: Meta[],
  ) {}

  static async start(options: MeasureOptions, count: number): Promise<Ours> {
    const url = new URL('./engine-worker.js', import.meta.url);
    const workers = Array.from({ length: count }, () => new Worker(url, { workerData: options }));
    const meta = await Promise.all(workers.map((w) => reply<Meta>(w, 'ready')));
    return new Ours(workers, meta);
  }

  /** Samples per second summed over the workers, and the fastest step of any of them. */
  async pass(): Promise<PassResult> {
    const replies = this.workers.map((w) => reply<PassResult>(w, 'pass'));
    for (const w of this.workers) w.postMessage('pass');
    const all = await Promise.all(replies);
    return {
      samplesPerS: all.reduce((s, r) => s + r.samplesPerS, 0),
      fastestStep: Math.min(...all.map((r) => r.fastestStep)),
    };
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function reply<T>(worker: Worker, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: Record<string, T>) => {
      if (!(key in message)) return;
      worker.off('message', onMessage);
      worker.off('error', reject);
      resolve(message[key]);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
}

/** The PyTorch reference as a process that times one pass per request. */
class Reference {
  private constructor(
    private readonly child: ChildProcess,
    private readonly lines: AsyncIterator<string>,
    private readonly reader: Interface,
  ) {}

  /** The process, warmed up; or why PyTorch cannot run here. */
  static async start(
    net: Net,
    threads: number,
    options: MeasureOptions,
  ): Promise<Reference | string> {
    if (!existsSync(PYTHON)) return `${PYTHON} not found`;
    const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
    if (probe.status !== 0) return `python3-torch not importable by ${PYTHON}`;
    const args = [SCRIPT, net, '--serve', '--threads', String(threads)];
    args.push('--batch', String(options.batch), '--steps', String(options.steps));
    args.push('--warmup', String(options.warmup));
    const child = spawn(PYTHON, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    const reader = createInterface({ input: child.stdout! });
    const lines = reader[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done || first.value !== 'ready') return 'reference script failed to start';
    return new Reference(child, lines, reader);
  }

  async pass(): Promise<number> {
    this.child.stdin!.write('rep\n');
    const line = await this.lines.next();
    if (line.done) throw new Error('reference script ended early');
    return (JSON.parse(line.value) as { samples_per_s: number }).samples_per_s;
  }

  stop(): void {
    this.child.stdin!.end();
    this.reader.close();
  }
}

/** One pair: the wasm peak beside it, tunebook's pass, PyTorch's (null when skipped). */
interface Pair {
  peak: WasmPeak;
  ours: number;
  /** Seconds of tunebook's fastest step in the pass. */
  fastest: number;
  ref: number | null;
}

async function pairs(options: MeasureOptions, threads: number, count: number) {
  const ours = await Ours.start(options, threads);
  const ref = await Reference.start(options.net, threads, options);
  const out: Pair[] = [];
  for (let i = 0; i < count; i++) {
    const peak = measureWasmPeak(1);
    const pair = (o: PassResult, r: number | null): Pair => ({
      peak,
      ours: o.samplesPerS,
      fastest: o.fastestStep,
      ref: r,
    });
    if (typeof ref === 'string') {
      out.push(pair(await ours.pass(), null));
    } else if (i % 2 === 0) {
      const o = await ours.pass();
      out.push(pair(o, await ref.pass()));
    } else {
      const r = await ref.pass();
      out.push(pair(await ours.pass(), r));
    }
  }
  await ours.stop();
  if (typeof ref !== 'string') ref.stop();
  return { meta: ours.meta, pairs: out, skipped: typeof ref === 'string' ? ref : null };
}

function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x.toFixed(1);
}

/** "tunebook X samples/s <label>, pytorch Y samples/s, ratio R (pairs ...)". */
function ratioText(ps: Pair[], skipped: string | null, label: string) {
  const ours = fmt(median(ps.map((p) => p.ours)));
  if (skipped)
    return {
      text: `tunebook ${ours} samples/s ${label}, pytorch skipped (${skipped})`,
      ratio: null,
    };
  const ratios = ps.map((p) => p.ours / p.ref!);
  const ratio = median(ratios);
  const text =
    `tunebook ${ours} samples/s ${label}, pytorch ${fmt(median(ps.map((p) => p.ref!)))} samples/s, ` +
    `ratio ${ratio.toFixed(2)} (pairs ${ratios.map((x) => x.toFixed(2)).join(' ')})`;
  return { text, ratio };
}

/** The compute peak of the kernels in use: relaxed_madd's, or mul+add's. */
const peakOf = (meta: Meta, w: WasmPeak) =>
  meta.kernelPath === 'relaxed-simd' ? w.relaxedMadd! : w.mulAdd;

/**
 * Achieved GFLOP/s of the training step against the mul+add peak (XNNPACK's and the
 * SIMD128 kernels' instruction mix) and the relaxed_madd peak (the limit of the relaxed-SIMD
 * kernels), each pass against the peak measured beside it; medians over the pairs.
 */
function roofline(net: Net, meta: Meta, ps: Pair[]): string[] {
  const achieved = ps.map((p) => (p.ours * meta.flopsPerSample) / 1e9);
  const share = (limit: (w: WasmPeak) => number) =>
    `${(100 * median(ps.map((p, i) => achieved[i] / limit(p.peak)))).toFixed(0)}%`;
  const relaxed =
    ps[0].peak.relaxedMadd === null
      ? ''
      : `, ${share((w) => w.relaxedMadd!)} of relaxed_madd ${median(ps.map((p) => p.peak.relaxedMadd!)).toFixed(1)} GFLOP/s`;
  const mulAdd = median(ps.map((p) => p.peak.mulAdd)).toFixed(1);
  // The bound at the peak of the kernels in use, against the step each pass took.
  const top = (w: WasmPeak) => peakOf(meta, w);
  const bounds = ps.map((p) => stepBound(meta.kernels, top(p.peak), p.peak.bandwidth));
  const steps = ps.map((p) => meta.batch / p.ours);
  const fastest = Math.min(...ps.map((p) => p.fastest));
  const compute = meta.kernels.filter((k) => kernelFlops(k) > 0).length;
  return [
    `roofline ${net}: ${median(achieved).toFixed(1)} GFLOP/s in a training step, ${share((w) => w.mulAdd)} of the wasm peak (mul+add ${mulAdd} GFLOP/s${relaxed})`,
    `roofline bound ${net}: ${(1000 * median(bounds)).toFixed(0)} ms a step at ${median(ps.map((p) => top(p.peak))).toFixed(1)} GFLOP/s for its ${compute} convolution and matmul kernels and ${median(ps.map((p) => p.peak.bandwidth)).toFixed(1)} GB/s for its ${meta.kernels.length - compute} others; measured ${(1000 * median(steps)).toFixed(0)} ms, ${(100 * median(bounds.map((b, i) => b / steps[i]))).toFixed(0)}% of the bound's speed (${median(steps.map((t, i) => t / bounds[i])).toFixed(2)}x the bound)`,
    // Like with like: the peak is a best of runs, so is this step; against the tightest bound.
    `roofline bound ${net} fastest step: ${(1000 * fastest).toFixed(0)} ms, ${(fastest / Math.min(...bounds)).toFixed(2)}x the bound at the highest peak measured (the fastest step of all passes; the peak is also a best of runs)`,
    ...arithmeticDone(net, meta, ps, steps, fastest),
  ];
}

/**
 * The bound again with the arithmetic the kernels do (bench/roofline.ts kernelFlopsDone):
 * the Winograd layers' products instead of the direct sum's; nothing when none ran.
 */
function arithmeticDone(
  net: Net,
  meta: Meta,
  ps: Pair[],
  steps: number[],
  fastest: number,
): string[] {
  const winograd = meta.kernels.filter((k) => k.flopsDone !== undefined);
  if (winograd.length === 0) return [];
  const bounds = ps.map((p) =>
    stepBound(meta.kernels, peakOf(meta, p.peak), p.peak.bandwidth, kernelFlopsDone),
  );
  const done = winograd.reduce((s, k) => s + kernelFlopsDone(k), 0);
  const work = winograd.reduce((s, k) => s + kernelFlops(k), 0);
  return [
    `roofline bound ${net}, arithmetic done: ${winograd.length} convolution kernels by Winograd do ${((100 * done) / work).toFixed(0)}% of their direct sums' multiply-adds; at that count the bound is ${(1000 * median(bounds)).toFixed(0)} ms a step, the step ${median(steps.map((t, i) => t / bounds[i])).toFixed(2)}x it (fastest step ${(fastest / Math.min(...bounds)).toFixed(2)}x)`,
  ];
}

async function main(): Promise<void> {
  const backend: BackendChoice = parseBackendChoice(
    flag('backend') ?? process.env.TUNEBOOK_BACKEND ?? 'auto',
    '--backend',
  );
  const count = countFlag('pairs', 7, 3);
  const steps = countFlag('steps', 10, 1);
  const nets = (flag('nets') ?? NETS.join(',')).split(',') as Net[];
  for (const net of nets) if (!NETS.includes(net)) throw new Error(`--nets: unknown net ${net}`);
  const options = (net: Net): MeasureOptions => ({
    net,
    backend,
    batch: 64,
    steps,
    warmup: 3,
  });
  const peak = measureWasmPeak();
  const relaxed = peak.relaxedMadd === null ? 'n/a' : `${peak.relaxedMadd.toFixed(1)} GFLOP/s`;
  console.log(`engine runtime: ${runtimeLine()}`);
  console.log(
    `wasm peak: mul+add ${peak.mulAdd.toFixed(1)} GFLOP/s, relaxed_madd ${relaxed}, memory ${peak.bandwidth.toFixed(1)} GB/s (one thread)`,
  );
  const ratios: number[] = [];
  const rooflines: string[] = [];
  for (const net of nets) {
    const run = await pairs(options(net), 1, count);
    const [meta] = run.meta;
    if (meta.backend === 'wasm') rooflines.push(...roofline(net, meta, run.pairs));
    const { text, ratio } = ratioText(
      run.pairs,
      run.skipped,
      `(${meta.backend}, ${meta.kernelPath})`,
    );
    if (ratio !== null) ratios.push(ratio);
    console.log(`engine ${net}: ${text}`);
  }
  const info = await initEngine({ backend });
  const use =
    info.kernelPath === 'relaxed-simd'
      ? 'in use: fused multiply-add in the convolutions and their gradients'
      : 'available, unused';
  console.log(
    `kernel path: ${info.kernelPath} (relaxed SIMD ${info.relaxedSimd ? use : 'unavailable'})`,
  );
  for (const line of rooflines) console.log(line);
  if (nets.includes('cnn')) {
    const run = await pairs(options('cnn'), 2, count);
    const paths = run.meta.map((m) => m.kernelPath).join(' and ');
    const { text } = ratioText(run.pairs, run.skipped, `(2 workers, ${paths}) against 2 threads`);
    console.log(`engine parallel cnn: ${text}`);
  }
  console.log(
    ratios.length
      ? `engine ratio: ${Math.min(...ratios).toFixed(2)}`
      : 'engine ratio: n/a (pytorch skipped)',
  );
}

await main();
