/** `tunebook note <measure> "<text>"`: records a pitfall or observation about a measure. */

import { ConfigError, DataError, UsageError } from '../../core/errors.js';
import * as lab from '../../lab/index.js';
import type { Command } from '../command.js';
import { DB_FLAG, dbPath } from '../db.js';

export const noteCommand: Command = {
  name: 'note',
  usage:
    'tunebook note <measure> "<text>" [--new] [--study name] [--db file]   (measure as in the notebook, e.g. "dropout before-classifier", or a kind)',
  flags: {
    ...DB_FLAG,
    study: { type: 'string', help: 'the study the note is about' },
    new: { type: 'boolean', help: 'start a notebook entry that has no evidence yet' },
  },
  async run({ flags, positionals, out }) {
    if (positionals.length !== 2) throw new UsageError('note: expected a measure and a text');
    const [measure, text] = positionals;
    if (text.trim() === '') throw new ConfigError('text', 'a non-empty note', text);
    const store = await lab.openStore(dbPath(flags));
    try {
      const listed = lab
        .notebookEntries(await store.allVerdicts(), await store.notes())
        .map((e) => e.measure);
      lab.checkNoteMeasure(measure, listed, flags.new === true);
      let studyId: number | null = null;
      if (flags.study !== undefined) {
        const study = await store.findStudy(flags.study as string);
        if (!study) throw new DataError(store.file, `no study "${flags.study}"`);
        studyId = study.id;
      }
      const note = await store.addNote({ measure, text, studyId });
      out(`noted on ${measure} (#${note.id})`);
    } finally {
      await store.close();
    }
  },
};
