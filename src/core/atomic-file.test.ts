import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TEMP_PREFIX, writeFileAtomically } from './atomic-file.js';
import { DataError } from './errors.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'tunebook-atomic-'));

test('writes text and bytes whole, replacing the old file and leaving no temporary file', () => {
  const dir = fresh();
  const file = join(dir, 'report.html');
  writeFileSync(file, 'old');
  writeFileAtomically(file, 'new text');
  assert.equal(readFileSync(file, 'utf8'), 'new text');
  writeFileAtomically(file, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...readFileSync(file)], [1, 2, 3]);
  assert.deepEqual(readdirSync(dir), ['report.html']);
});

test('a temporary folder of the caller holds the temporary file, named with the sweepable prefix', () => {
  const dir = fresh();
  const out = join(dir, 'class-a');
  mkdirSync(out);
  writeFileAtomically(join(out, 'x.png'), new Uint8Array(10), { tempDir: dir });
  assert.deepEqual(readdirSync(out), ['x.png']);
  assert.deepEqual(readdirSync(dir), ['class-a']);
  assert.ok(TEMP_PREFIX.startsWith('.'));
});

test('a missing folder or a folder in the way is one DataError naming the file; nothing is left', () => {
  const dir = fresh();
  const missing = join(dir, 'nope', 'report.html');
  assert.throws(
    () => writeFileAtomically(missing, 'x'),
    (error: unknown) =>
      error instanceof DataError &&
      error.message ===
        `${missing}: cannot write the file: the folder ${join(dir, 'nope')} does not exist`,
  );
  mkdirSync(join(dir, 'taken'));
  assert.throws(() => writeFileAtomically(join(dir, 'taken'), 'x'), /taken: cannot write the file/);
  assert.deepEqual(readdirSync(dir), ['taken']);
});
