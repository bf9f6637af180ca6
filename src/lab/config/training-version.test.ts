/**
 * The training code's fingerprint: a tiny MLP and a small CNN (so the convolution kernels
 * count too), each trained for one epoch on 60 digits, their losses and test metrics, must
 * equal `TRAINING_FINGERPRINT`. When a change of training code changes
 * what trials compute, this fails, so that `TRAINING_CODE_VERSION` (part of every trial key)
 * is bumped and stored trials stop standing in for new ones.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runTrial } from '../trial/run-trial.js';
import { parseStudy } from './load.js';
import { TRAINING_CODE_VERSION, TRAINING_FINGERPRINT } from './trial-key.js';

const study = (model: string) =>
  parseStudy(`name: fingerprint
data: { source: mnist, limit: 60 }
model: { name: ${model} }
training: { epochs: 1, batchSize: 16, optimizer: { name: adam, lr: 0.01 } }
measures:
  - classWeights: balanced
`);

/** Rounded so that summation order inside a kernel rarely flips it; a real change does. */
async function fingerprintOf(model: string): Promise<string> {
  const out = await runTrial({ config: study(model).config, seed: 7, backend: 'wasm' });
  const e = out.epochs[0];
  const parts = [
    out.state,
    out.result.parameters,
    e.trainLoss.toPrecision(4),
    (e.valLoss ?? Number.NaN).toPrecision(4),
    out.metrics.test_accuracy.toFixed(4),
    (out.metrics.test_loss ?? Number.NaN).toPrecision(4),
  ];
  return parts.join(' ');
}

async function trainingFingerprint(): Promise<string> {
  return `${await fingerprintOf('mlp')} | ${await fingerprintOf('small-cnn')}`;
}

test('training results equal the committed fingerprint of TRAINING_CODE_VERSION', async () => {
  const print = await trainingFingerprint();
  assert.equal(
    print,
    TRAINING_FINGERPRINT,
    `training results changed: bump TRAINING_CODE_VERSION (now ${TRAINING_CODE_VERSION}) and the fingerprint (src/lab/config/trial-key.ts) to ${JSON.stringify(print)}`,
  );
});
