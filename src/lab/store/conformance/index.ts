/**
 * The store's written contract as tests, run against every engine: `storeConformance(name,
 * open)` registers them with node:test.
 *
 * @example
 *   storeConformance('sqlite', async (t) => openStore(join(tempDir(t), 'a.db')));
 */
import { claimsConformance } from './claims.js';
import type { OpenStore } from './fixtures.js';
import { recordsConformance } from './records.js';

export type { OpenStore } from './fixtures.js';

/** `skip`: a reason to skip every test (e.g. no PostgreSQL server on this machine). */
export function storeConformance(name: string, open: OpenStore, skip?: string): void {
  recordsConformance(name, open, skip);
  claimsConformance(name, open, skip);
}
