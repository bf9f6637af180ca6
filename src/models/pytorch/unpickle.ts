/**
 * A safe unpickler for the `data.pkl` of a PyTorch state_dict: a stack machine that knows
 * only the opcodes pickle protocols 2-5 use for dicts, tuples, lists, strings, numbers and
 * persistent ids, and only the globals a state_dict names (OrderedDict, the tensor and
 * parameter rebuilders, the typed storage classes). It never calls anything: a global is a
 * marker, and REDUCE on a marker builds the one JavaScript value that global stands for. Any
 * other global (os.system, builtins.eval, a model class from a pickled whole model) or opcode
 * stops the load with an UnsafePickleError naming it, before anything of the file is used.
 *
 * @example
 *   const root = unpickle(bytes, 'resnet18.pth', (pid) => resolveStorage(pid));
 */
import { DataError, TunebookError } from '../../core/errors.js';

/** A pickle that asks for something a state_dict never needs. */
export class UnsafePickleError extends TunebookError {
  constructor(file: string, what: string) {
    super(
      'E_UNSAFE_PICKLE',
      `${file}: refused ${what} (only a state_dict of tensors is read; save one with torch.save(model.state_dict(), f))`,
    );
  }
}

/** A global the file named, allowed by ALLOWED_GLOBALS. */
export interface PickleGlobal {
  readonly global: string;
}

/** What `_rebuild_tensor_v2` received: a view into a storage. */
export interface PickledTensor {
  readonly tensor: true;
  storage: unknown;
  offset: number;
  shape: number[];
  stride: number[];
}

/** The typed storage classes, by the dtype a state_dict's tensors can have. */
export const STORAGE_DTYPES: Record<string, string> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

const REBUILD_TENSOR = 'torch._utils._rebuild_tensor_v2';
const REBUILD_PARAMETER = 'torch._utils._rebuild_parameter';
const ORDERED_DICT = 'collections.OrderedDict';
const ALLOWED_GLOBALS = new Set([
  ORDERED_DICT,
  REBUILD_TENSOR,
  REBUILD_PARAMETER,
  ...Object.keys(STORAGE_DTYPES).map((s) => `torch.${s}`),
]);

/**
 * Runs the pickle in `bytes` and returns its root object: dicts as Maps (in order), tuples
 * and lists as arrays, tensors as PickledTensor with `storage` whatever `persistentLoad`
 * returned for the storage's persistent id (a tuple: 'storage', class, key, location, numel).
 */
export function unpickle(
  bytes: Uint8Array,
  file: string,
  persistentLoad: (pid: unknown[]) => unknown,
): unknown {
  return unpickleAt(bytes, 0, file, persistentLoad).value;
}

/**
 * As unpickle, for a pickle starting at byte `start` of `bytes`; also returns where it ended
 * (the legacy torch.save format is several pickles and raw storages back to back).
 */
export function unpickleAt(
  bytes: Uint8Array,
  start: number,
  file: string,
  persistentLoad: (pid: unknown[]) => unknown,
): { value: unknown; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder();
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let at = start;
  const truncated = (): never => {
    throw new DataError(file, `data.pkl is truncated at byte ${at}`);
  };
  const take = (n: number) => {
    if (at + n > bytes.length) truncated();
    const out = bytes.subarray(at, at + n);
    at += n;
    return out;
  };
  const u8 = () => take(1)[0];
  const u32 = () => {
    take(4);
    return view.getUint32(at - 4, true);
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0) truncated();
    const text = decoder.decode(bytes.subarray(at, end));
    at = end + 1;
    return text;
  };
  const pop = () => (stack.length === 0 ? truncated() : stack.pop());
  const popMark = () => {
    const m = marks.pop();
    if (m === undefined) throw new DataError(file, 'data.pkl has no MARK');
    return stack.splice(m);
  };
  const top = () => stack[stack.length - 1];
  const global = (module: string, name: string): PickleGlobal => {
    const full = `${module}.${name}`;
    if (!ALLOWED_GLOBALS.has(full)) throw new UnsafePickleError(file, `the global ${full}`);
    return { global: full };
  };
  const setItems = (target: unknown, items: unknown[]) => {
    if (!(target instanceof Map)) throw new UnsafePickleError(file, 'SETITEM on a non-dict');
    for (let i = 0; i + 1 < items.length; i += 2) target.set(items[i], items[i + 1]);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME: a length prefix only
        take(8);
        break;
      case 0x2e: // STOP
        return { value: pop(), end: at };
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        stack.push(new Map());
        setItems(top(), items);
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        (top() as unknown[]).push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        (top() as unknown[]).push(...items);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: // SETITEMS
        setItems(stack[(marks[marks.length - 1] ?? 0) - 1], popMark());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        take(2);
        stack.push(view.getUint16(at - 2, true));
        break;
      case 0x4a: // BININT
        take(4);
        stack.push(view.getInt32(at - 4, true));
        break;
      case 0x8a: // LONG1
        stack.push(littleSigned(take(u8())));
        break;
      case 0x47: // BINFLOAT (big-endian)
        take(8);
        stack.push(view.getFloat64(at - 8, false));
        break;
      case 0x58: // BINUNICODE
        stack.push(decoder.decode(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(decoder.decode(take(u8())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(decoder.decode(take(u8())));
        break;
      case 0x54: // BINSTRING
        stack.push(decoder.decode(take(u32())));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice());
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice());
        break;
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        stack.push(global(String(pop()), String(name)));
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const key = op === 0x68 ? u8() : u32();
        if (!memo.has(key)) throw new DataError(file, `data.pkl memo ${key} unset`);
        stack.push(memo.get(key));
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (!Array.isArray(pid)) throw new UnsafePickleError(file, 'a persistent id not a tuple');
        stack.push(persistentLoad(pid));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(reduce(pop(), args as unknown[], file));
        break;
      }
      case 0x62: // BUILD: OrderedDict's state is its _metadata attribute, not needed
        pop();
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      default:
        throw new UnsafePickleError(
          file,
          `the pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at - 1}`,
        );
    }
  }
}

function reduce(callable: unknown, args: unknown[], file: string): unknown {
  const name = (callable as PickleGlobal | null)?.global;
  if (name === ORDERED_DICT) return new Map();
  if (name === REBUILD_PARAMETER) return args[0];
  if (name === REBUILD_TENSOR) {
    const [storage, offset, shape, stride] = args as [unknown, number, number[], number[]];
    if (!Array.isArray(shape) || !Array.isArray(stride)) {
      throw new DataError(file, 'a tensor without a size and stride tuple');
    }
    return { tensor: true, storage, offset: Number(offset), shape, stride } as PickledTensor;
  }
  throw new UnsafePickleError(file, `a call of ${name ?? typeof callable}`);
}

/** LONG1's little-endian two's-complement integer. */
function littleSigned(b: Uint8Array): number {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]);
  if (b.length > 0 && b[b.length - 1] & 0x80) n -= 1n << BigInt(8 * b.length);
  return Number(n);
}
