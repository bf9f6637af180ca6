import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, UsageError } from '../core/errors.js';
import { parseArgs } from './args.js';

const specs = {
  epochs: { type: 'int', min: 1 },
  lr: { type: 'number', min: 0, max: 1, exclusiveMin: true },
  model: { type: 'string', choices: ['a', 'b'] },
  json: { type: 'boolean' },
} as const;

test('parses values in both forms, booleans and positionals', () => {
  const { flags, positionals } = parseArgs(
    ['x', '--epochs', '3', '--lr=0.5', '--json', 'y'],
    specs,
    't',
  );
  assert.deepEqual(flags, { epochs: 3, lr: 0.5, json: true });
  assert.deepEqual(positionals, ['x', 'y']);
});

test('unknown and malformed flags are usage errors naming the flag', () => {
  assert.throws(
    () => parseArgs(['--nope'], specs, 't'),
    (e: unknown) => e instanceof UsageError && /--nope/.test(e.message),
  );
  assert.throws(() => parseArgs(['-x'], specs, 't'), UsageError);
  assert.throws(() => parseArgs(['--epochs'], specs, 't'), /--epochs needs a value/);
  assert.throws(() => parseArgs(['--json=1'], specs, 't'), /takes no value/);
});

test('bad values name the field, what was expected and what was received', () => {
  assert.throws(
    () => parseArgs(['--epochs', '2.5'], specs, 't'),
    (e: unknown) =>
      e instanceof ConfigError && e.message === '--epochs: expected an integer >= 1, got "2.5"',
  );
  assert.throws(
    () => parseArgs(['--epochs', '0'], specs, 't'),
    /expected an integer >= 1, got "0"/,
  );
  assert.throws(
    () => parseArgs(['--lr', '0'], specs, 't'),
    /--lr: expected a number in \(0, 1\], got "0"/,
  );
  assert.throws(() => parseArgs(['--lr', 'NaN'], specs, 't'), /got "NaN"/);
  assert.throws(
    () => parseArgs(['--model', 'c'], specs, 't'),
    /--model: expected one of a, b, got "c"/,
  );
});
