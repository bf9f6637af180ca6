/**
 * The dashboard's routes, and the one gate every request path goes through. The dashboard
 * serves no files: every response is built from the store, so no path can reach the disk.
 * On top of that the gate is strict, so hostile paths are refused early and plainly: a path
 * must start with a single `/`, carry no query or fragment (no page takes one), hold no
 * backslash, control character or NUL (raw or encoded), be at most 2,000 characters, and
 * each segment must decode cleanly to something other than `.`, `..`, an empty string or a
 * string containing a slash. Refusals are 400; well-formed paths that name nothing are 404.
 *
 * @example
 *   parseRoute('/study/mnist-tricks'); // { kind: 'study', name: 'mnist-tricks' }
 *   parseRoute('/%2e%2e/etc/passwd');  // { kind: 'bad', reason: 'a path segment is empty, . or ..' }
 */

export type Route =
  | { kind: 'index' }
  | { kind: 'notebook' }
  | { kind: 'study'; name: string }
  | { kind: 'report'; name: string }
  | { kind: 'curves'; name: string }
  | { kind: 'api-studies' }
  | { kind: 'api-study'; name: string }
  | { kind: 'bad'; reason: string }
  | { kind: 'not-found' };

export const MAX_URL_LENGTH = 2000;

// Controls, DEL, backslash: never part of a path we serve, whether raw or once decoded.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const FORBIDDEN = /[\u0000-\u001f\u007f\\]/;

/**
 * The route of a request target (`req.url`), or why it is refused.
 *
 * @example
 *   parseRoute('/api/study/tiny'); // { kind: 'api-study', name: 'tiny' }
 */
export function parseRoute(target: string): Route {
  if (target.length > MAX_URL_LENGTH) return { kind: 'bad', reason: 'the URL is too long' };
  if (!target.startsWith('/') || target.startsWith('//'))
    return { kind: 'bad', reason: 'the path must start with a single /' };
  if (/[?#]/.test(target)) return { kind: 'bad', reason: 'no page takes a query string' };
  if (FORBIDDEN.test(target))
    return { kind: 'bad', reason: 'the path holds a forbidden character' };
  if (target === '/') return { kind: 'index' };
  const segments: string[] = [];
  for (const rawSegment of target.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(rawSegment);
    } catch {
      return { kind: 'bad', reason: 'a path segment is not valid percent-encoding' };
    }
    if (segment === '' || segment === '.' || segment === '..')
      return { kind: 'bad', reason: 'a path segment is empty, . or ..' };
    if (FORBIDDEN.test(segment) || segment.includes('/'))
      return { kind: 'bad', reason: 'a path segment holds a forbidden character' };
    segments.push(segment);
  }
  const [a, b, c, ...rest] = segments;
  if (rest.length > 0) return { kind: 'not-found' };
  if (a === 'notebook' && b === undefined) return { kind: 'notebook' };
  if (a === 'study' && b !== undefined) {
    if (c === undefined) return { kind: 'study', name: b };
    if (c === 'report') return { kind: 'report', name: b };
    if (c === 'curves') return { kind: 'curves', name: b };
  }
  if (a === 'api' && b === 'studies' && c === undefined) return { kind: 'api-studies' };
  if (a === 'api' && b === 'study' && c !== undefined) return { kind: 'api-study', name: c };
  return { kind: 'not-found' };
}

/**
 * The path of a study's page (and its sub-pages).
 *
 * @example
 *   studyPath('a b', 'report'); // '/study/a%20b/report'
 */
export function studyPath(name: string, sub?: 'report' | 'curves'): string {
  return `/study/${encodeURIComponent(name)}${sub ? `/${sub}` : ''}`;
}
