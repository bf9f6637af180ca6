/**
 * A study's data: the source opened, an optional stratified subset (`limit`, fixed by the
 * study), the train / validation / test split and injected imbalance. The split is the
 * study's own fixed one, or with `data.split.vary: per-seed` the one drawn with the trial's
 * seed (the same for every arm at that seed, so pairs still share their test examples). Imbalance shrinks the training and validation
 * classes geometrically; the test split keeps the source's own class balance, so balanced
 * accuracy on it tells how the minority classes fare. Cached per worker, keyed by settings.
 *
 * @example
 *   const data = await prepareData(config.data, seed);
 */

import { relative } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { ImageFolder, type UnreadableFile } from '../../data/image-folder.js';
import { injectImbalance } from '../../data/imbalance.js';
import { type OpenSourceOptions, openSource } from '../../data/open-source.js';
import { checkOneSize } from '../../data/read-as.js';
import { randomOversample, randomUndersample } from '../../data/resample.js';
import type { ImageSource } from '../../data/source.js';
import { describeSample, subsetSource } from '../../data/source.js';
import { spectrogramSource } from '../../data/spectrogram.js';
import { stratifiedSplit } from '../../data/split.js';
import type { DataConfig } from '../config/schema.js';

/** The study's fixed split seed, used unless `data.split.vary: per-seed`. */
export const SPLIT_SEED = 20240917;

/**
 * The seed a trial's split is drawn with: the study's fixed one, or under `vary: per-seed`
 * the trial's trained seed itself (the control arm's offset seed too), so the split of seed s
 * is `stratifiedSplit(labels, fractions, s)` on every machine.
 */
export function splitSeedOf(config: DataConfig, trialSeed = 0): number {
  return config.split.vary === 'per-seed' ? trialSeed : SPLIT_SEED;
}

export interface PreparedData {
  source: ImageSource;
  train: ImageSource;
  validation: ImageSource;
  test: ImageSource;
  classNames: readonly string[];
  counts: { train: number[]; validation: number[]; test: number[] };
  /** Files `data.skipUnreadable` left out, and why. */
  unreadable: readonly UnreadableFile[];
  /** The seed the split was drawn with (`splitSeedOf`): part of any cache key over the splits. */
  splitSeed: number;
}

interface StudySource {
  opened: ImageSource;
  source: ImageSource;
}

const sources = new Map<string, Promise<StudySource>>();
const cache = new Map<string, Promise<PreparedData>>();

/**
 * The data of a trial at `trialSeed` (its trained seed; preflight and warnings read seed 0's,
 * the first seed every arm runs). The opened source is cached apart from the splits, so a
 * study whose split varies per seed opens and decodes its data once per worker.
 */
export function prepareData(config: DataConfig, trialSeed = 0): Promise<PreparedData> {
  const splitSeed = splitSeedOf(config, trialSeed);
  const key = JSON.stringify({
    ...config,
    resample: undefined,
    preprocessing: undefined,
    splitSeed,
  });
  return cached(cache, key, async () => splitSource(await studySource(config), config, splitSeed));
}

function cached<T>(map: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let entry = map.get(key);
  if (!entry) {
    entry = make();
    entry.catch(() => map.delete(key));
    map.set(key, entry);
  }
  return entry;
}

/** The source options `data.options`, `data.image` and `data.skipUnreadable` make together. */
export function sourceOptions(config: DataConfig): OpenSourceOptions {
  const options = { ...(config.options ?? {}) } as OpenSourceOptions;
  const image = config.image;
  if (image?.channels !== undefined) {
    if (options.channels !== undefined && options.channels !== image.channels) {
      throw new ConfigError(
        'data.options.channels',
        `the same as data.image.channels (${image.channels}), or no value`,
        options.channels,
      );
    }
    options.channels = image.channels;
  }
  if (image?.resize && !image.size) {
    throw new ConfigError('data.image.resize', 'a data.image.size to fit to', image.resize);
  }
  if (image?.size) options.image = { size: image.size, resize: image.resize };
  if (config.skipUnreadable) options.skipUnreadable = true;
  return options;
}

/** The opened source, its images of one size (or a DataError naming two that differ). */
export async function openStudySource(config: DataConfig) {
  const raw = await openSource(config.source, sourceOptions(config));
  // Signals as images: `data.spectrogram` turns each 1-D signal into its [freq, time] image.
  const opened = config.spectrogram ? spectrogramSource(raw, config.spectrogram) : raw;
  if (opened instanceof ImageFolder && !config.image?.size && opened.heights && opened.widths) {
    const names = opened.files.map((f) => relative(opened.root, f));
    checkOneSize(opened.root, names, opened.heights, opened.widths);
  }
  return opened;
}

