import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnsafePickleError, unpickle } from './unpickle.js';

const enc = (s: string) => [...new TextEncoder().encode(s)];
/** A protocol-4 pickle from opcodes and raw bytes. */
const pickle = (...parts: (number | number[])[]) =>
  Uint8Array.from([0x80, 4, ...parts.flat(), 0x2e]);
const shortUnicode = (s: string) => [0x8c, s.length, ...enc(s)];
const refuse = (bytes: Uint8Array, pattern: RegExp) =>
  assert.throws(
    () => unpickle(bytes, 'w.pth', () => null),
    (e: Error) => e instanceof UnsafePickleError && pattern.test(e.message),
  );

test('dicts, lists, tuples, numbers and strings come back; memo and marks work', () => {
  // {'a': [1, -2, 300, 2**40], 'b': (('x', 1.5, None), True), 'c': the same list via the memo}
  const bytes = pickle(
    0x7d, // EMPTY_DICT
    0x28, // MARK
    shortUnicode('a'),
    0x5d, // EMPTY_LIST
    0x94, // MEMOIZE: the list is memo 0
    0x28,
    [0x4b, 1], // BININT1
    [0x4a, 0xfe, 0xff, 0xff, 0xff], // BININT -2
    [0x4d, 0x2c, 0x01], // BININT2 300
    [0x8a, 6, 0, 0, 0, 0, 0, 1], // LONG1 2**40
    0x65, // APPENDS
    shortUnicode('b'),
    shortUnicode('x'),
    [0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0], // BINFLOAT 1.5
    0x4e, // NONE
    0x87, // TUPLE3 ('x', 1.5, None)
    0x28,
    0x74, // an empty TUPLE from a mark, then dropped
    0x30, // POP
    0x88, // NEWTRUE
    0x86, // TUPLE2 ((...), True)
    shortUnicode('c'),
    [0x68, 0], // BINGET 0: the list
    0x75, // SETITEMS
  );
  const root = unpickle(bytes, 't.pkl', () => null) as Map<string, unknown>;
  assert.deepEqual(root.get('a'), [1, -2, 300, 2 ** 40]);
  assert.deepEqual(root.get('b'), [['x', 1.5, null], true]);
  assert.equal(root.get('c'), root.get('a'));
});

test('globals other than a state_dict needs are refused, by GLOBAL and STACK_GLOBAL', () => {
  refuse(pickle(0x63, enc('posix\nsystem\n')), /refused the global posix\.system/);
  refuse(
    pickle(shortUnicode('builtins'), shortUnicode('eval'), 0x93),
    /refused the global builtins\.eval/,
  );
  refuse(
    pickle(shortUnicode('torch.nn.modules.conv'), shortUnicode('Conv2d'), 0x93),
    /the global torch\.nn\.modules\.conv\.Conv2d/,
  );
});

test('opcodes that build or call objects are refused by name', () => {
  refuse(pickle(0x81), /the pickle opcode 0x81/); // NEWOBJ
  refuse(pickle(0x69, enc('os\nsystem\n')), /the pickle opcode 0x69/); // INST
  // An allowed global called with the wrong meaning: a storage class is never called.
  refuse(
    pickle(shortUnicode('torch'), shortUnicode('FloatStorage'), 0x93, 0x29, 0x52),
    /a call of torch\.FloatStorage/,
  );
});

test('a pickle cut short is a data error, not a crash', () => {
  assert.throws(
    () => unpickle(Uint8Array.from([0x80, 2, 0x58, 9, 0, 0, 0, 0x61]), 'c.pkl', () => null),
    /c\.pkl: data\.pkl is truncated/,
  );
});
