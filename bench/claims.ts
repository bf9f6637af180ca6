/**
 * Claim latency: how long `claimTrial` takes, one claim after another, on a queue of n
 * trials, for SQLite (a db file) and PostgreSQL (a throwaway local cluster, or the server
 * at TUNEBOOK_BENCH_PG_URL). `measureClaims` is the measurement, for bench:distributed too.
 *
 *   node dist/bench/claims.js [n]
 *   claims sqlite: 1000 claims, p50 X ms, p95 Y ms
 *   claims postgres: 1000 claims, p50 X ms, p95 Y ms
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openStore } from '../src/lab/store/index.js';
import { openPostgresStore } from '../src/lab/store/postgres/index.js';
import type { Store } from '../src/lab/store/store.js';
import { startPostgres } from '../src/testing/postgres-cluster.js';

export interface ClaimLatency {
  n: number;
  p50: number;
  p95: number;
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * Queues n trials in a study of its own (10 arms, one transaction), then claims them one by
 * one and times each claim (ms). The study is deleted afterwards.
 */
export async function measureClaims(store: Store, n = 1000): Promise<ClaimLatency> {
  const name = `claims-bench-${process.pid}-${Date.now()}`;
  const study = await store.createStudy({
    name,
    hash: 'h',
    file: 'f',
    config: {},
    environment: {},
  });
  try {
    const arms = 10;
    await store.transaction(async (tx) => {
      for (let a = 0; a < arms; a++) {
        const arm = await tx.upsertArm({
          studyId: study.id,
          key: a === 0 ? 'baseline' : `m${a}`,
          label: `arm ${a}`,
          kind: a === 0 ? 'baseline' : 'measure',
          position: a,
          measure: null,
          config: { arm: a },
        });
        for (let s = a; s < n; s += arms) await tx.ensureTrial(arm.id, Math.floor(s / arms));
      }
    });
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const start = performance.now();
      const claimed = await store.claimTrial({
        worker: `bench:${process.pid}:${i}`,
        host: 'bench',
        leaseMs: 60_000,
        studyId: study.id,
      });
      times.push(performance.now() - start);
      if (!claimed) throw new Error(`claim ${i + 1} of ${n} found nothing queued`);
    }
    times.sort((a, b) => a - b);
    return { n, p50: percentile(times, 50), p95: percentile(times, 95) };
  } finally {
    await store.deleteStudy(name);
  }
}

export const formatLatency = (engine: string, l: ClaimLatency) =>
  `claims ${engine}: ${l.n} claims, p50 ${l.p50.toFixed(2)} ms, p95 ${l.p95.toFixed(2)} ms`;

async function main(n: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tunebook-bench-claims-'));
  let failed = false;
  try {
    const sqlite = await openStore(join(dir, 'claims.db'));
    try {
      console.log(formatLatency('sqlite', await measureClaims(sqlite, n)));
    } catch (e) {
      failed = true;
      console.log(`claims sqlite: failed (${(e as Error).message})`);
    } finally {
      await sqlite.close();
    }
    const given = process.env.TUNEBOOK_BENCH_PG_URL;
    const cluster = given ? null : await startPostgres(null);
    try {
      const url = given ?? (await cluster!.createDatabase('claims_bench'));
      const pg = await openPostgresStore(url);
      try {
        console.log(formatLatency('postgres', await measureClaims(pg, n)));
      } finally {
        await pg.close();
      }
    } finally {
      await cluster?.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (failed) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv[2] ?? 1000);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`claims bench: n must be a whole number >= 1, got ${process.argv[2]}`);
    process.exit(2);
  }
  await main(n);
}
