/** `tunebook note <measure> "<text>"`: records a pitfall or observation about a measure. */

import { ConfigError, DataError, UsageError } from '../../core/errors.js';
import * as lab from '../../lab/index.js';
import type { Command } from '../command.js';
import { DB_FLAG, dbPath } from '../db.js';

export const noteCommand: Command = {
  name: 'note',
  usage:
    'tunebook note <measure> "<text>" [--study name] [--db file]   (measure as in the notebook, e.g. "dropout before-classifier")',
  flags: { ...DB_FLAG, study: { type: 'string', help: 'the study the note is about' } },
  async run({ flags, positionals, out }) {
    if (positionals.length !== 2) throw new UsageError('note: expected a measure and a text');
    const [measure, text] = positionals;
    if (!(lab.MEASURE_KINDS as readonly string[]).includes(measure.split(' ')[0])) {
      throw new ConfigError(
        'measure',
        `a measure as the notebook names it, starting with one of ${lab.MEASURE_KINDS.join(', ')} (e.g. "normalize equalize")`,
        measure,
      );
    }
    if (text.trim() === '') throw new ConfigError('text', 'a non-empty note', text);
    const store = lab.openStore(dbPath(flags));
    try {
      let studyId: number | null = null;
      if (flags.study !== undefined) {
        const study = store.findStudy(flags.study as string);
        if (!study) throw new DataError(store.file, `no study "${flags.study}"`);
        studyId = study.id;
      }
      const note = store.addNote({ measure, text, studyId });
      out(`noted on ${measure} (#${note.id})`);
    } finally {
      store.close();
    }
  },
};
