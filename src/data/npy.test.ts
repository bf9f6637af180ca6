import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DataError } from '../core/errors.js';
import { loadNpy, parseNpy } from './npy.js';
import { loadSignalNpy, signalsFromNpy } from './npy-signals.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/data/', import.meta.url));
const expected = JSON.parse(readFileSync(`${FIXTURES}npy.json`, 'utf8')) as Record<
  string,
  { descr: string; shape: number[]; values: (number | string)[] }
>;
const npy = (name: string) => `${FIXTURES}npy/${name}.npy`;

test('every fixture dtype, byte order, header version and order reads as NumPy wrote it', async () => {
  for (const [name, ref] of Object.entries(expected)) {
    const array = await loadNpy(npy(name));
    assert.equal(array.dtype, ref.descr, name);
    assert.deepEqual(array.shape, ref.shape, name);
    assert.deepEqual([...array.data], ref.values, name);
  }
});

/** An .npy file built by hand: a header dict, then raw data bytes. */
function build(header: string, data: Uint8Array, version = 1): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  let text = header;
  while ((prefix + text.length + 1) % 64 !== 0) text += ' ';
  text += '\n';
  const out = new Uint8Array(prefix + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(new TextEncoder().encode(text), prefix);
  out.set(data, prefix + text.length);
  return out;
}
const header = (descr: string, shape: string) =>
  `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;

test('malformed files are DataErrors naming the file and the problem', () => {
  const bad = (bytes: Uint8Array, pattern: RegExp) =>
    assert.throws(
      () => parseNpy(bytes, 'x.npy'),
      (e: Error) => {
        assert.ok(e instanceof DataError, e.message);
        assert.match(e.message, pattern);
        return true;
      },
    );
  bad(new TextEncoder().encode('a,b\n1,2\n'), /^x\.npy: not an NPY file/);
  bad(
    build(header('<f4', '(3,)'), new Uint8Array(8)),
    /truncated: shape \(3\) of <f4 needs 12 bytes of data, found 8/,
  );
  bad(build(header('<f4', '(1,)'), new Uint8Array(8)), /trailing bytes/);
  bad(build(header('<c16', '(1,)'), new Uint8Array(16)), /unsupported dtype "<c16"/);
  bad(build(header('|O', '(1,)'), new Uint8Array(8)), /unsupported dtype "\|O"/);
  bad(
    build("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4)),
    /structured dtypes/,
  );
  bad(build("{'descr': '<f4', 'shape': (1,), }", new Uint8Array(4)), /malformed NPY header/);
  bad(build(header('<f4', '(2, x)'), new Uint8Array(8)), /malformed NPY shape/);
  const v9 = build(header('<f4', '(1,)'), new Uint8Array(4));
  v9[6] = 9;
  bad(v9, /unsupported NPY format version 9\.0/);
  // Version 3 headers are UTF-8; otherwise as version 2.
  const v3 = build(header('<i2', '(2,)'), Uint8Array.of(1, 0, 255, 255), 3);
  assert.deepEqual([...parseNpy(v3).data], [1, -1]);
});

test('signals with labels from a second file, a column, or strings; label errors', async () => {
  const set = await loadSignalNpy(npy('f4_2d'), { labels: npy('i8_labels') });
  assert.equal(set.count, 4);
  assert.equal(set.length, 6);
  assert.deepEqual([...set.labels], [2, 0, 1, 2]);
  assert.deepEqual(set.classNames, ['0', '1', '2']);
  assert.deepEqual([...set.signals], expected.f4_2d.values);

  const named = await loadSignalNpy(npy('f4_2d'), { labels: npy('unicode_labels') });
  assert.deepEqual(named.classNames, ['afib', 'noise', 'normal']);
  assert.deepEqual([...named.labels], [2, 0, 2, 1]);

  await assert.rejects(
    loadSignalNpy(npy('i4_3d'), { labels: npy('u1') }),
    /u1\.npy: expected 2 labels \(shape \(2,\)\), found shape \(3\)/,
  );

  // The last column as the label: values -5..18 seen as (4, 6) give 4 signals of length 5.
  const data = await loadNpy(npy('i4_3d'));
  const flat = { ...data, shape: [4, 6] };
  const column = signalsFromNpy(flat, 'f.npy', -1, 'f.npy');
  assert.equal(column.length, 5);
  assert.deepEqual([...column.labels], [0, 6, 12, 18]);
  assert.deepEqual([...column.signals.subarray(0, 5)], [-5, -4, -3, -2, -1]);
  assert.throws(
    () => signalsFromNpy(flat, 'f.npy', 0, 'f.npy'),
    /f\.npy: row 0, column 0: expected a class index \(integer >= 0\), found -5/,
  );

  await assert.rejects(
    loadSignalNpy(npy('f4_2d'), { labels: npy('i8_labels'), classes: ['a', 'b'] }),
    /i8_labels\.npy: labels\[0\]: class index 2 is outside the 2 classes "a", "b"/,
  );
  await assert.rejects(
    loadSignalNpy(npy('f4_2d'), { labels: npy('unicode_labels'), classes: ['normal', 'afib'] }),
    /unicode_labels\.npy: labels\[3\]: label "noise" is not one of the classes "normal", "afib"/,
  );
  await assert.rejects(
    loadSignalNpy(npy('f4_2d'), { labels: npy('float_labels') }),
    /float_labels\.npy: labels\[2\]: expected a class index \(integer >= 0\), found 1\.5/,
  );
  await assert.rejects(
    loadSignalNpy(npy('u1'), { labels: npy('u1') }),
    /u1\.npy: expected signals of shape \(count, length\) or \(count, length, channels\), found \(3\)/,
  );
  await assert.rejects(
    loadSignalNpy(npy('absent'), { labels: npy('u1') }),
    /absent\.npy: no such file/,
  );

  const nan = parseNpy(
    build(header('<f8', '(1, 2)'), new Uint8Array(new Float64Array([1, Number.NaN]).buffer)),
    'n.npy',
  );
  assert.throws(
    () =>
      signalsFromNpy(
        nan,
        'n.npy',
        parseNpy(build(header('<i4', '(1,)'), new Uint8Array(4))),
        'l.npy',
      ),
    /n\.npy: sample 0, step 1: expected a finite number, found NaN/,
  );
});

test('3-D data gives multi-channel signals', async () => {
  const data = await loadNpy(npy('i4_3d')); // (2, 4, 3)
  const labels = parseNpy(
    build(header('<i4', '(2,)'), new Uint8Array(new Int32Array([1, 0]).buffer)),
  );
  const set = signalsFromNpy(data, 'i4_3d.npy', labels, 'labels');
  assert.deepEqual([set.count, set.length, set.channels], [2, 4, 3]);
  assert.deepEqual([...set.signals], expected.i4_3d.values);
});
