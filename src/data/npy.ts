/**
 * NumPy `.npy` files (format versions 1, 2 and 3), read without NumPy: the header is parsed
 * here, the data decoded by dtype with either byte order. Fortran-ordered arrays are
 * reordered to C order. Object and structured dtypes are refused.
 *
 * | dtype | JavaScript data |
 * | --- | --- |
 * | f2, f4 / f8 | Float32Array / Float64Array |
 * | i1, u1, b1, i2, u2, i4, u4 | Int8Array, Uint8Array, Uint8Array, Int16Array, ... |
 * | i8, u8 | Float64Array (values beyond 2^53 are a DataError) |
 * | U<n>, S<n> | string[] (trailing NULs removed) |
 *
 * @example
 *   const { shape, data } = await loadNpy('x.npy'); // shape [100, 256], Float32Array
 */
import { readFile } from 'node:fs/promises';
import { DataError } from '../core/errors.js';
import { float16ToNumber } from '../core/float16.js';

/** dtype kinds with the item sizes read. */
export const NPY_DTYPES = [
  'b1',
  'i1',
  'u1',
  'i2',
  'u2',
  'i4',
  'u4',
  'i8',
  'u8',
  'f2',
  'f4',
  'f8',
  'U<n>',
  'S<n>',
] as const;

export type NpyData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | string[];

export interface NpyArray {
  /** The header's descr, e.g. '<f4'. */
  dtype: string;
  shape: number[];
  /** The values in C order (last index fastest). */
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/**
 * Reads an .npy file.
 *
 * @example
 *   const labels = await loadNpy('y.npy'); // { dtype: '<i8', shape: [100], data: Float64Array }
 */
export async function loadNpy(file: string): Promise<NpyArray> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError(file, code === 'ENOENT' ? 'no such file' : `cannot read (${code})`);
  }
  return parseNpy(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), file);
}

/**
 * Parses the bytes of an .npy file; `file` names it in errors.
 *
 * @example
 *   parseNpy(bytes, 'x.npy').shape; // [3, 4]
 */
