/**
 * Plain-text tables for the terminal: columns padded to their widest cell, numbers right-
 * aligned. No colour codes, so the output can be piped and diffed.
 *
 * @example
 *   renderTable(['a', 'b'], [['x', '1']], ['left', 'right']);
 */
export type Align = 'left' | 'right';

export function renderTable(header: string[], rows: string[][], align: Align[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) =>
        (align[i] ?? 'left') === 'right' ? c.padStart(widths[i]) : c.padEnd(widths[i]),
      )
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