/** The opened source with its class selection and `limit` subset: the same for every seed. */
function studySource(config: DataConfig): Promise<StudySource> {
  const key = JSON.stringify({
    ...config,
    split: undefined,
    imbalance: undefined,
    resample: undefined,
    preprocessing: undefined,
  });
  return cached(sources, key, async () => {
    const opened = await openStudySource(config);
    let source = config.classes ? selectClasses(opened, config.classes) : opened;
    if (config.limit !== undefined && config.limit < source.count) {
      const picked = stratifiedSplit(
        source.labels,
        config.limit / source.count,
        SPLIT_SEED + 1,
      ).test;
      source = subsetSource(source, picked);
    }
    return { opened, source };
  });
}

function splitSource(
  { opened, source }: StudySource,
  config: DataConfig,
  splitSeed: number,
): PreparedData {
  const split = stratifiedSplit(
    source.labels,
    { validation: config.split.validation, test: config.split.test },
    splitSeed,
  );
  let train = Int32Array.from(split.train);
  let validation = Int32Array.from(split.validation);
  if (config.imbalance) {
    // Offsets from the split's seed: under a fixed split these are the seeds always used.
    const labelsOf = (idx: Int32Array) => idx.map((i) => source.labels[i]);
    train = injectImbalance(labelsOf(train), { ratio: config.imbalance.ratio }, splitSeed + 2).map(
      (k) => train[k],
    );
    validation = injectImbalance(
      labelsOf(validation),
      { ratio: config.imbalance.ratio },
      splitSeed + 3,
    ).map((k) => validation[k]);
  }
  const trainSource = subsetSource(source, train);
  const validationSource = subsetSource(source, validation);
  const testSource = subsetSource(source, split.test);
  return {
    source,
    train: trainSource,
    validation: validationSource,
    test: testSource,
    classNames: source.classNames,
    counts: {
      train: countClasses(trainSource),
      validation: countClasses(validationSource),
      test: countClasses(testSource),
    },
    unreadable: opened instanceof ImageFolder ? opened.unreadable : [],
    splitSeed,
  };
}

/** The training split resampled for a trial (random over- or under-sampling, seeded). */
export function resampleTrain(data: PreparedData, config: DataConfig, seed: number): ImageSource {
  if (!config.resample) return data.train;
  const { ratio } = config.resample as { ratio?: number };
  const options = ratio === undefined ? {} : { ratio };
  const picked =
    config.resample.method === 'oversample'
      ? randomOversample(data.train.labels, seed, options)
      : randomUndersample(data.train.labels, seed, options);
  return subsetSource(data.train, picked);
}

export function countClasses(source: ImageSource): number[] {
  const counts = new Array<number>(source.classNames.length).fill(0);
  for (const l of source.labels) counts[l]++;
  return counts;
}

/** The samples of `classes` only, relabelled 0.. in the given order. */
export function selectClasses(source: ImageSource, classes: number[]): ImageSource {
  const k = source.classNames.length;
  classes.forEach((c, i) => {
    if (c >= k) throw new ConfigError(`data.classes[${i}]`, `a class index below ${k}`, c);
  });
  if (new Set(classes).size !== classes.length)
    throw new ConfigError('data.classes', 'distinct classes', classes);
  const relabel = new Map(classes.map((c, i) => [c, i]));
  const picked: number[] = [];
  source.labels.forEach((l, i) => {
    if (relabel.has(l)) picked.push(i);
  });
  const inner = subsetSource(source, picked);
  return {
    ...inner,
    labels: inner.labels.map((l) => relabel.get(l)!),
    classNames: classes.map((c) => source.classNames[c]),
    get: (i: number) => inner.get(i),
  };
}

/**
 * The data with the validation split joined to the training one (`tunebook export` trains
 * the final model on both); the validation split is then empty and the test split unchanged.
 */
export function withValidationInTrain(data: PreparedData): PreparedData {
  const { train, validation } = data;
  const n = train.count;
  const joined: ImageSource = {
    count: n + validation.count,
    labels: Int32Array.from([...train.labels, ...validation.labels]),
    classNames: train.classNames,
    shape: train.shape,
    get: (i: number) => (i < n ? train.get(i) : validation.get(i - n)),
    describe: (i: number) => (i < n ? describeSample(train, i) : describeSample(validation, i - n)),
  };
  const none = subsetSource(validation, []);
  return {
    ...data,
    train: joined,
    validation: none,
    counts: {
      ...data.counts,
      train: countClasses(joined),
      validation: countClasses(none),
    },
  };
}
