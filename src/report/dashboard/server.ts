/**
 * `tunebook serve`: a local, read-only dashboard over the study store, on node:http. It
 * answers GET and HEAD only (405 otherwise), builds every response from the store (there is
 * no file serving, so no path reaches the disk), refuses hostile paths (see routes.ts) and,
 * when bound to a loopback address, requests whose Host header is not a loopback name (a
 * web page elsewhere cannot read it through DNS rebinding). The store is opened read-only
 * once it exists and kept open: SQLite in WAL mode lets this reader see each commit of the
 * study writing in another process, without ever blocking it.
 *
 * @example
 *   const dashboard = await startDashboard({ db: 'tunebook.db', port: 8471 });
 *   console.log(dashboard.url);
 *   await dashboard.close();
 */
import { existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TunebookError } from '../../core/errors.js';
import type { NotebookEntry } from '../../lab/notebook.js';
import { openStore } from '../../lab/store/open.js';
import type { Store } from '../../lab/store/store.js';
import { isServerTarget } from '../../lab/store/target.js';
import { UnknownStudyError } from '../errors.js';
import { notebookHtml } from '../notebook-html.js';
import { contentSecurityPolicy } from '../page.js';
import { metricCurvesSvg } from '../sections/curves.js';
import type { PreviewMaker } from '../sections/previews.js';
import { reportFromView } from '../study-report.js';
import { progressOf, readCurves, readStudy, type StudyView } from '../study-view.js';
import { CLIENT_SCRIPT } from './client.js';
import {
  curvesVersion,
  indexPage,
  messagePage,
  navBar,
  type StudySummary,
  studiesRegion,
  studyPage,
  studyStatus,
} from './pages.js';
import { parseRoute, type Route } from './routes.js';

export interface DashboardOptions {
  db: string;
  /** Default 8471; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * The notebook from the store's verdicts and notes (lab's `notebookEntries`, passed in:
   * the report layer reads the store but does not reach into the lab's logic).
   */
  notebook: (store: Store) => Promise<NotebookEntry[]>;
  /** Preview grids for the served reports' augmentation arms. */
  previews?: PreviewMaker;
  /** Request errors worth a line (a failed render); default: none. */
  log?: (line: string) => void;
}

