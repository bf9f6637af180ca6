/**
 * `data.split.vary`: fixed (the default) gives every seed the study's one split; `per-seed`
 * draws each trial's split with its trained seed, deterministic and stratified like the
 * fixed one, and `validate` refuses any other value in one line with exit 2.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { describeSample } from '../../data/source.js';
import { stratifiedSplit } from '../../data/split.js';
import { runInProcess } from '../../testing/cli.js';
import { CONTROL_SEED_OFFSET } from '../config/arms.js';
import { Data } from '../config/schema.js';
import { prepareData, SPLIT_SEED, splitSeedOf } from './prepare-data.js';

const signals = { source: 'synthetic-signals', options: { perClass: 30, length: 16 } };

/** The test split as indices into the source, for comparing splits. */
const testIndices = async (data: unknown, seed: number) => {
  const prepared = await prepareData(Data.parse(data), seed);
  return Array.from({ length: prepared.test.count }, (_, i) => describeSample(prepared.test, i));
};

test('a fixed split is the same at every seed, and parses and hashes as before', async () => {
  const fixed = Data.parse(signals);
  assert.equal(fixed.split.vary, undefined, 'no default: stored studies keep their hash');
  assert.equal(splitSeedOf(fixed, 7), SPLIT_SEED);
  const a = await prepareData(fixed, 0);
  const b = await prepareData(fixed, 5);
  assert.equal(a, b, 'one prepared split for every seed');
  assert.equal(a.splitSeed, SPLIT_SEED);
});

test('vary: per-seed draws the split with the trial seed, stratified, deterministic', async () => {
  const data = { ...signals, split: { validation: 0.1, test: 0.2, vary: 'per-seed' } };
  const config = Data.parse(data);
  const fixed = await prepareData(Data.parse(signals), 0);
  const s3 = await prepareData(config, 3);
  const s4 = await prepareData(config, 4);
  assert.equal(s3.splitSeed, 3);
  // The control arm trains at its offset seed, and its split follows that seed too.
  assert.equal(splitSeedOf(config, CONTROL_SEED_OFFSET + 3), CONTROL_SEED_OFFSET + 3);
  // Exactly the stratified split of the fixed path, drawn with the trial's seed.
  const expected = stratifiedSplit(s3.source.labels, { validation: 0.1, test: 0.2 }, 3);
  assert.deepEqual(
    Array.from(s3.test.labels),
    Array.from(expected.test).map((i) => s3.source.labels[i]),
  );
  assert.notDeepEqual(await testIndices(data, 3), await testIndices(data, 4));
  assert.deepEqual(await testIndices(data, 3), await testIndices(data, 3));
  // Stratified: every seed's splits have the fixed split's class counts.
  assert.deepEqual(s3.counts, fixed.counts);
  assert.deepEqual(s4.counts, fixed.counts);
  // The source is opened once and shared by the seeds' splits.
  assert.equal(s3.source, s4.source);
});

test('validate refuses a bad vary in one line, exit 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunebook-vary-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'study.yaml');
  writeFileSync(
    file,
    'name: t\ndata: { source: mnist, limit: 300, split: { test: 0.2, vary: per-trial } }\n' +
      'model: { name: mlp }\ntraining: { epochs: 1 }\nmeasures:\n  - classWeights: balanced\n',
  );
  const r = await runInProcess(['validate', file]);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    `${file}: data.split.vary: expected one of fixed, per-seed, got "per-trial"`,
  );
});
