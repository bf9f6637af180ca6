/**
 * Stop signals in a child process: SIGHUP and SIGTERM ask for a clean stop like Ctrl-C; a
 * second signal, or a stop that does not end within the grace time, exits at once with
 * 128 + the signal's number after `force` (which removes the lock in `study`).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { exitCodeOf } from './signals.js';

const SCRIPT = (graceMs: number) => `
  import { onStopSignals } from ${JSON.stringify(new URL('./signals.js', import.meta.url).href)};
  onStopSignals({
    stop: (s) => console.log('stop ' + s),
    force: () => console.log('forced'),
    graceMs: ${graceMs},
    write: () => {},
  });
  console.log('ready');
  setInterval(() => {}, 1000); // a stop that never ends
`;

function child(graceMs: number) {
  const p = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT(graceMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const seen = (text: string) =>
    new Promise<void>((resolve) => {
      const check = () => out.includes(text) && resolve();
      p.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        check();
      });
      check();
    });
  const exit = new Promise<number | null>((resolve) => p.once('exit', resolve));
  return { p, seen, exit, output: () => out };
}

test('exit codes are 128 + the signal', () => {
  assert.equal(exitCodeOf('SIGINT'), 130);
  assert.equal(exitCodeOf('SIGHUP'), 129);
  assert.equal(exitCodeOf('SIGTERM'), 143);
});

test('SIGHUP asks to stop; a second signal forces the exit after force()', async () => {
  const c = child(60_000);
  await c.seen('ready');
  c.p.kill('SIGHUP');
  await c.seen('stop SIGHUP');
  c.p.kill('SIGTERM');
  assert.equal(await c.exit, 143);
  assert.match(c.output(), /stop SIGHUP\nforced\n/);
});

test('a stop that does not end within the grace time is forced', async () => {
  const c = child(300);
  await c.seen('ready');
  const sent = Date.now();
  c.p.kill('SIGTERM');
  assert.equal(await c.exit, 143);
  assert.ok(Date.now() - sent < 5000);
  assert.match(c.output(), /stop SIGTERM\nforced\n/);
});
