/**
 * The page shell shared by the report, the notebook and the dashboard: one HTML document
 * with the stylesheet inlined and a Content-Security-Policy that forbids any fetch except
 * inline data (and, on dashboard pages, same-origin polling by the one inline script whose
 * hash it names), so a report opened from disk never touches the network and injected
 * markup could not run even if escaping failed.
 *
 * @example
 *   const text = page({ title: 'Study tiny', body: html`<h1>tiny</h1>` });
 */
import { createHash } from 'node:crypto';
import { html, raw, type SafeHtml } from './html.js';
import { STYLE } from './style.js';

export interface PageOptions {
  title: string;
  body: SafeHtml;
  /** Attributes of <body> (data-* for the dashboard script). */
  bodyAttributes?: Record<string, string>;
  /** One inline script (dashboard pages); allowed by its hash, with same-origin fetches. */
  script?: string;
}

/**
 * The CSP of a page: nothing from the network; `script` allowed by hash.
 *
 * @example
 *   contentSecurityPolicy(); // "default-src 'none'; style-src 'unsafe-inline'; img-src data:; ..."
 */
export function contentSecurityPolicy(script?: string): string {
  const parts = [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ];
  if (script) {
    const hash = createHash('sha256').update(script).digest('base64');
    parts.push(`script-src 'sha256-${hash}'`, "connect-src 'self'");
  }
  return parts.join('; ');
}

export function page(options: PageOptions): string {
  const attributes = Object.entries(options.bodyAttributes ?? {}).map(
    ([k, v]) => html` ${raw(k.replace(/[^a-z0-9-]/g, ''))}="${v}"`,
  );
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(options.script)}">
<meta name="generator" content="tunebook">
<link rel="icon" href="data:,">
<title>${options.title}</title>
<style>${raw(STYLE)}</style>
</head>
<body${attributes}>
${options.body}
${options.script ? html`<script>${raw(options.script)}</script>` : ''}
</body>
</html>
`.text;
}
