/**
 * A small zip reader for the files `torch.save` writes (PyTorch >= 1.6): it reads the central
 * directory at the end of the file and returns entries by name. torch.save stores entries
 * uncompressed; deflated ones (a .pth re-zipped by hand) are inflated with node:zlib. Zip64
 * records are followed for archives or entries past 4 GiB (a large model's storages).
 *
 * @example
 *   const zip = readZip(await readFile('resnet18.pth'), 'resnet18.pth');
 *   const pickle = zip.read(zip.names.find((n) => n.endsWith('/data.pkl'))!);
 */
import { inflateRawSync } from 'node:zlib';
import { DataError } from '../../core/errors.js';

export interface ZipArchive {
  /** Entry names in the order of the central directory. */
  names: string[];
  /** The entry's bytes (a view into the file's buffer for stored entries). */
  read(name: string): Uint8Array;
}

interface Entry {
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX32 = 0xffffffff;

/**
 * Parses the archive's directory; a file that is not a zip, or is cut short, is a DataError
 * naming `file`.
 */
export function readZip(bytes: Uint8Array, file: string): ZipArchive {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (problem: string): never => {
    throw new DataError(file, problem);
  };
  const u32 = (at: number) => (at + 4 <= bytes.length ? view.getUint32(at, true) : fail(cut));
  const u16 = (at: number) => (at + 2 <= bytes.length ? view.getUint16(at, true) : fail(cut));
  const u64 = (at: number) => {
    if (at + 8 > bytes.length) fail(cut);
    const n = view.getBigUint64(at, true);
    return n > BigInt(Number.MAX_SAFE_INTEGER) ? fail('a zip64 size past 2^53') : Number(n);
  };
  const cut = 'truncated or not a zip archive (no readable central directory)';

  // The end record sits in the last 22 + up to 65535 (comment) bytes.
  let end = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === EOCD) {
      end = at;
      break;
    }
  }
  if (end < 0) fail(bytes.length < 4 ? 'empty or truncated file' : cut);
  let count = u16(end + 10);
  let dirOffset = u32(end + 16);
  if ((count === 0xffff || dirOffset === MAX32) && end >= 20 && u32(end - 20) === EOCD64_LOCATOR) {
    const at = u64(end - 20 + 8);
    if (u32(at) !== EOCD64) fail(cut);
    count = u64(at + 32);
    dirOffset = u64(at + 48);
  }
  const entries = new Map<string, Entry>();
  const names: string[] = [];
  const decoder = new TextDecoder();
  let at = dirOffset;
  for (let i = 0; i < count; i++) {
    if (u32(at) !== CENTRAL) fail(cut);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    if (at + 46 + nameLength > bytes.length) fail(cut);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    const entry: Entry = {
      method: u16(at + 10),
      compressedSize: u32(at + 20),
      size: u32(at + 24),
      localOffset: u32(at + 42),
    };
    readZip64Extra(entry, bytes.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength));
    entries.set(name, entry);
    names.push(name);
    at += 46 + nameLength + extraLength + commentLength;
  }

  return {
    names,
    read(name) {
      const entry = entries.get(name);
      if (!entry) return fail(`no entry ${name} in the archive`);
      const local = entry.localOffset;
      if (u32(local) !== LOCAL) fail(`entry ${name}: bad local header (truncated?)`);
      const start = local + 30 + u16(local + 26) + u16(local + 28);
      const stop = start + entry.compressedSize;
      if (stop > bytes.length) fail(`entry ${name} is cut short (truncated file)`);
      const raw = bytes.subarray(start, stop);
      if (entry.method === 0) return raw;
      if (entry.method === 8) {
        try {
          return new Uint8Array(inflateRawSync(raw));
        } catch (error) {
          return fail(`entry ${name}: cannot inflate (${(error as Error).message})`);
        }
      }
      return fail(`entry ${name}: compression method ${entry.method} (only stored and deflate)`);
    },
  };
}

/** Zip64 extra field (id 1): the 64-bit sizes and offset that the 32-bit fields mark 0xffffffff. */
function readZip64Extra(entry: Entry, extra: Uint8Array): void {
  const view = new DataView(extra.buffer, extra.byteOffset, extra.byteLength);
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = view.getUint16(at, true);
    const length = view.getUint16(at + 2, true);
    if (id === 1) {
      let p = at + 4;
      const next = () => {
        const n = Number(view.getBigUint64(p, true));
        p += 8;
        return n;
      };
      if (entry.size === MAX32) entry.size = next();
      if (entry.compressedSize === MAX32) entry.compressedSize = next();
      if (entry.localOffset === MAX32) entry.localOffset = next();
      return;
    }
    at += 4 + length;
  }
}
