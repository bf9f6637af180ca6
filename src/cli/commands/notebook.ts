/** `tunebook notebook [--json|--markdown]`: verdicts per measure across every study. */
import { lab, report } from '../../index.js';
import type { Command } from '../command.js';
import { DB_FLAG, openForReading } from '../db.js';

export const notebookCommand: Command = {
  name: 'notebook',
  summary: 'the cumulative notebook: every measure, its verdicts across studies, and notes',
  usage: 'tunebook notebook [--json | --markdown] [--db file]',
  flags: {
    ...DB_FLAG,
    json: { type: 'boolean', help: 'print JSON' },
    markdown: { type: 'boolean', help: 'print the living version of the seed notes' },
  },
  async run({ flags, out }) {
    const store = openForReading(flags);
    try {
      const entries = lab.notebookEntries(store.allVerdicts(), store.notes());
      if (flags.json) {
        out(JSON.stringify(entries, null, 2));
        return;
      }
      if (flags.markdown) {
        out(report.notebookMarkdown(entries));
        return;
      }
      if (entries.length === 0) {
        out('the notebook is empty: run a study first');
        return;
      }
      const rows = entries.map((e) => [
        e.measure,
        e.standing,
        String(e.evidence.length),
        e.evidence
          .map((v) => `${v.study}: ${v.verdict} ${v.effect >= 0 ? '+' : ''}${v.effect.toFixed(2)}`)
          .join('; '),
      ]);
      out(report.renderTable(['measure', 'standing', 'studies', 'evidence'], rows));
    } finally {
      store.close();
    }
  },
};
