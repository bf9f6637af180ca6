/**
 * The CLI's light paths stay light: `--help`, `--version` and `validate` resolve no
 * TensorFlow.js module (commands are imported only when run). A command that trains (`info`
 * initialises the engine) is the control proving the recorder sees tfjs when it is loaded.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BIN } from '../testing/cli.js';

const RECORDER = fileURLToPath(new URL('../testing/record-loads.js', import.meta.url));
// The example study without its pretrained measure (whose backbone `pretrain` makes first):
// validate reads the data, decodes a sample and checks every arm, all without tfjs.
const EXAMPLE = fileURLToPath(new URL('../../../examples/mnist-tricks.yaml', import.meta.url));
const STUDY = join(mkdtempSync(join(tmpdir(), 'tunebook-lazy-')), 'study.yaml');
writeFileSync(
  STUDY,
  readFileSync(EXAMPLE, 'utf8').replace(
    /\n {2}- label: backbone pretrained[\s\S]*?(?=\n {2}- |\n\S|$)/,
    '',
  ),
);

/** Runs the CLI with the recorder; returns the exit code, stdout and the resolved URLs. */
function modulesLoadedBy(args: string[]): { code: number | null; out: string; urls: string[] } {
  const log = join(mkdtempSync(join(tmpdir(), 'tunebook-loads-')), 'loads.txt');
  writeFileSync(log, '');
  const run = spawnSync(process.execPath, ['--import', RECORDER, BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TUNEBOOK_LOAD_LOG: log },
  });
  const urls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return { code: run.status, out: run.stdout + run.stderr, urls };
}

const tfjs = (urls: string[]) => urls.filter((u) => u.includes('/@tensorflow/'));

for (const args of [['--help'], ['--version'], ['validate', STUDY]]) {
  test(`tunebook ${args.join(' ')} loads no TensorFlow.js`, () => {
    const { code, out, urls } = modulesLoadedBy(args);
    assert.equal(code, 0, out);
    assert.ok(
      urls.some((u) => u.endsWith('/cli/main.js')),
      `the recorder saw: ${urls.join(', ')}`,
    );
    assert.deepEqual(tfjs(urls), []);
  });
}

test('the recorder sees TensorFlow.js when a command does load it (tunebook info)', () => {
  const { code, out, urls } = modulesLoadedBy(['info', '--backend', 'cpu']);
  assert.equal(code, 0, out);
  assert.ok(tfjs(urls).length > 0, urls.join(', '));
});
