/**
 * Before a study touches the db: paths in the study file are resolved against the file's own
 * folder (so a study runs the same from any working directory), and every arm's data source
 * and pretrained backbone is checked to exist, so a missing folder is one clear error and
 * exit 2 rather than a column of failed trials.
 *
 * @example
 *   const ready = await preflight(await loadStudyFile('examples/mnist-tricks.yaml'));
 */
import { statfsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { DataError, EnvironmentError, TunebookError } from '../core/errors.js';
import type { Image } from '../core/image.js';
import { Rng } from '../core/rng.js';
import { BUILTIN_SOURCES } from '../data/open-source.js';
import { describeSample, type ImageSource } from '../data/source.js';
import type { BackendChoice } from '../engine/backend.js';
import { findNativePackage } from '../engine/native-package.js';
import { checkTorchWeights } from '../models/pytorch/check-weights.js';
import { isTorchWeights } from '../models/pytorch/names.js';
import type { Compose } from '../transforms/compose.js';
import { CenterCrop, RandomCrop } from '../transforms/crop.js';
import { infoOf } from '../transforms/transform.js';
import type { Arm } from './config/arms.js';
import type { LoadedStudy } from './config/load.js';
import type { StudyConfig } from './config/schema.js';
import {
  describeEstimate,
  estimateTrialMemory,
  type MemoryEstimate,
  WASM_HEAP_MAX_MB,
} from './memory-budget.js';
import { type PreparedData, prepareData } from './trial/prepare-data.js';
import { buildPipeline } from './trial/sample-transforms.js';

const MB = 1024 * 1024;

const isUrl = (s: string) => /^(https?|file):\/\//.test(s);

/** The settings with relative paths made absolute against `base`. */
export function resolvePaths(config: StudyConfig, base: string): StudyConfig {
  const out = structuredClone(config);
  const source = out.data.source;
  if (
    !(BUILTIN_SOURCES as readonly string[]).includes(source) &&
    !isAbsolute(source) &&
    !isUrl(source)
  ) {
    out.data.source = resolve(base, source);
  }
  const pretrained = out.model.pretrained;
  if (pretrained && !isAbsolute(pretrained.source) && !isUrl(pretrained.source)) {
    pretrained.source = resolve(base, pretrained.source);
  }
  return out;
}

export interface PreflightOptions {
  /** Notes that are not errors (files skipped by data.skipUnreadable). */
  log?: (line: string) => void;
}

export async function preflight(
  loaded: LoadedStudy,
  options: PreflightOptions = {},
): Promise<LoadedStudy> {
  const base = dirname(resolve(loaded.file));
  const arms = loaded.arms.map((arm) => ({ ...arm, config: resolvePaths(arm.config, base) }));
  const seen = new Set<string>();
  for (const arm of arms) {
    const key = JSON.stringify(arm.config.data);
    if (!seen.has(key)) {
      seen.add(key);
      await prepareData(arm.config.data);
    }
    const pretrained = arm.config.model.pretrained;
    if (pretrained && !isUrl(pretrained.source) && isTorchWeights(pretrained)) {
      // Read and checked now: a bad file is one line and exit 2, not a column of failed trials.
      await checkTorchWeights(pretrained);
    } else if (pretrained && !isUrl(pretrained.source)) {
      const where = `${loaded.file}: ${arm.id}: model.pretrained.source`;
      let path = pretrained.source;
      try {
        if ((await stat(path)).isDirectory()) path = join(path, 'model.json');
        await stat(path);
      } catch {
        throw new DataError(
          where,
          `no model at ${pretrained.source} (train one with tunebook pretrain <task.yaml> --out <dir>)`,
        );
      }
    }
  }
  await checkStudyData(loaded.file, arms, options.log ?? (() => {}));
  return { ...loaded, arms };
}

/** Images decoded per data source before a study runs: enough to meet a broken file early. */
export const PREFLIGHT_SAMPLE = 20;

/**
 * What can be checked of every arm's data without training: at least two classes, a sample
 * of images decoded (spread across classes), crops no larger than the images as read, and a
 * pretrained backbone's input shape against them. Each failure is one DataError (exit 2)
 * naming the study file, the arm and the setting.
 */
export async function checkStudyData(
  file: string,
  arms: readonly Arm[],
  log: (line: string) => void,
): Promise<void> {
  const samples = new Map<string, Image>();
  for (const arm of arms) {
    const key = JSON.stringify(arm.config.data);
    let sample = samples.get(key);
    if (!sample) {
      const data = await prepareData(arm.config.data);
      sample = await checkSource(file, arm.config.data.source, data, log);
      samples.set(key, sample);
    }
    checkCrops(file, arm, sample);
    await checkBackbone(file, arm, sample);
  }
}

/** Class count, skipped files and a decoded sample of one source; the first image read. */
async function checkSource(
  file: string,
  spec: string,
  data: PreparedData,
  log: (line: string) => void,
): Promise<Image> {
  const names = data.classNames;
  if (names.length < 2) {
    throw new DataError(
      `${file}: data.source`,
      `${spec} has ${names.length} class (${names.map((n) => JSON.stringify(n)).join(', ')}); a study needs at least 2 (one sub-folder per class)`,
    );
  }
  if (data.unreadable.length > 0) {
    const first = data.unreadable[0];
    log(
      `data: skipped ${data.unreadable.length} unreadable file(s) (data.skipUnreadable), e.g. ${first.file}: ${first.reason}`,
    );
  }
  const picked = spreadAcrossClasses(data.source, PREFLIGHT_SAMPLE);
  const images = await Promise.all(picked.map((i) => data.source.get(i)));
  const first = images[0];
  images.forEach((image, k) => {
    if (image.height !== first.height || image.width !== first.width) {
      throw new DataError(
        `${file}: data.image.size`,
        `images differ in size (${describeSample(data.source, picked[0])} is ${first.height}x${first.width}, ${describeSample(data.source, picked[k])} is ${image.height}x${image.width}); set data.image: { size: [height, width] }`,
      );
    }
  });
  return first;
}

/** Up to `n` sample indices taken in turn from each class, spread along each class's files. */
function spreadAcrossClasses(source: ImageSource, n: number): number[] {
  const byClass: number[][] = source.classNames.map(() => []);
  source.labels.forEach((l, i) => {
    byClass[l].push(i);
  });
  const present = byClass.filter((list) => list.length > 0);
  const per = Math.max(1, Math.ceil(n / Math.max(1, present.length)));
  const out: number[] = [];
  for (const list of present) {
    const step = Math.max(1, Math.floor(list.length / per));
    for (let k = 0; k < per && k * step < list.length; k++) out.push(list[k * step]);
  }
  return out.sort((a, b) => a - b).slice(0, Math.max(n, present.length));
}

const sizeOf = (info: { height: number; width: number; channels?: number }) =>
  `${info.height}x${info.width}${info.channels ? `x${info.channels}` : ''}`;

/** Crops of the arm's augmentation against the image size as read, transform by transform. */
function checkCrops(file: string, arm: Arm, sample: Image): void {
  const augment = arm.config.training.augment;
  if (!augment) return;
  const pipeline = buildPipeline(augment.pipeline) as Compose;
  let info = infoOf(sample);
  const rng = new Rng(0).fork('preflight');
  pipeline.transforms.forEach((t, i) => {
    const where = `${file}: ${arm.id}: training.augment[${i}].${t.name}.size`;
    if (t instanceof CenterCrop || (t instanceof RandomCrop && !t.padIfNeeded)) {
      const pad = t instanceof RandomCrop && t.padding ? t.padding : [0, 0, 0, 0];
      const h = info.height + pad[1] + pad[3];
      const w = info.width + pad[0] + pad[2];
      if (t.size[0] > h || t.size[1] > w) {
        const padded = pad.some((p) => p > 0) ? ` (${sizeOf({ height: h, width: w })} padded)` : '';
        throw new DataError(
          where,
          `a ${sizeOf({ height: t.size[0], width: t.size[1] })} crop is larger than the ${sizeOf(info)} images as read${padded}; crop smaller or set data.image.size`,
        );
      }
    }
    info = t.outputInfo(info, t.sampleParams(rng.fork(String(i)), info));
  });
}

/** A pretrained backbone's input shape (from its model.json) against the images as read. */
async function checkBackbone(file: string, arm: Arm, sample: Image): Promise<void> {
  const pretrained = arm.config.model.pretrained;
  // PyTorch weights carry no input shape: preflight checks them against the ResNet they name.
  if (!pretrained || isUrl(pretrained.source) || isTorchWeights(pretrained)) return;
  const json = (await stat(pretrained.source)).isDirectory()
    ? join(pretrained.source, 'model.json')
    : pretrained.source;
  const where = `${file}: ${arm.id}: model.pretrained.source`;
  let expected: (number | null)[] | null;
  try {
    expected = inputShapeOf(JSON.parse(await readFile(json, 'utf8')));
  } catch (error) {
    throw new DataError(where, `${json} is not a tfjs model.json (${(error as Error).message})`);
  }
  if (!expected) return;
  const data =
    expected.length === 2
      ? [sample.width, sample.channels]
      : [sample.height, sample.width, sample.channels];
  const fits =
    expected.length === data.length && expected.every((d, k) => d === null || d === data[k]);
  if (fits) return;
  const shape = (dims: (number | null)[]) => dims.map((d) => d ?? '?').join('x');
  const hint =
    expected.length === 3 && expected[0] !== null && expected[1] !== null
      ? ` (read the data so with data.image: { size: [${expected[0]}, ${expected[1]}], channels: ${expected[2]} })`
      : '';
  throw new DataError(
    where,
    `the backbone takes ${shape(expected)} inputs but the data gives ${shape(data)}${hint}`,
  );
}

/**
 * The input shape (without the batch axis) a tfjs layers model.json declares: its first
 * `batch_input_shape` in layer order (the InputLayer of a functional model, or the first
 * layer of a sequential one); null when it declares none.
 */
export function inputShapeOf(modelJson: unknown): (number | null)[] | null {
  const topology = (modelJson as { modelTopology?: unknown })?.modelTopology;
  if (!topology || typeof topology !== 'object') throw new Error('no modelTopology');
  const find = (node: unknown): (number | null)[] | null => {
    if (Array.isArray(node)) {
      for (const item of node) {
        const hit = find(item);
        if (hit) return hit;
      }
      return null;
    }
    if (!node || typeof node !== 'object') return null;
    const record = node as Record<string, unknown>;
    const shape = record.batch_input_shape ?? record.batchInputShape;
    if (Array.isArray(shape)) return shape.slice(1) as (number | null)[];
    for (const value of Object.values(record)) {
      const hit = find(value);
      if (hit) return hit;
    }
    return null;
  };
  return find(topology);
}

/** Memory for a study's trials, MB: the whole process, and each trial (its share). */
export interface MemoryBudget {
  totalMb: number;
  trialMb: number;
  /** Whether trials train on the wasm backend, whose heap stops at 4 GB. */
  wasm: boolean;
  /** Where the total came from, for messages: "--memory 8000" or "80% of 24105 MB RAM". */
  source: string;
}

/** Of the machine's RAM, what a study may use by default: the rest is the system's and the user's. */
const DEFAULT_RAM_SHARE = 0.8;

/**
 * The budget for `workers` trials at once: `--memory` or 80% of the RAM, split evenly.
 *
 * @example
 *   memoryBudget({ workers: 2 }); // { totalMb: 19284, trialMb: 9642, wasm: true, ... }
 */
export function memoryBudget(options: {
  workers: number;
  memoryMb?: number;
  backend?: BackendChoice;
}): MemoryBudget {
  const ramMb = Math.floor(totalmem() / MB);
  const totalMb = options.memoryMb ?? Math.floor(DEFAULT_RAM_SHARE * ramMb);
  const source =
    options.memoryMb === undefined
      ? `${Math.round(100 * DEFAULT_RAM_SHARE)}% of the machine's ${ramMb} MB`
      : `--memory ${options.memoryMb}`;
  const backend = options.backend ?? 'auto';
  const wasm = backend === 'wasm' || (backend === 'auto' && findNativePackage() === null);
  return { totalMb, trialMb: Math.floor(totalMb / options.workers), wasm, source };
}

/**
 * Each arm's estimated peak memory (memory-budget.ts), refused with one line naming the arm
 * and the parts when it cannot fit one trial's share of the budget, or the wasm heap. Exit 2:
 * the study file (or --memory, --workers) asks for more than there is. With `dataOptional`
 * (validate), arms whose data cannot be opened yet are not estimated.
 */
export async function checkMemory(
  loaded: LoadedStudy,
  budget: MemoryBudget,
  options: { dataOptional?: boolean } = {},
): Promise<Map<string, MemoryEstimate>> {
  const estimates = new Map<string, MemoryEstimate>();
  for (const arm of loaded.arms) {
    let data: Awaited<ReturnType<typeof prepareData>>;
    try {
      data = await prepareData(arm.config.data);
    } catch (error) {
      if (options.dataOptional) continue;
      throw error;
    }
    const sample = await data.train.get(0);
    const estimate = estimateTrialMemory(arm.config, sample, data.classNames.length, {
      train: data.train.count,
      total: data.source.count,
    });
    estimates.set(arm.id, estimate);
    const where = `${loaded.file}: arm ${arm.id}`;
    const onHeap = estimate.totalMb - estimate.parts.data - estimate.parts.runtime;
    if (budget.wasm && onHeap > WASM_HEAP_MAX_MB)
      throw new TunebookError(
        'E_MEMORY',
        `${where}: does not fit the wasm backend's 4 GB heap (${describeEstimate(estimate)}); make the model or batch smaller`,
      );
    if (estimate.totalMb > budget.trialMb)
      throw new TunebookError(
        'E_MEMORY',
        `${where}: needs more memory than a trial's share, ${budget.trialMb} MB (${budget.source} over ${Math.round(budget.totalMb / budget.trialMb)} worker(s)): ${describeEstimate(estimate)}; make the model or batch smaller, or give fewer --workers or more --memory`,
      );
  }
  return estimates;
}

/** Checkpoint bytes per parameter: the weights, the optimizer's slots, the best weights. */
const CHECKPOINT_FLOATS_PER_PARAMETER = 4;
/** A trial's rows in the db: the trial, its epochs, indexes, WAL overhead. */
const DB_BYTES_PER_TRIAL = 8 * 1024;
const DB_BYTES_PER_EPOCH = 1024;
const DISK_MARGIN_MB = 8;

/**
 * Refuses, before anything is written, a study whose db folder has too little free space for
 * what it writes: checkpoints of the trials running at once (each written beside the last
 * before replacing it), and every trial's rows. EnvironmentError (exit 3), naming the folder
 * and the space needed. A missing folder is left to the store to name.
 */
export function checkDisk(
  db: string,
  loaded: LoadedStudy,
  workers: number,
  estimates: Map<string, MemoryEstimate>,
): void {
  const folder = dirname(resolve(db));
  let stats: ReturnType<typeof statfsSync>;
  try {
    stats = statfsSync(folder);
  } catch {
    return;
  }
  const freeMb = (Number(stats.bavail) * Number(stats.bsize)) / MB;
  const parameters = Math.max(0, ...[...estimates.values()].map((e) => e.parameters));
  const checkpointsMb =
    (2 *
      Math.min(workers, loaded.arms.length * loaded.config.seeds.maxSeeds) *
      parameters *
      4 *
      CHECKPOINT_FLOATS_PER_PARAMETER) /
    MB;
  const trials = loaded.arms.length * loaded.config.seeds.maxSeeds;
  const dbMb =
    (trials * (DB_BYTES_PER_TRIAL + loaded.config.training.epochs * DB_BYTES_PER_EPOCH)) / MB;
  const needMb = checkpointsMb + dbMb + DISK_MARGIN_MB;
  if (freeMb < needMb)
    throw new EnvironmentError(
      `${folder}: not enough free disk space for the study: ${Math.floor(freeMb)} MB free, about ${Math.ceil(needMb)} MB needed (checkpoints ${Math.ceil(checkpointsMb)} MB, database ${Math.ceil(dbMb)} MB, margin ${DISK_MARGIN_MB} MB); free some space or give --db on another disk`,
    );
}
