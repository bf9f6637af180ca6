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
import { stat } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { DataError, EnvironmentError, TunebookError } from '../core/errors.js';
import { BUILTIN_SOURCES } from '../data/open-source.js';
import { type BackendChoice, findNativePackage } from '../engine/backend.js';
import type { LoadedStudy } from './config/load.js';
import type { StudyConfig } from './config/schema.js';
import {
  describeEstimate,
  estimateTrialMemory,
  type MemoryEstimate,
  WASM_HEAP_MAX_MB,
} from './memory-budget.js';
import { prepareData } from './trial/prepare-data.js';

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

export async function preflight(loaded: LoadedStudy): Promise<LoadedStudy> {
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
    if (pretrained && !isUrl(pretrained.source)) {
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
  return { ...loaded, arms };
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