export interface Dashboard {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

/** The port is taken, the host is not ours, or the port is privileged. */
export class ListenError extends TunebookError {
  constructor(host: string, port: number, code: string | undefined) {
    const why =
      code === 'EADDRINUSE'
        ? 'the port is in use (pick another with --port)'
        : code === 'EACCES'
          ? 'not allowed to listen there (ports below 1024 need privileges)'
          : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND'
            ? 'no such address on this machine (check --host)'
            : `cannot listen (${code ?? 'unknown error'})`;
    super('E_LISTEN', `${host}:${port}: ${why}`);
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

const BASE_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

const PAGE_CSP = `${contentSecurityPolicy(CLIENT_SCRIPT)}; frame-ancestors 'none'`;
const PLAIN_CSP = "default-src 'none'; frame-ancestors 'none'";

/** A cached rendering, valid while its study's version is unchanged. */
interface Cached {
  version: string;
  text: Promise<string>;
}

/**
 * Starts the dashboard. Throws a StoreError when the db exists but cannot be used, and a
 * ListenError when the address cannot be bound; a db that does not exist yet is fine (the
 * pages say so until a study creates it).
 *
 * @example
 *   const d = await startDashboard({ db: 'tunebook.db', port: 0 });
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8471;
  const log = options.log ?? (() => {});
  let store: Store | null = null;
  const curvesCache = new Map<string, Cached>();
  const reportCache = new Map<string, Cached>();

  const notYet = () => {
    if (isServerTarget(options.db)) return false;
    if (!existsSync(options.db)) return true;
    try {
      return statSync(options.db).size === 0;
    } catch {
      return true;
    }
  };
  /** The read-only store, or why there is none yet. */
  const open = async (): Promise<{ store: Store } | { problem: string }> => {
    if (store) return { store };
    if (notYet())
      return {
        problem: `No database at ${options.db} yet: it appears when a study runs with --db ${options.db}.`,
      };
    try {
      store = await openStore(options.db, { readonly: true, create: false });
      return { store };
    } catch (error) {
      return { problem: (error as Error).message };
    }
  };
  // A db that exists but is not usable (another program's, a newer tunebook's) is an error
  // now, rather than a dashboard that never shows anything.
  if (!notYet()) {
    store = await openStore(options.db, { readonly: true, create: false });
  }

  const loopback = LOOPBACK.has(host);

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`${req.method} ${req.url}: ${(error as Error).message}`);
      if (!res.headersSent) send(req, res, 500, 'text/plain', 'internal error\n', PLAIN_CSP);
      else res.destroy();
    });
  });
  // Malformed requests (bad characters, oversized headers or URLs) never reach the handler:
  // answer them 400, like any other refused path, and close.
  server.on('clientError', (_error, socket) => {
    if (socket.writable)
      socket.end(
        'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nbad request\n',
      );
    else socket.destroy();
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(req, res, 405, 'text/plain', 'method not allowed: this dashboard is read-only\n');
      return;
    }
    if (loopback && !hostIsLoopback(req.headers.host)) {
      send(req, res, 400, 'text/plain', 'bad request: unexpected Host header\n');
      return;
    }
    const route = parseRoute(req.url ?? '');
    if (route.kind === 'bad') {
      send(req, res, 400, 'text/plain', `bad request: ${route.reason}\n`);
      return;
    }
    if (route.kind === 'not-found') {
      send(req, res, 404, 'text/plain', 'not found\n');
      return;
    }
    const opened = await open();
    await respond(req, res, route, opened);
  }

  async function respond(
    req: IncomingMessage,
    res: ServerResponse,
    route: Exclude<Route, { kind: 'bad' } | { kind: 'not-found' }>,
    opened: { store: Store } | { problem: string },
  ): Promise<void> {
    const html = (status: number, text: string) =>
      send(req, res, status, 'text/html; charset=utf-8', text, PAGE_CSP);
    const json = (status: number, value: unknown) =>
      send(req, res, status, 'application/json; charset=utf-8', JSON.stringify(value));
    if (route.kind === 'index' || route.kind === 'api-studies') {
      const studies = 'store' in opened ? await summaries(opened.store) : [];
      const problem = 'problem' in opened ? opened.problem : null;
      if (route.kind === 'index') html(200, indexPage(studies, options.db, problem));
      else
        json(200, {
          studies: studies.map((s) => ({
            name: s.study.name,
            state: s.study.state,
            progress: s.progress,
            verdicts: s.verdicts,
          })),
          active: studies.some((s) => s.study.state === 'running'),
          regions: { studies: studiesRegion(studies, problem).text },
        });
      return;
    }
    if ('problem' in opened) {
      if (route.kind === 'api-study') json(404, { error: opened.problem });
      else html(404, messagePage('No database yet', opened.problem));
      return;
    }
    const db = opened.store;
    if (route.kind === 'notebook') {
      html(
        200,
        await notebookHtml(await options.notebook(db), {
          nav: navBar(),
          db: options.db,
          studyLink: (name) => `/study/${encodeURIComponent(name)}`,
        }),
      );
      return;
    }
    let view: StudyView;
    try {
      view = await db.transaction((tx) => readStudy(tx, route.name));
    } catch (error) {
      if (!(error instanceof UnknownStudyError)) throw error;
      if (route.kind === 'api-study') json(404, { error: error.message });
      else html(404, messagePage('Unknown study', error.message));
      return;
    }
    if (route.kind === 'api-study') {
      json(200, studyStatus(view));
      return;
    }
    if (route.kind === 'study') {
      const cached = curvesCache.get(view.study.name);
      const ready = cached?.version === curvesVersion(view) ? await cached.text : null;
      html(200, studyPage(view, ready));
      return;
    }
    if (route.kind === 'curves') {
      const svg = await cachedRender(curvesCache, view, async () => {
        const text = await metricCurvesSvg(view, await readCurves(db, view), 'live-curves');
        return text ?? '<p class="note">No finished trials yet.</p>';
      });
      send(req, res, 200, 'image/svg+xml; charset=utf-8', svg);
      return;
    }
    const report = await cachedRender(reportCache, view, async () =>
      reportFromView(options.db, view, await readCurves(db, view), {
        previews: options.previews,
        nav: navBar(),
      }),
    );
    html(200, report);
  }

  /** One rendering per study version, shared by concurrent requests. */
  function cachedRender(
    cache: Map<string, Cached>,
    view: StudyView,
    render: () => Promise<string>,
  ): Promise<string> {
    const version = curvesVersion(view);
    const hit = cache.get(view.study.name);
    if (hit && hit.version === version) return hit.text;
    const text = render();
    cache.set(view.study.name, { version, text });
    text.catch(() => cache.delete(view.study.name));
    return text;
  }

  function summaries(db: Store): Promise<StudySummary[]> {
    return db.transaction(async (tx) => {
      const out: StudySummary[] = [];
      for (const study of await tx.listStudies()) {
        const verdicts: Record<string, number> = {};
        for (const v of await tx.verdicts(study.id))
          verdicts[v.verdict] = (verdicts[v.verdict] ?? 0) + 1;
        out.push({ study, progress: progressOf(await tx.trials(study.id)), verdicts });
      }
      return out;
    });
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      void store?.close();
      reject(new ListenError(host, port, error.code));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${bound}/`,
    host,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          const closing = store?.close() ?? Promise.resolve();
          closing.then(resolve, resolve);
        });
        server.closeAllConnections();
      }),
  };
}

function hostIsLoopback(header: string | undefined): boolean {
  if (!header) return false;
  const name = header.startsWith('[')
    ? header.slice(0, header.indexOf(']') + 1)
    : header.replace(/:\d+$/, '');
  return LOOPBACK.has(name.toLowerCase());
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  csp = PLAIN_CSP,
): void {
  const bytes = Buffer.from(body);
  res.writeHead(status, {
    ...BASE_HEADERS,
    'Content-Security-Policy': csp,
    'Content-Type': type,
    'Content-Length': bytes.length,
  });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}
