/**
 * `npm run bench:transfer`: what cached frozen features save, and how tunebook's ResNet-18
 * forward pass compares with PyTorch's.
 *
 *   resnet18 equal to pytorch: max |logit difference| D over B images (224 px)
 *   resnet18 forward: tunebook X ms, pytorch Y ms (1 thread), ratio X/Y
 *   frozen resnet18 trial: uncached X s, cached Y s (mean of N seeds)
 *   transfer cache speed-up: S
 *
 * The trials are a frozen-backbone study's (a ResNet-18 state_dict with random weights, written
 * here as .safetensors, on 28 px digits 5-9, imagenet-normalised), run in-process one after
 * another: uncached (TUNEBOOK_FEATURE_CACHE=off) then cached, each seed's trial timed whole,
 * model building and the feature extraction included. The PyTorch part runs
 * bench/reference/pytorch_resnet18.py with /usr/bin/python3 (Debian's python3-torch) and is
 * skipped with a notice when it is missing. Flags: --seeds N (3), --epochs N (4), --limit N
 * (600), --batch N (4 images at 224 px for the forward), --reps N (5).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../src/core/rng.js';
import { initEngine } from '../src/engine/backend.js';
import { parseStudy } from '../src/lab/config/load.js';
import { runTrial } from '../src/lab/trial/run-trial.js';
import { loadStateDict } from '../src/models/pytorch/load-weights.js';
import { expectedTensors, inferResnetArch } from '../src/models/pytorch/resnet-arch.js';
import { writeSafetensors } from '../src/models/pytorch/safetensors.js';
import { readStateDict, type StateDict } from '../src/models/pytorch/state-dict.js';
import { torchvisionResnet } from '../src/models/pytorch/torchvision-resnet.js';
import { setFeatureCacheBudget } from '../src/training/feature-cache.js';

const PYTHON = process.env.TUNEBOOK_PYTHON ?? '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../bench/reference/pytorch_resnet18.py', import.meta.url));

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** torchvision's ResNet-18 tensors with He-normal convolutions and identity batch norm. */
function randomResnet18(): StateDict {
  const arch = {
    block: 'basic' as const,
    layers: [2, 2, 2, 2],
    stem: 64,
    inner: [64, 128, 256, 512],
    outer: [64, 128, 256, 512],
    classes: 1000,
    inChannels: 3,
  };
  const rng = new Rng('bench transfer resnet18');
  const sd: StateDict = new Map();
  for (const [name, shape] of expectedTensors(arch)) {
    const size = shape.reduce((p, d) => p * d, 1);
    const data = new Float32Array(size);
    const fanIn = shape.slice(1).reduce((p, d) => p * d, 1);
    if (name.endsWith('running_var') || (name.endsWith('.weight') && shape.length === 1))
      data.fill(1);
    else if (shape.length > 1)
      for (let i = 0; i < size; i++) data[i] = rng.normal() * Math.sqrt(2 / fanIn);
    sd.set(name, { shape, dtype: 'float32', data });
  }
  return sd;
}

async function pytorchForward(dir: string, batch: number, reps: number): Promise<void> {
  if (!existsSync(PYTHON)) {
    console.log(`resnet18 forward: pytorch skipped (${PYTHON} not found)`);
    return;
  }
  const args = [SCRIPT, dir, '--batch', String(batch), '--reps', String(reps)];
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) {
    console.log(`resnet18 forward: pytorch skipped (${r.stderr.trim().split('\n').pop()})`);
    return;
  }
  const ref = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as {
    logits: number[][];
    forward_ms: number[];
  };
  const file = join(dir, 'resnet18.pth');
  const sd = await readStateDict(file);
  const model = torchvisionResnet(inferResnetArch(sd, file), [224, 224, 3], { classes: 1000 });
  loadStateDict(model, sd, file);
  const raw = readFileSync(join(dir, 'input.bin'));
  const nchw = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const x = tf.tidy(() => tf.transpose(tf.tensor4d(nchw, [batch, 3, 224, 224]), [0, 2, 3, 1]));
  const logits = tf.tidy(() => (model.predict(x) as tf.Tensor).arraySync() as number[][]);
  let worst = 0;
  logits.forEach((row, i) => {
    row.forEach((v, j) => {
      worst = Math.max(worst, Math.abs(v - ref.logits[i][j]));
    });
  });
  console.log(
    `resnet18 equal to pytorch: max |logit difference| ${worst.toExponential(2)} over ${batch} images (224 px)${worst <= 1e-4 ? '' : ' (ABOVE 1e-4)'}`,
  );
  const times: number[] = [];
  for (let k = 0; k < reps; k++) {
    const start = performance.now();
    tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
    times.push(performance.now() - start);
  }
  x.dispose();
  model.dispose();
  const ours = median(times);
  const theirs = median(ref.forward_ms);
  console.log(
    `resnet18 forward: tunebook ${ours.toFixed(0)} ms, pytorch ${theirs.toFixed(0)} ms (1 thread), ratio ${(ours / theirs).toFixed(2)}`,
  );
}

async function trialSeconds(
  file: string,
  seeds: number,
  epochs: number,
  limit: number,
  cache: boolean,
) {
  process.env.TUNEBOOK_FEATURE_CACHE = cache ? 'on' : 'off';
  setFeatureCacheBudget(512 * 2 ** 20);
  const { config } = parseStudy(`name: transfer-bench
data: { source: mnist, classes: [5, 6, 7, 8, 9], limit: ${limit}, preprocessing: imagenet }
model: { name: small-cnn, pretrained: { source: ${JSON.stringify(file)}, from: timm, freeze: frozen } }
training: { epochs: ${epochs}, batchSize: 64, optimizer: { name: adam, lr: 0.001 } }
measures: [ { classWeights: balanced } ]
`);
  const times: number[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    const start = performance.now();
    await runTrial({ config, seed });
    times.push((performance.now() - start) / 1000);
  }
  return times.reduce((a, b) => a + b, 0) / times.length;
}

async function main(): Promise<void> {
  const engine = await initEngine();
  console.log(`engine: ${engine.backend} (${engine.threads} thread(s))`);
  const dir = mkdtempSync(join(tmpdir(), 'tunebook-bench-transfer-'));
  try {
    await pytorchForward(dir, flag('batch', 4), flag('reps', 5));
    const weights = join(dir, 'resnet18-random.safetensors');
    writeFileSync(weights, writeSafetensors(randomResnet18()));
    const seeds = flag('seeds', 3);
    const epochs = flag('epochs', 4);
    const limit = flag('limit', 600);
    const uncached = await trialSeconds(weights, seeds, epochs, limit, false);
    const cached = await trialSeconds(weights, seeds, epochs, limit, true);
    console.log(
      `frozen resnet18 trial (${epochs} epochs, ${limit} digits): uncached ${uncached.toFixed(1)} s, cached ${cached.toFixed(1)} s (mean of ${seeds} seeds)`,
    );
    console.log(`transfer cache speed-up: ${(uncached / cached).toFixed(1)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
