import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, DataError } from '../core/errors.js';
import * as T from './index.js';

const SEED = `
# The seed's pipeline, line by line.
- resize: [256, 256]
- randomCrop: {size: [224, 224], padding: 4}
- randomHorizontalFlip: {}
- randomRotation: 5
- toTensor: {}
- normalize: {mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.2225]}
`;

test("the seed's pipeline translates line by line", () => {
  const p = T.parsePipeline(SEED, 'seed.yaml');
  assert.deepEqual(
    p.transforms.map((t) => t.name),
    ['resize', 'randomCrop', 'randomHorizontalFlip', 'randomRotation', 'toTensor', 'normalize'],
  );
  const crop = p.transforms[1] as T.RandomCrop;
  assert.deepEqual(crop.size, [224, 224]);
  assert.deepEqual(crop.padding, [4, 4, 4, 4]);
  assert.deepEqual((p.transforms[3] as T.RandomRotation).degrees, [-5, 5]);
  assert.equal((p.transforms[2] as T.RandomHorizontalFlip).p, 0.5);
  assert.deepEqual((p.transforms[5] as T.Normalize).std, [0.229, 0.224, 0.2225]);
});

test("torchvision's spellings, bare names, nesting and a top-level pipeline key are accepted", () => {
  const p = T.parsePipeline(
    `pipeline:
  - Resize: 32
  - RandomApply:
      p: 0.3
      transforms:
        - GaussianBlur: {kernel_size: 5, sigma: [0.1, 2.0]}
        - grayscale: 3
  - compose: [centerCrop: 28, randomHorizontalFlip]
  - ColorJitter: {brightness: 0.4, hue: 0.1}
  - randomErasing: {p: 1, value: random}
  - ToTensor
`,
    'x.yaml',
  );
  assert.deepEqual(
    p.transforms.map((t) => t.name),
    ['resize', 'randomApply', 'compose', 'colorJitter', 'randomErasing', 'toTensor'],
  );
  const apply = p.transforms[1] as T.RandomApply;
  assert.equal(apply.p, 0.3);
  assert.deepEqual(
    apply.inner.transforms.map((t) => t.name),
    ['gaussianBlur', 'grayscale'],
  );
  assert.deepEqual((apply.inner.transforms[0] as T.GaussianBlur).kernelSize, [5, 5]);
});

function throwsAt(
  text: string,
  message: RegExp,
  kind: typeof ConfigError | typeof DataError = ConfigError,
) {
  assert.throws(
    () => T.parsePipeline(text, 'aug.yaml'),
    (e: unknown) => {
      assert.ok(e instanceof kind, `expected ${kind.name}, got ${e}`);
      assert.match((e as Error).message, message);
      assert.equal((e as ConfigError).exitCode, 2);
      return true;
    },
  );
}

test('mistakes name the file, the line, the path and what was found', () => {
  throwsAt(
    SEED.replace('randomRotation: 5', 'randomRotation: {degreez: 5}'),
    /^aug\.yaml:6: pipeline\[3\]\.randomRotation\.degreez: unknown parameter \(did you mean degrees\? expected one of degrees, interpolation, expand, center, fill\)$/,
  );
  throwsAt(
    SEED.replace('randomRotation: 5', 'randomRotaton: 5'),
    /^aug\.yaml:6: pipeline\[3\]\.randomRotaton: unknown transform \(did you mean randomRotation\? known: resize, /,
  );
  throwsAt(
    SEED.replace('padding: 4', 'padding: -4'),
    /^aug\.yaml:4: pipeline\[1\]\.randomCrop\.padding: expected .*, got -4$/,
  );
  throwsAt(
    SEED.replace('randomRotation: 5', 'randomRotation: -5'),
    /aug\.yaml:6: pipeline\[3\]\.randomRotation\.degrees: expected a non-negative number/,
  );
  throwsAt(
    '- toTensor: 3',
    /aug\.yaml:1: pipeline\[0\]\.toTensor: expected a mapping of parameters/,
  );
  throwsAt(
    '- normalize: {mean: [0.5], std: [0.5]}\n- toTensor: {}',
    /aug\.yaml:1: pipeline\[0\]\.normalize: expected a float image \(put toTensor before normalize\)/,
  );
  throwsAt(
    '- resize: 8\n- {resize: 8, toTensor: {}}',
    /aug\.yaml:2: pipeline\[1\]: expected one transform/,
  );
  throwsAt('resize: 8', /aug\.yaml:1: resize: expected a list of transforms/);
  throwsAt('pipeline: 3', /aug\.yaml:1: pipeline: expected a list of transforms/);
  throwsAt(
    '- randomApply:\n    transforms:\n      - gaussianBlur: {kernelSize: 4}',
    /aug\.yaml:3: pipeline\[0\]\.randomApply\.transforms\[0\]\.gaussianBlur\.kernelSize: expected an odd positive integer/,
  );
  throwsAt(
    '- randomApply: {p: 0.5, transforms: [toTensor]}',
    /randomApply\.transforms: expected transforms that keep the pixel kind/,
  );
  throwsAt(
    '- randomApply: {prob: 0.5, transforms: []}',
    /pipeline\[0\]\.randomApply\.prob: unknown parameter/,
  );
  throwsAt('- randomApply: {p: 0.5}', /pipeline\[0\]\.randomApply\.transforms: missing/);
  throwsAt('- resize: [256, 256\n- toTensor', /^aug\.yaml:\d+: not valid YAML/, DataError);
});

test('loadPipeline reads a file; a missing one is a DataError naming it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunebook-pipeline-'));
  try {
    const file = join(dir, 'seed.yaml');
    writeFileSync(file, SEED);
    assert.equal(T.loadPipeline(file).transforms.length, 6);
    assert.throws(
      () => T.loadPipeline(join(dir, 'nope.yaml')),
      (e: unknown) => {
        assert.ok(e instanceof DataError);
        assert.match(e.message, /nope\.yaml: no such pipeline file/);
        return true;
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
