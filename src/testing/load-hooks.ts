/**
 * Module hooks that append every resolved module URL to the file named by
 * `TUNEBOOK_LOAD_LOG`: the lazy-CLI test reads it to prove a command loaded no TensorFlow.js.
 * Registered by `record-loads.ts` (`node --import .../record-loads.js bin/tunebook.js ...`).
 */
import { appendFileSync } from 'node:fs';

interface Resolved {
  url: string;
}

export async function resolve(
  specifier: string,
  context: unknown,
  next: (specifier: string, context: unknown) => Promise<Resolved>,
): Promise<Resolved> {
  const result = await next(specifier, context);
  const log = process.env.TUNEBOOK_LOAD_LOG;
  if (log) appendFileSync(log, `${result.url}\n`);
  return result;
}
