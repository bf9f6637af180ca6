/**
 * Running the CLI from tests: in-process through `main` (fast, same dispatch and error
 * handling as the real command line), or as a child process like a user (exit codes,
 * signals, worker threads), to completion or left running.
 *
 * @example
 *   const r = await runInProcess(['augment', inDir, outDir, '--pipeline', file]);
 *   assert.equal(r.code, 2);
 *   const server = spawnCli(['serve', '--port', '0', '--db', db]);
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
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

/** The child's environment: the test's own, the default backend unless `env` names one. */
const childEnv = (env: Record<string, string>) => ({
  ...process.env,
  TUNEBOOK_BACKEND: '',
  ...env,
});

/** Runs the CLI as a child process to its end; stdout and stderr exactly as written. */
export function runCli(args: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: childEnv(env) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Starts the CLI as a child process and returns at once, for commands that keep running
 * while the test works beside them (a server, a study to interrupt). stdin is closed;
 * stdout and stderr are pipes for the test to read. The caller ends the process.
 */
export function spawnCli(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** A child's stdout, with a wait for the first line matching a pattern. */
export function watch(child: ChildProcess) {
  let text = '';
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    for (const w of [...waiters]) {
      const m = text.match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  return {
    get text() {
      return text;
    },
    waitFor(re: RegExp): Promise<RegExpMatchArray> {
      const m = text.match(re);
      if (m) return Promise.resolve(m);
      return new Promise((resolve, reject) => {
        waiters.push({ re, resolve });
        child.once('exit', () => reject(new Error(`exited before ${re}:\n${text}`)));
      });
    },
  };
}

export const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
