/**
 * `tunebook verdicts <study> [--json]`: the verdict table of a stored study. The JSON gives
 * each failed trial's error beside it, and every failure (the baseline's too) in `failed`:
 * the study's output points there for details.
 */
import { DataError, UsageError } from '../../core/errors.js';
import type * as lab from '../../lab/index.js';
import * as report from '../../report/index.js';
import type { Command } from '../command.js';
import { DB_FLAG, openForReading } from '../db.js';

export const verdictsCommand: Command = {
  name: 'verdicts',
  usage: 'tunebook verdicts <study> [--json] [--db file]',
  flags: {
    ...DB_FLAG,
    json: { type: 'boolean', help: 'one JSON object per arm, with trial values' },
  },
  async run({ flags, positionals, out }) {
    if (positionals.length !== 1) throw new UsageError('verdicts: expected one study name');
    const store = await openForReading(flags);
    try {
      const study = await store.findStudy(positionals[0]);
      if (!study) {
        const names = (await store.listStudies()).map((s) => s.name);
        throw new DataError(
          store.file,
          `no study "${positionals[0]}" (${names.length ? `studies: ${names.join(', ')}` : 'the db has no studies'})`,
        );
      }
      const lines = await report.verdictLines(store, study);
      const { measures, control } = report.splitControl(lines);
      const warning = report.controlWarning(control);
      if (flags.json) {
        const classes = await report.studyClassNames(store, study);
        const withTrials = await withErrors(store, study, measures);
        // The negative control, apart from the measures; warnings say when it was decisive.
        const json = { ...withTrials, control, warnings: warning ? [warning] : [], classes };
        out(JSON.stringify(json, null, 2));
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
      await store.close();
    }
  },
};

async function withErrors(store: lab.Store, study: lab.StudyRow, lines: report.VerdictLine[]) {
  const trials = (await store.trials(study.id)).filter((t) => t.state === 'failed');
  const errorOf = (arm: string, seed: number) =>
    trials.find((t) => t.armKey === arm && t.seed === seed)?.error ?? null;
  const arms = lines.map((line) => ({
    ...line,
    trials: line.trials.map((t) =>
      t.state === 'failed' ? { ...t, error: errorOf(line.arm, t.seed) } : t,
    ),
  }));
  const failed = trials.map((t) => ({ arm: t.armKey, seed: t.seed, error: t.error }));
  return { study: study.name, state: study.state, arms, failed };
}
