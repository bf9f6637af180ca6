/**
 * `tunebook lr-find <study.yaml>`: the learning-rate range test on the study's baseline
 * settings; prints the suggested rate and writes a PNG plot of loss against rate.
 */

import { UsageError } from '../../core/errors.js';
import type { BackendChoice } from '../../engine/backend.js';
import * as lab from '../../lab/index.js';
import * as report from '../../report/index.js';
import * as training from '../../training/index.js';
import * as losses from '../../training/losses-index.js';
import type { Command } from '../command.js';

export const lrFindCommand: Command = {
  name: 'lr-find',
  usage:
    'tunebook lr-find <study.yaml> [--out lr-find.png] [--min 1e-7] [--max 10] [--steps N] [--seed N]',
  flags: {
    out: { type: 'string', help: 'PNG plot to write (default lr-find.png)' },
    min: { type: 'number', min: 0, exclusiveMin: true, help: 'first rate (default 1e-7)' },
    max: { type: 'number', min: 0, exclusiveMin: true, help: 'last rate (default 10)' },
    steps: {
      type: 'int',
      min: 10,
      max: 100000,
      help: 'steps of the sweep (default one epoch, at least 100)',
    },
    seed: { type: 'int', min: 0, help: 'seed (default 0)' },
  },
  async run({ flags, positionals, out }) {
    if (positionals.length !== 1) throw new UsageError('lr-find: expected one study file');
    const loaded = await lab.preflight(await lab.loadStudyFile(positionals[0]));
    const baseline = loaded.arms[0].config;
    const seed = (flags.seed as number | undefined) ?? 0;
    const setup = await lab.setupTrial({
      config: baseline,
      seed,
      backend: flags.backend as BackendChoice | undefined,
    });
    const counts = setup.data.counts.train;
    const weights = baseline.training.classWeights
      ? losses.classWeights(baseline.training.classWeights, counts)
      : null;
    const result = await training.lrRangeTest(setup.model, setup.transforms.trainSource, {
      optimizer: baseline.training.optimizer,
      batchSize: baseline.training.batchSize,
      seed,
      min: flags.min as number | undefined,
      max: flags.max as number | undefined,
      steps: flags.steps as number | undefined,
      classWeights: weights,
      transform: setup.transforms.train,
      layout: setup.layout,
    });
    setup.model.dispose();
    const file = (flags.out as string | undefined) ?? 'lr-find.png';
    await report.writePlotPng(file, {
      x: result.rates,
      y: result.smoothed,
      logX: true,
      xLabel: 'learning rate (log scale)',
      yLabel: 'training loss (smoothed)',
      title: `LR range test: ${loaded.config.name}, ${baseline.model.name}, ${baseline.training.optimizer.name}`,
      yMax: 1.5 * result.smoothed[0],
      marker: { x: result.suggested, label: `suggested ${result.suggested.toExponential(1)}` },
    });
    out(
      `swept ${result.rates.length} steps from ${result.rates[0].toExponential(1)} to ${result.rates.at(-1)!.toExponential(1)}`,
    );
    out(
      `suggested learning rate ${result.suggested.toExponential(2)} (steepest fall of the loss); minimum/10: ${result.minimumOver10.toExponential(2)}`,
    );
    out(`plot written to ${file}`);
  },
};
