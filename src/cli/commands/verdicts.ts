/** `tunebook verdicts <study> [--json]`: the verdict table of a stored study. */
import { DataError, report, UsageError } from '../../index.js';
import type { Command } from '../command.js';
import { DB_FLAG, openForReading } from '../db.js';

export const verdictsCommand: Command = {
  name: 'verdicts',
  summary: "print a stored study's verdicts (effect, 95% CI, seeds, verdict, cost)",
  usage: 'tunebook verdicts <study> [--json] [--db file]',
  flags: {
    ...DB_FLAG,
    json: { type: 'boolean', help: 'one JSON object per arm, with trial values' },
  },
  async run({ flags, positionals, out }) {
    if (positionals.length !== 1) throw new UsageError('verdicts: expected one study name');
    const store = openForReading(flags);
    try {
      const study = store.findStudy(positionals[0]);
      if (!study) {
        const names = store.listStudies().map((s) => s.name);
        throw new DataError(
          store.file,
          `no study "${positionals[0]}" (${names.length ? `studies: ${names.join(', ')}` : 'the db has no studies'})`,
        );
      }
      const lines = report.verdictLines(store, study);
      const { measures, control } = report.splitControl(lines);
      const warning = report.controlWarning(control);
      if (flags.json) {
        out(
          JSON.stringify(
            {
              study: study.name,
              state: study.state,
              arms: measures,
              // The negative control, apart from the measures; warnings say when it was decisive.
              control,
              warnings: warning ? [warning] : [],
            },
            null,
            2,
          ),
        );
        return;
      }
      if (study.state !== 'done')
        out(`(study ${study.name} is ${study.state}: verdicts are from its last finished run)`);
      if (lines.length === 0) out('no verdicts yet: the study has not finished');
      else {
        out(report.verdictTable(lines));
        for (const line of report.verdictNotes(study.config as report.StoredSettings, lines))
          out(line);
      }
    } finally {
      store.close();
    }
  },
};
