/**
 * `npm run bench:engine`: training samples/s of tunebook's engine against PyTorch on the
 * same nets, batch, optimiser and data size, measured in the same run.
 *
 *   engine cnn: tunebook X samples/s (wasm, relaxed-simd), pytorch Y samples/s, ratio X/Y
 *   engine resnet: ...
 *   engine parallel cnn: tunebook X samples/s (2 workers), pytorch Y samples/s (2 threads), ratio
 *   roofline cnn: X GFLOP/s in a training step, Y% of the wasm peak (mul+add Z GFLOP/s, ...)
 *   engine ratio: R          (the smallest single-thread ratio)
 *
 * The first lines give Node and V8, the kernel path in use and the wasm peak that the
 * roofline lines divide by (bench/wasm-peak.ts: mul+add for XNNPACK and the SIMD128 kernels,
 * relaxed_madd for the relaxed-SIMD GEMM). Where the time goes within a step:
 * bench/engine-profile.ts; tunebook's GEMM against XNNPACK's: bench/engine-gemm.ts.
 *
 * PyTorch runs bench/reference/pytorch_engine.py with /usr/bin/python3 (Debian's
 * python3-torch) with torch.set_num_threads(1); without it, its figures are skipped with a
 * notice. Flags: --backend, --reps N (>= 5), --steps N, --nets cnn,resnet.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type BackendChoice, initEngine, parseBackendChoice } from '../src/engine/backend.js';
import { type Measurement, type MeasureOptions, NETS, type Net } from './engine-measure.js';
import { measureWasmPeak, runtimeLine, type WasmPeak } from './wasm-peak.js';

const PYTHON = process.env.TUNEBOOK_PYTHON ?? '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../bench/reference/pytorch_engine.py', import.meta.url));

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function runWorkers(options: MeasureOptions, count: number): Promise<Measurement[]> {
  return new Promise((resolve, reject) => {
    const url = new URL('./engine-worker.js', import.meta.url);
    const workers = Array.from({ length: count }, () => new Worker(url, { workerData: options }));
    const results: Measurement[] = [];
    let ready = 0;
    for (const worker of workers) {
      worker.on('error', reject);
      worker.on('message', (message: { ready?: boolean; result?: Measurement }) => {
        if (message.ready && ++ready === count) for (const w of workers) w.postMessage('go');
        if (message.result) {
          results.push(message.result);
          void worker.terminate();
          if (results.length === count) resolve(results);
        }
      });
    }
  });
}

function pytorch(net: Net, threads: number, options: MeasureOptions): number | string {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return `python3-torch not importable by ${PYTHON}`;
  const args = [SCRIPT, net, '--threads', String(threads), '--batch', String(options.batch)];
  args.push('--steps', String(options.steps), '--reps', String(options.reps));
  args.push('--warmup', String(options.warmup));
  const result = spawnSync(PYTHON, args, { encoding: 'utf8' });
  if (result.status !== 0)
    return `reference script failed: ${result.stderr.trim().split('\n').pop()}`;
  return (JSON.parse(result.stdout.trim().split('\n').pop()!) as { samples_per_s: number })
    .samples_per_s;
}

/**
 * Achieved GFLOP/s of the training step against the mul+add peak (XNNPACK's and the
 * SIMD128 kernels' instruction mix) and, when it was measured, the relaxed_madd peak (the
 * limit of the relaxed-SIMD GEMM).
 */
function roofline(m: Measurement, peak: WasmPeak): string {
  const achieved = (m.samplesPerSecond * m.flopsPerSample) / 1e9;
  const share = (limit: number) => `${((100 * achieved) / limit).toFixed(0)}%`;
  const relaxed =
    peak.relaxedMadd === null
      ? ''
      : `, ${share(peak.relaxedMadd)} of relaxed_madd ${peak.relaxedMadd.toFixed(1)} GFLOP/s`;
  return `roofline ${m.net}: ${achieved.toFixed(1)} GFLOP/s in a training step, ${share(peak.mulAdd)} of the wasm peak (mul+add ${peak.mulAdd.toFixed(1)} GFLOP/s${relaxed})`;
}

function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x.toFixed(1);
}

async function main(): Promise<void> {
  const backend: BackendChoice = parseBackendChoice(
    flag('backend') ?? process.env.TUNEBOOK_BACKEND ?? 'auto',
    '--backend',
  );
  const reps = Math.max(5, Number(flag('reps') ?? 5));
  const nets = (flag('nets') ?? NETS.join(',')).split(',') as Net[];
  const ratios: number[] = [];
  const peak = measureWasmPeak();
  const relaxed = peak.relaxedMadd === null ? 'n/a' : `${peak.relaxedMadd.toFixed(1)} GFLOP/s`;
  console.log(`engine runtime: ${runtimeLine()}`);
  console.log(
    `wasm peak: mul+add ${peak.mulAdd.toFixed(1)} GFLOP/s, relaxed_madd ${relaxed} (one thread)`,
  );
  const rooflines: string[] = [];
  for (const net of nets) {
    if (!NETS.includes(net)) throw new Error(`--nets: unknown net ${net}`);
    const options: MeasureOptions = {
      net,
      backend,
      batch: 64,
      steps: Number(flag('steps') ?? 10),
      reps,
      warmup: 3,
    };
    const [ours] = await runWorkers(options, 1);
    if (ours.backend === 'wasm') rooflines.push(roofline(ours, peak));
    const ref = pytorch(net, 1, options);
    if (typeof ref === 'number') {
      ratios.push(ours.samplesPerSecond / ref);
      console.log(
        `engine ${net}: tunebook ${fmt(ours.samplesPerSecond)} samples/s (${ours.backend}, ${ours.kernelPath}), ` +
          `pytorch ${fmt(ref)} samples/s, ratio ${(ours.samplesPerSecond / ref).toFixed(2)}`,
      );
    } else {
      console.log(
        `engine ${net}: tunebook ${fmt(ours.samplesPerSecond)} samples/s (${ours.backend}), pytorch skipped (${ref})`,
      );
    }
  }
  const info = await initEngine({ backend });
  console.log(
    `kernel path: ${info.kernelPath} (relaxed SIMD ${info.relaxedSimd ? (info.kernelPath === 'relaxed-simd' ? 'in use: fused multiply-add in the convolutions, their gradients and the GEMM' : 'available, unused') : 'unavailable'})`,
  );
  for (const line of rooflines) console.log(line);
  if (nets.includes('cnn')) {
    const options: MeasureOptions = { net: 'cnn', backend, batch: 64, steps: 10, reps, warmup: 3 };
    const both = await runWorkers(options, 2);
    const total = both.reduce((s, m) => s + m.samplesPerSecond, 0);
    const ref = pytorch('cnn', 2, options);
    const tail =
      typeof ref === 'number'
        ? `pytorch ${fmt(ref)} samples/s (2 threads), ratio ${(total / ref).toFixed(2)}`
        : `pytorch skipped (${ref})`;
    console.log(
      `engine parallel cnn: tunebook ${fmt(total)} samples/s (2 workers, ${both.map((m) => m.kernelPath).join(' and ')}), ${tail}`,
    );
  }
  console.log(
    ratios.length
      ? `engine ratio: ${Math.min(...ratios).toFixed(2)}`
      : 'engine ratio: n/a (pytorch skipped)',
  );
}

await main();
