/**
 * `tunebook report` and `tunebook notebook --html` through the CLI's `main` (the command
 * line's own dispatch and error handling, in-process for speed), and the report in a
 * real browser (Chromium through playwright-core, from a file:// URL): one forest mark per
 * measure, the table matching `verdicts --json`, nothing fetched from anywhere, hostile
 * labels shown as text. Bad input exits 2 with one line. Screenshots go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { openStore } from '../../lab/store/open.js';
import { FOREST_LABEL_PREFIX } from '../../report/charts/forest.js';
import { ARTIFACTS, launchChromium, syntheticStudy } from '../../report/test-helpers.js';
import { runInProcess } from '../../testing/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tunebook-report-cli-'));
const db = join(dir, 'studies.db');
const HOSTILE = '<script>window.pwned=1</script>';
let browser: Awaited<ReturnType<typeof launchChromium>>;

before(async () => {
  const store = await openStore(db);
  await syntheticStudy(store, {
    name: 'synthetic',
    arms: 6,
    seeds: 5,
    epochs: 12,
    labels: [`rotation ${HOSTILE}`, 'dropout 0.5', 'step decay', 'extra dense', 'label smoothing'],
    augment: true,
  });
  await syntheticStudy(store, { name: 'unfinished', arms: 2, seeds: 3, epochs: 4, unfinished: 2 });
  await store.addNote({ measure: 'set', text: `seen it ${HOSTILE}` });
  await store.close();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = runInProcess;

interface JsonArm {
  arm: string;
  label: string;
  verdict: string;
  effect: number;
  lo: number;
  hi: number;
  seeds: number;
  timeRatio: number | null;
  parameters: number | null;
  epochsToBaseline: number | null;
}

const points = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;

test('the report in Chromium: one forest mark per measure, the table as verdicts --json', async () => {
  const out = join(dir, 'report.html');
  const r = await run(['report', 'synthetic', '--db', db, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /wrote .*report\.html \(\d\.\d\d MB\): study synthetic, 7 arms, 35 of 35/);
  const json = await run(['verdicts', 'synthetic', '--json', '--db', db]);
  assert.equal(json.code, 0, json.stderr);
  const arms = (JSON.parse(json.stdout) as { arms: JsonArm[] }).arms;

  const page = await browser.context.newPage();
  const requests: string[] = [];
  page.on('request', (req) => requests.push(req.url()));
  await page.goto(pathToFileURL(out).href);
  const labels = await page.$$eval(`#forest [aria-label^="${FOREST_LABEL_PREFIX} "]`, (els) =>
    els.map((e) => e.getAttribute('aria-label')),
  );
  assert.equal(labels.length, arms.length);
  arms.forEach((a, i) => {
    assert.ok(
      labels[i]!.startsWith(
        `${FOREST_LABEL_PREFIX} ${a.label}: ${a.verdict}, ${points(a.effect)} points`,
      ),
      labels[i]!,
    );
  });
  const rows = await page.$$eval('table.verdicts tbody tr', (trs) =>
    trs.map((tr) => ({
      data: { ...(tr as unknown as { dataset: Record<string, string> }).dataset },
      cells: [...tr.querySelectorAll('td')].map((td) => td.textContent),
    })),
  );
  assert.equal(rows.length, arms.length);
  rows.forEach((row, i) => {
    const a = arms[i];
    assert.equal(row.data.arm, a.arm);
    assert.equal(Number(row.data.effect), a.effect);
    assert.equal(Number(row.data.lo), a.lo);
    assert.equal(Number(row.data.hi), a.hi);
    assert.deepEqual(row.cells, [
      a.label,
      points(a.effect),
      `[${points(a.lo)}, ${points(a.hi)}]`,
      String(a.seeds),
      a.verdict,
      a.timeRatio === null ? 'n/a' : `${a.timeRatio.toFixed(2)}x`,
      a.parameters === null ? 'n/a' : a.parameters.toLocaleString('en-US'),
      a.epochsToBaseline === null ? 'never' : a.epochsToBaseline.toFixed(1),
    ]);
  });
  // Hostile text is text; nothing ran, nothing was fetched but the file itself.
  assert.equal(await page.evaluate('typeof window.pwned'), 'undefined');
  assert.ok((await page.textContent('table.verdicts'))!.includes(`rotation ${HOSTILE}`));
  assert.deepEqual(
    requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:')),
    [],
  );
  // The colour of a verdict is the one the palette gives it, in the table and the plot.
  const effective = await page.evaluate(
    "getComputedStyle(document.querySelector('.verdict-effective')).borderColor",
  );
  assert.equal(effective, 'rgb(0, 158, 115)');
  await page.screenshot({ path: join(ARTIFACTS, 'report-synthetic.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: join(ARTIFACTS, 'report-synthetic-dark.png') });
  await page.emulateMedia({ media: 'print', colorScheme: 'light' });
  assert.equal(
    await page.evaluate('getComputedStyle(document.documentElement).backgroundColor'),
    'rgb(255, 255, 255)',
  );
  await page.close();
});

test('a running study gives a partial report; unknown studies and empty dbs exit 2', async () => {
  const out = join(dir, 'partial.html');
  const r = await run(['report', 'unfinished', '--db', db, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /the report is partial/);
  const page = await browser.context.newPage();
  await page.goto(pathToFileURL(out).href);
  assert.match(
    (await page.textContent('#partial'))!,
    /Partial report\. The study is still running/,
  );
  await page.screenshot({ path: join(ARTIFACTS, 'report-partial.png') });
  await page.close();

  const empty = join(dir, 'empty.db');
  (await openStore(empty)).close();
  const zero = join(dir, 'zero.db');
  writeFileSync(zero, '');
  const cases: [string[], RegExp][] = [
    [['report', 'nope', '--db', db], /no study "nope" \(studies: synthetic, unfinished\)/],
    [['report', 'x', '--db', empty], /no study "x": the db has no studies yet/],
    [['report', 'x', '--db', zero], /zero\.db: not a tunebook database \(an empty file\)/],
    [['report', 'x', '--db', join(dir, 'missing.db')], /missing\.db: no such database file/],
    [['report', '--db', db], /report: expected one study name/],
    [
      ['report', 'synthetic', '--db', db, '--out', join(dir, 'no', 'such', 'r.html')],
      /r\.html: cannot write the file: the folder .* does not exist/,
    ],
  ];
  for (const [args, pattern] of cases) {
    const c = await run(args);
    assert.equal(c.code, 2, `${args.join(' ')}: ${c.stderr}`);
    assert.match(c.stderr, pattern);
    assert.equal(c.stderr.trim().split('\n').length, 1, c.stderr);
  }
  assert.equal(existsSync(join(dir, 'report.html.tmp')), false);
});

test('notebook --html: the same style, notes as text', async () => {
  const out = join(dir, 'notebook.html');
  const r = await run(['notebook', '--html', '--out', out, '--db', db]);
  assert.equal(r.code, 0, r.stderr);
  const text = readFileSync(out, 'utf8');
  assert.ok(!text.includes('<script'));
  const page = await browser.context.newPage();
  await page.goto(pathToFileURL(out).href);
  assert.equal(await page.textContent('h1'), 'Tuning notebook');
  assert.ok((await page.textContent('.notes'))!.includes(`seen it ${HOSTILE}`));
  assert.equal(await page.evaluate('typeof window.pwned'), 'undefined');
  await page.screenshot({ path: join(ARTIFACTS, 'notebook.png'), fullPage: true });
  await page.close();
  assert.equal((await run(['notebook', '--html', '--json', '--db', db])).code, 2);
});
