/**
 * The living version of the seed notes, in Markdown: sections Effective, Unstable,
 * Basically ineffective and Harmful; under each measure, its evidence lines (study, data,
 * effect with CI) and the notes written about it.
 *
 * @example
 *   console.log(notebookMarkdown(notebookEntries(await store.allVerdicts(), await store.notes())));
 */
import type { NotebookEntry, Standing } from '../lab/notebook.js';

const SECTIONS: [Standing, string][] = [
  ['effective', 'Effective measures'],
  ['unstable', 'Unstable measures'],
  ['ineffective', 'Basically ineffective measures'],
  ['harmful', 'Harmful measures'],
];

const signed = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(2)}` : 'n/a');

export function notebookMarkdown(entries: NotebookEntry[]): string {
  const out = [
    '# Tuning notebook',
    '',
    'Every measure tunebook has tested, sorted by the evidence so far. Effects are percentage',
    "points of each study's metric against its baseline at the same seeds, with 95% intervals.",
  ];
  for (const [standing, title] of SECTIONS) {
    out.push('', `## ${title}`, '');
    const here = entries.filter((e) => e.standing === standing);
    if (here.length === 0) {
      out.push('_None yet._');
      continue;
    }
    for (const e of here) {
      out.push(`### ${e.measure}`, '');
      for (const v of e.evidence) {
        out.push(
          `- **${v.verdict}** in study \`${v.study}\` (${v.data}; ${v.model}): ${v.label}, ` +
            `${signed(v.effect)} points [${signed(v.lo)}, ${signed(v.hi)}] on ${v.metric}, ${v.seeds} seeds`,
        );
      }
      for (const n of e.notes)
        out.push(`- Note (${n.date.slice(0, 10)}): ${n.text.replace(/\n/g, ' ')}`);
      if (e.evidence.length === 0 && e.notes.length === 0) out.push('- (no evidence yet)');
      out.push('');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}