export function parseNpy(bytes: Uint8Array, file = '<npy>'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new DataError(file, 'not an NPY file (it does not start with "\\x93NUMPY")');
  }
  const major = bytes[6];
  if (major < 1 || major > 3) {
    throw new DataError(file, `unsupported NPY format version ${major}.${bytes[7]}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerStart = major === 1 ? 10 : 12;
  if (bytes.length < headerStart) throw new DataError(file, 'truncated NPY header');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = headerStart + headerLength;
  if (bytes.length < dataStart) {
    throw new DataError(
      file,
      `truncated NPY header: ${headerLength} bytes announced, ${bytes.length - headerStart} present`,
    );
  }
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(headerStart, dataStart),
  );
  const { descr, fortran, shape } = parseHeader(header, file);
  const type = parseDescr(descr, file);
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = count * type.size;
  const found = bytes.length - dataStart;
  if (found !== expected) {
    throw new DataError(
      file,
      `${found < expected ? 'truncated' : 'trailing bytes'}: shape (${shape.join(', ')}) of ` +
        `${descr} needs ${expected} bytes of data, found ${found}`,
    );
  }
  let data = decode(view, dataStart, count, type, file);
  if (fortran && shape.length > 1) data = fortranToC(data, shape);
  return { dtype: descr, shape, data };
}

function parseHeader(
  header: string,
  file: string,
): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header);
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header);
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr) {
    const structured = /['"]descr['"]\s*:\s*\[/.test(header);
    throw new DataError(
      file,
      structured
        ? 'structured dtypes (records) are not supported; save one plain array per file'
        : `malformed NPY header (no 'descr'): ${JSON.stringify(header.trim())}`,
    );
  }
  if (!fortran || !shape) {
    throw new DataError(file, `malformed NPY header: ${JSON.stringify(header.trim())}`);
  }
  const dims = shape[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => (/^\d+L?$/.test(s) ? Number.parseInt(s, 10) : Number.NaN));
  if (dims.some((d) => Number.isNaN(d))) {
    throw new DataError(file, `malformed NPY shape (${shape[1]})`);
  }
  return { descr: descr[1], fortran: fortran[1] === 'True', shape: dims };
}

interface DType {
  kind: string;
  size: number;
  little: boolean;
}

function parseDescr(descr: string, file: string): DType {
  const m = /^([<>|=])([biufUS])(\d+)$/.exec(descr);
  const supported = (kind: string, size: number) =>
    kind === 'U' || kind === 'S'
      ? size > 0
      : ['b1', 'i1', 'u1', 'i2', 'u2', 'i4', 'u4', 'i8', 'u8', 'f2', 'f4', 'f8'].includes(
          `${kind}${size}`,
        );
  if (!m || !supported(m[2], Number(m[3]))) {
    throw new DataError(
      file,
      `unsupported dtype ${JSON.stringify(descr)}; expected one of ${NPY_DTYPES.join(', ')}`,
    );
  }
  const n = Number(m[3]);
  // '=' is the writer's native order: little-endian on every platform NumPy ships for.
  return { kind: m[2], size: m[2] === 'U' ? 4 * n : n, little: m[1] !== '>' };
}

function decode(view: DataView, start: number, count: number, t: DType, file: string): NpyData {
  const { kind, size, little } = t;
  const at = (k: number) => start + k * size;
  if (kind === 'U' || kind === 'S') {
    const out: string[] = new Array(count);
    for (let k = 0; k < count; k++) {
      let s = '';
      if (kind === 'S') {
        for (let j = 0; j < size; j++) s += String.fromCharCode(view.getUint8(at(k) + j));
      } else {
        for (let j = 0; j < size; j += 4) {
          s += String.fromCodePoint(view.getUint32(at(k) + j, little));
        }
      }
      out[k] = s.replace(/\0+$/, '');
    }
    return out;
  }
  const key = `${kind}${size}`;
  const fill = <A extends Exclude<NpyData, string[]>>(out: A, read: (o: number) => number) => {
    for (let k = 0; k < count; k++) out[k] = read(at(k));
    return out;
  };
  switch (key) {
    case 'f2':
      return fill(new Float32Array(count), (o) => float16ToNumber(view.getUint16(o, little)));
    case 'f4':
      return fill(new Float32Array(count), (o) => view.getFloat32(o, little));
    case 'f8':
      return fill(new Float64Array(count), (o) => view.getFloat64(o, little));
    case 'b1':
    case 'u1':
      return fill(new Uint8Array(count), (o) => view.getUint8(o));
    case 'i1':
      return fill(new Int8Array(count), (o) => view.getInt8(o));
    case 'i2':
      return fill(new Int16Array(count), (o) => view.getInt16(o, little));
    case 'u2':
      return fill(new Uint16Array(count), (o) => view.getUint16(o, little));
    case 'i4':
      return fill(new Int32Array(count), (o) => view.getInt32(o, little));
    case 'u4':
      return fill(new Uint32Array(count), (o) => view.getUint32(o, little));
    default: {
      // i8 / u8: exact as doubles up to 2^53, which covers labels and counts.
      const out = new Float64Array(count);
      for (let k = 0; k < count; k++) {
        const v = kind === 'i' ? view.getBigInt64(at(k), little) : view.getBigUint64(at(k), little);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new DataError(file, `item ${k}: ${v} does not fit a double exactly`);
        }
        out[k] = Number(v);
      }
      return out;
    }
  }
}

/** Reorders data stored first-index-fastest into last-index-fastest. */
function fortranToC<T extends NpyData>(data: T, shape: number[]): T {
  const out = (
    Array.isArray(data)
      ? new Array(data.length)
      : new (data.constructor as new (n: number) => T)(data.length)
  ) as T;
  const index = new Array(shape.length).fill(0);
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    for (let d = shape.length - 1; d >= 0; d--) f = f * shape[d] + index[d];
    (out as unknown as unknown[])[c] = (data as unknown as unknown[])[f];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}
