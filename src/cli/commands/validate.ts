/** `tunebook validate <study.yaml>`: checks a study file and its data without training. */
// Deep imports, not the package index: validating a file must not load TensorFlow.js.
import { UsageError } from '../../core/errors.js';
import { loadStudyFile } from '../../lab/config/load.js';
import { checkMemory, preflight } from '../../lab/preflight.js';
import { planWarnings } from '../../lab/runner/warnings.js';
import type { Command } from '../command.js';
import { budgetOf, MEMORY_FLAG, workersOf } from '../resources.js';

export const validateCommand: Command = {
  name: 'validate',
  usage: 'tunebook validate <study.yaml> [--workers N] [--memory MB]',
  flags: {
    workers: { type: 'int', min: 1, max: 64, help: 'parallel trials the memory check assumes' },
    ...MEMORY_FLAG,
  },
  async run({ flags, positionals, out }) {
    if (positionals.length !== 1) throw new UsageError('validate: expected one study file');
    // The same preflight as `study`: data read and checked, so what passes here can run.
    const study = await preflight(await loadStudyFile(positionals[0]), { log: out });
    // Each arm's estimated memory against its share.
    await checkMemory(study, budgetOf(flags, workersOf(flags, study)), { dataOptional: true });
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
    for (const warning of planWarnings(study.arms)) out(`warning: ${warning}`);
  },
};
