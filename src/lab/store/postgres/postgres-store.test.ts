// The store's conformance suite against a real PostgreSQL server: a throwaway cluster for
// this file, a new database per test.
import { after, before } from 'node:test';
import {
  type PostgresCluster,
  postgresUnavailable,
  startPostgres,
} from '../../../testing/postgres-cluster.js';
import { storeConformance } from '../conformance/index.js';
import type { Store } from '../store.js';
import { openPostgresStore } from './index.js';

const skip = postgresUnavailable();
let cluster: PostgresCluster;
// store.file is the URL without its password: the suite's "same database" goes through this.
const urls = new Map<string, string>();

before(async () => {
  if (!skip) cluster = await startPostgres(null);
});
after(() => cluster?.stop());

storeConformance(
  'postgres',
  async (_t, options = {}) => {
    const url = options.like ? urls.get(options.like.file)! : await cluster.createDatabase();
    const store: Store = await openPostgresStore(url, { readonly: options.readonly });
    urls.set(store.file, url);
    return store;
  },
  skip,
);
