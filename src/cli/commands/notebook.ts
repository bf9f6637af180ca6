/** `tunebook notebook [--json|--markdown|--html] [--out file]`: verdicts per measure across every study. */
import { writeFileAtomically } from '../../core/atomic-file.js';
import { UsageError } from '../../core/errors.js';
import * as lab from '../../lab/index.js';
import * as report from '../../report/index.js';
import type { Command } from '../command.js';
import { DB_FLAG, openForReading } from '../db.js';

export const notebookCommand: Command = {
  name: 'notebook',
  usage: 'tunebook notebook [--json | --markdown | --html] [--out file] [--db file]',
  flags: {
    ...DB_FLAG,
    json: { type: 'boolean', help: 'print JSON' },
    markdown: { type: 'boolean', help: 'print the living version of the seed notes' },
    html: { type: 'boolean', help: 'the notebook as a self-contained HTML page' },
    out: { type: 'string', help: 'write to this file instead of printing' },
  },
  async run({ flags, out }) {
    const formats = ['json', 'markdown', 'html'].filter((f) => flags[f]);
    if (formats.length > 1)
      throw new UsageError(`notebook: choose one of --${formats.join(', --')}`);
    const store = await openForReading(flags);
    try {
      const entries = lab.notebookEntries(await store.allVerdicts(), await store.notes());
      let text: string;
      if (flags.json) text = JSON.stringify(entries, null, 2);
      else if (flags.markdown) text = report.notebookMarkdown(entries);
      else if (flags.html) text = await report.notebookHtml(entries, { db: store.file });
      else if (entries.length === 0) text = 'the notebook is empty: run a study first';
      else {
        const rows = entries.map((e) => [
          e.measure,
          e.standing,
          String(e.evidence.length),
          e.evidence
            .map(
              (v) => `${v.study}: ${v.verdict} ${v.effect >= 0 ? '+' : ''}${v.effect.toFixed(2)}`,
            )
            .join('; '),
        ]);
        text = report.renderTable(['measure', 'standing', 'studies', 'evidence'], rows);
      }
      if (typeof flags.out === 'string') {
        writeFileAtomically(flags.out, text.endsWith('\n') ? text : `${text}\n`);
        out(`wrote ${flags.out}`);
      } else out(text.replace(/\n$/, ''));
    } finally {
      await store.close();
    }
  },
};
