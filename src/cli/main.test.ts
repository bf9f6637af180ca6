import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../testing/cli.js';

const run = runCli;

test('--version and --help', () => {
  const v = run(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout.trim(), /^\d+\.\d+\.\d+$/);
  const h = run(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /info/);
  assert.match(h.stdout, /train/);
});

test('an unknown command or flag gets one line and exit 2', () => {
  for (const args of [['frobnicate'], ['--frobnicate'], ['info', '--frobnicate']]) {
    const r = run(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /frobnicate/);
    assert.doesNotMatch(r.stderr, /at .*\.js/);
  }
});

test('a bad backend choice names its source and value, exit 2', () => {
  const r = run(['info'], { TUNEBOOK_BACKEND: 'gpu' });
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /TUNEBOOK_BACKEND: expected one of auto, tensorflow, wasm, cpu, got "gpu"/,
  );
  const f = run(['info', '--backend', 'gpu']);
  assert.equal(f.code, 2);
  assert.match(f.stderr, /--backend/);
});

test('--debug adds the stack trace', () => {
  const r = run(['train', '--epochs', 'x', '--debug']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /at /);
});

test('info reports the wasm backend with tunebook training kernels', () => {
  const r = run(['info', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  assert.equal(info.backend, 'wasm');
  assert.equal(info.simd, true);
  assert.equal(info.tfjsNode, null);
  assert.ok(info.supplementedKernels.includes('Conv2DBackpropFilter'));
  assert.equal(info.node, process.versions.node);
});

test('requesting tensorflow where tfjs-node is missing is a clear error', () => {
  const r = run(['info', '--backend', 'tensorflow']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no usable backend for "tensorflow".*tfjs-node/);
});
