/**
 * One string names a data source, for the CLI and study files: `mnist` (the bundled digits),
 * `synthetic-signals`, a path to an image folder, a `.csv` or a `.npy` file of signals.
 *
 * @example
 *   const source = await openSource('photos', { channels: 3 });
 *   const digits = await openSource('mnist');
 *   const ecg = await openSource('ecg.csv', { label: 'diagnosis' });
 */
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { ConfigError, DataError } from '../core/errors.js';
import { parseOptions } from '../core/validation.js';
import { loadSignalCsv, type SignalCsvOptions } from './csv-signals.js';
import { ImageFolder, type ImageFolderOptions, openImageFolder } from './image-folder.js';
import { mnistSource } from './mnist.js';
import { loadSignalNpy, type SignalNpyOptions } from './npy-signals.js';
import { BUILTIN_SOURCES, SOURCE_OPTIONS, type SourceKind, sourceKind } from './options.js';
import { readSourceAs } from './read-as.js';
import { signalSource } from './signal-set.js';
import type { ImageSource } from './source.js';
import { type SyntheticSignalOptions, syntheticSignals } from './synthetic-signals.js';

export { BUILTIN_SOURCES };

export interface OpenSourceOptions
  extends ImageFolderOptions,
    Partial<Omit<SignalCsvOptions, 'classes'>>,
    Partial<Omit<SignalNpyOptions, 'classes'>>,
    Partial<Omit<SyntheticSignalOptions, 'seed'>> {
  /** Class names in class-index order (CSV and NPY). */
  classes?: readonly string[];
  /** Seed of `synthetic-signals` (default 0). */
  seed?: number;
}

/**
 * Opens the source `spec` names (see the file doc). CSV labels default to the last column;
 * NPY files need `labels`.
 *
 * @example
 *   const source = await openSource('signals.npy', { labels: 'labels.npy' });
 */
export async function openSource(
  spec: string,
  options: OpenSourceOptions = {},
  field = 'data.options',
): Promise<ImageSource> {
  const source = await openRaw(spec, options, field);
  if (source instanceof ImageFolder) return source; // reads at its size itself, before its cache
  const read = { ...options.image, channels: options.channels };
  if (!read.size && !read.channels) return source;
  if (source.shape?.[0] === 1) {
    const field = read.size ? 'image.size' : 'channels';
    throw new ConfigError(field, 'no value: the source gives signals, not images', spec);
  }
  return readSourceAs(source, read);
}

/**
 * The options a source of `kind` takes, checked (a misspelt one is an error). How images are
 * read (`image`, `skipUnreadable`, and `channels` for sources other than folders) is not a
 * source option: every image source takes it, and the study checks it as `data.image`.
 */
function checkOptions(kind: SourceKind, options: OpenSourceOptions, field: string): void {
  const { image: _image, skipUnreadable: _skip, ...given } = options;
  if (kind !== 'folder') delete given.channels;
  parseOptions(SOURCE_OPTIONS[kind], given, field);
}

async function openRaw(
  spec: string,
  options: OpenSourceOptions,
  field: string,
): Promise<ImageSource> {
  if (spec === 'mnist') {
    checkOptions('mnist', options, field);
    return mnistSource();
  }
  if (spec === 'synthetic-signals') {
    checkOptions('synthetic-signals', options, field);
    return signalSource(syntheticSignals({ ...options, seed: options.seed ?? 0 }));
  }
  let isDir: boolean;
  try {
    isDir = (await stat(spec)).isDirectory();
  } catch {
    throw new DataError(
      spec,
      `no such file or folder; expected ${BUILTIN_SOURCES.map((s) => `"${s}"`).join(', ')}, ` +
        'an image folder, a .csv or a .npy file',
    );
  }
  // Missing files are named first: the options' problems matter only for a source that exists.
  checkOptions(isDir ? 'folder' : sourceKind(spec), options, field);
  if (isDir) return openImageFolder(spec, options);
  const ext = extname(spec).toLowerCase();
  if (ext === '.csv') {
    return signalSource(
      await loadSignalCsv(spec, {
        label: options.label ?? -1,
        header: options.header,
        classes: options.classes,
        delimiter: options.delimiter,
      }),
      spec,
    );
  }
  if (ext === '.npy') {
    return signalSource(
      await loadSignalNpy(spec, {
        labels: options.labels as SignalNpyOptions['labels'],
        classes: options.classes,
      }),
      spec,
    );
  }
  throw new DataError(spec, `unsupported file type ${JSON.stringify(ext)}; expected .csv or .npy`);
}
