/**
 * The dashboard in-process, on a synthetic study db: routes and the path gate, read-only
 * methods, the Host check, escaping of hostile names in pages and JSON, security headers,
 * a db that does not exist yet, and addresses it cannot take.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { notebookEntries } from '../../lab/notebook.js';
import { StoreError } from '../../lab/store/errors.js';
import { openStore } from '../../lab/store/open.js';
import type { Store } from '../../lab/store/store.js';
import { syntheticStudy } from '../test-helpers.js';
import { hostilePaths } from './hostile-paths.js';
import { parseRoute } from './routes.js';
import { type Dashboard, ListenError, startDashboard } from './server.js';

const dir = mkdtempSync(join(tmpdir(), 'tunebook-dashboard-'));
const db = join(dir, 'studies.db');
const HOSTILE = '<script>window.pwned=1</script>';
// Study names appear in URLs, where a decoded slash is refused: this one has none.
const EVIL = 'evil<img src=x onerror=alert(1)>';
let dashboard: Dashboard;
const notebook = async (s: Store) => notebookEntries(await s.allVerdicts(), await s.notes());

before(async () => {
  const store = await openStore(db);
  await syntheticStudy(store, { name: 'done', arms: 3, seeds: 3, epochs: 4, labels: [HOSTILE] });
  await syntheticStudy(store, { name: EVIL, arms: 2, seeds: 3, epochs: 3, unfinished: 2 });
  await store.addNote({ measure: 'set', text: `note ${HOSTILE}` });
  await store.close();
  dashboard = await startDashboard({ db, port: 0, notebook });
});
after(async () => {
  await dashboard?.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(path: string, options: { method?: string; host?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: dashboard.port,
          path,
          method: options.method ?? 'GET',
          headers: { host: options.host ?? `127.0.0.1:${dashboard.port}` },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end();
    },
  );
}

test('parseRoute: the pages, and every hostile path refused or unknown', async () => {
  assert.deepEqual(parseRoute('/'), { kind: 'index' });
  assert.deepEqual(parseRoute('/notebook'), { kind: 'notebook' });
  assert.deepEqual(parseRoute('/study/a%20b'), { kind: 'study', name: 'a b' });
  assert.deepEqual(parseRoute('/study/x/report'), { kind: 'report', name: 'x' });
  assert.deepEqual(parseRoute('/api/study/%3Cb%3E'), { kind: 'api-study', name: '<b>' });
  const paths = hostilePaths('secret.txt');
  assert.equal(paths.length, 100);
  for (const p of paths) {
    const route = parseRoute(p);
    // Refused, unknown, or at most a study name to look up in the db (never a file).
    if (route.kind === 'bad' || route.kind === 'not-found') continue;
    assert.ok('name' in route, `${p.slice(0, 80)}: ${route.kind}`);
    const name = route.name;
    assert.ok(!['/', '\\', '\0'].some((c) => name.includes(c)) && !['.', '..'].includes(name), p);
  }
});

test('pages answer, user text is escaped, and security headers are set', async () => {
  for (const path of [
    '/',
    '/notebook',
    '/study/done',
    '/study/done/report',
    '/study/done/curves',
  ]) {
    const r = await get(path);
    assert.equal(r.status, 200, path);
    assert.ok(!r.body.includes(HOSTILE) && !r.body.includes(EVIL), `${path}: raw markup`);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.match(String(r.headers['content-security-policy']), /default-src 'none'/);
    assert.match(String(r.headers['content-security-policy']), /frame-ancestors 'none'/);
  }
  const index = await get('/');
  assert.ok(index.body.includes('evil&lt;img src=x onerror=alert(1)&gt;'));
  assert.ok(!index.body.includes(EVIL));
  assert.ok(index.body.includes(`/study/${encodeURIComponent(EVIL)}`));
  // Exactly one script on a dashboard page: ours, allowed by its hash in the CSP.
  assert.equal(index.body.match(/<script/g)?.length, 1);
  const study = await get(`/study/${encodeURIComponent(EVIL)}`);
  assert.equal(study.status, 200);
  assert.match(study.body, /No verdicts yet/);
  // Each running trial shows the machine that runs it.
  assert.ok(study.body.includes(`<td class="host">${hostname()}</td>`), "the running trial's host");
  const json = await get(`/api/study/${encodeURIComponent(EVIL)}`);
  const status = JSON.parse(json.body) as { state: string; regions: Record<string, string> };
  assert.equal(status.state, 'running');
  for (const region of Object.values(status.regions)) assert.ok(!region.includes('<img src=x'));
  const notebookPage = await get('/notebook');
  assert.ok(notebookPage.body.includes('note &lt;script&gt;window.pwned=1&lt;/script&gt;'));
  const report = await get('/study/done/report');
  assert.match(report.body, /<h1>Study done/);
  assert.ok(!/<script/i.test(report.body));
});

test('unknown study: 404 with the names there are; HEAD has headers and no body', async () => {
  const page = await get('/study/nope');
  assert.equal(page.status, 404);
  assert.match(page.body, /no study &quot;nope&quot; \(studies: done, evil/);
  const api = await get('/api/study/nope');
  assert.equal(api.status, 404);
  assert.match(JSON.parse(api.body).error, /no study "nope"/);
  const head = await get('/study/done', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  assert.ok(Number(head.headers['content-length']) > 1000);
});

test('read-only: every other method is 405; a foreign Host is refused', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE']) {
    const r = await get('/study/done', { method });
    assert.equal(r.status, 405, method);
    assert.equal(r.headers.allow, 'GET, HEAD');
  }
  assert.equal((await get('/', { host: 'evil.example' })).status, 400);
  assert.equal((await get('/', { host: `localhost:${dashboard.port}` })).status, 200);
  assert.equal((await get('/', { host: `[::1]:${dashboard.port}` })).status, 200);
});

test('a raw request with a NUL byte or a 100 kB URL gets 400, and the server lives on', async () => {
  const raw = (target: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(dashboard.port, '127.0.0.1');
      let text = '';
      socket.on('data', (c) => {
        text += c.toString('latin1');
      });
      socket.on('end', () => resolve(text.split('\r\n')[0]));
      socket.on('error', reject);
      socket.write(
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
        'latin1',
      );
    });
  assert.match(await raw('/\u0000'), /^HTTP\/1\.1 400/);
  assert.match(await raw(`/${'a'.repeat(100_000)}`), /^HTTP\/1\.1 400/);
  assert.match(await raw('/study/done'), /^HTTP\/1\.1 200/);
});

test('no database yet: the pages say so; a foreign file or a taken port is an error at start', async () => {
  const missing = join(dir, 'later.db');
  const d = await startDashboard({ db: missing, port: 0, notebook });
  try {
    const r = await fetch(`${d.url}`);
    assert.equal(r.status, 200);
    assert.match(await r.text(), /No database at .*later\.db yet/);
    assert.equal((await fetch(`${d.url}study/x`)).status, 404);
  } finally {
    await d.close();
  }
  const foreign = join(dir, 'foreign.db');
  writeFileSync(foreign, 'not a database at all, but more than zero bytes');
  await assert.rejects(startDashboard({ db: foreign, port: 0, notebook }), StoreError);
  await assert.rejects(
    startDashboard({ db, port: dashboard.port, notebook }),
    (e: unknown) => e instanceof ListenError && /the port is in use/.test((e as Error).message),
  );
});
