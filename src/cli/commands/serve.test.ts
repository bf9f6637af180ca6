/**
 * `tunebook serve` as a user runs it, with a real study running beside it: the dashboard,
 * open in Chromium, follows the study without a reload (trials finished go up, verdicts
 * appear, curves are drawn); 100 hostile paths get 400 or 404 and never a byte of a file;
 * other methods get 405 and the db is never written. Then the finished study's report, in
 * the browser: forest marks, the table against `verdicts --json`, a preview grid of real
 * augmented digits. Screenshots go to test-artifacts/ (report.png is the README's).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { FOREST_LABEL_PREFIX } from '../../report/charts/forest.js';
import { hostilePaths } from '../../report/dashboard/hostile-paths.js';
import { ARTIFACTS, launchChromium } from '../../report/test-helpers.js';
import { runInProcess, spawnCli } from '../../testing/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tunebook-serve-'));
const db = join(dir, 'live.db');
const SECRET = `secret-${process.pid}-${Date.now()}`;
writeFileSync(join(dir, 'secret.txt'), SECRET);
const HOSTILE = '<script>window.pwned=1</script>';
const STUDY = `
name: live
description: a small study watched live <b>in bold?</b>
data: { source: mnist, limit: 300 }
model: { name: small-cnn }
training: { epochs: 2, batchSize: 32, optimizer: { name: adam, lr: 0.002 } }
seeds: { minSeeds: 2, maxSeeds: 3 }
measures:
  - label: "rotation ${HOSTILE}"
    augment: [{ randomRotation: 20 }]
  - dropout: { rate: 0.5, where: before-classifier }
`;
const studyFile = join(dir, 'live.yaml');
writeFileSync(studyFile, STUDY);

let server: ChildProcess;
let base = '';
let port = 0;
let browser: Awaited<ReturnType<typeof launchChromium>>;

before(async () => {
  // The browser first, so the page is open before the study has finished anything.
  browser = await launchChromium();
  server = spawnCli(['serve', '--port', '0', '--db', db]);
  base = await new Promise<string>((resolve, reject) => {
    let text = '';
    server.stdout!.on('data', (c: Buffer) => {
      text += c.toString();
      const m = text.match(/dashboard on (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) resolve(m[1]);
    });
    server.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${text}`)));
  });
  port = Number(new URL(base).port);
});
after(async () => {
  await browser?.close();
  server?.kill('SIGINT');
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The page's document as browser callbacks see it (the project compiles without DOM types).
 * Callbacks are serialised into the page, so each casts `globalThis` itself.
 */
type PageGlobal = {
  document: {
    getElementById(id: string): { dataset: Record<string, string> } | null;
    querySelectorAll(selector: string): { length: number };
  };
};

const run = runInProcess;

/** A request written byte for byte, so nothing normalises the path on the way. */
function raw(target: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(text.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    socket.on('error', reject);
    socket.write(
      `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
      'latin1',
    );
  });
}

test('the dashboard follows a running study without a reload', async () => {
  const before = await fetch(base);
  assert.match(await before.text(), /No database at .*live\.db yet/);
  const study = spawnCli(['study', studyFile, '--db', db, '--workers', '2']);
  const finished = new Promise<number>((resolve) =>
    study.once('exit', (code) => resolve(code ?? 1)),
  );
  // Open the study's page as soon as the study is in the db.
  for (let i = 0; ; i++) {
    const r = await fetch(`${base}api/studies`);
    const names = ((await r.json()) as { studies: { name: string }[] }).studies.map((s) => s.name);
    if (names.includes('live')) break;
    assert.ok(i < 300, 'the study never appeared on the dashboard');
    await new Promise((r) => setTimeout(r, 100));
  }
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${base}study/live`);
  // A mark on the document: a reload would wipe it.
  await page.evaluate('window.sameDocument = true');
  const total = Number(await page.getAttribute('#trials-total', 'data-value'));
  const start = Number(await page.getAttribute('#trials-finished', 'data-value'));
  assert.ok(start < total, `the study had finished ${start} of ${total} before the page opened`);
  await page.waitForFunction(
    (n) =>
      Number(
        (globalThis as unknown as PageGlobal).document.getElementById('trials-finished')?.dataset
          .value,
      ) > n,
    start,
    { timeout: 60_000 },
  );
  // The curves follow once a trial has finished (unless the study is already over).
  await page.waitForSelector('#curves svg', { timeout: 20_000 });
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-running.png'), fullPage: true });
  assert.equal(await finished, 0, 'the study failed');
  await page.waitForFunction(
    () =>
      (globalThis as unknown as PageGlobal).document.querySelectorAll(
        '#verdicts table.verdicts tbody tr',
      ).length === 2,
    undefined,
    { timeout: 20_000 },
  );
  await page.waitForSelector('#curves svg', { timeout: 20_000 });
  assert.equal(await page.evaluate('window.sameDocument'), true, 'the page was reloaded');
  assert.equal(await page.getAttribute('body', 'data-state'), 'done');
  assert.equal(
    await page.getAttribute('#trials-finished', 'data-value'),
    await page.getAttribute('#trials-total', 'data-value'),
  );
  // The hostile label is text on the dashboard too.
  assert.equal(await page.evaluate('typeof window.pwned'), 'undefined');
  assert.ok((await page.textContent('#verdicts'))!.includes(`rotation ${HOSTILE}`));
  assert.deepEqual(errors, []);
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-done.png'), fullPage: true });
  await page.goto(base);
  assert.match((await page.textContent('table.studies'))!, /live\s*done/);
  await page.close();
});

