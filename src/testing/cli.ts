/**
 * Running the CLI from tests: in-process through `main` (fast, same dispatch and error
 * handling as the real command line), or as a child process like a user (exit codes,
 * signals, worker threads).
 *
 * @example
 *   const r = await runInProcess(['augment', inDir, outDir, '--pipeline', file]);
 *   assert.equal(r.code, 2);
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../cli/main.js';

export const BIN = fileURLToPath(new URL('../../../bin/tunebook.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  /** Without the `tunebook: ` prefix and trailing newline, as one-line errors read. */
  stderr: string;
}

export async function runInProcess(argv: string[]): Promise<CliResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await main(argv, {
    out: (line) => stdout.push(line),
    err: (text) => stderr.push(text),
  });
  const message = stderr
    .join('')
    .replace(/^tunebook: /, '')
    .trimEnd();
  return { code, stdout: stdout.join('\n'), stderr: message };
}

export function runCli(args: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TUNEBOOK_BACKEND: '', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
