/**
 * What a `--db` target names: a PostgreSQL server (a `postgres://` or `postgresql://` URL) or
 * a SQLite file. A URL may carry a password: every message, log line and stored value shows
 * the target through `redactTarget`, never as given.
 *
 * @example
 *   redactTarget('postgres://lab:secret@db:5432/tunebook'); // 'postgres://lab:***@db:5432/tunebook'
 */

const SERVER = /^postgres(ql)?:\/\//i;

export function isServerTarget(target: string): boolean {
  return SERVER.test(target);
}

/** The target with any password replaced by `***` (also when the URL does not parse). */
export function redactTarget(target: string): string {
  if (!isServerTarget(target)) return target;
  // By hand rather than through URL: a malformed URL (an unescaped '/' or '@' in the
  // password) must not leak it either. The host cannot hold '@', so the user part ends at
  // the last '@' before the query.
  const start = target.indexOf('//') + 2;
  const query = target.indexOf('?', start);
  const at = target.lastIndexOf('@', query === -1 ? target.length : query);
  if (at < start) return target;
  const colon = target.indexOf(':', start);
  if (colon === -1 || colon > at) return target;
  return `${target.slice(0, colon)}:***${target.slice(at)}`;
}