test('100 hostile paths: 400 or 404, never a file; other methods 405; the db untouched', async () => {
  const fingerprint = () => createHash('sha256').update(readFileSync(db)).digest('hex');
  const before = fingerprint();
  const paths = hostilePaths('secret.txt');
  assert.equal(paths.length, 100);
  const system = readFileSync('/etc/passwd', 'utf8').split('\n')[0];
  const ownPackage = readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8');
  for (const target of paths) {
    const r = await raw(target);
    assert.ok([400, 404].includes(r.status), `${target.slice(0, 80)}: ${r.status}`);
    assert.ok(!r.body.includes(SECRET), `${target.slice(0, 80)} leaked the secret file`);
    assert.ok(!r.body.includes(system), `${target.slice(0, 80)} leaked /etc/passwd`);
    assert.ok(
      !r.body.includes(ownPackage.slice(0, 60)),
      `${target.slice(0, 80)} leaked package.json`,
    );
  }
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    const r = await raw('/study/live', method);
    assert.equal(r.status, 405, method);
  }
  assert.equal((await raw('/study/live')).status, 200);
  assert.equal(fingerprint(), before);
});

test("the finished study's report: forest marks and table as verdicts --json, real previews", async () => {
  const out = join(dir, 'report.html');
  const r = await run(['report', 'live', '--db', db, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse((await run(['verdicts', 'live', '--json', '--db', db])).stdout) as {
    arms: { arm: string; label: string; effect: number; verdict: string }[];
  };
  const page = await browser.context.newPage();
  const requests: string[] = [];
  page.on('request', (req) => requests.push(req.url()));
  await page.goto(pathToFileURL(out).href);
  const marks = await page.$$eval(`#forest [aria-label^="${FOREST_LABEL_PREFIX} "]`, (els) =>
    els.map((e) => e.getAttribute('aria-label')!),
  );
  assert.equal(marks.length, json.arms.length);
  const rows = await page.$$eval('table.verdicts tbody tr', (trs) =>
    trs.map((tr) => [tr.getAttribute('data-arm'), Number(tr.getAttribute('data-effect'))]),
  );
  assert.deepEqual(
    rows,
    json.arms.map((a) => [a.arm, a.effect]),
  );
  // The augmentation arm's grid: real digits, decoded by the browser from a data: URI.
  const size = await page.$eval('figure.preview[data-arm="m1-augment"] img', (img) => [
    (img as unknown as { naturalWidth: number }).naturalWidth,
    (img as unknown as { naturalHeight: number }).naturalHeight,
  ]);
  assert.ok(size[0] > 400 && size[1] > 300, `preview ${size.join('x')}`);
  assert.equal(await page.evaluate('typeof window.pwned'), 'undefined');
  assert.deepEqual(
    requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:')),
    [],
  );
  await page.setViewportSize({ width: 1280, height: 1500 });
  await page.screenshot({ path: join(ARTIFACTS, 'report.png') });
  await page.screenshot({ path: join(ARTIFACTS, 'report-full.png'), fullPage: true });
  // The dashboard serves the same report.
  await page.goto(`${base}study/live/report`);
  assert.equal(
    (await page.$$(`#forest [aria-label^="${FOREST_LABEL_PREFIX} "]`)).length,
    json.arms.length,
  );
  await page.goto(`${base}notebook`);
  assert.match((await page.textContent('h1'))!, /Tuning notebook/);
  await page.close();
});
