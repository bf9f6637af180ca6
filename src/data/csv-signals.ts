/**
 * 1-D signals from CSV: one row a sample, one column its label, every other column a step of
 * the signal. Fields may be quoted ("..." with "" for a quote); blank lines are skipped.
 *
 * - `label`: the label column, by header name or 0-based index (negative counts from the
 *   end: -1 is the last column).
 * - `header`: true, false or 'auto' (default): the first row is a header when none of its
 *   signal fields is a number. A label given by name needs a header. Numeric column names
 *   (pandas writes 0, 1, 2, ... for unnamed columns) look like data: pass `header: true`.
 * - `classes`: the allowed labels in class-index order; without it, the sorted labels found.
 *
 * Errors (DataError, naming the file, the line and the column): a signal field that is
 * empty, NaN, infinite or text; a row with another number of fields; a label not in
 * `classes`; a file without data rows.
 *
 * @example
 *   const set = await loadSignalCsv('ecg.csv', { label: 'diagnosis', classes: ['normal', 'afib'] });
 */
import { readFile } from 'node:fs/promises';
import { ConfigError, DataError } from '../core/errors.js';
import { indexLabels } from './class-labels.js';
import { CSV_HEADER_MODES } from './options.js';
import type { SignalSet } from './signal-set.js';

export { CSV_HEADER_MODES };
export type CsvHeaderMode = (typeof CSV_HEADER_MODES)[number];

export interface SignalCsvOptions {
  /** Label column: header name, or 0-based index (negative from the end). */
  label: string | number;
  header?: CsvHeaderMode;
  /** Allowed labels, in class-index order (default: the sorted labels found). */
  classes?: readonly string[];
  /** Field separator, one character (default ','). */
  delimiter?: string;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Reads a signal CSV file (see the file doc).
 *
 * @example
 *   const set = await loadSignalCsv('signals.csv', { label: -1, header: false });
 */
export async function loadSignalCsv(file: string, options: SignalCsvOptions): Promise<SignalSet> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError(file, code === 'ENOENT' ? 'no such file' : `cannot read (${code})`);
  }
  return parseSignalCsv(text, options, file);
}

/**
 * Parses signal CSV text; `file` names it in errors.
 *
 * @example
 *   parseSignalCsv('x1,x2,y\n1,2,a\n3,4,b\n', { label: 'y' }).signals; // Float32Array [1, 2, 3, 4]
 */
export function parseSignalCsv(text: string, options: SignalCsvOptions, file = '<csv>'): SignalSet {
  const delimiter = options.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || /["\r\n]/.test(delimiter)) {
    throw new ConfigError('delimiter', 'one character other than a quote or newline', delimiter);
  }
  const headerMode = options.header ?? 'auto';
  if (!(CSV_HEADER_MODES as readonly unknown[]).includes(headerMode)) {
    throw new ConfigError('header', 'true, false or "auto"', headerMode);
  }
  if (typeof options.label === 'string' && headerMode === false) {
    throw new ConfigError('label', 'a column index when header is false', options.label);
  }
  const rows = splitCsv(text, delimiter, file);
  if (rows.length === 0) throw new DataError(file, 'no rows');
  const width = rows[0].fields.length;
  const labelColumn = resolveLabelColumn(options.label, rows[0].fields, width, file);

  let hasHeader: boolean;
  if (headerMode !== 'auto') hasHeader = headerMode;
  else if (typeof options.label === 'string') hasHeader = true;
  else {
    const signalFields = rows[0].fields.filter((_, c) => c !== labelColumn);
    hasHeader = signalFields.length > 0 && signalFields.every((f) => !NUMBER.test(f.trim()));
  }
  const header = hasHeader ? rows[0].fields : null;
  const data = hasHeader ? rows.slice(1) : rows;
  if (data.length === 0) throw new DataError(file, 'no data rows (only a header)');
  const length = width - 1;
  if (length < 1) throw new DataError(file, 'no signal columns besides the label column');

  const signals = new Float32Array(data.length * length);
  const texts: string[] = [];
  const columnName = (c: number) => (header ? ` (${JSON.stringify(header[c])})` : '');
  data.forEach((row, r) => {
    if (row.fields.length !== width) {
      throw new DataError(
        file,
        `line ${row.line}: expected ${width} fields, found ${row.fields.length}`,
      );
    }
    let t = r * length;
    row.fields.forEach((field, c) => {
      if (c === labelColumn) {
        texts.push(field.trim());
        return;
      }
      const trimmed = field.trim();
      const value = NUMBER.test(trimmed) ? Number(trimmed) : Number.NaN;
      if (!Number.isFinite(value)) {
        const found = trimmed === '' ? 'an empty field' : JSON.stringify(field);
        throw new DataError(
          file,
          `line ${row.line}, column ${c + 1}${columnName(c)}: expected a number, found ${found}`,
        );
      }
      signals[t++] = value;
    });
  });

  const indexed = indexLabels(texts, options.classes);
  if ('missing' in indexed) {
    const row = data[indexed.missing];
    throw new DataError(
      file,
      `line ${row.line}, column ${labelColumn + 1}${columnName(labelColumn)}: label ` +
        `${JSON.stringify(texts[indexed.missing])} is not one of the classes ` +
        `${(options.classes ?? []).map((c) => JSON.stringify(c)).join(', ')}`,
    );
  }
  return {
    signals,
    count: data.length,
    length,
    channels: 1,
    labels: indexed.labels,
    classNames: indexed.classNames,
  };
}

function resolveLabelColumn(
  label: string | number,
  firstRow: string[],
  width: number,
  file: string,
): number {
  if (typeof label === 'string') {
    const c = firstRow.findIndex((name) => name.trim() === label);
    if (c < 0) {
      throw new DataError(
        file,
        `no label column ${JSON.stringify(label)} in the header (${firstRow.map((f) => JSON.stringify(f.trim())).join(', ')})`,
      );
    }
    return c;
  }
  if (!Number.isInteger(label) || label >= width || label < -width) {
    throw new ConfigError('label', `a column index in [${-width}, ${width})`, label);
  }
  return label < 0 ? width + label : label;
}

interface CsvRow {
  /** 1-based line where the row starts. */
  line: number;
  fields: string[];
}

/** RFC 4180 fields: quotes around a field, "" inside quotes, CRLF or LF line ends. */
function splitCsv(text: string, delimiter: string, file: string): CsvRow[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark is not data
  if (!text.includes('"')) {
    // Without quotes, lines and fields are plain splits: much faster on large files.
    const rows: CsvRow[] = [];
    text.split(/\r\n|\n|\r/).forEach((lineText, k) => {
      if (lineText.trim() !== '') rows.push({ line: k + 1, fields: lineText.split(delimiter) });
    });
    return rows;
  }
  const rows: CsvRow[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let rowLine = 1;
  let quoted = false;
  const endRow = () => {
    fields.push(field);
    // A row that is one empty field is a blank line.
    if (!(fields.length === 1 && fields[0].trim() === '')) rows.push({ line: rowLine, fields });
    fields = [];
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
    } else if (ch === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (ch === delimiter) {
      fields.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else field += ch;
  }
  if (quoted) throw new DataError(file, `line ${rowLine}: a quoted field is not closed`);
  if (field !== '' || fields.length > 0) endRow();
  return rows;
}
