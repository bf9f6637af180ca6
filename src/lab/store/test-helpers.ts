/**
 * Helpers for the store tests: temporary folders removed after the test, file fingerprints
 * (to prove a refused database was not touched), and a small study to work on.
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
import type { ArmRow, Store, StudyRow } from './store.js';

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

export const CONFIG = { name: 'tiny', training: { epochs: 2, lr: Number.NaN } };

/** A study with a baseline and one measure arm. */
export async function smallStudy(
  store: Store,
  name = 'tiny',
): Promise<{ study: StudyRow; baseline: ArmRow; arm: ArmRow }> {
  const study = await store.createStudy({
    name,
    hash: `hash-${name}`,
    file: `${name}.yaml`,
    config: { ...CONFIG, name },
    environment: { backend: 'wasm', node: process.version },
  });
  const baseline = await store.upsertArm({
    studyId: study.id,
    key: 'baseline',
    label: 'baseline',
    kind: 'baseline',
    position: 0,
    measure: null,
    config: { dropout: null },
  });
  const arm = await store.upsertArm({
    studyId: study.id,
    key: 'm1-dropout',
    label: 'dropout 0.5',
    kind: 'dropout',
    position: 1,
    measure: { dropout: { rate: 0.5, where: 'before-classifier' } },
    config: { dropout: 0.5 },
  });
  return { study, baseline, arm };
}
