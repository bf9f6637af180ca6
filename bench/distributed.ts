/**
 * `npm run bench:distributed`: what the server store costs. One run, on fresh databases:
 *
 *   1. the study on SQLite, one process with 2 worker threads (the README's way);
 *   2. the same study on PostgreSQL (a throwaway local cluster, or TUNEBOOK_BENCH_PG_URL):
 *      a planner that only plans (`--workers 0`) and two `tunebook worker` processes of one
 *      thread each, the way several machines would run it;
 *   3. claim latency, p50/p95 of 1,000 claims, on both engines;
 *
 * then whether the verdicts agree, and last `distributed ratio: R` = (1)'s wall time over
 * (2)'s (target >= 0.95: the server store and the claim protocol cost at most 5%).
 *
 * `-- --small` runs bench/study-small.yaml (minutes instead of most of an hour), `-- --study
 * <file>` any study.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { openStore } from '../src/lab/store/index.js';
import { startPostgres } from '../src/testing/postgres-cluster.js';
import { formatLatency, measureClaims } from './claims.js';
import { BIN, ensureBackbone, STUDY } from './study-args.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(cliArgs: string[]): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [BIN, ...cliArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<Run>((res) =>
    child.on('close', (code) => res({ code, stdout, stderr })),
  );
  return { child, done };
}

async function cli(cliArgs: string[]): Promise<Run> {
  const r = await start(cliArgs).done;
  if (r.code !== 0) throw new Error(`tunebook ${cliArgs[0]} failed (${r.code}): ${r.stderr}`);
  return r;
}

/** Every arm's verdict, the negative control's too. */
async function verdicts(db: string, name: string): Promise<Record<string, string>> {
  const json = JSON.parse((await cli(['verdicts', name, '--json', '--db', db])).stdout) as {
    arms: { arm: string; verdict: string }[];
    control?: { verdict: string } | null;
  };
  const out = Object.fromEntries(json.arms.map((a) => [a.arm, a.verdict]));
  if (json.control) out.control = json.control.verdict;
  return out;
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const value = await fn();
  return [(performance.now() - t0) / 1000, value];
}

/** Runs the shared study; returns how many trials each worker process finished. */
async function sharedRun(url: string, name: string): Promise<number[]> {
  const planner = start(['study', STUDY, '--db', url, '--workers', '0']);
  const workers = [0, 1].map(() =>
    start(['worker', '--db', url, '--workers', '1', '--study', name]),
  );
  const [plan, ...rest] = await Promise.all([planner.done, ...workers.map((w) => w.done)]);
  if (plan.code !== 0) throw new Error(`planner failed (${plan.code}): ${plan.stderr}`);
  for (const [i, w] of rest.entries())
    if (w.code !== 0) throw new Error(`worker ${i + 1} failed (${w.code}): ${w.stderr}`);
  return rest.map((w) => w.stdout.match(/^done /gm)?.length ?? 0);
}

const dir = mkdtempSync(join(tmpdir(), 'tunebook-bench-distributed-'));
const given = process.env.TUNEBOOK_BENCH_PG_URL;
const cluster = given ? null : await startPostgres(null);
try {
  ensureBackbone();
  const name = (parse(readFileSync(STUDY, 'utf8')) as { name: string }).name;
  console.log(`bench:distributed on ${STUDY}`);

  const sqlite = join(dir, 'one.db');
  const [local] = await timed(() => cli(['study', STUDY, '--db', sqlite, '--workers', '2']));
  console.log(`sqlite, one process, 2 workers: ${local.toFixed(1)} s`);

  const url = given ?? (await cluster!.createDatabase('bench_distributed'));
  const [shared, done] = await timed(() => sharedRun(url, name));
  const pg = await openStore(url);
  try {
    console.log(
      `postgres, planner + 2 worker processes of 1 thread: ${shared.toFixed(1)} s (trials finished by each: ${done.join(', ')})`,
    );
    const same =
      JSON.stringify(await verdicts(sqlite, name)) === JSON.stringify(await verdicts(url, name));
    console.log(`same verdicts: ${same ? 'yes' : 'NO'}`);
    if (!same) process.exitCode = 1;
    const lite = await openStore(join(dir, 'claims.db'));
    try {
      console.log(formatLatency('sqlite', await measureClaims(lite, 1000)));
    } finally {
      await lite.close();
    }
    console.log(formatLatency('postgres', await measureClaims(pg, 1000)));
  } finally {
    await pg.close();
  }
  console.log(`distributed ratio: ${(local / shared).toFixed(2)}`);
} finally {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
}
