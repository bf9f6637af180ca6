/**
 * `preprocessing.json`, written beside an exported model.json: what a new image goes through
 * before the model sees it — read at the study's image size, fit and channels, equalised or
 * scaled with the statistics fitted on the training data — and the class names the outputs
 * stand for; plus where the model came from (study, arm, seed, epochs).
 *
 * @example
 *   const p = await readPreprocessing('model/'); // p.classNames, p.image, p.scaler
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '../../core/errors.js';
import type { ImageReadOptions } from '../../data/image-options.js';
import type { NormalizeSetting } from '../trial/sample-transforms.js';

export const PREPROCESSING_JSON = 'preprocessing.json';
export const PREPROCESSING_FORMAT = 'tunebook-preprocessing';

export interface PreprocessingFile {
  format: typeof PREPROCESSING_FORMAT;
  version: 1;
  /** Class names in output order. */
  classNames: string[];
  /** What the model takes, one sample: [height, width, channels] (images) or [length, channels]. */
  inputShape: number[];
  layout: 'nhwc' | 'nwc';
  /** The size, fit and channels images are read at (`data.image`); null: as the files are. */
  image: ImageReadOptions | null;
  /** Channels images are decoded to. */
  channels: 1 | 3;
  /** `data.preprocessing`, or null. */
  normalize: NormalizeSetting | null;
  /** The fitted scaler's JSON (preprocessing/scaler-file.ts), or null. */
  scaler: unknown | null;
  /** Where the model came from. */
  trainedFrom: {
    study: string;
    arm: string;
    label: string;
    seed: number;
    epochs: number;
    data: 'train+validation';
    testAccuracy: number | null;
    testBalancedAccuracy: number | null;
  };
}

export async function writePreprocessing(dir: string, file: PreprocessingFile): Promise<void> {
  await writeFile(join(dir, PREPROCESSING_JSON), `${JSON.stringify(file, null, 2)}\n`);
}

/** The folder's preprocessing.json; a missing or foreign file is a DataError naming it. */
export async function readPreprocessing(dir: string): Promise<PreprocessingFile> {
  const path = join(dir, PREPROCESSING_JSON);
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError(
      path,
      code === 'ENOENT'
        ? 'no such file (make a model folder with tunebook export <study> --out <dir>)'
        : `not readable JSON (${(error as Error).message.split('\n')[0]})`,
    );
  }
  const p = value as Partial<PreprocessingFile>;
  if (p?.format !== PREPROCESSING_FORMAT || p.version !== 1) {
    throw new DataError(path, `not a ${PREPROCESSING_FORMAT} version 1 file`);
  }
  if (!Array.isArray(p.classNames) || !Array.isArray(p.inputShape) || !p.layout) {
    throw new DataError(path, 'missing classNames, inputShape or layout');
  }
  return p as PreprocessingFile;
}
