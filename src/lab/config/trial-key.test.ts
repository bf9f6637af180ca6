import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseStudy } from './load.js';
import { fingerprintPath, TRAINING_CODE_VERSION, trainedSeed, trialKey } from './trial-key.js';

const dir = mkdtempSync(join(tmpdir(), 'tunebook-key-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const study = (extra = '', measures = '  - classWeights: balanced\n') =>
  parseStudy(`name: keys
description: first
data: { source: mnist, limit: 200 }
model: { name: mlp }
training: { epochs: 2${extra} }
seeds: { minSeeds: 3, maxSeeds: 6 }
measures:
${measures}`);

const keyOf = (config: ReturnType<typeof study>['config'], seed = 0, backend = 'wasm') =>
  trialKey({ config, seed, backend });

test('what does not decide a result leaves the key alone: labels, description, seeds budget, metric, delta, measures', () => {
  const base = keyOf(study().config);
  const other = study().config;
  other.description = 'second';
  other.seeds = { minSeeds: 6, maxSeeds: 12 };
  other.metric = 'test_accuracy';
  other.delta = 2;
  other.measures = [{ dropout: { rate: 0.5, where: 'head' } } as never];
  other.name = 'renamed';
  assert.equal(keyOf(other), base);
  // The arm of a measure keys by its settings, whatever its label or position.
  const a = study(
    '',
    '  - label: x\n    classWeights: balanced\n  - dropout: { rate: 0.5, where: head }\n',
  );
  const b = study(
    '',
    '  - dropout: { rate: 0.5, where: head }\n  - label: y\n    classWeights: balanced\n',
  );
  assert.equal(keyOf(a.arms[1].config), keyOf(b.arms[2].config));
  assert.equal(keyOf(a.arms[2].config), keyOf(b.arms[1].config));
});

test('what decides a result changes the key: settings, seed, backend, code version', () => {
  const config = study().config;
  const base = keyOf(config);
  assert.notEqual(keyOf(study(', batchSize: 32').config), base);
  assert.notEqual(keyOf(study(', optimizer: { name: adam, lr: 0.01 }').config), base);
  assert.notEqual(keyOf(config, 1), base);
  assert.notEqual(keyOf(config, 0, 'cpu'), base);
  assert.notEqual(
    trialKey({ config, seed: 0, backend: 'wasm', codeVersion: TRAINING_CODE_VERSION + 1 }),
    base,
  );
  assert.match(base, /^[0-9a-f]{32}$/);
  // The control trains the baseline's settings at offset seeds: its own keys.
  assert.equal(trainedSeed('control', 3), 1003);
  assert.equal(trainedSeed('m1-dropout', 3), 3);
});

test('a data folder is fingerprinted by names, sizes and mtimes: a changed file changes the key', () => {
  const folder = join(dir, 'images');
  mkdirSync(join(folder, 'a'), { recursive: true });
  writeFileSync(join(folder, 'a', '1.png'), 'xx');
  const config = study().config;
  config.data.source = folder;
  const first = keyOf(config);
  assert.equal(keyOf(config), first, 'stable');
  writeFileSync(join(folder, 'a', '1.png'), 'xxx');
  const resized = keyOf(config);
  assert.notEqual(resized, first);
  utimesSync(join(folder, 'a', '1.png'), new Date(2020, 1, 1), new Date(2020, 1, 1));
  assert.notEqual(keyOf(config), resized, 'a touched file retrains (mtime)');
  writeFileSync(join(folder, 'a', '2.png'), 'x');
  assert.notEqual(fingerprintPath(folder), fingerprintPath(join(dir, 'nothing')));
  assert.equal(fingerprintPath(join(dir, 'nothing')), 'missing');
});
