/**
 * 1-D signals from NPY: a data array of shape (count, length) or (count, length, channels),
 * and labels either from a second .npy (shape (count,) or (count, 1); integers are class
 * indices, strings are class names) or from one column of 2-D data.
 *
 * Integer labels index `classes` when given (else the classes are "0".."max"); string labels
 * are looked up in `classes` when given (else the sorted names found). A label outside the
 * classes, a non-integer numeric label, NaN in the data or a shape mismatch is a DataError
 * naming the file and the item.
 *
 * @example
 *   const set = await loadSignalNpy('x.npy', { labels: 'y.npy', classes: ['normal', 'afib'] });
 *   const set2 = await loadSignalNpy('xy.npy', { labels: { column: -1 } });
 */
import { ConfigError, DataError } from '../core/errors.js';
import { indexLabels } from './class-labels.js';
import { loadNpy, type NpyArray, type NpyData } from './npy.js';
import type { SignalSet } from './signal-set.js';

export interface SignalNpyOptions {
  /** A second .npy file of labels, or the data column (0-based; negative from the end). */
  labels: string | { column: number };
  /** Class names in class-index order. */
  classes?: readonly string[];
}

/**
 * Reads signals and labels from .npy files (see the file doc).
 *
 * @example
 *   const set = await loadSignalNpy('signals.npy', { labels: 'labels.npy' });
 */
export async function loadSignalNpy(file: string, options: SignalNpyOptions): Promise<SignalSet> {
  const array = await loadNpy(file);
  if (typeof options.labels === 'string') {
    const labels = await loadNpy(options.labels);
    return signalsFromNpy(array, file, labels, options.labels, options.classes);
  }
  if (!options.labels || typeof options.labels !== 'object') {
    throw new ConfigError('labels', 'an .npy file path or { column: index }', options.labels);
  }
  return signalsFromNpy(array, file, options.labels.column, file, options.classes);
}

/**
 * Builds a signal set from parsed arrays: `labels` is a label array or a data column index.
 *
 * @example
 *   signalsFromNpy(parseNpy(xBytes), 'x.npy', parseNpy(yBytes), 'y.npy');
 */
export function signalsFromNpy(
  array: NpyArray,
  file: string,
  labels: NpyArray | number,
  labelsFile: string,
  classes?: readonly string[],
): SignalSet {
  if (Array.isArray(array.data)) {
    throw new DataError(file, `signals must be numeric, found dtype ${array.dtype}`);
  }
  const shape = array.shape;
  if (shape.length < 2 || shape.length > 3) {
    throw new DataError(
      file,
      `expected signals of shape (count, length) or (count, length, channels), found (${shape.join(', ')})`,
    );
  }
  let [count, width, channels = 1] = shape;
  let values: Exclude<NpyData, string[]> = array.data;
  let labelData: NpyData;
  let labelName: (k: number) => string;
  if (typeof labels === 'number') {
    if (shape.length !== 2) {
      throw new ConfigError('labels.column', 'used with 2-D data only', labels);
    }
    if (!Number.isInteger(labels) || labels >= width || labels < -width) {
      throw new ConfigError('labels.column', `a column index in [${-width}, ${width})`, labels);
    }
    const column = labels < 0 ? width + labels : labels;
    const rest = new Float64Array(count * (width - 1));
    const picked = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      for (let c = 0, t = i * (width - 1); c < width; c++) {
        const v = values[i * width + c];
        if (c === column) picked[i] = v;
        else rest[t++] = v;
      }
    }
    values = rest;
    width -= 1;
    labelData = picked;
    labelName = (k) => `row ${k}, column ${column}`;
  } else {
    const ok = labels.shape.length === 1 || (labels.shape.length === 2 && labels.shape[1] === 1);
    if (!ok || labels.shape[0] !== count) {
      throw new DataError(
        labelsFile,
        `expected ${count} labels (shape (${count},)), found shape (${labels.shape.join(', ')})`,
      );
    }
    labelData = labels.data;
    labelName = (k) => `labels[${k}]`;
  }
  if (width < 1) throw new DataError(file, 'signals of length 0');

  const signals = new Float32Array(count * width * channels);
  for (let j = 0; j < signals.length; j++) {
    const v = values[j];
    if (!Number.isFinite(v)) {
      const step = Math.floor(j / channels);
      throw new DataError(
        file,
        `sample ${Math.floor(step / width)}, step ${step % width}: expected a finite number, found ${v}`,
      );
    }
    signals[j] = v;
  }
  const { labels: indices, classNames } = classIndices(labelData, labelName, labelsFile, classes);
  return { signals, count, length: width, channels, labels: indices, classNames };
}

function classIndices(
  data: NpyData,
  name: (k: number) => string,
  file: string,
  classes?: readonly string[],
): { labels: Int32Array; classNames: string[] } {
  if (Array.isArray(data)) {
    const indexed = indexLabels(data, classes);
    if ('missing' in indexed) {
      throw new DataError(
        file,
        `${name(indexed.missing)}: label ${JSON.stringify(data[indexed.missing])} is not one of ` +
          `the classes ${(classes ?? []).map((c) => JSON.stringify(c)).join(', ')}`,
      );
    }
    return indexed;
  }
  const labels = new Int32Array(data.length);
  let max = -1;
  for (let k = 0; k < data.length; k++) {
    const v = data[k];
    if (!Number.isInteger(v) || v < 0) {
      throw new DataError(file, `${name(k)}: expected a class index (integer >= 0), found ${v}`);
    }
    if (classes && v >= classes.length) {
      throw new DataError(
        file,
        `${name(k)}: class index ${v} is outside the ${classes.length} classes ` +
          `${classes.map((c) => JSON.stringify(c)).join(', ')}`,
      );
    }
    labels[k] = v;
    max = Math.max(max, v);
  }
  const classNames = classes ? [...classes] : Array.from({ length: max + 1 }, (_, k) => String(k));
  return { labels, classNames };
}
