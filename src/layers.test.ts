/**
 * The layering rule, enforced: every relative import in src points down the layers (core →
 * engine → data → transforms | preprocessing → models → training → lab → report → index →
 * cli), and shipped modules never import test-only files. Test files may import any layer
 * (a test of seeded initialisation builds real models).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  importsOf,
  isTestOnly,
  layerOf,
  layerViolation,
  sourceFiles,
} from './testing/source-tree.js';

test('every shipped module imports only its own layer and the layers below it', () => {
  const files = sourceFiles();
  assert.ok(files.length > 100, `expected the whole tree, found ${files.length} files`);
  const found = files.flatMap((file) =>
    importsOf(file).flatMap((target) => {
      const why = layerViolation(file, target);
      return why === undefined ? [] : [`${file} -> ${target}: ${why}`];
    }),
  );
  assert.deepEqual(found, []);
});

test('the rule catches upward, sibling and test-only imports and allows downward ones', () => {
  assert.equal(
    layerViolation('data/decode-image.ts', 'transforms/registry.ts'),
    'data may not import transforms',
  );
  assert.equal(
    layerViolation('transforms/crop.ts', 'preprocessing/clahe.ts'),
    'transforms may not import preprocessing',
  );
  assert.equal(
    layerViolation('core/native/wasm-kernels.ts', 'data/decode-image.ts'),
    'core may not import data',
  );
  assert.equal(layerViolation('report/page.ts', 'cli/main.ts'), 'report may not import cli');
  assert.equal(
    layerViolation('lab/runner.ts', 'lab/pool/fixture-worker.ts'),
    'a shipped module imports a test-only file',
  );
  assert.equal(
    layerViolation('models/assemble.ts', 'testing/compare.ts'),
    'a shipped module imports a test-only file',
  );
  assert.match(
    layerViolation('newlayer/x.ts', 'core/rng.ts') ?? '',
    /folder "newlayer" is in no layer/,
  );
  assert.equal(
    layerViolation('transforms/functional/resize.ts', 'core/native/wasm-kernels.ts'),
    undefined,
  );
  assert.equal(layerViolation('transforms/offline.ts', 'data/image-folder.ts'), undefined);
  assert.equal(layerViolation('cli/main.ts', 'index.ts'), undefined);
  assert.equal(layerViolation('engine/seeded-init.test.ts', 'models/resnet.ts'), undefined);
});

test('test-only files are named by the one predicate the packaging test uses too', () => {
  assert.equal(layerOf('transforms/functional/resize.ts'), 'transforms');
  assert.equal(layerOf('index.ts'), 'index');
  for (const path of [
    'lab/pool/fixture-worker.ts',
    'lab/fixture-trial-worker.js',
    'transforms/functional/golden.d.ts',
    'report/test-helpers.ts',
    'preprocessing/golden.test-helper.ts',
    'testing/cli.ts',
    'data/npy.test.js',
  ])
    assert.ok(isTestOnly(path), path);
  for (const path of ['lab/pool/worker-pool.ts', 'transforms/functional/resize.js', 'index.d.ts'])
    assert.ok(!isTestOnly(path), path);
});

test('imports are read from static, re-export and dynamic forms', () => {
  assert.deepEqual(importsOf('testing/source-tree.ts'), []); // node: imports only
  const index = importsOf('index.ts');
  assert.ok(index.includes('core/index.ts'), index.join(', ')); // export * as core from
  assert.ok(importsOf('lab/index.ts').includes('lab/store/index.ts')); // export * from
  const main = importsOf('cli/main.ts');
  assert.ok(
    main.some((p) => p.startsWith('cli/commands/')),
    main.join(', '),
  );
});
