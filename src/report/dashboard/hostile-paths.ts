/**
 * One hundred hostile request targets for the dashboard tests: traversal (`../`), encoded
 * and double-encoded dots and slashes, backslashes, absolute and drive paths, NUL bytes raw
 * and encoded, overlong UTF-8, broken percent-encoding, very long URLs, files of the
 * project and of the system by name, and query strings. Each must get 400 or 404 and never
 * a byte of a file. `secret` is the name of a file the test puts beside the database.
 *
 * @example
 *   for (const target of hostilePaths('secret.txt')) assert.ok([400, 404].includes(await status(target)));
 */
export function hostilePaths(secret: string): string[] {
  const traversals = [
    `../${secret}`,
    `../../${secret}`,
    '../../../../../../etc/passwd',
    `..%2f${secret}`,
    `%2e%2e/${secret}`,
    `%2e%2e%2f${secret}`,
    `%2E%2E%2F%2E%2E%2F${secret}`,
    '%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    `%252e%252e%252f${secret}`,
    `%252e%252e/%252e%252e/${secret}`,
    `..%252f..%252f${secret}`,
    `..\\${secret}`,
    `..%5c${secret}`,
    `%2e%2e%5c%2e%2e%5c${secret}`,
    `..%255c${secret}`,
    `.%2e/${secret}`,
    `%2e./${secret}`,
    `..;/${secret}`,
    `%c0%ae%c0%ae/${secret}`,
    `%c0%af..%c0%af${secret}`,
    `%e0%80%ae%e0%80%ae/${secret}`,
    `....//....//${secret}`,
  ];
  const singles = [
    '/..',
    '/.',
    '/%2e',
    '/%2e%2e',
    '/study/..',
    '/study/.',
    '/study/%2e%2e',
    '//etc/passwd',
    '///etc/passwd',
    '/\\etc\\passwd',
    '/%5cetc%5cpasswd',
    '/etc/passwd',
    '/C:/Windows/win.ini',
    '/C:%5cWindows%5cwin.ini',
    'http://127.0.0.1/etc/passwd',
    'file:///etc/passwd',
    '*',
    `/${secret}`,
    `/${secret}%00`,
    `/${secret}%00.html`,
    '/%00',
    '/study/%00',
    '/study/tiny%00/report',
    '/api/study/%00..%00',
    '/\u0000',
    `/study/\u0000../${secret}`,
    '/%',
    '/%2',
    '/%zz',
    '/study/%',
    '/%ff%fe',
    '/study/a%2fb',
    '/study/%2f',
    '/study/tiny/report/../../package.json',
    '/package.json',
    '/.env',
    '/.git/config',
    '/node_modules/vega/package.json',
    '/dist/src/cli/main.js',
    '/bin/tunebook.js',
    '/tunebook.db',
    '/study/tiny/report.html',
    '/notebook/../../etc/passwd',
    `/?file=../${secret}`,
    `/study/tiny?path=../../${secret}`,
    `/#../${secret}`,
    '/study/tiny/curves/../../../etc/shadow',
    `/api/studies/../../${secret}`,
    `/${'a'.repeat(2100)}`,
    `/study/${'x'.repeat(10_000)}`,
    `/${'../'.repeat(2000)}etc/passwd`,
    `/${'%2e%2e%2f'.repeat(500)}etc/passwd`,
    `/study/${'y'.repeat(100_000)}`,
  ];
  // The singles first, then traversals under each route prefix until there are 100.
  const out = new Set<string>(singles);
  for (const prefix of ['/', '/study/', '/api/study/', '/study/tiny/'])
    for (const t of traversals) out.add(prefix + t);
  const list = [...out];
  if (list.length < 100) throw new Error(`only ${list.length} hostile paths`);
  return list.slice(0, 100);
}
