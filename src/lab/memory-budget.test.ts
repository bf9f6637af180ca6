/**
 * The memory estimate and its refusal: the issue's runaway head (`extraDense: [65536,
 * 65536]`, which drove a process to 9 GB) and its oversized batch are refused before any
 * trial, with the arm named; the everyday studies pass.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TunebookError } from '../core/errors.js';
import { parseStudy } from './config/load.js';
import { estimateTrialMemory } from './memory-budget.js';
import { checkMemory, memoryBudget } from './preflight.js';

const study = (measures: string, model = 'small-cnn') =>
  parseStudy(`
name: mem
data: { source: mnist, limit: 300 }
model: { name: ${model} }
training: { epochs: 1 }
seeds: { minSeeds: 2, maxSeeds: 3 }
measures:
${measures}
`);

const digits = { height: 28, width: 28, channels: 1 };

test('the small CNN on digits: 225,034 parameters, a few hundred MB in all', () => {
  const e = estimateTrialMemory(study('  - normalize: standard').config, digits, 10, {
    train: 210,
    total: 300,
  });
  assert.equal(e.parameters, 225_034); // the reference CNN's documented count
  assert.ok(e.totalMb > 160 && e.totalMb < 400, String(e.totalMb));
  const mlp = estimateTrialMemory(study('  - normalize: standard', 'mlp').config, digits, 10, {
    train: 210,
    total: 300,
  });
  assert.equal(mlp.parameters, 784 * 128 + 128 + 128 * 10 + 10);
});

test('extraDense [65536, 65536] and a 65536 batch are refused early, naming the arm', async () => {
  const budget = memoryBudget({ workers: 2, backend: 'wasm' });
  const huge = study('  - extraDense: [65536, 65536]\n  - normalize: standard');
  await assert.rejects(
    checkMemory(huge, budget),
    (e: unknown) =>
      e instanceof TunebookError &&
      e.exitCode === 2 &&
      /^study: arm m1-extraDense: does not fit the wasm backend's 4 GB heap \(4,304,366,090 parameters/.test(
        e.message,
      ),
  );
  const batch = study('  - set: { training.batchSize: 65536, data.limit: 10000 }');
  await assert.rejects(checkMemory(batch, budget), /arm m1-set: does not fit the wasm backend/);
  // Off wasm, the share of --memory is the limit.
  const small = memoryBudget({ workers: 2, memoryMb: 1000, backend: 'tensorflow' });
  await assert.rejects(
    checkMemory(study('  - extraDense: [4096, 4096]'), small),
    /arm m1-extraDense: needs more memory than a trial's share, 500 MB \(--memory 1000 over 2 worker\(s\)\)/,
  );
  const fine = await checkMemory(study('  - extraDense: [256, 128]'), budget);
  assert.deepEqual([...fine.keys()], ['baseline', 'm1-extraDense']);
});
