/**
 * `npm run bench:augment`: images per second of the seed's augmentation pipeline, tunebook
 * against torchvision, in the same run, one core each:
 *
 *   Resize((256, 256)), RandomCrop((224, 224)), RandomHorizontalFlip(), RandomRotation(5),
 *   ToTensor(), Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
 *
 * on 240 RGB JPEGs of about 500x375 (made once with sharp from the real photographs Debian's
 * python3-skimage ships: crops, sizes and flips, JPEG quality 90, cached in the OS temp
 * folder), reading and decoding included: tunebook's `augmentEncoded` (its wasm JPEG decoder
 * and the fused resize/crop/flip/rotate/normalize kernels; sharp with `sharp.concurrency(1)`
 * for other files), one image at a time; PIL for
 * torchvision, as its ImageFolder loader does, with `torch.set_num_threads(1)`. Where
 * `taskset` exists both sides are pinned to the same single CPU, so helper threads cannot
 * lend either a second core. Median of --reps (>= 5) passes after a warm-up pass. The last
 * line is
 *
 *   augment: tunebook <X> img/s, torchvision <Y> img/s, ratio <X/Y>
 *
 * torchvision runs bench/reference/torchvision_augment.py with /usr/bin/python3 (or
 * $TUNEBOOK_PYTHON); when torch is not importable its figure is skipped with a notice.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { Rng } from '../src/core/rng.js';
import * as T from '../src/transforms/index.js';

const PYTHON = process.env.TUNEBOOK_PYTHON ?? '/usr/bin/python3';
const TASKSET = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p));
/** The CPU both sides run on: the last one this process may use (kept by the pinned re-run). */
const CPU = process.env.TUNEBOOK_BENCH_PINNED ?? String(Math.max(0, availableParallelism() - 1));
const SCRIPT = fileURLToPath(
  new URL('../../bench/reference/torchvision_augment.py', import.meta.url),
);
const PHOTOS = '/usr/lib/python3/dist-packages/skimage/data';
const SOURCES = [
  'astronaut.png',
  'chelsea.png',
  'coffee.png',
  'rocket.jpg',
  'motorcycle_left.png',
  'retina.jpg',
];
const COUNT = 240;

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The JPEG set, made once: varied crops of real photos resized to about 500x375. */
async function jpegSet(): Promise<string> {
  const dir = join(tmpdir(), `tunebook-bench-augment-${COUNT}`);
  if (existsSync(dir) && readdirSync(dir).filter((f) => f.endsWith('.jpg')).length === COUNT)
    return dir;
  const sources = SOURCES.map((s) => join(PHOTOS, s)).filter((p) => existsSync(p));
  if (sources.length === 0) {
    throw new Error(`no source photographs in ${PHOTOS} (install python3-skimage)`);
  }
  mkdirSync(dir, { recursive: true });
  const rng = new Rng('bench:augment');
  for (let i = 0; i < COUNT; i++) {
    const src = sources[i % sources.length];
    const meta = await sharp(src).metadata();
    const sw = meta.width ?? 0;
    const sh = meta.height ?? 0;
    const cw = Math.round(sw * rng.range(0.55, 1));
    const ch = Math.min(sh, Math.round(cw * rng.range(0.65, 0.85)));
    const left = rng.int(sw - cw + 1);
    const top = rng.int(sh - ch + 1);
    let img = sharp(src)
      .removeAlpha()
      .toColourspace('srgb')
      .extract({ left, top, width: cw, height: ch })
      .resize(480 + rng.int(41), 360 + rng.int(31), { fit: 'fill' });
    if (rng.uniform() < 0.5) img = img.flop();
    const bytes = await img.jpeg({ quality: 90 }).toBuffer();
    const file = join(dir, `img${String(i).padStart(3, '0')}.jpg`);
    writeFileSync(`${file}.tmp`, bytes);
    renameSync(`${file}.tmp`, file);
  }
  return dir;
}

function seedPipeline(): T.Compose {
  return T.compose([
    T.resize([256, 256]),
    T.randomCrop([224, 224]),
    T.randomHorizontalFlip(),
    T.randomRotation(5),
    T.toTensor(),
    T.normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
  ]);
}

async function tunebookPass(files: string[], pipeline: T.Compose, epoch: number): Promise<number> {
  const start = performance.now();
  let checksum = 0;
  for (let i = 0; i < files.length; i++) {
    const rng = T.sampleRng(0, epoch, i);
    const { image } = await T.augmentEncoded(pipeline, readFileSync(files[i]), files[i], rng, 3);
    checksum += image.data[0];
  }
  const seconds = (performance.now() - start) / 1000;
  if (Number.isNaN(checksum)) throw new Error('bench:augment: NaN in the output');
  return files.length / seconds;
}

function torchvision(dir: string, reps: number): number | string {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const probe = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
  if (probe.status !== 0) return `torch/torchvision not importable by ${PYTHON}`;
  const args = [SCRIPT, dir, '--reps', String(reps), '--threads', '1'];
  const result = spawnSync(TASKSET ?? PYTHON, TASKSET ? ['-c', CPU, PYTHON, ...args] : args, {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
  });
  if (result.status !== 0)
    return `reference script failed: ${result.stderr.trim().split('\n').pop()}`;
  return (JSON.parse(result.stdout.trim().split('\n').pop()!) as { images_per_s: number })
    .images_per_s;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x.toFixed(1);
}

/** Re-runs this script pinned to one CPU when taskset exists; returns false if it did. */
function pinned(): boolean {
  if (!TASKSET || process.env.TUNEBOOK_BENCH_PINNED) return true;
  const result = spawnSync(TASKSET, ['-c', CPU, process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, TUNEBOOK_BENCH_PINNED: CPU },
  });
  process.exitCode = result.status ?? 1;
  return false;
}

async function main(): Promise<void> {
  if (!pinned()) return;
  sharp.concurrency(1);
  const reps = Math.max(5, Number(flag('reps') ?? 5));
  const dir = await jpegSet();
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .map((f) => join(dir, f));
  const pipeline = seedPipeline();
  const where = process.env.TUNEBOOK_BENCH_PINNED
    ? `pinned to CPU ${CPU}`
    : 'not pinned (no taskset)';
  console.log(
    `bench:augment: ${files.length} JPEGs (about 500x375) in ${dir}, ${reps} reps, one core, ${where}`,
  );
  await tunebookPass(files, pipeline, 0);
  const rates: number[] = [];
  for (let r = 0; r < reps; r++) rates.push(await tunebookPass(files, pipeline, r + 1));
  const ours = median(rates);
  console.log(
    `tunebook: ${rates.map(fmt).join(', ')} img/s (median ${fmt(ours)}), wasm JPEG decode`,
  );
  const ref = torchvision(dir, reps);
  if (typeof ref === 'number') {
    console.log(`torchvision: median ${fmt(ref)} img/s, PIL decode, torch.set_num_threads(1)`);
    console.log(
      `augment: tunebook ${fmt(ours)} img/s, torchvision ${fmt(ref)} img/s, ratio ${(ours / ref).toFixed(2)}`,
    );
  } else {
    console.log(`torchvision skipped: ${ref}`);
    console.log(`augment: tunebook ${fmt(ours)} img/s, torchvision n/a img/s, ratio n/a`);
  }
}

await main();
