/**
 * Helpers for the store tests: temporary folders removed after the test, file fingerprints
 * (to prove a refused database was not touched), the tables of a database, and a small study
 * to work on.
 *
 * @example
 *   const dir = tempDir(t);
 *   const before = fingerprint(file);
 *   await assert.rejects(openStore(file), StoreError);
 *   assert.equal(fingerprint(file), before);
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'tunebook-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** SHA-256 of the file's bytes, or null when it does not exist. */
export function fingerprint(file: string): string | null {
  if (!existsSync(file)) return null;
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** The tables of a tunebook database, the same on every engine. */
export const TABLES = [
  'arms',
  'checkpoints',
  'epochs',
  'meta',
  'notes',
  'studies',
  'trials',
  'verdicts',
];

// The small study lives with the conformance suite (shipped-side code may not import a
// test-only file, so the import goes this way).
export { CONFIG, smallStudy } from './conformance/fixtures.js';
