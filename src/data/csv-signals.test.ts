import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DataError } from '../core/errors.js';
import { loadSignalCsv, parseSignalCsv } from './csv-signals.js';

test('a header, a label column by name, classes from the sorted labels', () => {
  const set = parseSignalCsv('t0,t1,label,t2\n1,2,b,3\n4,5.5e1,a,-6\n\n', { label: 'label' });
  assert.deepEqual([...set.signals], [1, 2, 3, 4, 55, -6]);
  assert.equal(set.count, 2);
  assert.equal(set.length, 3);
  assert.equal(set.channels, 1);
  assert.deepEqual(set.classNames, ['a', 'b']);
  assert.deepEqual([...set.labels], [1, 0]);
});

test('no header (detected), label by index from the end, numeric labels sorted as numbers', () => {
  const set = parseSignalCsv('0.5,1,10\r\n2,3,9\r\n4,5,10\r\n', { label: -1 });
  assert.deepEqual([...set.signals], [0.5, 1, 2, 3, 4, 5]);
  assert.deepEqual(set.classNames, ['9', '10']);
  assert.deepEqual([...set.labels], [1, 0, 1]);
});

test('a given class list fixes the class order; quoted fields and other delimiters', () => {
  const set = parseSignalCsv('"x;1";x2;y\n1;2;"dog"\n3;4;cat\n', {
    label: 'y',
    delimiter: ';',
    classes: ['dog', 'cat', 'cow'],
  });
  assert.deepEqual(set.classNames, ['dog', 'cat', 'cow']);
  assert.deepEqual([...set.labels], [0, 1]);
  assert.deepEqual([...set.signals], [1, 2, 3, 4]);
});

test('bad values are DataErrors naming the file, line, column and text', () => {
  const bad = (text: string, pattern: RegExp, options = {}) =>
    assert.throws(
      () => parseSignalCsv(text, { label: 'y', ...options }, 'sig.csv'),
      (e: Error) => {
        assert.ok(e instanceof DataError, e.message);
        assert.match(e.message, pattern);
        return true;
      },
    );
  bad(
    'a,b,y\n1,2,x\n3,NaN,x\n',
    /^sig\.csv: line 3, column 2 \("b"\): expected a number, found "NaN"$/,
  );
  bad('a,b,y\n1,,x\n', /line 2, column 2 \("b"\): expected a number, found an empty field/);
  bad('a,b,y\n1,two,x\n', /line 2, column 2 \("b"\): expected a number, found "two"/);
  bad('a,b,y\n1,inf,x\n', /found "inf"/);
  bad('a,b,y\n1,1e999,x\n', /found "1e999"/);
  bad('a,b,y\n1,2\n', /line 2: expected 3 fields, found 2/);
  bad(
    'a,b,y\n1,2,cow\n',
    /line 2, column 3 \("y"\): label "cow" is not one of the classes "cat", "dog"/,
    {
      classes: ['cat', 'dog'],
    },
  );
  bad('a,b,z\n1,2,x\n', /no label column "y" in the header \("a", "b", "z"\)/);
  bad('a,b,y\n', /no data rows/);
  bad('', /no rows/);
  bad('a,b,y\n"1,2,x\n', /line 2: a quoted field is not closed/);
  // Without a header, a text field in the first row is an error, not a header.
  assert.throws(
    () => parseSignalCsv('1,x,0\n', { label: -1 }, 'h.csv'),
    /h\.csv: line 1, column 2: expected a number, found "x"/,
  );
  assert.throws(
    () => parseSignalCsv('1,2,0\n', { label: 3 }, 'h.csv'),
    /label: expected a column index in \[-3, 3\), got 3/,
  );
  assert.throws(
    () => parseSignalCsv('1,2,0\n', { label: 'y', header: false }),
    /label: expected a column index when header is false/,
  );
});

test('loadSignalCsv reads a file and reports a missing one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tunebook-csv-'));
  try {
    const file = join(dir, 's.csv');
    await writeFile(file, 'y,a,b\nup,1,2\ndown,2,1\n');
    const set = await loadSignalCsv(file, { label: 0 });
    assert.deepEqual(set.classNames, ['down', 'up']);
    await assert.rejects(
      loadSignalCsv(join(dir, 'missing.csv'), { label: 0 }),
      /missing\.csv: no such file/,
    );
    await writeFile(file, 'y,a,b\nup,1,2\ndown,2,?\n');
    await assert.rejects(
      loadSignalCsv(file, { label: 0 }),
      new RegExp(`${file}: line 3, column 3`),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
