// The store's conformance suite against the SQLite engine: a db file per test (the suite
// opens the same database again as another process would; ':memory:' cannot be shared).
import { join } from 'node:path';
import { storeConformance } from './conformance/index.js';
import { openStore } from './index.js';
import type { Store } from './store.js';
import { tempDir } from './test-helpers.js';

storeConformance('sqlite', async (t, options = {}) => {
  const store: Store = await openStore(
    options.like ? options.like.file : join(tempDir(t), 'a.db'),
    { readonly: options.readonly },
  );
  return store;
});
