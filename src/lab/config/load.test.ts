import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStudy, StudyFileError } from './load.js';

const BASE = `
name: tiny
data: { source: mnist, limit: 400 }
model: { name: small-cnn }
training: { epochs: 2, batchSize: 32, optimizer: { name: adam, lr: 0.001 } }
measures:
  - dropout: { rate: 0.5, where: before-classifier }
  - classWeights: balanced
    label: balanced weights
  - set: { training.batchSize: 16 }
`;

function fails(text: string, pattern: RegExp) {
  assert.throws(
    () => parseStudy(text, 'study.yaml'),
    (e: unknown) => {
      assert.ok(e instanceof StudyFileError, String(e));
      assert.equal(e.exitCode, 2);
      assert.match(e.message, pattern);
      assert.ok(!e.message.includes('\n'), e.message);
      return true;
    },
  );
}

test('a valid study: defaults filled, one arm per measure plus the baseline', () => {
  const study = parseStudy(BASE, 'study.yaml');
  assert.equal(study.config.metric, 'test_balanced_accuracy');
  assert.equal(study.config.delta, 0.5);
  assert.deepEqual(study.config.seeds, { minSeeds: 3, maxSeeds: 6 });
  assert.deepEqual(
    study.arms.map((a) => a.id),
    ['baseline', 'm1-dropout', 'm2-classWeights', 'm3-set'],
  );
  assert.equal(study.arms[2].label, 'balanced weights');
  assert.deepEqual(study.arms[1].config.model.dropout, { rate: 0.5, where: 'before-classifier' });
  assert.equal(study.arms[0].config.model.dropout, undefined);
  assert.equal(study.arms[3].config.training.batchSize, 16);
  assert.equal(study.arms[0].config.training.batchSize, 32);
});

test('the hash follows the settings, not the formatting', () => {
  const a = parseStudy(BASE, 'a').hash;
  assert.equal(
    parseStudy(`# a comment\n${BASE.replace('{ epochs: 2,', '{ epochs:   2,')}`, 'b').hash,
    a,
  );
  assert.notEqual(parseStudy(BASE.replace('epochs: 2', 'epochs: 3'), 'c').hash, a);
  // Settings added later without a default keep the hash of studies stored before them.
  assert.equal(parseStudy(`${BASE}seeds: { minSeeds: 3, maxSeeds: 6 }\n`, 'd').hash, a);
  assert.notEqual(
    parseStudy(`${BASE}seeds: { minSeeds: 3, maxSeeds: 6, intervals: repeated }\n`, 'e').hash,
    a,
  );
});

test('errors name the file, the field, what was expected and what was received', () => {
  fails(
    BASE.replace('rate: 0.5', 'rate: 1.5'),
    /^study\.yaml: measures\[0\]\.dropout\.rate: expected a number in \[0, 1\), got 1\.5$/,
  );
  fails(
    BASE.replace('where: before-classifier', 'where: nowhere'),
    /measures\[0\]\.dropout\.where: expected one of after-each-dense, head, before-classifier, got "nowhere"/,
  );
  fails(
    BASE.replace('classWeights: balanced', 'classWeights: [1, -0.8]'),
    /measures\[1\]\.classWeights\[1\]: expected a number >= 0, got -0\.8/,
  );
  fails(BASE.replace('- classWeights: balanced', '- frobnicate: 1'), /measures\[1\]/);
  fails(
    BASE.replace('lr: 0.001', 'lr: 0'),
    /training\.optimizer\.lr: expected a number in \(0, 10\], got 0/,
  );
  fails(
    BASE.replace('name: small-cnn', 'name: transformer'),
    /model\.name: expected one of mlp, small-cnn, resnet, cnn1d, got "transformer"/,
  );
  fails(BASE.replace('limit: 400', 'limit: 400, colour: red'), /data\.colour: unknown setting/);
  fails(
    BASE.replace('training.batchSize: 16', 'training.batchSize: 0'),
    /measures\[2\]\.set: makes the arm invalid: training\.batchSize: expected an integer in \[1, 65536\], got 0/,
  );
  fails(
    BASE.replace('training.batchSize: 16', 'nothing.here: 1'),
    /measures\[2\]\.set\["nothing\.here"\]: expected a setting path/,
  );
  fails('name: x\n  bad: [indent', /invalid YAML: line \d+, column \d+/);
  fails(BASE.replace('name: tiny', 'name: "a b"'), /name: expected a name of letters/);
  fails(
    `${BASE}seeds: { minSeeds: 5, maxSeeds: 3 }\n`,
    /seeds\.maxSeeds: expected an integer >= seeds\.minSeeds \(5\), got 3/,
  );
  fails(
    `${BASE}seeds: { intervals: sometimes }\n`,
    /seeds\.intervals: expected one of spending, repeated, per-look, got "sometimes"/,
  );
  fails(
    BASE.replace(/measures:[\s\S]*/, 'measures: []\n'),
    /measures: expected at least one measure/,
  );
  fails(BASE.replace('model: { name: small-cnn }\n', ''), /model: missing/);
});

test('a YAML alias bomb is a named error (exit 2), never an internal error', () => {
  const bomb = [
    'a: &a [x, x, x, x, x, x, x, x, x]',
    ...'bcdefghi'
      .split('')
      .map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`),
    'name: *i',
  ].join('\n');
  assert.throws(
    () => parseStudy(bomb, 'bomb.yaml'),
    (e: unknown) =>
      e instanceof StudyFileError &&
      e.exitCode === 2 &&
      /^bomb\.yaml: invalid YAML: /.test(e.message),
  );
});
