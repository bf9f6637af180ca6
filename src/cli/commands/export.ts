/**
 * `tunebook export <study> [--arm stack|<measure>|baseline] --out <dir>`: trains the chosen
 * arm's settings once more on train+validation at seed 0 and saves the model a user keeps
 * (tfjs layers model.json + weights) with its preprocessing.json (see lab/export).
 */
import { UsageError } from '../../core/errors.js';
import type { BackendChoice } from '../../engine/backend.js';
import * as lab from '../../lab/index.js';
import type { Command } from '../command.js';
import { DB_FLAG, openForReading } from '../db.js';

export const exportCommand: Command = {
  name: 'export',
  usage: 'tunebook export <study> [--arm stack|baseline|<arm>] --out <dir> [--db file]',
  flags: {
    ...DB_FLAG,
    arm: {
      type: 'string',
      help: 'the arm: stack, baseline, an arm key (m2-dropout), label or measure kind (default: stack if the study has one, else baseline)',
    },
    out: {
      type: 'string',
      help: 'folder to write model.json, its weights and preprocessing.json to',
    },
  },
  async run({ flags, positionals, out }) {
    if (positionals.length !== 1) throw new UsageError('export: expected one study name');
    const dir = flags.out as string | undefined;
    if (!dir) throw new UsageError('export: --out <dir> is required');
    const store = await openForReading(flags);
    try {
      const done = await lab.exportModel({
        store,
        study: positionals[0],
        arm: flags.arm as string | undefined,
        out: dir,
        backend: flags.backend as BackendChoice | undefined,
        log: out,
      });
      const from = done.preprocessing.trainedFrom;
      out(
        `test accuracy ${(100 * (from.testAccuracy ?? 0)).toFixed(2)}%, balanced ${(100 * (from.testBalancedAccuracy ?? 0)).toFixed(2)}% (the study's held-out test split)`,
      );
      out(
        `saved ${dir}/model.json and ${dir}/${lab.PREPROCESSING_JSON} (classes: ${done.preprocessing.classNames.join(', ')})`,
      );
    } finally {
      await store.close();
    }
  },
};
