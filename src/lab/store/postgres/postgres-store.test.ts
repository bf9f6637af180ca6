// The store's conformance suite against a real PostgreSQL server: a throwaway cluster for
// this file, a new database per test.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
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

test(
  'processes on the same server claiming at once never take the same trial',
  { skip },
  async () => {
    const url = await cluster.createDatabase();
    const store = await openPostgresStore(url);
    try {
      const study = await store.createStudy({
        name: 's',
        hash: 'h',
        file: 'f',
        config: {},
        environment: {},
      });
      const arm = await store.upsertArm({
        studyId: study.id,
        key: 'baseline',
        label: 'baseline',
        kind: 'baseline',
        position: 0,
        measure: null,
        config: {},
      });
      await store.transaction(async (tx) => {
        for (let seed = 0; seed < 60; seed++) await tx.ensureTrial(arm.id, seed);
      });
      const module = new URL('./index.js', import.meta.url).href;
      const script = `
      const { openPostgresStore } = await import(${JSON.stringify(module)});
      const store = await openPostgresStore(process.env.TB_URL);
      const got = [];
      for (;;) {
        const c = await store.claimTrial({ worker: 'p' + process.pid, host: 'h', leaseMs: 60000 });
        if (!c) break;
        got.push(c.id);
      }
      await store.close();
      console.log(JSON.stringify(got));
    `;
      const run = () =>
        new Promise<number[]>((resolve, reject) =>
          execFile(
            process.execPath,
            ['--input-type=module', '-e', script],
            { env: { ...process.env, TB_URL: url } },
            (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout))),
          ),
        );
      const [a, b, c] = await Promise.all([run(), run(), run()]);
      const all = [...a, ...b, ...c];
      assert.equal(all.length, 60);
      assert.equal(new Set(all).size, 60);
      // How they split depends on start-up timing: not asserted, so the test cannot flake.
    } finally {
      await store.close();
    }
  },
);

test(
  'leases run on the server’s clock: a claimant whose clock is hours off changes nothing',
  { skip },
  async () => {
    const url = await cluster.createDatabase();
    const store = await openPostgresStore(url);
    try {
      const study = await store.createStudy({
        name: 's',
        hash: 'h',
        file: 'f',
        config: {},
        environment: {},
      });
      const arm = await store.upsertArm({
        studyId: study.id,
        key: 'baseline',
        label: 'baseline',
        kind: 'baseline',
        position: 0,
        measure: null,
        config: {},
      });
      for (const seed of [0, 1]) await store.ensureTrial(arm.id, seed);
      const module = new URL('./index.js', import.meta.url).href;
      // Machines whose clocks are two hours ahead and two hours behind claim a minute's lease.
      const claimWithSkew = (skewMs: number) =>
        new Promise<void>((resolve, reject) =>
          execFile(
            process.execPath,
            [
              '--input-type=module',
              '-e',
              `const real = Date.now; Date.now = () => real() + ${skewMs};
             const RealDate = Date;
             globalThis.Date = class extends RealDate { constructor(...a) { super(...(a.length ? a : [Date.now()])); } };
             globalThis.Date.now = () => real() + ${skewMs};
             const { openPostgresStore } = await import(${JSON.stringify(module)});
             const store = await openPostgresStore(process.env.TB_URL);
             const c = await store.claimTrial({ worker: 'skew${skewMs}', host: 'h', leaseMs: 60000 });
             if (!c) throw new Error('nothing claimed');
             await store.close();`,
            ],
            { env: { ...process.env, TB_URL: url } },
            (error) => (error ? reject(error) : resolve()),
          ),
        );
      await claimWithSkew(2 * 3600_000);
      await claimWithSkew(-2 * 3600_000);
      // Neither lease lapsed, and both end a minute after now by this machine's clock.
      assert.equal(await store.expireLeases(), 0);
      for (const t of await store.trials(study.id)) {
        assert.equal(t.state, 'running');
        const left = Date.parse(t.leaseUntil!) - Date.now();
        assert.ok(left > 30_000 && left <= 61_000, `${t.worker}: ${left} ms left`);
      }
    } finally {
      await store.close();
    }
  },
);
