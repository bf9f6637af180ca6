/**
 * The HTML report and notebook page, without a browser: self-contained (no fetch of any
 * kind), every user text escaped, one forest mark per measure, unique element ids across
 * the inline SVGs, a partial study said to be partial, clear errors for an unknown study or
 * an empty db; and the lr-find PNG through the same Vega-Lite path.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { notebookEntries } from '../lab/notebook.js';
import { openStore } from '../lab/store/open.js';
import { FOREST_LABEL_PREFIX } from './charts/forest.js';
import { UnknownStudyError } from './errors.js';
import { escapeHtml, html, raw } from './html.js';
import { writePlotPng } from './line-plot.js';
import { notebookHtml } from './notebook-html.js';
import { renderStudyReport } from './study-report.js';
import { syntheticStudy } from './test-helpers.js';
import { verdictLines } from './verdict-rows.js';

const HOSTILE = '<script>window.pwned=1</script><img src=x onerror=alert(1)>';
const dir = mkdtempSync(join(tmpdir(), 'tunebook-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const store = await openStore(':memory:');
await syntheticStudy(store, {
  name: `s${HOSTILE}`,
  arms: 5,
  seeds: 4,
  epochs: 6,
  labels: [HOSTILE, 'second', 'second', '"quoted" & <b>bold</b>', 'fifth'],
  augment: true,
});
await syntheticStudy(store, { name: 'running', arms: 3, seeds: 3, epochs: 4, unfinished: 2 });
await store.addNote({ measure: 'set', text: `careful ${HOSTILE}` });

/** Every place a page could make the browser fetch something. */
function fetches(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/\b(?:src|href|action|poster|data)\s*=\s*"([^"]*)"/gi))
    if (!m[1].startsWith('data:') && !m[1].startsWith('#')) found.push(m[0]);
  for (const m of text.matchAll(/url\(\s*['"]?([^'")]*)/gi))
    if (!m[1].startsWith('#') && !m[1].startsWith('data:')) found.push(m[0]);
  for (const m of text.matchAll(
    /@import|<link(?![^>]*rel="icon")|<script|<iframe|<object|<embed/gi,
  ))
    found.push(m[0]);
  return found;
}

test('html escapes every interpolated value unless it is marked raw', async () => {
  assert.equal(
    escapeHtml(`<a href="x">'&'</a>`),
    '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
  );
  assert.equal(html`<p>${HOSTILE}</p>`.text.includes('<script'), false);
  assert.equal(
    html`<p>${raw('<br>')}${[1, null, undefined, false, 'x']}</p>`.text,
    '<p><br>1x</p>',
  );
});

test('a report is self-contained, escapes everything, and has one forest mark per measure', async () => {
  const name = `s${HOSTILE}`;
  const text = await renderStudyReport(store, name);
  assert.deepEqual(fetches(text), []);
  // (Attribute quotes are escaped; the browser reads `default-src 'none'`.)
  assert.ok(
    text.includes('<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;'),
    'CSP meta',
  );
  assert.ok(!text.includes('<script') && !text.includes('<img src=x'), 'raw user markup');
  assert.ok(text.includes('&lt;script&gt;window.pwned=1&lt;/script&gt;'));
  assert.ok(text.includes('&quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;'));
  const lines = await verdictLines(store, (await store.findStudy(name))!);
  const marks = text.match(new RegExp(`aria-label="${FOREST_LABEL_PREFIX} `, 'g')) ?? [];
  assert.equal(marks.length, lines.length);
  // Two arms labelled 'second' still get a row each.
  assert.ok(text.includes(`aria-label="${FOREST_LABEL_PREFIX} second (2):`));
  const ids = [...text.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length, 'duplicate element ids');
  for (const section of [
    'verdicts',
    'forest',
    'curves',
    'lr',
    'classes',
    'confusion',
    'cost',
    'trials',
    'reproduce',
  ])
    assert.ok(ids.includes(section), section);
  // The augmentation arm gets a preview section, which says why there is no grid here.
  assert.ok(/Augmentation previews[\s\S]*No preview: previews were not made/.test(text), 'preview');
  assert.ok(!text.includes('id="partial"'));
  // What the intervals are: adaptive looks at 3 to maxSeeds seeds, each at 95%.
  assert.match(
    text,
    /95% interval \(95% at each of up to \d+ looks \(3-\d+ seeds\); a measure with no effect ends effective or harmful up to \d+% of the time/,
  );
});

test('a running study: the report says it is partial and has no verdicts yet', async () => {
  const text = await renderStudyReport(store, 'running');
  assert.ok(
    /id="partial"[^>]*><strong>Partial report\.<\/strong> The study is still running/.test(text),
    'partial banner',
  );
  assert.ok(
    /No verdicts yet: they are computed when the study finishes \(\d+ of 12 trials finished\)/.test(
      text,
    ),
    'no verdicts yet',
  );
  assert.ok(!text.includes(`aria-label="${FOREST_LABEL_PREFIX}`));
});

test('an unknown study or a db without studies is one clear error', async () => {
  await assert.rejects(renderStudyReport(store, 'nope'), (e: unknown) => {
    assert.ok(e instanceof UnknownStudyError);
    assert.match((e as Error).message, /no study "nope" \(studies: s<script>.*, running\)$/);
    return true;
  });
  const empty = await openStore(':memory:');
  await assert.rejects(renderStudyReport(empty, 'x'), /no study "x": the db has no studies yet/);
  await empty.close();
});

test('the notebook page escapes notes and labels and fetches nothing', async () => {
  const text = await notebookHtml(notebookEntries(await store.allVerdicts(), await store.notes()));
  assert.deepEqual(fetches(text), []);
  assert.ok(!text.includes('<script') && !text.includes('<img src=x'));
  assert.ok(text.includes('careful &lt;script&gt;'));
  assert.ok(/<h2>Effective measures<\/h2>[\s\S]*<h2>Harmful measures<\/h2>/.test(text), 'sections');
});

test('lr-find plots go Vega-Lite -> SVG -> PNG', async () => {
  const file = join(dir, 'lr.png');
  const rates = Array.from({ length: 50 }, (_, i) => 1e-6 * 10 ** (i / 8));
  await writePlotPng(file, {
    x: rates,
    y: rates.map((r) => 2 - Math.log10(r) / 10),
    logX: true,
    xLabel: 'learning rate',
    yLabel: 'loss',
    marker: { x: 1e-3, label: 'suggested <1e-3>' },
  });
  const meta = await sharp(readFileSync(file)).metadata();
  assert.equal(meta.format, 'png');
  assert.ok(meta.width! > 1000 && meta.height! > 600, `${meta.width}x${meta.height}`);
});
