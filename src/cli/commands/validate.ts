/** `tunebook validate <study.yaml>`: checks a study file without running anything. */
// Deep imports, not the package index: validating a file must not load TensorFlow.js.
import { UsageError } from '../../core/errors.js';
import { loadStudyFile } from '../../lab/config/load.js';
import type { Command } from '../command.js';

export const validateCommand: Command = {
  name: 'validate',
  usage: 'tunebook validate <study.yaml>',
  flags: {},
  async run({ positionals, out }) {
    if (positionals.length !== 1) throw new UsageError('validate: expected one study file');
    const study = await loadStudyFile(positionals[0]);
    const { config } = study;
    out(`${study.file}: ok, study "${config.name}"`);
    out(
      `  data ${config.data.source}, model ${config.model.name}, ${config.training.epochs} epochs`,
    );
    out(
      `  seeds ${config.seeds.minSeeds}-${config.seeds.maxSeeds}, metric ${config.metric}, delta ${config.delta} points`,
    );
    for (const arm of study.arms) out(`  arm ${arm.id}: ${arm.label}`);
  },
};
