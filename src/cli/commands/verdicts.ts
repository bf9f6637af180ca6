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
  usage: 'tunebook verdicts <study> [--json] [--diff other-study] [--db file]',
  flags: {
    ...DB_FLAG,
    json: { type: 'boolean', help: 'one JSON object per arm, with trial values' },
    diff: {
      type: 'string',
      help: "another study: the same measures' effects side by side (matched by what they switch on)",
    },
  },
  async run({ flags, positionals, out }) {
    if (positionals.length !== 1) throw new UsageError('verdicts: expected one study name');
    const store = await openForReading(flags);
    try {
      const study = await findOrSay(store, positionals[0]);
      if (typeof flags.diff === 'string') {
        const other = await findOrSay(store, flags.diff);
        const rows = report.verdictDiff(
          await store.arms(study.id),
          await report.verdictLines(store, study),
          await store.arms(other.id),
          await report.verdictLines(store, other),
        );
        if (flags.json)
          out(JSON.stringify({ a: study.name, b: other.name, measures: rows }, null, 2));
        else out(report.verdictDiffTable(rows, study.name, other.name));
        return;
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

async function findOrSay(store: lab.Store, name: string): Promise<lab.StudyRow> {
  const study = await store.findStudy(name);
  if (study) return study;
  const names = (await store.listStudies()).map((s) => s.name);
  throw new DataError(
    store.file,
    `no study "${name}" (${names.length ? `studies: ${names.join(', ')}` : 'the db has no studies'})`,
  );
}

/** Each trial with the machine that ran it, and a failed one with its error. */
async function withErrors(store: lab.Store, study: lab.StudyRow, lines: report.VerdictLine[]) {
  const all = await store.trials(study.id);
  const trials = all.filter((t) => t.state === 'failed');
  const find = (arm: string, seed: number) => all.find((t) => t.armKey === arm && t.seed === seed);
  const arms = lines.map((line) => ({
    ...line,
    trials: line.trials.map((t) => {
      const row = find(line.arm, t.seed);
      const host = row?.host ?? null;
      return t.state === 'failed' ? { ...t, host, error: row?.error ?? null } : { ...t, host };
    }),
  }));
  const failed = trials.map((t) => ({ arm: t.armKey, seed: t.seed, error: t.error }));
  return { study: study.name, state: study.state, arms, failed };
}
