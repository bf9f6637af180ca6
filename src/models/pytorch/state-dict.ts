/**
 * A PyTorch state_dict from a file: `torch.save` zip archives (PyTorch >= 1.6; `data.pkl`
 * read by the safe unpickler, tensors from the `data/<key>` storages), torch.save's legacy
 * format (pickles then raw storages), or `.safetensors`. Every
 * tensor comes back as float32 in PyTorch's own layout (row-major, OIHW for convolutions).
 *
 * @example
 *   const sd = await readStateDict('resnet18.pth');
 *   sd.get('conv1.weight')!.shape; // [64, 3, 7, 7]
 */
import { readFile } from 'node:fs/promises';
import { DataError } from '../../core/errors.js';
import { BYTES_PER, toFloat32 } from './dtypes.js';
import { looksLikeSafetensors, readSafetensors } from './safetensors.js';
import {
  type PickledTensor,
  type PickleGlobal,
  STORAGE_DTYPES,
  unpickle,
  unpickleAt,
} from './unpickle.js';
import { readZip, type ZipArchive } from './zip.js';

export interface TorchTensor {
  shape: number[];
  /** The file's dtype before decoding to float32. */
  dtype: string;
  data: Float32Array;
}

/** Tensor name -> tensor, in the file's order. */
export type StateDict = Map<string, TorchTensor>;

