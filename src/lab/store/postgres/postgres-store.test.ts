// The store's conformance suite against a real PostgreSQL server: a throwaway cluster for
// this file, a new database per test.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, type TestContext, test } from 'node:test';
import {
  type PostgresCluster,
  postgresUnavailable,
  startPostgres,
} from '../../../testing/postgres-cluster.js';
import { storeConformance } from '../conformance/index.js';
import type { Store } from '../store.js';
import { smallStudy } from '../test-helpers.js';
import { openPostgresStore } from './index.js';

const skip = postgresUnavailable();
let cluster: PostgresCluster;
// store.file is the URL without its password: the suite's "same database" goes through this.
const urls = new Map<string, string>();

before(async () => {
  if (!skip) cluster = await startPostgres(null);
});
after(() => cluster?.stop());

/** A new database holding the small study, its store closed after the test; `arm` its baseline. */
async function studyInNewDatabase(t: TestContext) {
  const url = await cluster.createDatabase();
  const store = await openPostgresStore(url);
  t.after(() => store.close());
  const { study, baseline } = await smallStudy(store);
  return { url, store, study, arm: baseline };
}

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
  async (t) => {
    const { url, store, arm } = await studyInNewDatabase(t);
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
  },
);

test(
  'leases run on the server’s clock: a claimant whose clock is hours off changes nothing',
  { skip },
  async (t) => {
    const { url, store, study, arm } = await studyInNewDatabase(t);
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
    for (const x of await store.trials(study.id)) {
      assert.equal(x.state, 'running');
      const left = Date.parse(x.leaseUntil!) - Date.now();
      assert.ok(left > 30_000 && left <= 61_000, `${x.worker}: ${left} ms left`);
    }
  },
);
