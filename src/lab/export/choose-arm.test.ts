/** Which arm `export --arm` means, and how many epochs an export trains for. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StudyConfig } from '../config/schema.js';
import type { ArmRow, TrialRow } from '../store/store.js';
import { chooseArm } from './choose-arm.js';
import { exportEpochs } from './export-model.js';

const arm = (key: string, label: string, kind: string) => ({ key, label, kind }) as ArmRow;
const arms = [
  arm('baseline', 'baseline', 'baseline'),
  arm('m1-dropout', 'dropout 0.5', 'dropout'),
  arm('m2-augment', 'crop', 'augment'),
  arm('m3-augment', 'flip', 'augment'),
];

test('chooseArm: stack by default, else baseline; keys, labels and unique kinds', () => {
  assert.equal(chooseArm(arms).key, 'baseline');
  assert.equal(chooseArm([...arms, arm('stack', 'stack', 'stack')]).key, 'stack');
  assert.equal(chooseArm(arms, 'm2-augment').key, 'm2-augment');
  assert.equal(chooseArm(arms, 'flip').key, 'm3-augment');
  assert.equal(chooseArm(arms, 'dropout').key, 'm1-dropout');
  assert.throws(() => chooseArm(arms, 'augment'), {
    message:
      '--arm: expected one arm; "augment" names 2 (m2-augment, m3-augment), give its key, got "augment"',
  });
  assert.throws(() => chooseArm(arms, 'stack'), /--arm: expected stack, baseline or an arm/);
});

test('exportEpochs: training.epochs, or the median best epoch when early stopping', () => {
  const config = (earlyStopping?: object) =>
    ({ training: { epochs: 10, earlyStopping } }) as unknown as StudyConfig;
  const trial = (bestEpoch: number | null, state = 'done') =>
    ({ state, result: { bestEpoch } }) as unknown as TrialRow;
  assert.equal(exportEpochs(config(), [trial(2)]).epochs, 10);
  const es = config({ monitor: 'val_loss', patience: 2 });
  // Best epochs 3, 5, 8 (0-based 2, 4, 7): the median is 5; failed trials do not count.
  assert.equal(exportEpochs(es, [trial(7), trial(2), trial(4), trial(0, 'failed')]).epochs, 5);
  assert.equal(exportEpochs(es, []).epochs, 10);
});
