/**
 * `npm run bench:report`: how fast the report and the dashboard are on large studies.
 *
 * 1. A synthetic study written through the Store API, 20 measure arms + the baseline x 8
 *    seeds x 30 epochs (10 classes: recall and confusion matrices too): the time to render
 *    its report in a fresh process's first call (Vega loads on it), a second warm render,
 *    `tunebook report` end to end, and the report's size.
 * 2. A study of 1,000 trials (25 arms x 40 seeds x 30 epochs) in a db file, served by the
 *    dashboard: 200 sequential local requests to its study page, p50 and p95.
 *
 * Figures last, with the limits (3 s, 2 MB, p95 100 ms); exit code 1 if one is over:
 *
 *   report: 20 arms + baseline x 8 seeds x 30 epochs rendered in X s (limit 3 s), Y MB (limit 2 MB)
 *   dashboard study page, 1,000 trials: p95 Z ms over 200 requests (limit 100 ms)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { notebookEntries } from '../src/lab/notebook.js';
import { openStore } from '../src/lab/store/open.js';
import { startDashboard } from '../src/report/dashboard/server.js';
import { renderStudyReport } from '../src/report/study-report.js';
import { syntheticStudy } from '../src/report/test-helpers.js';

const BIN = fileURLToPath(new URL('../../bin/tunebook.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tunebook-bench-report-'));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

try {
  // 1. The report.
  const reportDb = join(dir, 'report.db');
  const writer = await openStore(reportDb);
  let t = performance.now();
  await syntheticStudy(writer, { name: 'big', arms: 20, seeds: 8, epochs: 30, augment: true });
  console.log(
    `stored 21 arms x 8 seeds x 30 epochs in ${((performance.now() - t) / 1000).toFixed(2)} s`,
  );
  t = performance.now();
  const text = await renderStudyReport(writer, 'big');
  const cold = (performance.now() - t) / 1000;
  t = performance.now();
  await renderStudyReport(writer, 'big');
  const warm = (performance.now() - t) / 1000;
  await writer.close();
  const bytes = Buffer.byteLength(text);
  console.log(
    `report render: first ${cold.toFixed(2)} s (Vega loads), second ${warm.toFixed(2)} s`,
  );
  const out = join(dir, 'report.html');
  t = performance.now();
  const cli = spawnSync(process.execPath, [BIN, 'report', 'big', '--db', reportDb, '--out', out], {
    encoding: 'utf8',
  });
  if (cli.status !== 0) throw new Error(`tunebook report failed: ${cli.stderr}`);
  const wall = (performance.now() - t) / 1000;
  console.log(
    `tunebook report end to end (process start, db read, MNIST preview, write): ${wall.toFixed(2)} s, ${(statSync(out).size / 1e6).toFixed(2)} MB`,
  );

  // 2. The dashboard.
  const dashDb = join(dir, 'dashboard.db');
  const store = await openStore(dashDb);
  t = performance.now();
  await syntheticStudy(store, { name: 'thousand', arms: 24, seeds: 40, epochs: 30 });
  const trials = (await store.trials((await store.findStudy('thousand'))!.id)).length;
  await store.close();
  console.log(`stored ${trials} trials in ${((performance.now() - t) / 1000).toFixed(2)} s`);
  const dashboard = await startDashboard({
    db: dashDb,
    port: 0,
    notebook: async (s) => notebookEntries(await s.allVerdicts(), await s.notes()),
  });
  const times: number[] = [];
  let size = 0;
  try {
    const url = `${dashboard.url}study/thousand`;
    for (let i = 0; i < 10; i++) await (await fetch(url)).text();
    for (let i = 0; i < 200; i++) {
      const start = performance.now();
      const r = await fetch(url);
      const body = await r.text();
      times.push(performance.now() - start);
      if (r.status !== 200) throw new Error(`study page: HTTP ${r.status}`);
      size = body.length;
    }
  } finally {
    await dashboard.close();
  }
  times.sort((a, b) => a - b);
  const p95 = percentile(times, 95);
  console.log(
    `dashboard study page (${(size / 1e3).toFixed(0)} kB): p50 ${percentile(times, 50).toFixed(1)} ms, ` +
      `max ${times[times.length - 1].toFixed(1)} ms`,
  );
  const over = cold >= 3 || bytes >= 2e6 || p95 >= 100;
  console.log(
    `report: 20 arms + baseline x 8 seeds x 30 epochs rendered in ${cold.toFixed(2)} s (limit 3 s), ` +
      `${(bytes / 1e6).toFixed(2)} MB (limit 2 MB)`,
  );
  console.log(
    `dashboard study page, ${trials.toLocaleString('en-US')} trials: p95 ${p95.toFixed(1)} ms over 200 requests (limit 100 ms)`,
  );
  if (over) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
