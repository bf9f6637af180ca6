/** `tunebook validate <study.yaml>`: checks a study file without running anything. */
import { lab, UsageError } from '../../index.js';
import type { Command } from '../command.js';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check a study file (schema, every arm) without running it',
  usage: 'tunebook validate <study.yaml>',
  flags: {},
  async run({ positionals, out }) {
    if (positionals.length !== 1) throw new UsageError('validate: expected one study file');
    const study = await lab.loadStudyFile(positionals[0]);
    const { config } = study;
    out(`${study.file}: ok, study "${config.name}"`);
    out(
      `  data ${config.data.source}, model ${config.model.name}, ${config.training.epochs} epochs`,
    );
    out(
      `  seeds ${config.seeds.minSeeds}-${config.seeds.maxSeeds}, metric ${config.metric}, delta ${config.delta} points`,
    );
    for (const arm of study.arms) out(`  arm ${arm.id}: ${arm.label}`);
    // What the file alone shows (the test split's resolution needs the data: study prints it).
    for (const warning of lab.planWarnings(study.arms)) out(`warning: ${warning}`);
  },
};