export async function readStateDict(file: string): Promise<StateDict> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (error) {
    throw new DataError(
      file,
      `cannot read the weights file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  return parseStateDict(bytes, file);
}

/** As readStateDict, from the file's bytes. */
export function parseStateDict(bytes: Uint8Array, file: string): StateDict {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return readTorchZip(readZip(bytes, file), file);
  if (looksLikeSafetensors(bytes)) return readSafetensors(bytes, file);
  if (bytes[0] === 0x80) return readLegacy(bytes, file);
  throw new DataError(file, 'not a torch.save zip archive or a safetensors file');
}

interface StorageRef {
  storage: true;
  dtype: string;
  key: string;
}

function readTorchZip(zip: ZipArchive, file: string): StateDict {
  const pkl = zip.names.find((n) => n === 'data.pkl' || /^[^/]+\/data\.pkl$/.test(n));
  if (!pkl) throw new DataError(file, 'no data.pkl in the archive (not a torch.save file)');
  const prefix = pkl.slice(0, -'data.pkl'.length);
  const root = unpickle(zip.read(pkl), file, (pid) => storageRef(pid, file));
  return tensorsOf(root, file, (key) => {
    const entry = `${prefix}data/${key}`;
    if (!zip.names.includes(entry)) throw new DataError(file, `no storage ${entry} in the archive`);
    return zip.read(entry);
  });
}

/** torch.save's magic number at the start of a legacy file (a Python long past 2^53). */
const LEGACY_MAGIC = Number(BigInt('0x1950a86a20f9469cfc6c'));

/**
 * The legacy format (torch.save before 1.6, or `_use_new_zipfile_serialization=False`, as
 * some hub weights are): pickles of the magic number, the protocol, the system info and the
 * state_dict, then the sorted storage keys, then each storage as an int64 element count and
 * its raw bytes.
 */
function readLegacy(bytes: Uint8Array, file: string): StateDict {
  const noPid = () => {
    throw new DataError(file, 'a persistent id outside the state_dict pickle');
  };
  const magic = unpickleAt(bytes, 0, file, noPid);
  if (magic.value !== LEGACY_MAGIC) {
    throw new DataError(file, 'not a torch.save zip archive or a safetensors file');
  }
  const protocol = unpickleAt(bytes, magic.end, file, noPid);
  const info = unpickleAt(bytes, protocol.end, file, noPid);
  if (info.value instanceof Map && info.value.get('little_endian') === false) {
    throw new DataError(file, 'saved on a big-endian machine (not supported)');
  }
  const refs = new Map<string, StorageRef>();
  const main = unpickleAt(bytes, info.end, file, (pid) => {
    const ref = storageRef(pid, file);
    refs.set(ref.key, ref);
    return ref;
  });
  const keys = unpickleAt(bytes, main.end, file, noPid);
  if (!Array.isArray(keys.value))
    throw new DataError(file, 'no storage key list after the state_dict');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const storages = new Map<string, Uint8Array>();
  let at = keys.end;
  for (const key of keys.value as string[]) {
    if (at + 8 > bytes.length)
      throw new DataError(file, `storage ${key} is cut short (truncated file)`);
    const count = Number(view.getBigInt64(at, true));
    const size = BYTES_PER[refs.get(key)?.dtype ?? ''] ?? 4;
    const end = at + 8 + count * size;
    if (end > bytes.length)
      throw new DataError(file, `storage ${key} is cut short (truncated file)`);
    storages.set(key, bytes.subarray(at + 8, end));
    at = end;
  }
  return tensorsOf(main.value, file, (key) => {
    const data = storages.get(key);
    if (!data) throw new DataError(file, `no storage ${key} in the file`);
    return data;
  });
}

/** The state_dict's tensors, read from their storages' bytes. */
function tensorsOf(
  root: unknown,
  file: string,
  storageBytes: (key: string) => Uint8Array,
): StateDict {
  if (!(root instanceof Map)) {
    throw new DataError(file, 'the pickle holds no dict (expected a state_dict)');
  }
  const storages = new Map<string, Float32Array>();
  const out: StateDict = new Map();
  for (const [name, value] of root) {
    if (typeof name !== 'string') continue;
    const t = value as PickledTensor;
    if (!t || t.tensor !== true) {
      throw new DataError(`${file}: ${name}`, 'not a tensor (expected a state_dict of tensors)');
    }
    const ref = t.storage as StorageRef;
    let storage = storages.get(ref.key);
    if (!storage) {
      storage = toFloat32(storageBytes(ref.key), ref.dtype, `${file}: ${name}`);
      storages.set(ref.key, storage);
    }
    out.set(name, {
      shape: t.shape,
      dtype: ref.dtype,
      data: gather(storage, t, `${file}: ${name}`),
    });
  }
  return out;
}

function storageRef(pid: unknown[], file: string): StorageRef {
  const [kind, type, key] = pid;
  const cls = (type as PickleGlobal | null)?.global?.replace(/^torch\./, '') ?? '';
  if (kind !== 'storage' || !STORAGE_DTYPES[cls] || typeof key !== 'string') {
    throw new DataError(file, `data.pkl: an unknown persistent id ${JSON.stringify(pid)}`);
  }
  return { storage: true, dtype: STORAGE_DTYPES[cls], key };
}

/** The tensor's elements in row-major order, read through its offset and strides. */
function gather(storage: Float32Array, t: PickledTensor, where: string): Float32Array {
  const count = t.shape.reduce((p, d) => p * d, 1);
  let last = t.offset;
  t.shape.forEach((d, i) => {
    if (d > 0) last += (d - 1) * t.stride[i];
  });
  if (count > 0 && last >= storage.length) {
    throw new DataError(where, 'its storage is cut short (truncated file)');
  }
  const contiguous = t.stride.every(
    (s, i) => t.shape[i] === 1 || s === t.shape.slice(i + 1).reduce((p, d) => p * d, 1),
  );
  if (contiguous) return storage.slice(t.offset, t.offset + count);
  const out = new Float32Array(count);
  const index = new Array<number>(t.shape.length).fill(0);
  for (let k = 0; k < count; k++) {
    let at = t.offset;
    for (let i = 0; i < index.length; i++) at += index[i] * t.stride[i];
    out[k] = storage[at];
    for (let i = index.length - 1; i >= 0; i--) {
      if (++index[i] < t.shape[i]) break;
      index[i] = 0;
    }
  }
  return out;
}
